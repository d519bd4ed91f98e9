/** Options shared by {@link toSSEResponse} and {@link pipeSSE}. */
export interface SSEOptions {
  /** Interval of the `: keep-alive` comments sent while no event is written (ms); default 15,000; 0 turns them off. */
  keepAliveMs?: number;
  /** A `retry:` field sent first, the reconnection delay (ms) browsers' EventSource should use. */
  retryMs?: number;
  /** Extra response headers (the SSE headers are always set). */
  headers?: Record<string, string>;
  /** HTTP status; default 200. */
  status?: number;
  /** Aborting it ends the response and the source, as the client going away does (e.g. the request's signal). */
  signal?: AbortSignal;
}

/** The headers every SSE response carries. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
});

export const DEFAULT_KEEP_ALIVE_MS = 15_000;
