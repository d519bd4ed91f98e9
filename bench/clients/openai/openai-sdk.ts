/** The official `openai` package: `chat.completions.create({ stream: true })`. */
import OpenAI from "openai";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, defaultHeaders: headers, maxRetries: 0 });
  return async (first) => {
    const stream = await client.chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: "user", content: PROMPT }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const tally = new Tally(first);
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content;
      if (content) tally.add(content);
    }
    return { pieces: tally.pieces, chars: tally.chars, hold: stream };
  };
}
