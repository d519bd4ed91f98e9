/** Ours, collecting: an Agent stream folded into `StreamingResponse({ keepChunks: false })`. */
import { Agent, StreamingResponse } from "agenticraft";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  return async (first) => {
    const agent = new Agent({
      provider: "openai",
      baseUrl: `${url}/v1`,
      apiKey: API_KEY,
      model: OPENAI_MODEL,
      maxRetries: 0,
      providerOptions: { headers },
    });
    const response = new StreamingResponse({ keepChunks: false });
    const tally = new Tally(first);
    for await (const chunk of agent.stream(PROMPT)) {
      response.addChunk(chunk);
      if (chunk.content.length > 0) tally.add(chunk.content);
    }
    if (!response.isComplete) throw new Error("StreamingResponse saw no final chunk");
    // The collected text is what is checked, so a response that loses text fails the run.
    return { pieces: tally.pieces, chars: response.completeText.length, hold: { agent, response } };
  };
}
