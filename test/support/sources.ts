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
