/**
 * The agent every agenticraft client streams with, and the collect client of both formats: one place, so the
 * clients differ only in what they measure. Kept apart from common.ts, which peer clients import too (a peer's
 * process must not load agenticraft).
 */
import { Agent, StreamingResponse, type AgentOptions } from "agenticraft";
import type { ClientContext, StreamOnce } from "../lib/types.js";
import { ANTHROPIC_MODEL, API_KEY, OPENAI_MODEL, PROMPT, Tally } from "./common.js";

/** A fresh agent on the emulator in `protocol`'s format (it keeps history, so one per stream). */
export function benchAgent(protocol: "openai" | "anthropic", { url, headers }: ClientContext, extra: AgentOptions = {}): Agent {
  const openai = protocol === "openai";
  return new Agent({
    provider: protocol,
    baseUrl: openai ? `${url}/v1` : url,
    apiKey: API_KEY,
    model: openai ? OPENAI_MODEL : ANTHROPIC_MODEL,
    maxRetries: 0,
    ...extra,
    providerOptions: { ...extra.providerOptions, headers },
  });
}

/**
 * What `collectStream(stream, { keepChunks: false })` does (the text read from the stream, kept once), with the
 * pieces counted as they come so time to first text is seen.
 */
export function collectClient(protocol: "openai" | "anthropic"): (context: ClientContext) => StreamOnce {
  return (context) => async (first) => {
    const agent = benchAgent(protocol, context);
    const stream = agent.stream(PROMPT);
    const response = new StreamingResponse({ keepChunks: false, textSource: stream });
    response.start();
    const tally = new Tally(first);
    for await (const chunk of stream) {
      response.addChunk(chunk);
      if (chunk.content.length > 0) tally.add(chunk.content);
    }
    if (!response.isComplete) throw new Error("StreamingResponse saw no final chunk");
    // The collected text is what is checked, so a response that loses text fails the run.
    return { pieces: tally.pieces, chars: response.completeText.length, hold: { agent, response } };
  };
}
