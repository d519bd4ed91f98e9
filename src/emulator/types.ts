/**
 * Public types of the emulator: scripts (what the fake model answers), faults (how it misbehaves),
 * options, and the handle a test holds. Types only, so a reader sees the whole contract in one file.
 */
import type { EventEmitter } from "node:events";

/** Which wire protocol a request speaks (chosen by its path). */
export type EmulatorProtocol = "openai" | "anthropic" | "ollama";

/** Why a scripted answer ends; each protocol maps it to its own value (e.g. `tool_calls` → Anthropic `tool_use`). */
export type EmulatorFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** A tool call the emulated model makes; `id` is generated in the protocol's style when omitted. */
export interface EmulatorToolCall {
  name: string;
  arguments: Record<string, unknown>;
  id?: string;
}

/** A tool result the client sent back, as read from the request (OpenAI/Ollama `role:"tool"`, Anthropic `tool_result`). */
export interface EmulatorToolResult {
  /** `tool_call_id` / `tool_use_id`, when the client sent one. */
  id?: string;
  /** Tool name: Ollama's `tool_name`, else looked up from the assistant turn that made the call. */
  name?: string;
  /** The result as text (text blocks joined). */
  content: string;
  isError?: boolean;
}

/**
 * What the emulated model answers.
 * - `text` omitted and no `toolCalls`: the default deterministic answer built from the prompt.
 * - `thinking` is sent only when the request asks for reasoning (Anthropic `thinking`, Ollama `think`,
 *   OpenAI `reasoning_effort` → `delta.reasoning_content`); when asked and omitted, a default is generated.
 * - `afterToolResults` answers the next turn when that turn ends with tool results; without it, a reply
 *   that made tool calls gets a default follow-up that quotes the results.
 */
export interface EmulatorReply {
  text?: string;
  thinking?: string;
  toolCalls?: EmulatorToolCall[];
  afterToolResults?: EmulatorReply | ((results: EmulatorToolResult[]) => EmulatorReply);
  /** Default: `tool_calls` when there are tool calls, else `stop`; `length` when `max_tokens` cuts the answer. */
  finishReason?: EmulatorFinishReason;
}

/** One rule of a script: the first rule whose `match` fits the prompt (last user text) gives the reply. */
export interface EmulatorRule {
  /** A string matches case-insensitively as a substring; a RegExp is tested; omitted matches everything. */
  match?: string | RegExp;
  reply: EmulatorReply;
}

/** Scripted answers: `rules` in order, then `default`, then the built-in generator. */
export interface EmulatorScript {
  rules?: EmulatorRule[];
  default?: EmulatorReply;
}

/**
 * A fault to inject, parsed from the `x-emulator-fault` header or given as the `fault` option.
 * Header grammar (comma-separated items, spaces allowed around them):
 *
 *     x-emulator-fault: item ("," item)*
 *     item = "status=" 400..599        answer with this HTTP status and the provider's error body
 *          | "retry-after=" seconds    `retry-after` header on that answer (default 1 for 429)
 *          | "retry-after-ms=" ms      `retry-after-ms` header too (the SDKs read it first; Anthropic's ignores 0 s)
 *          | "fail-first=" K           only the first K attempts get `status` or the mid-stream fault; later ones succeed
 *          | "key=" name               attempt counter name (default: path + the header text)
 *          | "delay-headers=" ms       wait before sending the status line and headers
 *          | "delay-first-byte=" ms    wait after the headers before the first body byte
 *          | "stall-after=" N          after N content chunks, send nothing more (connection stays open)
 *          | "stall-ms=" ms            with stall-after: resume after ms instead of stalling forever
 *          | "drop-after=" N           after N content chunks, destroy the socket
 *          | "error-after=" N          after N content chunks, send the protocol's in-stream error, then end
 *          | "malformed-after=" N      after N content chunks, insert one malformed frame, then go on
 *          | "wrong-shape-after=" N    after N content chunks, insert one frame of valid JSON but the wrong shape
 *          | "cut-utf8-after=" N       after N content chunks, send the start of one more text frame, cut inside a
 *                                      multi-byte character, then end the response (truncated UTF-8 at the end)
 *
 * "After N content chunks" means: N frames carrying a piece of the answer (text, thinking or a tool-call
 * fragment) were written, and nothing after them (the fault comes before the next content frame or, when
 * N reaches the end, before the closing frames). A bad header is a 400 naming the bad item.
 */
export interface EmulatorFault {
  status?: number;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
  failFirst?: number;
  key?: string;
  delayHeadersMs?: number;
  delayFirstByteMs?: number;
  stallAfter?: number;
  stallMs?: number;
  dropAfter?: number;
  errorAfter?: number;
  malformedAfter?: number;
  wrongShapeAfter?: number;
  cutUtf8After?: number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Server-level script; a request may override it with the `x-emulator-reply` header. */
  script?: EmulatorScript;
  /** Time to first token in ms (default 30; header `x-emulator-ttft-ms`). */
  ttftMs?: number;
  /** Tokens per second (default 200; `Infinity` or 0 = no delay; header `x-emulator-tps`). */
  tps?: number;
  /** Fault applied to every chat request; the header's items override it item by item. */
  fault?: EmulatorFault | string;
  /** Stream this many pre-encoded bench chunks for every streaming chat request (header `x-emulator-bench`). */
  benchChunks?: number;
  /** When set, a missing or different key is a 401 (OpenAI/Ollama `Authorization: Bearer`, Anthropic `x-api-key`). */
  requireApiKey?: string;
  /** Keep at most this many recorded requests, dropping the oldest (default 1000). */
  maxRecordedRequests?: number;
}

/** A request as the emulator received it; secrets are replaced by `"[redacted]"`. */
export interface RecordedRequest {
  /** 1-based arrival number. */
  seq: number;
  method: string;
  /** Path with query string. */
  path: string;
  protocol: EmulatorProtocol | undefined;
  /** Lower-case header names; `authorization` and `x-api-key` values redacted. */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
}

/** Counters a test can assert on. */
export interface EmulatorStats {
  requests: number;
  /** Responses written to their end (including error responses and in-stream errors). */
  completed: number;
  /** The client closed the connection before the response ended. */
  aborted: number;
  /** Connections the emulator destroyed on purpose (`drop-after`). */
  dropped: number;
  /** Streams that reached `stall-after` and stalled (until the client or `close()` ended them). */
  stalled: number;
  /** Requests being handled right now. */
  active: number;
  /** Unexpected exceptions inside the emulator (should stay 0). */
  internalErrors: number;
}

/** Events of {@link EmulatorServer.events}; each carries the recorded request. */
export interface EmulatorEvents {
  request: [RecordedRequest];
  completed: [RecordedRequest];
  aborted: [RecordedRequest];
  dropped: [RecordedRequest];
  stalled: [RecordedRequest];
  /** The emulator is done with the request: nothing of it (timer, write) is left. Fires last, for every request. */
  finished: [RecordedRequest];
}

/** A running emulator. */
export interface EmulatorServer extends AsyncDisposable {
  /** `http://HOST:PORT`: the base URL for Anthropic and Ollama clients. */
  readonly url: string;
  readonly port: number;
  /** `${url}/v1`: the base URL for OpenAI clients. */
  readonly openaiBaseUrl: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  readonly stats: EmulatorStats;
  /** Emits `request`, `completed`, `aborted`, `dropped`, `stalled`, `finished` so a test can await them. */
  readonly events: EventEmitter<EmulatorEvents>;
  /** The server-level script; assign to change answers between tests. */
  script: EmulatorScript | undefined;
  /** Forget `fail-first` attempt counts: one key, or all of them. */
  resetAttempts(key?: string): void;
  /** Stops listening and closes idle and active connections (stalled streams too); resolves when all is released. */
  close(): Promise<void>;
}
