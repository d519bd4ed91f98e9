import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";

/** A source that yields the given texts, then blocks until `release()` or its `return()`; it records what happened. */
export function controllableSource(texts: string[]) {
  const events: string[] = [];
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  let index = 0;
  const iterator: AsyncIterableIterator<StreamChunk> = {
    async next() {
      if (index < texts.length) return { done: false, value: makeChunk("text", texts[index++] ?? "", {}) };
      events.push("blocked");
      await blocked;
      return { done: true, value: undefined };
    },
    async return() {
      events.push("return");
      release();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, events, release: () => release() };
}

/** Resolves on the next turn of the event loop after pending I/O callbacks. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves once `condition` holds, checking after each turn of the event loop (a server's view of a socket
 * lags the client's by an I/O turn or two); fails naming `what` after `ms`.
 */
export async function eventually(condition: () => boolean, what = "condition", ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not true after ${ms} ms`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Reads a whole stream, keeping the chunks, the thrown error and the stream's result. */
export async function drainStream<R>(stream: AsyncIterable<StreamChunk> & { readonly result?: R | undefined }) {
  const chunks: StreamChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (e) {
    error = e;
  }
  return { chunks, error, result: stream.result };
}
