/** Ours on the Messages API: `new Agent({ provider: "anthropic", … }).stream(prompt)`, a fresh agent per stream. */
import { Agent } from "agenticraft";
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
    const tally = new Tally(first);
    for await (const chunk of agent.stream(PROMPT)) if (chunk.content.length > 0) tally.add(chunk.content);
    return { pieces: tally.pieces, chars: tally.chars, hold: agent };
  };
}
