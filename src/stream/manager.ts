import type { StreamChunk } from "./chunk.js";
import { ChunkStream, isChunkStream, type Delivered } from "./chunk-stream.js";
import { ConfigurationError, StreamInterruptedError, type InterruptReason } from "./errors.js";
import { randomStreamId } from "./response.js";

/** Limits a {@link StreamingManager} applies to every stream, in milliseconds (0 or undefined: none). */
export interface StreamingManagerOptions {
  /** The whole stream must end within this time. */
  timeout?: number;
  /** The first chunk must arrive within this time. */
  firstChunkTimeout?: number;
  /** No gap between two chunks may be longer than this. */
  idleTimeout?: number;
}

/** Per-stream options of {@link StreamingManager.streamWithTimeout}; they override the manager's. */
export interface ManagedStreamOptions extends StreamingManagerOptions {
  /** The id under which `interruptStream` finds this stream; a random one when omitted. */
  streamId?: string;
  /** Interrupts the stream (reason "aborted") when it aborts. */
  signal?: AbortSignal;
}

/** A stream watched by a manager; `streamId` is what `interruptStream` takes. */
export type ManagedStream = ChunkStream<void> & { readonly streamId: string };

/**
 * Runs streams under timeouts and lets any of them be interrupted by id. An interrupted or timed-out stream
 * throws `StreamInterruptedError` carrying exactly the text it had yielded, and its source is cancelled
 * (its `return()` runs and, for agenticraft streams, its signal fires, closing the HTTP request).
 */
export class StreamingManager implements AsyncDisposable {
  readonly #options: StreamingManagerOptions;
  readonly #active = new Map<string, Watch>();
  #closed = false;

  constructor(options: StreamingManagerOptions = {}) {
    for (const key of ["timeout", "firstChunkTimeout", "idleTimeout"] as const) {
      const value = options[key];
      if (value !== undefined && (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value))) {
        throw new ConfigurationError(key, `must be a non-negative number of ms, got ${String(value)}`);
      }
    }
    this.#options = { ...options };
  }

  /** Wraps `source` so the manager's limits apply to it and `interruptStream(streamId)` can stop it. */
  streamWithTimeout(source: AsyncIterable<StreamChunk>, options: ManagedStreamOptions = {}): ManagedStream {
    if (this.#closed) throw new ConfigurationError("streamWithTimeout", "the manager is closed");
    const streamId = options.streamId ?? randomStreamId();
    if (this.#active.has(streamId)) throw new ConfigurationError("streamId", `"${streamId}" is already active`);
    const limits = { ...this.#options, ...stripUndefined(options) };
    const watch = new Watch(source[Symbol.asyncIterator](), limits);
    this.#active.set(streamId, watch);
    const onSettled = () => this.#active.delete(streamId);
    const stream = new ChunkStream<void>((signal, delivered) => watch.run(signal, delivered, onSettled), options.signal);
    return Object.assign(stream, { streamId });
  }

  /** Interrupts an active stream; true if it was active. */
  interruptStream(streamId: string): boolean {
    const watch = this.#active.get(streamId);
    if (watch === undefined) return false;
    watch.interrupt("aborted", `Stream ${streamId} was interrupted`);
    return true;
  }

  /** Ids of the streams still running. */
  get activeStreams(): string[] {
    return [...this.#active.keys()];
  }

  /** Interrupts every active stream and waits for their sources to be released. */
  async close(): Promise<void> {
    this.#closed = true;
    const watches = [...this.#active.values()];
    for (const watch of watches) watch.interrupt("aborted", "The streaming manager was closed");
    await Promise.all(watches.map((watch) => watch.released));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** One stream's timers, text so far, and the promise that rejects when it is interrupted. */
class Watch {
  readonly #source: AsyncIterator<StreamChunk>;
  readonly #limits: StreamingManagerOptions;
  /** The text the managed stream has handed out: the partial text of an interruption. */
  #delivered: Delivered | undefined;
  readonly #interrupted: Promise<never>;
  #reject!: (error: StreamInterruptedError) => void;
  #error: StreamInterruptedError | undefined;
  #timers: NodeJS.Timeout[] = [];
  #idle: NodeJS.Timeout | undefined;
  #firstChunk: NodeJS.Timeout | undefined;
  #sourceDone = false;
  #release!: () => void;
  /** Resolves once the source has been returned or has finished. */
  readonly released: Promise<void>;

  constructor(source: AsyncIterator<StreamChunk>, limits: StreamingManagerOptions) {
    this.#source = source;
    this.#limits = limits;
    this.#interrupted = new Promise<never>((_, reject) => (this.#reject = reject));
    this.#interrupted.catch(() => {}); // observed through next(); never unhandled
    this.released = new Promise<void>((resolve) => (this.#release = resolve));
  }

  async *run(signal: AbortSignal, delivered: Delivered, onSettled: () => void): AsyncGenerator<StreamChunk, undefined> {
    this.#delivered = delivered;
    const onAbort = () => this.interrupt("aborted", "The stream was aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    this.#startTimers();
    try {
      while (true) {
        if (this.#error !== undefined) throw this.#error;
        const step = await Promise.race([this.#source.next(), this.#interrupted]);
        if (step.done === true) {
          this.#sourceDone = true;
          return undefined;
        }
        this.#onChunk();
        yield step.value;
      }
    } catch (error) {
      if (this.#error !== undefined) throw this.#error;
      this.#sourceDone = true; // the source threw: it is finished
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#clearTimers();
      onSettled();
      if (this.#sourceDone) this.#release();
      else this.#cancelSource();
    }
  }

  /** Stops the stream with a `StreamInterruptedError` carrying the text so far, and cancels the source. */
  interrupt(reason: InterruptReason, message: string): void {
    if (this.#error !== undefined || this.#sourceDone) return;
    this.#error = new StreamInterruptedError(message, { reason, partialResponse: this.#delivered?.text ?? "" });
    this.#clearTimers();
    this.#reject(this.#error);
    this.#cancelSource();
  }

  #onChunk(): void {
    if (this.#firstChunk !== undefined) {
      clearTimeout(this.#firstChunk);
      this.#firstChunk = undefined;
    }
    // refresh() re-arms the same timer object: no allocation per chunk.
    this.#idle?.refresh();
  }

  #startTimers(): void {
    const { timeout, firstChunkTimeout, idleTimeout } = this.#limits;
    if (timeout) this.#timers.push(setTimeout(() => this.interrupt("timeout", `Stream timed out after ${timeout} ms`), timeout));
    if (firstChunkTimeout) {
      this.#firstChunk = setTimeout(
        () => this.interrupt("timeout", `No first chunk within ${firstChunkTimeout} ms`),
        firstChunkTimeout,
      );
      this.#timers.push(this.#firstChunk);
    }
    if (idleTimeout) {
      this.#idle = setTimeout(() => this.interrupt("timeout", `No chunk for ${idleTimeout} ms`), idleTimeout);
      this.#timers.push(this.#idle);
    }
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    this.#idle = undefined;
    this.#firstChunk = undefined;
  }

  #cancelSource(): void {
    if (this.#sourceDone) return;
    this.#sourceDone = true;
    // A ChunkStream's return() aborts its producer at once, so waiting for it is bounded. A plain generator's
    // return() waits behind its pending next(), possibly forever: ask, but do not wait.
    const returned = this.#source.return?.();
    if (returned === undefined || !isChunkStream(this.#source)) {
      returned?.catch(() => {});
      this.#release();
    } else returned.then(() => this.#release(), () => this.#release());
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}
