/** The official `@anthropic-ai/sdk`: `messages.create({ stream: true })`, iterating the raw events. */
import Anthropic from "@anthropic-ai/sdk";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { ANTHROPIC_MODEL, API_KEY, MAX_TOKENS, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  const client = new Anthropic({ baseURL: url, apiKey: API_KEY, defaultHeaders: headers, maxRetries: 0 });
  return async (first) => {
    const stream = await client.messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: MAX_TOKENS,
      messages: [{ role: "user", content: PROMPT }],
      stream: true,
    });
    const tally = new Tally(first);
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta" && event.delta.text) tally.add(event.delta.text);
    }
    return { pieces: tally.pieces, chars: tally.chars, hold: stream };
  };
}
