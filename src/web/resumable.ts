/**
 * Resumable streams: a model call runs detached from the request that started it and writes its events to a
 * store; any number of readers, on any instance sharing the store, follow it from a `Last-Event-ID`.
 * Only `stop` (from any instance) or abandonment cancels the call ("detach is not cancel").
 */
import type { StreamChunk } from "../stream/chunk.js";
import { ConfigurationError, StreamInterruptedError } from "../stream/errors.js";
import { doneData, errorData, isEndEvent, type StreamEvent } from "./events.js";
import { createMemoryStore } from "./store/memory.js";
import type { NewEvent, StoredEvent, StreamStore } from "./store/types.js";

export type { StreamEvent } from "./events.js";

/** Options of {@link ResumableStreams}. */
export interface ResumableStreamsOptions {
  /** Where the events live; default a memory store (one process). */
  store?: StreamStore;
  /** A stream nobody reads for this long (ms) is stopped; default 30,000. */
  abandonAfterMs?: number;
  /** How often a producer shows it is alive, and how often waiting readers look (ms); default 1,000. */
  heartbeatMs?: number;
  /** A running stream whose producer has not shown it is alive for this long (ms) ends with an `error`; default 5,000. */
  producerGraceMs?: number;
  /** Most events read from the store at once when replaying; default 256. */
  replayBatch?: number;
}

/** Options of {@link ResumableStreams.follow}. */
export interface FollowOptions {
  /** The last event id the reader has (the `Last-Event-ID` header); absent: from the start. */
  lastEventId?: string;
  /** Ends following (never the model call) when aborted. */
  signal?: AbortSignal;
}

/** Why a producer was cancelled; the message of its `error` event. */
class StopReason extends Error {}

/** Most chunks a producer has waiting for the store before it waits for the store to catch up. */
const MAX_PENDING = 1024;

/** Runs model calls detached from their requests and lets readers follow, resume and stop them. */
export class ResumableStreams {
  readonly #store: StreamStore;
  readonly #abandonAfterMs: number;
  readonly #heartbeatMs: number;
  readonly #graceMs: number;
  readonly #batch: number;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #closing = false;

  constructor(options?: ResumableStreamsOptions) {
    this.#store = options?.store ?? createMemoryStore();
    this.#abandonAfterMs = positive("abandonAfterMs", options?.abandonAfterMs ?? 30_000);
    this.#heartbeatMs = positive("heartbeatMs", options?.heartbeatMs ?? 1_000);
    this.#graceMs = positive("producerGraceMs", options?.producerGraceMs ?? 5_000);
    this.#batch = positive("replayBatch", options?.replayBatch ?? 256);
  }

  /** The store the streams live in. */
  get store(): StreamStore {
    return this.#store;
  }

  /** Ids of the streams this instance is producing now. */
  get running(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Starts `produce` detached (it must stop when `signal` aborts) and resolves with the new stream's id once the
   * stream exists in the store and a stop of it is being watched.
   */
  async start(produce: (signal: AbortSignal) => AsyncIterable<StreamChunk>): Promise<string> {
    const id = globalThis.crypto.randomUUID();
    await this.#store.create(id);
    const controller = new AbortController();
    const unwatch = await this.#store.watchStop(id, () => controller.abort(new StopReason("The stream was stopped")));
    // Watching first, then looking: a stop recorded before the watch began is seen here, one after it there.
    if ((await this.#store.meta(id))?.stopRequested === true) controller.abort(new StopReason("The stream was stopped"));
    const done = this.#run(id, produce, controller).finally(() => {
      unwatch();
      this.#running.delete(id);
    });
    this.#running.set(id, { controller, done });
    return id;
  }

  async #run(id: string, produce: (signal: AbortSignal) => AsyncIterable<StreamChunk>, controller: AbortController): Promise<void> {
    const signal = controller.signal;
    const heartbeat = setInterval(() => {
      this.#store.heartbeat(id).then((meta) => {
        if (meta === undefined) controller.abort(new StopReason("The stream expired"));
        else if (meta.stopRequested) controller.abort(new StopReason("The stream was stopped"));
        else if (Date.now() - meta.readAt > this.#abandonAfterMs) {
          controller.abort(new StopReason(`The stream was abandoned: nobody read it for ${this.#abandonAfterMs} ms`));
        }
      }, () => undefined);
    }, this.#heartbeatMs);
    // Writes go to the store in batches: while one is in flight, the next chunks gather.
    let pending: NewEvent[] = [];
    let pendingText = "";
    let text = "";
    let flushing: Promise<void> | undefined;
    let writeError: unknown;
    const flush = (): Promise<void> => {
      if (flushing !== undefined) return flushing;
      if (pending.length === 0) return Promise.resolve();
      const events = pending;
      const delta = pendingText;
      pending = [];
      pendingText = "";
      flushing = this.#store.append(id, events, delta).then(
        () => {
          flushing = undefined;
          if (pending.length > 0) return flush();
        },
        (error: unknown) => {
          flushing = undefined;
          writeError ??= error;
          controller.abort(error);
        },
      );
      return flushing;
    };
    let iterator: AsyncIterator<StreamChunk> | undefined;
    const onAbort = () => {
      // Cut a read blocked on the network now; a ChunkStream aborts its producer at once.
      const it = iterator as (AsyncIterator<StreamChunk> & { abort?: (reason?: unknown) => void }) | undefined;
      it?.abort?.(signal.reason);
      it?.return?.()?.catch(() => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    let final: NewEvent;
    try {
      if (signal.aborted) throw signal.reason;
      iterator = produce(signal)[Symbol.asyncIterator]();
      let last: StreamChunk | undefined;
      for (;;) {
        const step = await iterator.next();
        if (signal.aborted) throw signal.reason;
        if (step.done === true) break;
        const chunk = step.value;
        if (chunk.content.length > 0) {
          text += chunk.content;
          pendingText += chunk.content;
        }
        if (chunk.isFinal) last = chunk;
        pending.push({ event: chunk.type, data: JSON.stringify(chunk) });
        void flush();
        if (pending.length >= MAX_PENDING) await flush();
      }
      final = { event: "done", data: doneData(last) };
    } catch (error) {
      const reason = signal.aborted ? signal.reason : error;
      const cause = reason instanceof StopReason
        ? new StreamInterruptedError(reason.message, { reason: "aborted", partialResponse: text })
        : reason;
      final = { event: "error", data: errorData(cause, text) };
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener("abort", onAbort);
    }
    while (flushing !== undefined || pending.length > 0) await flush();
    if (writeError !== undefined && final.event === "done") final = { event: "error", data: errorData(writeError, text) };
    await this.#store.finish(id, final).catch(() => undefined);
  }

  /**
   * Follows a stream: the events after `lastEventId` (all of them without it), then live ones, up to its `done`
   * or `error` event. Undefined when the id is unknown or expired (a 404). Ending the iteration (`return()`,
   * `break`, the signal) stops following at once and never stops the model call. Throws `ConfigurationError`
   * for a `lastEventId` that is not an id of this store (a 400).
   */
  async follow(id: string, options?: FollowOptions): Promise<AsyncIterableIterator<StreamEvent> | undefined> {
    const after = options?.lastEventId;
    // Validates the id before answering (read throws ConfigurationError for a malformed one).
    const [meta] = await Promise.all([this.#store.meta(id), this.#store.read(id, after, 1)]);
    if (meta === undefined) return undefined;
    return new FollowedStream((signal) => this.#follow(id, after, signal), options?.signal);
  }

  /**
   * Yields the stream's events in the batches the store gives them, up to the end event. A reader caught in a
   * store call while this instance closes ends with an `error` event, never with the store's own error (the
   * connection closing under it); its client has every event it was given.
   */
  async *#follow(id: string, after: string | undefined, signal: AbortSignal): AsyncGenerator<StreamEvent[], void, undefined> {
    let lastId = after;
    try {
      for await (const batch of this.#followStore(id, after, signal)) {
        lastId = batch[batch.length - 1]!.id;
        yield batch;
      }
    } catch (error) {
      if (!this.#closing) throw error;
      // The id repeats the last one given, so a client resuming elsewhere asks for exactly what it missed.
      const cause = new StreamInterruptedError("The server is shutting down", { reason: "aborted", partialResponse: "", cause: error });
      yield [{ id: lastId ?? "", event: "error", data: errorData(cause, "") }];
    }
  }

  async *#followStore(id: string, after: string | undefined, signal: AbortSignal): AsyncGenerator<StreamEvent[], void, undefined> {
    let touchedAt = 0;
    const touch = () => {
      const now = Date.now();
      if (now - touchedAt < this.#heartbeatMs / 2) return;
      touchedAt = now;
      this.#store.touch(id).catch(() => undefined);
    };
    let replaying = true;
    while (!signal.aborted) {
      touch();
      let events: StoredEvent[];
      if (replaying) {
        events = await this.#store.read(id, after, this.#batch);
        if (events.length < this.#batch) replaying = false;
      } else {
        events = await this.#store.wait(id, after, this.#batch, this.#heartbeatMs, signal);
        if (events.length >= this.#batch) replaying = true;
      }
      if (events.length > 0) {
        if (signal.aborted) return;
        const end = events.findIndex(isEndEvent);
        if (end !== -1) {
          yield events.slice(0, end + 1) as StreamEvent[];
          return;
        }
        yield events as StreamEvent[];
        after = events[events.length - 1]!.id;
      }
      if (events.length > 0 || replaying || signal.aborted) continue;
      // Nothing new for a heartbeat: is the stream still there, and its producer alive?
      const meta = await this.#store.meta(id);
      if (meta === undefined) {
        yield [{ id: after ?? "0", event: "error", data: errorData(new StreamInterruptedError("The stream expired", { reason: "network", partialResponse: "" }), "") }];
        return;
      }
      if (meta.state !== "running") {
        // Its end event is stored; read it (unless trimmed away, when there is nothing more to give).
        const rest = await this.#store.read(id, after, this.#batch);
        if (rest.length === 0) return;
        replaying = true;
        continue;
      }
      const staleBefore = Date.now() - this.#graceMs;
      if (meta.heartbeatAt < staleBefore) {
        const partial = await this.#store.text(id);
        const cause = new StreamInterruptedError(
          `The stream's producer stopped responding (no heartbeat for ${this.#graceMs} ms)`,
          { reason: "network", partialResponse: partial },
        );
        await this.#store.finish(id, { event: "error", data: errorData(cause, partial) }, { staleBefore });
      }
    }
  }

  /** Stops a stream's model call, whichever instance runs it; false when the stream is unknown or already ended. */
  async stop(id: string): Promise<boolean> {
    return this.#store.requestStop(id);
  }

  /** Stops this instance's running streams (their readers get an `error` event) and closes the store. */
  async close(): Promise<void> {
    this.#closing = true;
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort(new StopReason("The server is shutting down"));
    await Promise.all(running.map(({ done }) => done.catch(() => undefined)));
    await this.#store.close();
  }
}

/**
 * A followed stream whose `return()` (a `break`, a client gone) stops following at once, even mid-wait. It
 * hands events out one by one, or the whole batch the store returned with `nextBatch()` (what the SSE writers
 * use, so one store read becomes one socket write).
 */
export class FollowedStream implements AsyncIterableIterator<StreamEvent> {
  readonly #controller = new AbortController();
  readonly #generator: AsyncGenerator<StreamEvent[], void, undefined>;
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort = () => this.#controller.abort();
  #batch: StreamEvent[] = [];
  #position = 0;

  constructor(follow: (signal: AbortSignal) => AsyncGenerator<StreamEvent[], void, undefined>, parent?: AbortSignal) {
    this.#parent = parent;
    if (parent?.aborted === true) this.#controller.abort();
    else parent?.addEventListener("abort", this.#onParentAbort, { once: true });
    this.#generator = follow(this.#controller.signal);
  }

  async next(): Promise<IteratorResult<StreamEvent>> {
    if (this.#position < this.#batch.length) return { done: false, value: this.#batch[this.#position++]! };
    const batch = await this.nextBatch();
    if (batch === undefined) return { done: true, value: undefined };
    this.#batch = batch;
    this.#position = 1;
    return { done: false, value: batch[0]! };
  }

  /** The events not handed out yet of the current batch, else the next batch; undefined at the end. */
  async nextBatch(): Promise<StreamEvent[] | undefined> {
    if (this.#position < this.#batch.length) {
      const rest = this.#position === 0 ? this.#batch : this.#batch.slice(this.#position);
      this.#batch = [];
      this.#position = 0;
      return rest;
    }
    const step = await this.#generator.next();
    if (step.done === true) {
      this.#release();
      return undefined;
    }
    return step.value;
  }

  async return(): Promise<IteratorResult<StreamEvent>> {
    this.#controller.abort();
    this.#release();
    this.#batch = [];
    await this.#generator.return(undefined);
    return { done: true, value: undefined };
  }

  /** Stops following without waiting (what `toSSEResponse`/`pipeSSE` call when the client leaves). */
  abort(): void {
    this.#controller.abort();
    this.#release();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #release(): void {
    this.#parent?.removeEventListener("abort", this.#onParentAbort);
  }
}

function positive(option: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigurationError(option, `must be a positive number, got ${value}`);
  return value;
}
