/** A chunk stream (or a followed resumable stream) written as server-sent events to a Node `ServerResponse`. */
import type { ServerResponse } from "node:http";
import type { StreamChunk } from "../stream/chunk.js";
import { encodeRetry, encodeSSEComment } from "../wire/sse-encode.js";
import { KeepAlive, isEndEvent, openEvents, type StreamEvent } from "./events.js";
import { SSE_HEADERS, type SSEOptions } from "./sse-options.js";
import { checkKeepAlive, encodeBatch } from "./sse-response.js";

const COMMENT = encodeSSEComment();

/**
 * Writes the stream to `res` (Node http, Express) as server-sent events and ends it; resolves when done. It
 * waits for `drain` when the socket's buffer is full, so a slow client is never buffered for; the socket
 * closing (or `options.signal`) ends the source: a `ChunkStream`'s model call is aborted, a followed resumable
 * stream is only no longer followed.
 */
export async function pipeSSE(
  stream: AsyncIterable<StreamChunk> | AsyncIterable<StreamEvent>,
  res: ServerResponse,
  options?: SSEOptions,
): Promise<void> {
  const keepAliveMs = checkKeepAlive(options?.keepAliveMs);
  const { nextBatch, close, abort } = openEvents(stream);
  let closed = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    if (closed) return;
    closed = true;
    abort();
    wake?.();
  };
  const onClose = () => {
    if (!res.writableFinished) stop();
  };
  const signal = options?.signal;
  res.on("close", onClose);
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted === true) stop();
  if (!res.headersSent) res.writeHead(options?.status ?? 200, { ...SSE_HEADERS, ...options?.headers });
  res.flushHeaders();
  const keepAlive = new KeepAlive(keepAliveMs, () => {
    // A full socket already shows the connection is in use; do not add to its buffer.
    if (!closed && !res.writableNeedDrain) res.write(COMMENT);
  });
  try {
    if (options?.retryMs !== undefined) res.write(encodeRetry(options.retryMs) + "\n");
    while (!closed) {
      const batch = await nextBatch();
      if (closed || batch === undefined) break;
      const ok = res.write(encodeBatch(batch));
      keepAlive.wrote();
      if (isEndEvent(batch[batch.length - 1]!)) break;
      if (!ok && !closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once("drain", resolve);
        });
        res.off("drain", wake!);
        wake = undefined;
      }
    }
  } finally {
    keepAlive.stop();
    res.off("close", onClose);
    signal?.removeEventListener("abort", stop);
    if (!closed) close();
    if (!res.writableEnded) res.end();
  }
}
