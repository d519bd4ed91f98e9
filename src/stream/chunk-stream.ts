import type { StreamChunk } from "./chunk.js";

/** Produces the chunks of one stream; it must stop promptly when `signal` aborts. */
export type ChunkProducer<R> = (signal: AbortSignal) => AsyncGenerator<StreamChunk, R | undefined, undefined>;

/**
 * The stream every agenticraft producer returns: an async iterator whose `return()` (what an early `break`
 * calls) aborts the producer's signal at once, even while it is blocked on the network. A plain async
 * generator would queue `return()` behind its pending `next()` and leave the socket open until data came.
 *
 * `result` holds what the producer returned when it finished (a provider's accumulated completion), so a
 * consumer that needs the whole answer does not have to keep a second copy of the text.
 */
export class ChunkStream<R = unknown> implements AsyncIterableIterator<StreamChunk> {
  readonly #controller = new AbortController();
  readonly #generator: AsyncGenerator<StreamChunk, R | undefined, undefined>;
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort: (() => void) | undefined;
  #result: R | undefined;
  #done = false;

  constructor(producer: ChunkProducer<R>, parentSignal?: AbortSignal) {
    this.#parent = parentSignal;
    if (parentSignal !== undefined) {
      if (parentSignal.aborted) this.#controller.abort(parentSignal.reason);
      else {
        this.#onParentAbort = () => this.#controller.abort(parentSignal.reason);
        parentSignal.addEventListener("abort", this.#onParentAbort, { once: true });
      }
    }
    this.#generator = producer(this.#controller.signal);
  }

  /** The signal the producer watches; aborted by `abort()`, `return()` or the caller's signal. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** What the producer returned, once the stream has finished normally. */
  get result(): R | undefined {
    return this.#result;
  }

  async next(): Promise<IteratorResult<StreamChunk>> {
    try {
      const step = await this.#generator.next();
      if (step.done === true) {
        this.#result = step.value;
        this.#release();
        return { done: true, value: undefined };
      }
      return step;
    } catch (error) {
      this.#release();
      throw error;
    }
  }

  /** Stops the stream: aborts the producer's signal, then waits for its cleanup. */
  async return(): Promise<IteratorResult<StreamChunk>> {
    this.abort();
    try {
      await this.#generator.return(undefined);
    } finally {
      this.#release();
    }
    return { done: true, value: undefined };
  }

  /** Aborts the producer without waiting; the pending or next `next()` rejects or ends. */
  abort(reason?: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #release(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#onParentAbort !== undefined) this.#parent?.removeEventListener("abort", this.#onParentAbort);
  }
}

/** True when `value` is a {@link ChunkStream}, whose `abort` can cancel a blocked producer. */
export function isChunkStream(value: unknown): value is ChunkStream {
  return value instanceof ChunkStream;
}
