import { AgentError, ConfigurationError, ProviderError, StreamInterruptedError, WireFormatError, isAbortError } from "../stream/errors.js";
import type { FinishReason, ToolCall } from "../stream/chunk.js";
import type { ProviderOptions } from "./provider.js";
import { joinUrl, type ProviderCall } from "./http-call.js";
import { redactError } from "./http-errors.js";
import { HttpTransport, IdleTimeoutError, readText, type HttpResponse } from "../transport/http.js";
import type { CallOptions } from "./provider.js";

/** Settings every HTTP provider resolves from its options and the environment. */
export interface ResolvedSettings {
  /** The `apiKey` option, else the key variable as it is now (read per request: it may be set after construction). */
  readonly apiKey: string | undefined;
  /** Whether a request will carry a key. */
  readonly hasApiKey: boolean;
  /** Whether the provider refuses to send a request without a key (the official API, not another server). */
  apiKeyRequired: boolean;
  /** The variable the key is read from, e.g. `OPENAI_API_KEY`. */
  apiKeyEnv: string | undefined;
  baseUrl: string;
  timeout: number;
  maxRetries: number;
  headers: Record<string, string>;
  transport: HttpTransport | undefined;
}

/** Default idle timeout: a minute of silence from a model API means something is wrong. */
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

/**
 * Resolves options against defaults and the environment, validating each: `baseUrl` wins over the provider's
 * base-URL variable (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`, `OLLAMA_HOST`), which wins over its default.
 */
export function resolveSettings(
  options: ProviderOptions,
  defaults: { baseUrl: string; apiKeyEnv?: string; baseUrlEnv?: string; keyRequiredByDefaultUrl?: boolean },
): ResolvedSettings {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError("options", `must be an object, got ${options === null ? "null" : typeof options}`);
  }
  if (options.apiKey !== undefined && typeof options.apiKey !== "string") {
    throw new ConfigurationError("apiKey", `must be a string, got ${typeof options.apiKey}`); // never the value: it may be a key
  }
  if (options.headers !== undefined) {
    const h: unknown = options.headers;
    if (typeof h !== "object" || h === null || Array.isArray(h)) throw new ConfigurationError("headers", `must be an object of strings, got ${Array.isArray(h) ? "an array" : typeof h}`);
    for (const [name, value] of Object.entries(h)) {
      if (typeof value !== "string") throw new ConfigurationError("headers", `header "${name}" must be a string, got ${typeof value}`);
    }
  }
  const envBase = defaults.baseUrlEnv === undefined ? undefined : process.env[defaults.baseUrlEnv];
  const baseUrl = options.baseUrl ?? (envBase ? normalizeHost(envBase) : defaults.baseUrl);
  joinUrl(baseUrl, ""); // throws a ConfigurationError naming baseUrl when it is not a URL
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!(typeof timeout === "number" && timeout > 0 && Number.isFinite(timeout))) {
    throw new ConfigurationError("timeout", `must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new ConfigurationError("maxRetries", `must be a non-negative integer, got ${String(maxRetries)}`);
  }
  const transport = options.transport;
  if (transport !== undefined && !(transport instanceof HttpTransport)) {
    throw new ConfigurationError("transport", `must be an HttpTransport, got ${transport === null ? "null" : typeof transport}`);
  }
  const apiKeyEnv = defaults.apiKeyEnv;
  const apiKeyRequired = defaults.keyRequiredByDefaultUrl === true && baseUrl.replace(/\/+$/, "") === defaults.baseUrl;
  return {
    get apiKey() {
      return options.apiKey ?? ((apiKeyEnv === undefined ? undefined : process.env[apiKeyEnv]) || undefined);
    },
    get hasApiKey() {
      return this.apiKey !== undefined && this.apiKey !== "";
    },
    apiKeyRequired,
    apiKeyEnv,
    baseUrl,
    timeout,
    maxRetries,
    headers: { ...options.headers },
    transport,
  };
}

/** `OLLAMA_HOST` may be `host:port` without a scheme (`OPENAI_BASE_URL` and `ANTHROPIC_BASE_URL` have one). */
function normalizeHost(value: string): string {
  return /^[a-z]+:\/\//i.test(value) ? value : `http://${value}`;
}

/** The message for a provider that needs a key and has none (the request error and the agent's warning). */
export function missingApiKeyMessage(provider: string, envName: string | undefined): string {
  return `${provider} needs an API key: pass apiKey or set ${envName ?? "its API key variable"}`;
}

/** Throws a clear error when a provider that needs a key has none. */
export function requireApiKey(settings: ResolvedSettings, provider: string, envName: string): string {
  const apiKey = settings.apiKey;
  if (apiKey === undefined || apiKey === "") throw new ConfigurationError("apiKey", missingApiKeyMessage(provider, envName));
  return apiKey;
}

/**
 * Maps whatever stopped a stream after its response began into a `StreamInterruptedError` carrying the text
 * received so far: our abort → "aborted", an idle socket → "timeout", an error event, undecodable data or a
 * frame of the wrong shape → "provider", a socket error or an EOF before the end marker → "network". Anything
 * else (a bug of ours, an exception from a callback) is not a dropped connection: it is reported as "provider"
 * with "unexpected error" in the message, never as "network", and keeps the original as `cause`.
 */
export function interruption(provider: string, error: unknown, signal: AbortSignal, partialResponse: string): StreamInterruptedError {
  // A provider may echo the key in an error event or a frame: the call's secrets never leave in an error.
  return redactError(classify(provider, error, signal, partialResponse), signal);
}

function classify(provider: string, error: unknown, signal: AbortSignal, partialResponse: string): StreamInterruptedError {
  if (error instanceof StreamInterruptedError) return error;
  if (signal.aborted || isAbortError(error)) {
    return new StreamInterruptedError(`${provider}: stream aborted`, { reason: "aborted", partialResponse, cause: error });
  }
  if (error instanceof IdleTimeoutError) {
    return new StreamInterruptedError(`${provider}: ${error.message}`, { reason: "timeout", partialResponse, cause: error });
  }
  if (error instanceof ProviderError || error instanceof WireFormatError) {
    return new StreamInterruptedError(`${provider}: stream failed: ${error.message}`, { reason: "provider", partialResponse, cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  if (isConnectionError(error)) {
    return new StreamInterruptedError(`${provider}: connection lost mid-stream: ${detail}`, { reason: "network", partialResponse, cause: error });
  }
  return new StreamInterruptedError(`${provider}: unexpected error while reading the stream: ${detail}`, {
    reason: "provider",
    partialResponse,
    cause: error,
  });
}

/** A socket-level failure: our `PrematureEndError`, or a Node system error (`ECONNRESET`, `EPIPE`, `ERR_STREAM_PREMATURE_CLOSE`…). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof PrematureEndError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  return /^E[A-Z]+$/.test(code) || code === "ERR_STREAM_PREMATURE_CLOSE" || code.startsWith("UND_ERR_") || code === "ERR_SOCKET_CLOSED";
}

/** The body ended (EOF) before the protocol's end marker: the connection was cut. Only ever a `cause`. */
export class PrematureEndError extends AgentError {
  override name = "PrematureEndError";
  readonly code = "ERR_STREAM_PREMATURE_CLOSE";
}

/** The stream ended (EOF) before the protocol's end marker. */
export function truncated(provider: string, marker: string): PrematureEndError {
  return new PrematureEndError(`${provider}: the response ended before ${marker}`);
}

/** An error the provider reported inside a 200 stream, as the `cause` of the interruption. */
export function streamErrorEvent(provider: string, message: string, type?: string, code?: string): ProviderError {
  return new ProviderError(`${provider} stream error${type ? ` (${type})` : ""}: ${message}`, {
    provider,
    status: 200,
    providerMessage: message,
    retryable: false,
    ...(type === undefined ? {} : { type }),
    ...(code === undefined ? {} : { code }),
  });
}

/**
 * Normalizes a raw finish reason with a provider's own table. No reason at all is "stop"; a reason the table
 * does not know is "other" (the raw value stays in `providerFinishReason`), so it is never taken for a clean stop.
 */
export function normalizeFinishReason(raw: string | null | undefined, table: Record<string, FinishReason>): FinishReason {
  if (raw === null || raw === undefined) return "stop";
  return Object.hasOwn(table, raw) ? table[raw]! : "other";
}

/** A tool message must name the call it answers, in every adapter alike; one check so they cannot differ. */
export function requireToolCallId(message: { toolCallId?: string | undefined }, index?: number): string {
  const id = message.toolCallId;
  if (typeof id !== "string" || id.trim() === "") {
    const where = index === undefined ? "a tool message" : `messages[${index}] (a tool message)`;
    throw new ConfigurationError("messages", `${where} needs the toolCallId of the call it answers, got ${JSON.stringify(id)}`);
  }
  return id;
}

/** The error every adapter throws for a message whose role it does not know. */
export function unknownRole(role: unknown): ConfigurationError {
  return new ConfigurationError("messages", `unknown message role ${JSON.stringify(role)} (known: system, user, assistant, tool)`);
}

/** Links a caller's signal to a controller; returns the unlink function for `finally`. */
export function link(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

/** Parses complete tool-call arguments; "" means `{}`; invalid JSON is an error that keeps the raw text. */
export function parseToolArguments(text: string, toolName: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WireFormatError(`Tool call "${toolName}" has arguments that are not valid JSON`, {
      type: "invalid-json",
      excerpt: text,
      cause: error,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireFormatError(`Tool call "${toolName}" arguments are not a JSON object`, { type: "invalid-json", excerpt: text });
  }
  return value as Record<string, unknown>;
}

/**
 * A whole tool call from its argument text. Text that is not a JSON object does not fail the stream: the call
 * keeps it (`argumentsText`) with `arguments: {}` and `argumentsError`, so the agent can tell the model.
 */
export function toolCallFromText(id: string, name: string, text: string): ToolCall {
  try {
    return { id, name, arguments: parseToolArguments(text, name), argumentsText: text };
  } catch (error) {
    return { id, name, arguments: {}, argumentsText: text, argumentsError: (error as Error).message };
  }
}

/**
 * Runs one non-streaming call under its own controller linked to the caller's signal; an abort at any point
 * becomes a `StreamInterruptedError` with reason "aborted".
 */
export async function withCallSignal<T>(provider: string, callOptions: CallOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const unlink = link(callOptions.signal, controller);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw interruption(provider, error, controller.signal, "");
    // Not one of ours: a whole body whose fields have the wrong type broke the parser. Name it as such.
    const named = AgentError.isInstance(error)
      ? error
      : new WireFormatError(`${provider} sent a response of an unexpected shape: ${error instanceof Error ? error.message : String(error)}`, {
          type: "unexpected-shape",
          cause: error,
        });
    throw redactError(named, controller.signal);
  } finally {
    unlink();
  }
}

/** Reads a whole non-streaming body; a failure after the status arrived (reset, idle timeout) is an interruption. */
export async function readWholeBody(provider: string, response: HttpResponse, signal: AbortSignal): Promise<string> {
  try {
    return await readText(response.body, 64 << 20);
  } catch (error) {
    throw interruption(provider, error, signal, "");
  }
}

/**
 * The parts of a `ProviderCall` every JSON request of a provider shares: content type and accept headers,
 * the user's extra headers, idle timeout, retries, and the key that must never appear in an error.
 */
export function jsonCall(
  provider: string,
  settings: ResolvedSettings,
  signal: AbortSignal,
  options: { accept: string; headers?: Record<string, string>; apiKey?: string | undefined },
): Omit<ProviderCall, "url"> {
  return {
    provider,
    headers: { "content-type": "application/json", accept: options.accept, ...options.headers, ...settings.headers },
    signal,
    timeout: settings.timeout,
    maxRetries: settings.maxRetries,
    secrets: options.apiKey ? [options.apiKey] : [],
    ...(settings.transport === undefined ? {} : { transport: settings.transport }),
  };
}
