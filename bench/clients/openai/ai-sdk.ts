/** The Vercel AI SDK: `streamText` on `createOpenAI(…).chat(model)` (the Chat Completions endpoint), `textStream`. */
import { createOpenAI } from "@ai-sdk/openai";
import { streamText } from "ai";
import type { ClientContext, StreamOnce } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  // .chat(): the default model of @ai-sdk/openai 3 speaks the Responses API, which the emulator does not serve.
  const model = createOpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, headers }).chat(OPENAI_MODEL);
  return async (first) => {
    let failure: unknown;
    // streamText reports errors to onError and ends textStream quietly; rethrow so a failure is a failure.
    const result = streamText({ model, prompt: PROMPT, maxRetries: 0, onError: ({ error }) => void (failure ??= error) });
    const tally = new Tally(first);
    for await (const text of result.textStream) if (text) tally.add(text);
    if (failure !== undefined) throw failure;
    return { pieces: tally.pieces, chars: tally.chars, hold: result };
  };
}
