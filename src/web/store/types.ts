/** What the resumable streams need of a store; the memory and Redis stores pass the same test suite. */

/** An event as the store keeps it: `id` assigned by the store, unique and increasing within its stream. */
export interface StoredEvent {
  id: string;
  event: string;
  data: string;
}

/** An event before the store gave it an id. */
export interface NewEvent {
  event: string;
  data: string;
}

/** Where a stream stands: running, or ended by its `done` or `error` event. */
export type StreamState = "running" | "done" | "error";

/** The bookkeeping of one stream. */
export interface StreamMeta {
  state: StreamState;
  /** A stop was requested (recorded before it is announced, so a producer that starts late still sees it). */
  stopRequested: boolean;
  /** When the producer last showed it was alive (ms since the epoch). */
  heartbeatAt: number;
  /** When a reader last showed it was reading (ms since the epoch). */
  readAt: number;
}

/** Storage of resumable streams (events, partial text, state) shared by every instance that uses it. */
export interface StreamStore {
  /** Creates an empty running stream; it expires `ttlMs` after its last heartbeat (or, before any, its creation). */
  create(id: string): Promise<void>;
  /**
   * Appends events (their text content joined in `text`); resolves with the stored events. Not a heartbeat: the
   * producer calls `heartbeat` on a timer, which also renews the TTL.
   */
  append(id: string, events: NewEvent[], text: string): Promise<StoredEvent[]>;
  /**
   * Up to `count` events after `after` (exclusive; undefined: from the start), without waiting. Throws
   * `ConfigurationError` for an id that is not one of this store's ids.
   */
  read(id: string, after: string | undefined, count: number): Promise<StoredEvent[]>;
  /** Events after `after`, waiting up to `timeoutMs` for the first to arrive; [] on timeout or abort. */
  wait(id: string, after: string | undefined, count: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredEvent[]>;
  /** The stream's state, or undefined when it is unknown or expired. */
  meta(id: string): Promise<StreamMeta | undefined>;
  /** The text content stored so far (the partial answer). */
  text(id: string): Promise<string>;
  /** The producer is alive: records it and returns the current state (to see a stop or abandonment). */
  heartbeat(id: string): Promise<StreamMeta | undefined>;
  /** A reader is reading. */
  touch(id: string): Promise<void>;
  /**
   * Appends the closing event (`done` or `error`) and ends the stream, atomically, only if it is still running
   * and, with `staleBefore`, only if its producer's last heartbeat is older than that (a dead producer).
   * Resolves with the stored event, or undefined when it did nothing.
   */
  finish(id: string, final: NewEvent, options?: { staleBefore?: number }): Promise<StoredEvent | undefined>;
  /** Records a stop request, then announces it; false for an unknown or already ended stream. */
  requestStop(id: string): Promise<boolean>;
  /**
   * Calls `onStop` when a stop of `id` is announced (from any instance). Resolves once watching, with the
   * function that stops watching; check `meta().stopRequested` afterwards for a stop recorded before.
   */
  watchStop(id: string, onStop: () => void): Promise<() => void>;
  /** Releases what the store holds (timers, connections it opened). */
  close(): Promise<void>;
}

/** Options every store takes. */
export interface StreamStoreOptions {
  /** How long a stream is kept after its last write (ms); default one hour. */
  ttlMs?: number;
  /** Most events kept per stream (older ones are trimmed); default 100,000. */
  maxLen?: number;
}

export const DEFAULT_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_LEN = 100_000;
