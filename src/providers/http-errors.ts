import type { IncomingHttpHeaders } from "node:http";
import { ProviderError, StreamInterruptedError, WireFormatError, isRetryableStatus } from "../stream/errors.js";

/**
 * Turns a non-2xx response into a `ProviderError`. The three protocols put the message in
 * `error.message` (OpenAI, Anthropic) or `error` as a string (Ollama); one reader covers them all.
 */
export function errorFromResponse(
  provider: string,
  status: number,
  headers: IncomingHttpHeaders,
  bodyText: string,
  secrets: readonly string[] = [],
): ProviderError {
  const body = parseJsonObject(bodyText);
  const error = body?.["error"];
  let providerMessage: string | undefined;
  let type: string | undefined;
  let code: string | undefined;
  if (typeof error === "string") providerMessage = error;
  else if (typeof error === "object" && error !== null) {
    const e = error as Record<string, unknown>;
    if (typeof e["message"] === "string") providerMessage = e["message"];
    if (typeof e["type"] === "string") type = e["type"];
    if (typeof e["code"] === "string") code = e["code"];
  }
  if (providerMessage === undefined && bodyText.trim() !== "" && body === undefined) providerMessage = bodyText.trim().slice(0, 500);
  providerMessage = providerMessage === undefined ? undefined : redact(providerMessage, secrets);
  const requestId = header(headers, "x-request-id") ?? header(headers, "request-id") ?? stringField(body, "request_id");
  const retryAfterMs = retryAfterFrom(headers);
  const shouldRetry = header(headers, "x-should-retry");
  const retryable = shouldRetry === "true" ? true : shouldRetry === "false" ? false : isRetryableStatus(status) && code !== "insufficient_quota";
  return new ProviderError(`${provider} API error ${status}: ${providerMessage ?? "no message"}`, {
    provider,
    status,
    retryable,
    ...(providerMessage === undefined ? {} : { providerMessage }),
    ...(type === undefined ? {} : { type }),
    ...(code === undefined ? {} : { code }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date, in milliseconds. */
export function retryAfterFrom(headers: IncomingHttpHeaders): number | undefined {
  const ms = Number(header(headers, "retry-after-ms"));
  if (header(headers, "retry-after-ms") !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = header(headers, "retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  // Only a real HTTP date counts: Date.parse would read "-3" as the year -3.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Replaces every secret in `text` so a key never reaches an error message or a log. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = body?.[key];
  return typeof value === "string" ? value : undefined;
}

/** The secrets of the call behind each signal, so errors raised far from the call can still be redacted. */
const secretsBySignal = new WeakMap<AbortSignal, readonly string[]>();

/** Records the secrets of a call (its API key) under the call's signal. */
export function registerSecrets(signal: AbortSignal, secrets: readonly string[]): void {
  if (secrets.length > 0) secretsBySignal.set(signal, secrets);
}

/**
 * The error with every secret of the call behind `signal` removed from its message, provider message,
 * excerpt and causes (a provider may echo a key in a stream error event or a frame). Unchanged errors are
 * returned as they are; changed ones are rebuilt with the same class and fields.
 */
export function redactError<E>(error: E, signal: AbortSignal): E {
  const secrets = secretsBySignal.get(signal);
  return secrets === undefined ? error : (redactDeep(error, secrets, 0) as E);
}

function leaks(text: string | undefined, secrets: readonly string[]): boolean {
  return text !== undefined && secrets.some((s) => s.length >= 4 && text.includes(s));
}

function redactDeep(error: unknown, secrets: readonly string[], depth: number): unknown {
  if (!(error instanceof Error) || depth > 5) return error;
  const cause = redactDeep(error.cause, secrets, depth + 1);
  const r = (text: string) => redact(text, secrets);
  if (error instanceof StreamInterruptedError) {
    if (cause === error.cause && !leaks(error.message, secrets)) return error;
    return new StreamInterruptedError(r(error.message), { reason: error.reason, partialResponse: error.partialResponse, cause });
  }
  if (error instanceof ProviderError) {
    if (cause === error.cause && !leaks(error.message, secrets) && !leaks(error.providerMessage, secrets)) return error;
    return new ProviderError(r(error.message), {
      provider: error.provider,
      retryable: error.retryable,
      cause,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.providerMessage === undefined ? {} : { providerMessage: r(error.providerMessage) }),
      ...(error.type === undefined ? {} : { type: error.type }),
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
  if (error instanceof WireFormatError) {
    if (cause === error.cause && !leaks(error.message, secrets) && !leaks(error.excerpt, secrets)) return error;
    return new WireFormatError(r(error.message), { type: error.type, cause, ...(error.excerpt === undefined ? {} : { excerpt: r(error.excerpt) }) });
  }
  if (cause === error.cause && !leaks(error.message, secrets) && !leaks(error.stack, secrets)) return error;
  // A platform error (e.g. JSON.parse's SyntaxError quotes its input): same name and message, redacted.
  const copy = new Error(r(error.message), { cause });
  copy.name = error.name;
  return copy;
}
