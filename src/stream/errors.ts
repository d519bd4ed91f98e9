/**
 * Every error the library throws is one of these classes, each with a `cause`.
 * A `Symbol.for` marker makes `isInstance` work across duplicate copies of the package.
 */
const marker = Symbol.for("agenticraft.error");

/** Base class of every error agenticraft throws. */
export class AgentError extends Error {
  readonly [marker] = true;
  override name = "AgentError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True for any agenticraft error, even one from another copy of the package. */
  static isInstance(value: unknown): value is AgentError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/** Why a stream stopped before its end. */
export type InterruptReason = "timeout" | "aborted" | "network" | "provider";

/** One try of a model call that recovery or failover made: which provider, and how it failed. */
export interface StreamAttempt {
  /** 1-based: attempt 1 is the original request. */
  attempt: number;
  provider: string;
  model?: string;
  /** Whether the attempt had produced output before it failed. */
  afterOutput: boolean;
  error: Error;
}

/** A stream stopped before its end; `partialResponse` holds all text received so far. */
export class StreamInterruptedError extends AgentError {
  override name = "StreamInterruptedError";
  readonly reason: InterruptReason;
  readonly partialResponse: string;
  /** When recovery or failover was tried: every attempt, in order, with its error. */
  readonly attempts: readonly StreamAttempt[] | undefined;

  constructor(
    message: string,
    options: { reason: InterruptReason; partialResponse: string; cause?: unknown; attempts?: readonly StreamAttempt[] },
  ) {
    super(message, { cause: options.cause });
    this.reason = options.reason;
    this.partialResponse = options.partialResponse;
    this.attempts = options.attempts;
  }
}

/** A provider refused or failed a request before any chunk arrived. */
export class ProviderError extends AgentError {
  override name = "ProviderError";
  /** HTTP status, or undefined for a network failure. */
  readonly status: number | undefined;
  readonly provider: string;
  /** The provider's own error message, as sent. */
  readonly providerMessage: string | undefined;
  /** The provider's error type (e.g. `rate_limit_error`), when it sends one. */
  readonly type: string | undefined;
  /** The provider's error code (e.g. `invalid_api_key`), when it sends one. */
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  /** How long the provider asked us to wait before retrying, in ms. */
  readonly retryAfterMs: number | undefined;
  /** Whether trying again later may succeed (408/409/429/5xx/529 and network failures). */
  readonly retryable: boolean;

  constructor(
    message: string,
    options: {
      provider: string;
      status?: number;
      providerMessage?: string;
      type?: string;
      code?: string;
      requestId?: string;
      retryAfterMs?: number;
      retryable?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
    this.providerMessage = options.providerMessage;
    this.type = options.type;
    this.code = options.code;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? isRetryableStatus(options.status);
  }
}

/** 408, 409, 429, any 5xx (incl. Anthropic's 529) and network failures (no status) are worth retrying. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** An option given to a constructor or a call was invalid; `option` names it. */
export class ConfigurationError extends AgentError {
  override name = "ConfigurationError";
  readonly option: string;

  constructor(option: string, problem: string, options?: { cause?: unknown }) {
    super(`Invalid option "${option}": ${problem}`, options);
    this.option = option;
  }
}

/** What went wrong while decoding a wire format. */
export type WireErrorType = "buffer-overflow" | "invalid-json" | "unexpected-end" | "unexpected-shape";

/** Bytes from the network could not be decoded into frames or JSON. */
export class WireFormatError extends AgentError {
  override name = "WireFormatError";
  readonly type: WireErrorType;
  /** The offending text, cut to a readable length. */
  readonly excerpt: string | undefined;

  constructor(message: string, options: { type: WireErrorType; excerpt?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.type = options.type;
    this.excerpt = options.excerpt === undefined ? undefined : options.excerpt.slice(0, 200);
  }
}

/** True for an error caused by an AbortSignal (ours or the platform's). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    ((error as { name?: unknown }).name === "AbortError" || (error as { code?: unknown }).code === "ABORT_ERR")
  );
}
