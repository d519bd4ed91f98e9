/** The in-process stream store (the default): one process, nothing shared. */
import { ConfigurationError } from "../../stream/errors.js";
import { onAbort } from "./on-abort.js";
import {
  DEFAULT_MAX_LEN, DEFAULT_TTL_MS, type NewEvent, type StoredEvent, type StreamMeta, type StreamStore,
  type StreamStoreOptions,
} from "./types.js";

interface Waiter {
  after: number;
  count: number;
  resolve: (events: StoredEvent[]) => void;
}

interface Entry {
  meta: StreamMeta;
  /** Events kept; `events[0]` has the sequence number `first`. */
  events: StoredEvent[];
  first: number;
  /** The next sequence number (ids are "1", "2", …; "0" is before the first). */
  next: number;
  text: string[];
  expiresAt: number;
  waiters: Set<Waiter>;
  stopWatchers: Set<() => void>;
}

/** A store in this process's memory; streams expire `ttlMs` after their last write. */
export function createMemoryStore(options?: StreamStoreOptions): StreamStore {
  return new MemoryStore(options);
}

class MemoryStore implements StreamStore {
  readonly #streams = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxLen: number;
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options?: StreamStoreOptions) {
    this.#ttlMs = checkPositive("ttlMs", options?.ttlMs ?? DEFAULT_TTL_MS);
    this.#maxLen = checkPositive("maxLen", options?.maxLen ?? DEFAULT_MAX_LEN);
    // Expired streams are also dropped when touched; the sweep frees the ones nobody asks about again.
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(this.#ttlMs, 60_000));
    this.#sweeper.unref();
  }

  async create(id: string): Promise<void> {
    const now = Date.now();
    this.#streams.set(id, {
      meta: { state: "running", stopRequested: false, heartbeatAt: now, readAt: now },
      events: [],
      first: 1,
      next: 1,
      text: [],
      expiresAt: now + this.#ttlMs,
      waiters: new Set(),
      stopWatchers: new Set(),
    });
  }

  async append(id: string, events: NewEvent[], text: string): Promise<StoredEvent[]> {
    const entry = this.#get(id);
    if (entry === undefined) return [];
    if (text.length > 0) entry.text.push(text);
    return this.#push(entry, events, Date.now());
  }

  #push(entry: Entry, events: NewEvent[], now: number): StoredEvent[] {
    const stored: StoredEvent[] = [];
    for (const event of events) {
      const s: StoredEvent = { id: String(entry.next++), event: event.event, data: event.data };
      entry.events.push(s);
      stored.push(s);
    }
    const excess = entry.events.length - this.#maxLen;
    if (excess > 0) {
      entry.events.splice(0, excess);
      entry.first += excess;
    }
    entry.expiresAt = now + this.#ttlMs;
    for (const waiter of entry.waiters) {
      const ready = this.#after(entry, waiter.after, waiter.count);
      if (ready.length > 0) {
        entry.waiters.delete(waiter);
        waiter.resolve(ready);
      }
    }
    return stored;
  }

  async read(id: string, after: string | undefined, count: number): Promise<StoredEvent[]> {
    const from = parseId(after);
    const entry = this.#get(id);
    return entry === undefined ? [] : this.#after(entry, from, count);
  }

  #after(entry: Entry, after: number, count: number): StoredEvent[] {
    const start = Math.max(after + 1 - entry.first, 0);
    return start >= entry.events.length ? [] : entry.events.slice(start, start + count);
  }

  wait(id: string, after: string | undefined, count: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredEvent[]> {
    const from = parseId(after);
    const entry = this.#get(id);
    if (entry === undefined || signal?.aborted === true) return Promise.resolve([]);
    const ready = this.#after(entry, from, count);
    if (ready.length > 0) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const done = (events: StoredEvent[]) => {
        clearTimeout(timer);
        unwatch?.();
        entry.waiters.delete(waiter);
        resolve(events);
      };
      const waiter: Waiter = { after: from, count, resolve: done };
      const timeUp = () => done([]);
      const timer = setTimeout(timeUp, timeoutMs);
      const unwatch = signal === undefined ? undefined : onAbort(signal, timeUp);
      entry.waiters.add(waiter);
    });
  }

  async meta(id: string): Promise<StreamMeta | undefined> {
    const entry = this.#get(id);
    return entry === undefined ? undefined : { ...entry.meta };
  }

  async text(id: string): Promise<string> {
    const entry = this.#get(id);
    if (entry === undefined) return "";
    // Join once and keep the joined form, so repeated reads stay linear.
    if (entry.text.length > 1) entry.text = [entry.text.join("")];
    return entry.text[0] ?? "";
  }

  async heartbeat(id: string): Promise<StreamMeta | undefined> {
    const entry = this.#get(id);
    if (entry === undefined) return undefined;
    entry.meta.heartbeatAt = Date.now();
    entry.expiresAt = entry.meta.heartbeatAt + this.#ttlMs;
    return { ...entry.meta };
  }

  async touch(id: string): Promise<void> {
    const entry = this.#get(id);
    if (entry !== undefined) entry.meta.readAt = Date.now();
  }

  async finish(id: string, final: NewEvent, options?: { staleBefore?: number }): Promise<StoredEvent | undefined> {
    const entry = this.#get(id);
    if (entry === undefined || entry.meta.state !== "running") return undefined;
    if (options?.staleBefore !== undefined && entry.meta.heartbeatAt >= options.staleBefore) return undefined;
    entry.meta.state = final.event === "done" ? "done" : "error";
    return this.#push(entry, [final], Date.now())[0];
  }

  async requestStop(id: string): Promise<boolean> {
    const entry = this.#get(id);
    if (entry === undefined || entry.meta.state !== "running") return false;
    entry.meta.stopRequested = true;
    for (const watcher of entry.stopWatchers) watcher();
    return true;
  }

  async watchStop(id: string, onStop: () => void): Promise<() => void> {
    const entry = this.#get(id);
    if (entry === undefined) return () => undefined;
    entry.stopWatchers.add(onStop);
    return () => entry.stopWatchers.delete(onStop);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const entry of this.#streams.values()) for (const waiter of entry.waiters) waiter.resolve([]);
    this.#streams.clear();
  }

  #get(id: string): Entry | undefined {
    const entry = this.#streams.get(id);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.#drop(id, entry);
      return undefined;
    }
    return entry;
  }

  #drop(id: string, entry: Entry): void {
    this.#streams.delete(id);
    for (const waiter of entry.waiters) waiter.resolve([]);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#streams) if (entry.expiresAt <= now) this.#drop(id, entry);
  }
}

/** A memory store id ("0" is before the first event); anything else is a caller's mistake. */
function parseId(id: string | undefined): number {
  if (id === undefined || id === "") return 0;
  if (!/^\d{1,15}$/.test(id)) throw new ConfigurationError("lastEventId", `must be an event id of this stream, got ${JSON.stringify(id.slice(0, 80))}`);
  return Number(id);
}

function checkPositive(option: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigurationError(option, `must be a positive number, got ${value}`);
  return value;
}
