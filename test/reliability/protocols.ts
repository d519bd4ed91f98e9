/**
 * The three wire protocols as tests need them: how to build a provider against a test server, and the bytes
 * of a text frame, the opening and closing frames, and the faulty frames (wrong shape, malformed, error).
 */
import { createAnthropicProvider } from "../../src/providers/anthropic.js";
import { createOllamaProvider } from "../../src/providers/ollama.js";
import { createOpenAIProvider } from "../../src/providers/openai.js";
import type { Provider, ProviderOptions } from "../../src/providers/provider.js";

export const FAKE_KEY = "sk-planted-FAKE-KEY-7f3a9c1e5b";

export interface Protocol {
  name: "openai" | "anthropic" | "ollama";
  provider(baseUrl: string, options?: ProviderOptions): Provider;
  contentType: string;
  start: string;
  text(piece: string): string;
  end: string;
  /** Valid JSON of the wrong shape (a field that must be an object is null, or text is a number). */
  wrongShape: string;
  malformed: string;
  errorEvent: string;
  /** Just the end marker, for the "never skipped" cases. */
}

const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

export const PROTOCOLS: Protocol[] = [
  {
    name: "openai",
    provider: (baseUrl, options = {}) => createOpenAIProvider({ apiKey: FAKE_KEY, baseUrl: `${baseUrl}/v1`, ...options }),
    contentType: "text/event-stream",
    start: sse(undefined, { id: "chatcmpl-1", model: "gpt-4o-mini", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }),
    text: (piece) => sse(undefined, { id: "chatcmpl-1", choices: [{ index: 0, delta: { content: piece } }] }),
    end: sse(undefined, { id: "chatcmpl-1", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) + "data: [DONE]\n\n",
    wrongShape: sse(undefined, '{"choices":[null]}'),
    malformed: "data: {not json\n\n",
    errorEvent: sse(undefined, { error: { message: "boom", type: "server_error" } }),
  },
  {
    name: "anthropic",
    provider: (baseUrl, options = {}) => createAnthropicProvider({ apiKey: FAKE_KEY, baseUrl, ...options }),
    contentType: "text/event-stream",
    start:
      sse("message_start", { type: "message_start", message: { id: "msg_1", model: "claude-x", usage: { input_tokens: 3, output_tokens: 1 } } }) +
      sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    text: (piece) => sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }),
    end:
      sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } }) +
      sse("message_stop", { type: "message_stop" }),
    wrongShape: sse("content_block_delta", '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}}'),
    malformed: "event: content_block_delta\ndata: {not json\n\n",
    errorEvent: sse("error", { type: "error", error: { type: "overloaded_error", message: "boom" } }),
  },
  {
    name: "ollama",
    provider: (baseUrl, options = {}) => createOllamaProvider({ baseUrl, ...options }),
    contentType: "application/x-ndjson",
    start: "",
    text: (piece) => JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: piece }, done: false }) + "\n",
    end: JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", eval_count: 3 }) + "\n",
    wrongShape: '{"model":"llama3.2","message":"not an object","done":false}\n',
    malformed: "{oops\n",
    errorEvent: '{"error":"boom"}\n',
  },
];

export const request = { model: "test-model", messages: [{ role: "user" as const, content: "Hi" }] };

export const bytes = (text: string) => new TextEncoder().encode(text);
