/** Ours on the Responses API: `new Agent({ provider: "openai", providerOptions: { api: "responses" } }).stream(prompt)`. */
import { Agent } from "agenticraft";
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
      providerOptions: { api: "responses", headers },
    });
    const tally = new Tally(first);
    for await (const chunk of agent.stream(PROMPT)) if (chunk.content.length > 0) tally.add(chunk.content);
    return { pieces: tally.pieces, chars: tally.chars, hold: agent };
  };
}
