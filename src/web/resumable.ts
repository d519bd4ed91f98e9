/**
 * Resumable streams: a model call runs detached from the request that started it and writes its events to a
 * store; any number of readers, on any instance sharing the store, follow it from a `Last-Event-ID`.
 * Only `stop` (from any instance) or abandonment cancels the call ("detach is not cancel").
 */
import type { StreamChunk } from "../stream/chunk.js";
import type { StreamEvent } from "./events.js";
import type { StreamStore } from "./store/types.js";

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

/** Runs model calls detached from their requests and lets readers follow, resume and stop them. */
export class ResumableStreams {
  constructor(options?: ResumableStreamsOptions) {
    void options;
  }

  /**
   * Starts `produce` detached (it must stop when `signal` aborts) and resolves with the new stream's id once the
   * stream exists in the store and a stop of it is being watched.
   */
  async start(produce: (signal: AbortSignal) => AsyncIterable<StreamChunk>): Promise<string> {
    void produce;
    throw new Error("not implemented yet");
  }

  /**
   * Follows a stream: the events after `lastEventId` (all of them without it), then live ones, up to its `done`
   * or `error` event. Undefined when the id is unknown or expired (a 404). Ending the iteration (`return()`,
   * `break`, the signal) stops following at once and never stops the model call. Throws `ConfigurationError`
   * for a `lastEventId` that is not an id of this store (a 400).
   */
  async follow(id: string, options?: FollowOptions): Promise<AsyncIterableIterator<StreamEvent> | undefined> {
    void id;
    void options;
    throw new Error("not implemented yet");
  }

  /** Stops a stream's model call, whichever instance runs it; false when the stream is unknown or already ended. */
  async stop(id: string): Promise<boolean> {
    void id;
    throw new Error("not implemented yet");
  }

  /** Stops this instance's running streams (their readers get an `error` event) and closes the store. */
  async close(): Promise<void> {
    throw new Error("not implemented yet");
  }
}
