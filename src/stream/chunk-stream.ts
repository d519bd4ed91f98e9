import type { StreamChunk } from "./chunk.js";
import { TextBuffer } from "./text-buffer.js";

/** What a producer can read of its own stream: the text its consumer has received so far. */
export interface Delivered {
  /** Concatenated `content` of every chunk handed to the consumer. */
  readonly text: string;
  /** `text.length`, without building the text. */
  readonly textLength: number;
}

/**
 * Chunks built one at a time, when the consumer asks for the next one (a provider's frames of one network read).
 * `nextChunk` returns undefined when it has no more, and the producer is then resumed; it must not throw (a
 * source that fails returns undefined and its producer throws when resumed).
 */
export interface ChunkSource {
  nextChunk(): StreamChunk | undefined;
}

/**
 * Produces the chunks of one stream; it must stop promptly when `signal` aborts. It may yield one chunk at a
 * time, a batch (all the chunks one network read completed), or a {@link ChunkSource} that builds each chunk
 * only when the consumer asks for it; the stream hands a batch or source out one by one without resuming the
 * generator: the per-chunk cost is then one resolved promise, not a generator round trip.
 */
export type ChunkProducer<R> = (
  signal: AbortSignal,
  delivered: Delivered,
) => AsyncGenerator<StreamChunk | StreamChunk[] | ChunkSource, R | undefined, undefined>;

const NO_CHUNKS: StreamChunk[] = [];
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined }) as IteratorReturnResult<undefined>;

/**
 * The stream every agenticraft producer returns: an async iterator whose `return()` (what an early `break`
 * calls) aborts the producer's signal at once, even while it is blocked on the network. A plain async
 * generator would queue `return()` behind its pending `next()` and leave the socket open until data came.
 *
 * It keeps the text handed out so far (`text`), which producers use as the exact partial text of an
 * interruption, and `result` holds what the producer returned when it finished (a provider's completion).
 */
export class ChunkStream<R = unknown> implements AsyncIterableIterator<StreamChunk> {
  readonly #controller = new AbortController();
  readonly #generator: AsyncGenerator<StreamChunk | StreamChunk[] | ChunkSource, R | undefined, undefined>;
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort: (() => void) | undefined;
  readonly #text = new TextBuffer();
  /** Set by {@link shareText}: a forwarding stage keeps this stream's text, so it is not kept here too. */
  #textView: Delivered | undefined;
  #batch: StreamChunk[] = NO_CHUNKS;
  #position = 0;
  #source: ChunkSource | undefined;
  #pulling: Promise<IteratorResult<StreamChunk>> | undefined;
  #result: R | undefined;
  readonly #onComplete: Array<(result: R) => void> = [];
  #released = false;

  constructor(producer: ChunkProducer<R>, parentSignal?: AbortSignal) {
    this.#parent = parentSignal;
    if (parentSignal !== undefined) {
      if (parentSignal.aborted) this.#controller.abort(parentSignal.reason);
      else {
        this.#onParentAbort = () => this.#controller.abort(parentSignal.reason);
        parentSignal.addEventListener("abort", this.#onParentAbort, { once: true });
      }
    }
    this.#generator = producer(this.#controller.signal, this);
  }

  /** The signal the producer watches; aborted by `abort()`, `return()` or the caller's signal. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The text handed to the consumer so far. */
  get text(): string {
    return this.#textView === undefined ? this.#text.toString() : this.#textView.text;
  }

  /** The length of {@link text}. */
  get textLength(): number {
    return this.#textView === undefined ? this.#text.length : this.#textView.textLength;
  }

  /**
   * For a stage that forwards every chunk of this stream and keeps their text itself (the agent's run): `text`
   * is read from `view` from now on and this stream keeps no copy, so the answer text is stored once. Call it
   * before the first chunk is delivered.
   */
  shareText(view: Delivered): void {
    if (this.#text.length > 0) throw new RangeError("ChunkStream.shareText: the stream has already delivered text of its own");
    this.#textView = view;
  }

  /** What the producer returned, once the stream has finished normally. */
  get result(): R | undefined {
    return this.#result;
  }

  /** Adds a callback run with the producer's result when the stream finishes normally (before `next()` reports done). */
  onComplete(callback: (result: R) => void): this {
    this.#onComplete.push(callback);
    return this;
  }

  next(): Promise<IteratorResult<StreamChunk>> {
    // Hot path: hand out the next chunk of the current batch or source. After an abort the rest of a batch is
    // dropped, so nothing decoded before the abort reaches a consumer that asked to stop.
    if (!this.#controller.signal.aborted) {
      if (this.#position < this.#batch.length) return Promise.resolve({ done: false, value: this.#deliver(this.#batch[this.#position++]!) });
      const source = this.#source;
      if (source !== undefined) {
        const chunk = source.nextChunk();
        if (chunk !== undefined) return Promise.resolve({ done: false, value: this.#deliver(chunk) });
        this.#source = undefined;
      }
    }
    // A caller that does not await each next() must still get chunks in order.
    if (this.#pulling !== undefined) return this.#pulling.then(() => this.next());
    this.#pulling = this.#pull();
    return this.#pulling;
  }

  /**
   * For a stage that forwards this stream (the agent's run): the next chunk already at hand (the rest of the
   * current batch, or the next chunk its source builds), delivered without a promise; undefined when the next
   * one needs the producer, which `next()` then resumes. After an abort nothing more is at hand.
   */
  takeReady(): StreamChunk | undefined {
    if (this.#controller.signal.aborted) return undefined;
    if (this.#position < this.#batch.length) return this.#deliver(this.#batch[this.#position++]!);
    const source = this.#source;
    if (source === undefined) return undefined;
    const chunk = source.nextChunk();
    if (chunk !== undefined) return this.#deliver(chunk);
    this.#source = undefined;
    return undefined;
  }

  async #pull(): Promise<IteratorResult<StreamChunk>> {
    this.#batch = NO_CHUNKS;
    this.#position = 0;
    this.#source = undefined;
    try {
      for (;;) {
        const step = await this.#generator.next();
        if (step.done === true) {
          this.#result = step.value;
          this.#release();
          if (step.value !== undefined) for (const callback of this.#onComplete) callback(step.value);
          return DONE;
        }
        const value = step.value;
        if (isSource(value)) {
          const chunk = value.nextChunk();
          if (chunk === undefined) continue;
          this.#source = value;
          return { done: false, value: this.#deliver(chunk) };
        }
        if (!Array.isArray(value)) return { done: false, value: this.#deliver(value) };
        if (value.length === 0) continue;
        this.#batch = value;
        this.#position = 1;
        return { done: false, value: this.#deliver(value[0]!) };
      }
    } catch (error) {
      this.#release();
      throw error;
    } finally {
      this.#pulling = undefined;
    }
  }

  #deliver(chunk: StreamChunk): StreamChunk {
    if (chunk.content.length > 0 && this.#textView === undefined) this.#text.append(chunk.content);
    return chunk;
  }

  /** Stops the stream: aborts the producer's signal, then waits for its cleanup. */
  async return(): Promise<IteratorResult<StreamChunk>> {
    this.abort();
    this.#batch = NO_CHUNKS;
    this.#source = undefined;
    try {
      await this.#generator.return(undefined);
    } finally {
      this.#release();
    }
    return DONE;
  }

  /** Aborts the producer without waiting; the pending or next `next()` rejects or ends. */
  abort(reason?: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#onParentAbort !== undefined) this.#parent?.removeEventListener("abort", this.#onParentAbort);
  }
}

function isSource(value: StreamChunk | StreamChunk[] | ChunkSource): value is ChunkSource {
  return typeof (value as Partial<ChunkSource>).nextChunk === "function";
}

/** True when `value` is a {@link ChunkStream}, whose `abort` can cancel a blocked producer. */
export function isChunkStream(value: unknown): value is ChunkStream {
  return value instanceof ChunkStream;
}
