/**
 * Client side: reads a server-sent event stream of chunks back, in Node and browsers (fetch `Response`; the body
 * is read with `getReader()`, since not every browser can iterate a ReadableStream).
 */
import type { ChunkType, StreamChunk } from "../stream/chunk.js";
import { AgentError, ProviderError, StreamInterruptedError, WireFormatError, type InterruptReason } from "../stream/errors.js";
import { sseEvents } from "../wire/sse.js";

/** Options of {@link readSSE}. */
export interface ReadSSEOptions {
  /**
   * Reconnect after a cut connection (GET with `Last-Event-ID`). The URL is `resumeUrl`, else the response's
   * `content-location` header (resolved against its URL), else the URL given when it was fetched with GET.
   * Default: true when such a URL is known.
   */
  resume?: boolean;
  /** The URL to resume from (GET with `Last-Event-ID`). */
  resumeUrl?: string | URL;
  /** Request options of the first request when `readSSE` is given a URL (method, body, headers). */
  init?: RequestInit;
  /** Most reconnection attempts in a row without receiving an event; default 8. */
  maxRetries?: number;
  /** Delay before the first reconnection (ms), doubled on each failure up to 4 s; a `retry:` field replaces it; default 250. */
  retryDelayMs?: number;
  /** Ends reading (and the request) when aborted; the iteration then throws `StreamInterruptedError` ("aborted"). */
  signal?: AbortSignal;
  /** The fetch to use; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Called on each reconnection attempt (for a "reconnecting…" indicator). */
  onReconnect?: (attempt: number, lastEventId: string) => void;
  /** Called once a reconnection is answered (for a "resumed" indicator). */
  onResume?: (lastEventId: string) => void;
}

const CHUNK_TYPES: ReadonlySet<string> = new Set<ChunkType>(["text", "thinking", "tool_call_delta", "tool_call", "tool_result", "final"]);
const REASONS: ReadonlySet<string> = new Set<InterruptReason>(["timeout", "aborted", "network", "provider"]);
const MAX_DELAY_MS = 4_000;

/**
 * Yields the `StreamChunk`s of an SSE response until its `done` event. An `error` event, a cut connection
 * (when it cannot resume) or an abort throws `StreamInterruptedError` with the text received so far.
 */
export function readSSE(input: Response | string | URL, options?: ReadSSEOptions): AsyncIterableIterator<StreamChunk> {
  return read(input, options ?? {});
}

async function* read(input: Response | string | URL, options: ReadSSEOptions): AsyncGenerator<StreamChunk, void, undefined> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const signal = options.signal;
  let response: Response;
  let given: string | undefined;
  if (input instanceof Response) response = input;
  else {
    given = String(input);
    try {
      response = await fetchImpl(given, { ...options.init, signal });
    } catch (error) {
      if (signal?.aborted === true) throw interrupted("aborted", "Reading the stream was aborted", "", error);
      throw new ProviderError(`Could not reach ${given}: ${(error as Error).message}`, { provider: "sse", cause: error });
    }
    if (!response.ok) throw await httpError(response, given);
  }
  const base = response.url !== "" ? response.url : given;
  const location = response.headers.get("content-location");
  let resumeUrl = options.resumeUrl === undefined ? undefined : String(options.resumeUrl);
  if (resumeUrl === undefined && location !== null && base !== undefined) resumeUrl = new URL(location, base).href;
  // Only a GET can be repeated as the resume request; a POST that started a stream names its resume URL.
  const method = (options.init?.method ?? "GET").toUpperCase();
  if (resumeUrl === undefined && given !== undefined && method === "GET") resumeUrl = base;
  const resume = (options.resume ?? true) && resumeUrl !== undefined;
  const maxRetries = options.maxRetries ?? 8;
  let delay = options.retryDelayMs ?? 250;
  let text = "";
  let lastEventId = "";

  for (;;) {
    let cause: unknown;
    try {
      const body = response.body;
      if (body === null) throw new Error("the response has no body");
      const events = sseEvents(bodyChunks(body, signal), { onRetry: (ms) => (delay = ms) });
      for await (const event of events) {
        lastEventId = event.lastEventId;
        if (event.type === "done") return;
        if (event.type === "error") throw errorEvent(event.data, text);
        if (!CHUNK_TYPES.has(event.type)) continue;
        const chunk = parseChunk(event.data);
        if (chunk.content.length > 0) text += chunk.content;
        yield chunk;
      }
      cause = new Error("the connection closed before the stream's done event");
    } catch (error) {
      if (AgentError.isInstance(error)) throw error;
      cause = error;
    }
    if (signal?.aborted === true) throw interrupted("aborted", "Reading the stream was aborted", text, signal.reason);
    if (!resume) throw interrupted("network", `The stream was cut: ${(cause as Error).message}`, text, cause);
    response = await reconnect(resumeUrl!, lastEventId, text, cause);
  }

  /** Fetches `url` with `Last-Event-ID` until it answers, backing off; a 404 (the stream is gone) ends it. */
  async function reconnect(url: string, lastId: string, partial: string, cut: unknown): Promise<Response> {
    let wait = delay;
    for (let attempt = 1; ; attempt++) {
      if (attempt > maxRetries) {
        throw interrupted("network", `The stream was cut and ${maxRetries} reconnections failed`, partial, cut);
      }
      options.onReconnect?.(attempt, lastId);
      await sleep(wait, signal);
      if (signal?.aborted === true) throw interrupted("aborted", "Reading the stream was aborted", partial, signal.reason);
      wait = Math.min(wait * 2, MAX_DELAY_MS);
      let answer: Response;
      try {
        answer = await fetchImpl(url, { headers: lastId === "" ? {} : { "last-event-id": lastId }, signal });
      } catch (error) {
        cut = error;
        continue;
      }
      if (answer.ok && answer.body !== null) {
        options.onResume?.(lastId);
        return answer;
      }
      const failure = await httpError(answer, url);
      if (answer.status === 404 || answer.status === 400) {
        throw interrupted("network", `The stream cannot be resumed: ${failure.message}`, partial, failure);
      }
      cut = failure;
    }
  }
}

/** The bytes of a body, read with `getReader()`; ending early or `signal` cancels the body. */
async function* bodyChunks(body: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted === true) return;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.cancel().catch(() => undefined);
  }
}

function parseChunk(data: string): StreamChunk {
  try {
    return JSON.parse(data) as StreamChunk;
  } catch (error) {
    throw new WireFormatError("An SSE chunk event's data is not JSON", { type: "invalid-json", excerpt: data, cause: error });
  }
}

/** The `error` event as the error it reports, with the server's partial text (which a resumed reader may lack). */
function errorEvent(data: string, text: string): StreamInterruptedError {
  let fields: { reason?: unknown; message?: unknown; partialResponse?: unknown } = {};
  try {
    fields = JSON.parse(data) as typeof fields;
  } catch {
    // A non-JSON error event still ends the stream, with its data as the message.
    fields = { message: data };
  }
  const reason = typeof fields.reason === "string" && REASONS.has(fields.reason) ? (fields.reason as InterruptReason) : "provider";
  const message = typeof fields.message === "string" ? fields.message : "The stream reported an error";
  const partial = typeof fields.partialResponse === "string" ? fields.partialResponse : text;
  return interrupted(reason, message, partial, undefined);
}

function interrupted(reason: InterruptReason, message: string, partialResponse: string, cause: unknown): StreamInterruptedError {
  return new StreamInterruptedError(message, { reason, partialResponse, cause });
}

async function httpError(response: Response, url: string): Promise<ProviderError> {
  const body = await response.text().catch(() => "");
  return new ProviderError(`${url} answered HTTP ${response.status}`, {
    provider: "sse", status: response.status, providerMessage: body.slice(0, 500),
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
