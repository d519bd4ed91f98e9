/** The Anthropic floor: global fetch, a TextDecoder, eventsource-parser's createParser, JSON.parse per event. */
import { createParser } from "eventsource-parser";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { ANTHROPIC_MODEL, API_KEY, MAX_TOKENS, PROMPT, Tally, incomplete } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  return async (first) => {
    const response = await fetch(`${url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY, "anthropic-version": "2023-06-01", ...headers },
      body: JSON.stringify({
        model: ANTHROPIC_MODEL,
        max_tokens: MAX_TOKENS,
        messages: [{ role: "user", content: PROMPT }],
        stream: true,
      }),
    });
    if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
    const tally = new Tally(first);
    let done = false;
    const parser = createParser({
      onEvent(event) {
        const json = JSON.parse(event.data);
        if (json.type === "content_block_delta") {
          if (json.delta?.type === "text_delta" && json.delta.text) tally.add(json.delta.text);
        } else if (json.type === "message_stop") done = true;
        else if (json.type === "error") throw new Error(json.error?.message ?? "error event");
      },
    });
    const decoder = new TextDecoder();
    for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
    if (!done) throw incomplete("message_stop");
    return tally;
  };
}
