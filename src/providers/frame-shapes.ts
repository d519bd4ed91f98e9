/**
 * Shape checks for what the wire gives, one per protocol frame. A frame of valid JSON but the wrong shape is
 * the provider's fault: it becomes a `WireFormatError` of type "unexpected-shape" (an interruption with reason
 * "provider"), never a `TypeError` deep in an adapter and never a frame skipped without a word. Hand-written
 * `typeof` narrowing rather than a schema library: a handful of checks per frame costs nothing next to
 * `JSON.parse`, and the hot path stays allocation-free. Event, block and delta types added later by a provider
 * still pass (only the fields we read are checked).
 */
import { WireFormatError } from "../stream/errors.js";

type Obj = Record<string, unknown>;

/** The error for a frame whose JSON has the wrong shape; `path` names the bad field. */
export function shapeError(provider: string, path: string, problem: string, excerpt: string): WireFormatError {
  return new WireFormatError(`${provider} sent a frame of the wrong shape: ${path} ${problem}`, { type: "unexpected-shape", excerpt });
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A checker bound to one frame, so each rule is one short line. */
class Check {
  constructor(
    readonly provider: string,
    readonly excerpt: string,
  ) {}

  fail(path: string, problem: string): never {
    throw shapeError(this.provider, path, problem, this.excerpt);
  }

  /** A required object. */
  obj(value: unknown, path: string): Obj {
    if (!isObj(value)) this.fail(path, "must be an object");
    return value;
  }

  /** An object, null or absent; undefined for the last two. */
  optObj(value: unknown, path: string): Obj | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isObj(value)) this.fail(path, "must be an object or null");
    return value;
  }

  /** A string, null or absent. */
  optStr(value: unknown, path: string): void {
    if (value !== undefined && value !== null && typeof value !== "string") this.fail(path, "must be a string or null");
  }

  /** A required string. */
  str(value: unknown, path: string): void {
    if (typeof value !== "string") this.fail(path, "must be a string");
  }

  /** A finite number, null or absent. */
  optNum(value: unknown, path: string): void {
    if (value !== undefined && value !== null && !(typeof value === "number" && Number.isFinite(value))) this.fail(path, "must be a number or null");
  }

  /** A non-negative integer or absent (indexes). */
  optIndex(value: unknown, path: string): void {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) this.fail(path, "must be a non-negative integer");
  }

  /** An array, null or absent; undefined for the last two. */
  optArr(value: unknown, path: string): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) this.fail(path, "must be an array or null");
    return value;
  }

  /** Every numeric field of a usage object. */
  usage(value: unknown, path: string, fields: readonly string[]): void {
    const u = this.optObj(value, path);
    if (u === undefined) return;
    for (const f of fields) this.optNum(u[f], `${path}.${f}`);
  }
}

const OPENAI_USAGE = ["prompt_tokens", "completion_tokens", "total_tokens"] as const;

/** Checks one OpenAI `chat.completion.chunk` (after its `error` field was handled). */
export function checkOpenAIChunk(json: unknown, data: string): void {
  const c = new Check("openai", data);
  const chunk = c.obj(json, "the chunk");
  c.optStr(chunk["id"], "id");
  c.optStr(chunk["model"], "model");
  c.usage(chunk["usage"], "usage", OPENAI_USAGE);
  const usage = chunk["usage"] as Obj | null | undefined;
  if (isObj(usage)) {
    c.optNum(c.optObj(usage["prompt_tokens_details"], "usage.prompt_tokens_details")?.["cached_tokens"], "usage.prompt_tokens_details.cached_tokens");
    c.optNum(
      c.optObj(usage["completion_tokens_details"], "usage.completion_tokens_details")?.["reasoning_tokens"],
      "usage.completion_tokens_details.reasoning_tokens",
    );
  }
  const choices = c.optArr(chunk["choices"], "choices");
  if (choices === undefined || choices.length === 0) return;
  const choice = c.obj(choices[0], "choices[0]");
  c.optStr(choice["finish_reason"], "choices[0].finish_reason");
  const delta = c.optObj(choice["delta"], "choices[0].delta");
  if (delta === undefined) return;
  c.optStr(delta["content"], "choices[0].delta.content");
  c.optStr(delta["refusal"], "choices[0].delta.refusal");
  c.optStr(delta["reasoning_content"], "choices[0].delta.reasoning_content");
  c.optStr(delta["reasoning"], "choices[0].delta.reasoning");
  const calls = c.optArr(delta["tool_calls"], "choices[0].delta.tool_calls");
  if (calls === undefined) return;
  for (let i = 0; i < calls.length; i++) {
    const path = `choices[0].delta.tool_calls[${i}]`;
    const call = c.obj(calls[i], path);
    c.optIndex(call["index"], `${path}.index`);
    c.optStr(call["id"], `${path}.id`);
    const fn = c.optObj(call["function"], `${path}.function`);
    if (fn === undefined) continue;
    c.optStr(fn["name"], `${path}.function.name`);
    c.optStr(fn["arguments"], `${path}.function.arguments`);
  }
}

const ANTHROPIC_USAGE = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const;

/** The delta field each known Anthropic delta type carries as a string. */
const ANTHROPIC_DELTA_FIELD: Record<string, string> = {
  text_delta: "text",
  thinking_delta: "thinking",
  signature_delta: "signature",
  input_json_delta: "partial_json",
};

/** Checks one Anthropic streamed event (a JSON object already) by its type; unknown types pass. */
export function checkAnthropicEvent(json: Obj, type: string | undefined, data: string): void {
  const c = new Check("anthropic", data);
  c.optIndex(json["index"], "index");
  switch (type) {
    case "content_block_delta": {
      const delta = c.obj(json["delta"], "delta");
      const deltaType = delta["type"];
      c.str(deltaType, "delta.type");
      const field = ANTHROPIC_DELTA_FIELD[deltaType as string];
      if (field !== undefined) c.str(delta[field], `delta.${field}`);
      return;
    }
    case "content_block_start": {
      const block = c.obj(json["content_block"], "content_block");
      c.str(block["type"], "content_block.type");
      switch (block["type"]) {
        case "text":
          c.optStr(block["text"], "content_block.text");
          return;
        case "thinking":
          c.optStr(block["thinking"], "content_block.thinking");
          return;
        case "redacted_thinking":
          c.str(block["data"], "content_block.data");
          return;
        case "tool_use":
          c.str(block["id"], "content_block.id");
          c.str(block["name"], "content_block.name");
          return;
      }
      return;
    }
    case "message_start": {
      const message = c.obj(json["message"], "message");
      c.optStr(message["id"], "message.id");
      c.optStr(message["model"], "message.model");
      c.usage(message["usage"], "message.usage", ANTHROPIC_USAGE);
      return;
    }
    case "message_delta": {
      const delta = c.optObj(json["delta"], "delta");
      if (delta !== undefined) c.optStr(delta["stop_reason"], "delta.stop_reason");
      c.usage(json["usage"], "usage", ANTHROPIC_USAGE);
      return;
    }
  }
}

const OLLAMA_NUMBERS = ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"] as const;

/** Checks one Ollama `/api/chat` line (a JSON object already, its `error` handled). */
export function checkOllamaLine(line: Obj, excerpt: () => string): void {
  // The excerpt is built only on failure: NDJSON frames arrive parsed, and re-serializing each would cost.
  const fail = (path: string, problem: string): never => {
    throw shapeError("ollama", path, problem, excerpt());
  };
  const model = line["model"];
  if (model !== undefined && typeof model !== "string") fail("model", "must be a string");
  const done = line["done"];
  if (done !== undefined && typeof done !== "boolean") fail("done", "must be a boolean");
  const message = line["message"];
  if (message !== undefined && message !== null) {
    if (!isObj(message)) fail("message", "must be an object or null");
    const m = message as Obj;
    for (const f of ["content", "thinking"]) {
      const v = m[f];
      if (v !== undefined && v !== null && typeof v !== "string") fail(`message.${f}`, "must be a string or null");
    }
    const calls = m["tool_calls"];
    if (calls !== undefined && calls !== null) {
      if (!Array.isArray(calls)) fail("message.tool_calls", "must be an array or null");
      const list = calls as unknown[];
      for (let i = 0; i < list.length; i++) {
        const call = list[i];
        if (!isObj(call)) fail(`message.tool_calls[${i}]`, "must be an object");
        const fn = (call as Obj)["function"];
        if (!isObj(fn)) fail(`message.tool_calls[${i}].function`, "must be an object");
        if (typeof (fn as Obj)["name"] !== "string") fail(`message.tool_calls[${i}].function.name`, "must be a string");
      }
    }
  }
  if (done !== true) return;
  const reason = line["done_reason"];
  if (reason !== undefined && reason !== null && typeof reason !== "string") fail("done_reason", "must be a string or null");
  for (const f of OLLAMA_NUMBERS) {
    const v = line[f];
    if (v !== undefined && v !== null && !(typeof v === "number" && Number.isFinite(v))) fail(f, "must be a number");
  }
}
