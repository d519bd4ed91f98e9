/** Ours on the Responses API: `new Agent({ provider: "openai", providerOptions: { api: "responses" } }).stream(prompt)`. */
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { benchAgent } from "../agenticraft.js";
import { PROMPT, Tally } from "../common.js";

export function setup(context: ClientContext): StreamOnce {
  return async (first) => {
    const agent = benchAgent("openai", context, { providerOptions: { api: "responses" } });
    const tally = new Tally(first);
    for await (const chunk of agent.stream(PROMPT)) if (chunk.content.length > 0) tally.add(chunk.content);
    return { pieces: tally.pieces, chars: tally.chars, hold: agent };
  };
}
