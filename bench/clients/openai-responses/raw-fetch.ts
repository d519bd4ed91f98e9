/** The floor on the Responses format: global fetch, a TextDecoder and eventsource-parser, one JSON.parse per event. */
import { createParser } from "eventsource-parser";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally, incomplete } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  return async (first) => {
    const response = await fetch(`${url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}`, ...headers },
      body: JSON.stringify({ model: OPENAI_MODEL, input: PROMPT, stream: true }),
    });
    if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
    const tally = new Tally(first);
    let done = false;
    const parser = createParser({
      onEvent(event) {
        const payload = JSON.parse(event.data);
        if (payload.type === "response.output_text.delta") {
          if (payload.delta) tally.add(payload.delta);
        } else if (payload.type === "response.completed") done = true;
      },
    });
    const decoder = new TextDecoder();
    // No [DONE] on this API: the body ends after response.completed.
    for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
    if (!done) throw incomplete("response.completed");
    return tally;
  };
}
