/** Ours, collecting, on the Messages API: an Agent stream folded into `StreamingResponse({ keepChunks: false })` as `collectStream` does. */
import { Agent, StreamingResponse } from "agenticraft";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { ANTHROPIC_MODEL, API_KEY, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  return async (first) => {
    const agent = new Agent({
      provider: "anthropic",
      baseUrl: url,
      apiKey: API_KEY,
      model: ANTHROPIC_MODEL,
      maxRetries: 0,
      providerOptions: { headers },
    });
    // What collectStream(stream, { keepChunks: false }) does (the text read from the stream, kept once), with the
    // pieces counted as they come so time to first text is seen.
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
