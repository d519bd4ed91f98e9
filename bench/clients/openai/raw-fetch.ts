/** The floor: global fetch, a TextDecoder and eventsource-parser's createParser, one JSON.parse per event. */
import { createParser } from "eventsource-parser";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally, incomplete } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  return async (first) => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}`, ...headers },
      body: JSON.stringify({
        model: OPENAI_MODEL,
        messages: [{ role: "user", content: PROMPT }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
    const tally = new Tally(first);
    let done = false;
    const parser = createParser({
      onEvent(event) {
        if (event.data === "[DONE]") {
          done = true;
          return;
        }
        const content = JSON.parse(event.data).choices?.[0]?.delta?.content;
        if (content) tally.add(content);
      },
    });
    const decoder = new TextDecoder();
    // Read to the end rather than break at [DONE]: cancelling the body would cost the keep-alive connection.
    for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
    if (!done) throw incomplete("data: [DONE]");
    return tally;
  };
}
