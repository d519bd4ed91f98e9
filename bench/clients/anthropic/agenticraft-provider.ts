/** Ours without the Agent: `createProvider("anthropic", …).stream(request)`. */
import { createProvider } from "agenticraft";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { ANTHROPIC_MODEL, API_KEY, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  const provider = createProvider("anthropic", { baseUrl: url, apiKey: API_KEY, maxRetries: 0, headers });
  return async (first) => {
    const tally = new Tally(first);
    const stream = provider.stream({ model: ANTHROPIC_MODEL, messages: [{ role: "user", content: PROMPT }] });
    for await (const chunk of stream) if (chunk.content.length > 0) tally.add(chunk.content);
    return { pieces: tally.pieces, chars: tally.chars, hold: stream };
  };
}
