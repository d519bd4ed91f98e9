import { setTimeout as sleep } from "node:timers/promises";
import { readText, sendRequest, type HttpResponse, type HttpTransport } from "../transport/http.js";
import { ConfigurationError, ProviderError, StreamInterruptedError, isAbortError } from "../stream/errors.js";
import { errorFromResponse, redact, registerSecrets } from "./http-errors.js";

/** One HTTP call of a provider, with what is needed to retry it and to report its errors. */
export interface ProviderCall {
  provider: string;
  url: URL;
  headers: Record<string, string>;
  /** The JSON body, already serialized; undefined for GET. */
  body?: string;
  method?: "GET" | "POST";
  signal: AbortSignal;
  /** Idle timeout in ms (see `sendRequest`). */
  timeout: number;
  maxRetries: number;
  /** Values never to show in an error (the API key). */
  secrets: readonly string[];
  /** The keep-alive pools to use (the shared default when absent). */
  transport?: HttpTransport;
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Sends the call and resolves with a 2xx response whose body is unread. Errors before that point are
 * `ProviderError`s; 408/409/429/5xx/529 and network failures are retried up to `maxRetries` times with
 * exponential backoff and full jitter, honouring `retry-after`. An abort is a `StreamInterruptedError`
 * with reason "aborted" and no text.
 */
export async function openResponse(call: ProviderCall): Promise<HttpResponse> {
  registerSecrets(call.signal, call.secrets);
  for (let attempt = 0; ; attempt++) {
    let failure: ProviderError;
    try {
      const response = await sendRequest(call.url, {
        method: call.method ?? "POST",
        headers: call.headers,
        ...(call.body === undefined ? {} : { body: call.body }),
        signal: call.signal,
        idleTimeoutMs: call.timeout,
        ...(call.transport === undefined ? {} : { transport: call.transport }),
      });
      if (response.status >= 200 && response.status < 300) return response;
      const text = await readText(response.body);
      failure = errorFromResponse(call.provider, response.status, response.headers, text, call.secrets);
    } catch (error) {
      if (call.signal.aborted || isAbortError(error)) throw abortedBeforeFirstChunk(call, error);
      failure = networkError(call, error);
    }
    if (!failure.retryable || attempt >= call.maxRetries) throw failure;
    try {
      await sleep(backoffMs(attempt, failure.retryAfterMs), undefined, { signal: call.signal });
    } catch (error) {
      throw abortedBeforeFirstChunk(call, error);
    }
  }
}

/** Exponential backoff with full jitter; a server's `retry-after` wins when it gives one. */
export function backoffMs(attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.random() * ceiling;
}

/** A failure to connect or a connection that broke before any response. */
export function networkError(call: Pick<ProviderCall, "provider" | "url" | "secrets">, error: unknown): ProviderError {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = redact(error instanceof Error ? error.message : String(error), call.secrets);
  return new ProviderError(`${call.provider}: request to ${call.url.host} failed: ${detail}`, {
    provider: call.provider,
    retryable: true,
    ...(typeof code === "string" ? { code } : {}),
    cause: error,
  });
}

function abortedBeforeFirstChunk(call: Pick<ProviderCall, "provider">, error: unknown): StreamInterruptedError {
  return new StreamInterruptedError(`${call.provider}: request aborted`, { reason: "aborted", partialResponse: "", cause: error });
}

/** Joins a base URL and a path, keeping the base's own path (`http://host/v1` + `/chat/completions`). */
export function joinUrl(baseUrl: string, path: string): URL {
  if (!URL.canParse(baseUrl)) throw new ConfigurationError("baseUrl", `must be an absolute URL, got ${JSON.stringify(baseUrl)}`);
  return new URL(baseUrl.replace(/\/+$/, "") + path);
}
