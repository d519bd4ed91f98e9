/** Ours, as the README shows it: `new Agent(…).stream(prompt)`, a fresh agent per stream (it keeps history). */
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { benchAgent } from "../agenticraft.js";
import { PROMPT, Tally } from "../common.js";

export function setup(context: ClientContext): StreamOnce {
  return async (first) => {
    const agent = benchAgent("openai", context);
    const tally = new Tally(first);
    for await (const chunk of agent.stream(PROMPT)) if (chunk.content.length > 0) tally.add(chunk.content);
    return { pieces: tally.pieces, chars: tally.chars, hold: agent };
  };
}
