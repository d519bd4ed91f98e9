/** The one error the emulator throws inside a request: it becomes an HTTP error in the provider's shape. */
import { AgentError } from "../stream/errors.js";

/** What an error response says; each format module renders it in its provider's body shape. */
export interface ErrorSpec {
  status: number;
  /** Defaults to the provider's usual message for the status. */
  message?: string;
  /** OpenAI `param` (the offending field). */
  param?: string;
  /** OpenAI `code` (e.g. `missing_required_parameter`). */
  code?: string;
  /** Seconds for the `retry-after` header. */
  retryAfterSeconds?: number;
  /** Milliseconds for the `retry-after-ms` header. */
  retryAfterMs?: number;
  /** For a 401: the key the client sent, if any (OpenAI's message shows it masked). */
  presentedKey?: string;
}

/** A request the emulator refuses (bad JSON, missing field, bad emulator header, auth, injected status). */
export class EmulatorRequestError extends AgentError {
  override name = "EmulatorRequestError";
  readonly spec: ErrorSpec;

  constructor(spec: ErrorSpec) {
    super(spec.message ?? `HTTP ${spec.status}`);
    this.spec = spec;
  }
}

/** The `retry-after` (whole seconds) and `retry-after-ms` headers a spec asks for. */
export function retryHeaders(spec: ErrorSpec): Record<string, string> {
  const headers: Record<string, string> = {};
  const seconds = spec.retryAfterSeconds ?? (spec.retryAfterMs === undefined ? undefined : Math.ceil(spec.retryAfterMs / 1000));
  if (seconds !== undefined) headers["retry-after"] = String(seconds);
  if (spec.retryAfterMs !== undefined) headers["retry-after-ms"] = String(spec.retryAfterMs);
  return headers;
}

/** Shorthand for a 400 that names the bad part of the request. */
export function badRequest(message: string, param?: string, code?: string): EmulatorRequestError {
  const spec: ErrorSpec = { status: 400, message };
  if (param !== undefined) spec.param = param;
  if (code !== undefined) spec.code = code;
  return new EmulatorRequestError(spec);
}
