/** The official `openai` package on the Responses API: `responses.create({ stream: true })`. */
import OpenAI from "openai";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, defaultHeaders: headers, maxRetries: 0 });
  return async (first) => {
    const stream = await client.responses.create({ model: OPENAI_MODEL, input: PROMPT, stream: true });
    const tally = new Tally(first);
    for await (const event of stream) {
      if (event.type === "response.output_text.delta" && event.delta) tally.add(event.delta);
    }
    return { pieces: tally.pieces, chars: tally.chars, hold: stream };
  };
}
