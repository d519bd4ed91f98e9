/** LangChain.js: `new ChatOpenAI({ configuration: { baseURL } }).stream(prompt)`. */
import { ChatOpenAI } from "@langchain/openai";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  const model = new ChatOpenAI({
    model: OPENAI_MODEL,
    apiKey: API_KEY,
    maxRetries: 0,
    streamUsage: true,
    configuration: { baseURL: `${url}/v1`, defaultHeaders: headers },
  });
  return async (first) => {
    const stream = await model.stream(PROMPT);
    const tally = new Tally(first);
    for await (const chunk of stream) {
      const content = chunk.content;
      if (typeof content === "string" && content !== "") tally.add(content);
    }
    return { pieces: tally.pieces, chars: tally.chars, hold: stream };
  };
}
