/**
 * The contract each wire format module fulfils. Format modules are pure: an answer and some response
 * metadata in, strings out. The server and the stream writer never look inside a frame.
 */
import type { ErrorSpec } from "./errors.js";
import type { Pacing } from "./pacing.js";
import type { Answer } from "./script.js";
import type { EmulatorProtocol } from "./types.js";

/** One unit of a streamed response: an SSE event or an NDJSON line, exactly as written. */
export interface Frame {
  data: string;
  /** True when it carries a piece of the answer (text, thinking, tool call): these are paced and counted by faults. */
  content: boolean;
}

/** Per-response values shared by all frames of one response. */
export interface ResponseMeta {
  /** `chatcmpl-…` / `msg_…`; unused by Ollama. */
  id: string;
  model: string;
  /** Unix seconds (OpenAI `created`). */
  created: number;
  /** Epoch ms when the request arrived (Ollama `created_at`). */
  startedAt: number;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  pacing: Pacing;
}

/** A complete non-2xx response. */
export interface ErrorResponse {
  headers: Record<string, string>;
  body: string;
}

/** Frames of a bench stream: a head, one frame per distinct text piece (cycled), and a tail. */
export interface BenchFrames {
  head: string;
  pieces: string[];
  tail: string;
}

/** Everything protocol-specific about answering a chat request. */
export interface ProtocolFormat {
  protocol: EmulatorProtocol;
  streamContentType: string;
  /** A fresh response id in the provider's style. */
  newResponseId(): string;
  /** Headers every response of this provider carries (request id). */
  commonHeaders(): Record<string, string>;
  /** Throws an EmulatorRequestError (400) when a required field is missing, like the real API. */
  validate(body: Record<string, unknown>): void;
  streamFrames(answer: Answer, meta: ResponseMeta): Frame[];
  /** The `stream:false` response body. */
  body(answer: Answer, meta: ResponseMeta): unknown;
  errorResponse(spec: ErrorSpec): ErrorResponse;
  /** The provider's in-stream error frame. */
  streamError(): string;
  /** A frame that breaks the format (truncated JSON), for `malformed-after`. */
  malformed(meta: ResponseMeta): string;
  /** A frame of valid JSON but the wrong shape (a field that must be an object is not), for `wrong-shape-after`. */
  wrongShape(meta: ResponseMeta): string;
  benchFrames(meta: ResponseMeta, pieces: readonly string[], chunks: number): BenchFrames;
}

