/** A chunk stream (or a followed resumable stream) as a standard Web `Response` of server-sent events. */
import type { StreamChunk } from "../stream/chunk.js";
import { ConfigurationError } from "../stream/errors.js";
import { encodeRetry, encodeSSE, encodeSSEComment } from "../wire/sse-encode.js";
import { KeepAlive, isEndEvent, openEvents, type StreamEvent } from "./events.js";
import { DEFAULT_KEEP_ALIVE_MS, SSE_HEADERS, type SSEOptions } from "./sse-options.js";

const encoder = new TextEncoder();

/**
 * Answers with the stream as server-sent events (Hono, Next.js route handlers, Bun, Deno). The body is pulled
 * one event at a time, so a slow client is never buffered for. The client going away (the body cancelled) or
 * `options.signal` ends the source: for a `ChunkStream` that aborts the model call; for a followed resumable
 * stream it only stops following.
 */
export function toSSEResponse(
  stream: AsyncIterable<StreamChunk> | AsyncIterable<StreamEvent>,
  options?: SSEOptions,
): Response {
  const keepAliveMs = checkKeepAlive(options?.keepAliveMs);
  const retry = options?.retryMs === undefined ? "" : encodeRetry(options.retryMs) + "\n";
  const { nextBatch, close, abort } = openEvents(stream);
  const signal = options?.signal;
  let closed = false;
  let keepAlive: KeepAlive | undefined;
  let onAbort: (() => void) | undefined;

  const finish = () => {
    closed = true;
    keepAlive?.stop();
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (retry !== "") controller.enqueue(encoder.encode(retry));
      const comment = encoder.encode(encodeSSEComment());
      keepAlive = new KeepAlive(keepAliveMs, () => {
        if (!closed) controller.enqueue(comment);
      });
      if (signal !== undefined) {
        onAbort = () => {
          if (closed) return;
          finish();
          abort();
          controller.close();
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
    },
    async pull(controller) {
      let batch: StreamEvent[] | undefined;
      let wire: string;
      try {
        batch = await nextBatch();
        wire = batch === undefined ? "" : encodeBatch(batch);
      } catch (error) {
        if (!closed) {
          finish();
          abort();
          controller.error(error);
        }
        return;
      }
      if (closed) return;
      if (batch === undefined) {
        finish();
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(wire));
      keepAlive?.wrote();
      if (isEndEvent(batch[batch.length - 1]!)) {
        finish();
        controller.close();
        close();
      }
    },
    cancel() {
      if (closed) return;
      finish();
      abort();
    },
  });
  return new Response(body, { status: options?.status ?? 200, headers: { ...SSE_HEADERS, ...options?.headers } });
}

/** The events of one batch as one piece of wire text. */
export function encodeBatch(batch: StreamEvent[]): string {
  if (batch.length === 1) return encodeSSE(batch[0]!);
  let wire = "";
  for (const event of batch) wire += encodeSSE(event);
  return wire;
}

/** The keep-alive interval, checked. */
export function checkKeepAlive(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_KEEP_ALIVE_MS;
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new ConfigurationError("keepAliveMs", `must be a finite number ≥ 0, got ${ms}`);
  return ms;
}
