/** Raw-client helpers for the emulator tests: plain fetch, and tiny frame splitters that check framing as they go. */
import assert from "node:assert/strict";
import type { EmulatorProtocol } from "../../src/emulator/index.js";

/** Chat paths by protocol. */
export const CHAT_PATH: Record<EmulatorProtocol, string> = {
  openai: "/v1/chat/completions",
  anthropic: "/v1/messages",
  ollama: "/api/chat",
};

/** A minimal valid chat body for each protocol, streaming or not. */
export function chatBody(protocol: EmulatorProtocol, prompt: string, stream: boolean, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const messages = [{ role: "user", content: prompt }];
  if (protocol === "openai") return { model: "gpt-4o-mini", messages, stream, ...(stream ? { stream_options: { include_usage: true } } : {}), ...extra };
  if (protocol === "anthropic") return { model: "claude-sonnet-4-5-20250929", max_tokens: 1024, messages, stream, ...extra };
  return { model: "llama3.2", messages, stream, ...extra };
}

/** POSTs JSON with fetch. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
  if (signal !== undefined) init.signal = signal;
  return fetch(url, init);
}

/** One SSE event as written by the emulator (one optional `event:` line and one `data:` line). */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Splits a complete SSE body; asserts every block is exactly `[event: X\n]data: Y` and the body ends with a blank line. */
export function parseSse(text: string): SseEvent[] {
  if (text === "") return [];
  assert.ok(text.endsWith("\n\n"), `SSE body must end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((block) => {
      const m = /^(?:event: ([^\n]+)\n)?data: ([^\n]*)$/.exec(block);
      assert.ok(m, `bad SSE block: ${JSON.stringify(block)}`);
      return { event: m[1], data: m[2] ?? "" };
    });
}

/** Splits a complete NDJSON body into parsed lines; asserts one JSON object per `\n`-terminated line. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test lines are read field by field
export function parseNdjson(text: string): Array<Record<string, any>> {
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), "NDJSON body must end with a newline");
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Reads a body to its end, or to the error that cut it; returns what arrived and the error, if any. */
export async function readToEnd(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body?.getReader();
  assert.ok(reader, "response has a body");
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** A body read incrementally, so a test can stop after some frames and check what comes next. */
export class BodyReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  text = "";
  done = false;

  constructor(res: Response) {
    const reader = res.body?.getReader();
    assert.ok(reader, "response has a body");
    this.#reader = reader;
  }

  /** Reads until `predicate(text)` holds or the body ends; at most `maxReads` reads (bounded). */
  async readUntil(predicate: (text: string) => boolean, maxReads = 10_000): Promise<string> {
    for (let i = 0; i < maxReads && !predicate(this.text) && !this.done; i++) await this.readOnce();
    return this.text;
  }

  /** One read: true if bytes arrived, false at the end. */
  async readOnce(): Promise<boolean> {
    const { done, value } = await this.#reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    this.text += this.#decoder.decode(value, { stream: true });
    return true;
  }

  /** Whether any byte (or the end) arrives within `ms`; the pending read is left for later. */
  async anythingWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
    const read = this.#reader.read().then(
      (r) => {
        if (!r.done) this.text += this.#decoder.decode(r.value, { stream: true });
        else this.done = true;
        return true;
      },
      () => true,
    );
    try {
      return await Promise.race([read, silence]);
    } finally {
      clearTimeout(timer);
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}

/** Content frames in a body, per protocol: the unit that `drop-after=N` and friends count. */
export function contentFrames(protocol: EmulatorProtocol, text: string): number {
  if (protocol === "ollama") {
    return text
      .split("\n")
      .filter((l) => l.startsWith("{") && !l.includes('"done":true') && !l.startsWith('{"error"'))
      .filter((l) => /"(content":"[^"]|thinking"|tool_calls")/.test(l)).length;
  }
  const blocks = text.split("\n\n");
  if (protocol === "anthropic") return blocks.filter((b) => /"type":"(text_delta|thinking_delta)"|"partial_json":"[^"]/.test(b)).length;
  return blocks.filter((b) => /"delta":\{"(content|reasoning_content|tool_calls)"/.test(b)).length;
}

/** Text of an OpenAI stream's content deltas. */
export function openaiStreamText(events: SseEvent[]): string {
  return events
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data) as { choices: Array<{ delta: { content?: string | null } }> })
    .map((c) => c.choices[0]?.delta.content ?? "")
    .join("");
}
