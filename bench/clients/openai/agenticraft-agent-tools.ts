/** Ours with tools configured (three, as an app would have) that the bench stream never calls: what tools cost when unused. */
import { tool } from "agenticraft";
import { z } from "zod";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { benchAgent } from "../agenticraft.js";
import { PROMPT, Tally } from "../common.js";

const TOOLS = [
  tool({ name: "get_weather", description: "Weather in a city", parameters: z.object({ city: z.string() }), execute: ({ city }) => ({ city, tempC: 21 }) }),
  tool({ name: "current_time", description: "The time", parameters: { type: "object", properties: { timeZone: { type: "string" } } }, execute: () => new Date().toISOString() }),
  tool({ name: "calculate", description: "a op b", parameters: z.object({ a: z.number(), op: z.enum(["+", "-"]), b: z.number() }), execute: ({ a, op, b }) => (op === "+" ? a + b : a - b) }),
];

export function setup(context: ClientContext): StreamOnce {
  return async (first) => {
    const agent = benchAgent("openai", context, { tools: TOOLS });
    const tally = new Tally(first);
    for await (const chunk of agent.stream(PROMPT)) if (chunk.content.length > 0) tally.add(chunk.content);
    return { pieces: tally.pieces, chars: tally.chars, hold: agent };
  };
}
