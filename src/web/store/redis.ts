/**
 * The Redis Streams store: each served stream is a Redis stream of events (`XADD … MAXLEN ~ n`), a hash of
 * bookkeeping and a string of the partial text, all expiring `ttlMs` after the last write. Every instance
 * sharing the Redis can replay (`XRANGE`, bounded batches), follow live (`XREAD BLOCK`) and stop any stream.
 *
 * Readers in the instance that produces a stream are handed its new events as they are appended, with no read
 * from Redis (the hot path when one process serves many readers); other instances block in `XREAD` on a
 * connection of their own (a pool of duplicates, since a blocked connection can do nothing else).
 */
import type { Redis } from "ioredis";
import { ConfigurationError } from "../../stream/errors.js";
import { onAbort } from "./on-abort.js";
import {
  DEFAULT_MAX_LEN, DEFAULT_TTL_MS, type NewEvent, type StoredEvent, type StreamMeta, type StreamState, type StreamStore,
  type StreamStoreOptions,
} from "./types.js";

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions extends StreamStoreOptions {
  /** A Redis URL (e.g. the `REDIS_URL` environment variable); ignored when `client` is given; default redis://127.0.0.1:6379. */
  url?: string;
  /** An ioredis client whose settings to use; the store opens duplicates of it and never closes it. */
  client?: Redis;
  /** Prefix of every key and channel; default "agenticraft:". */
  prefix?: string;
}

/** A store in Redis: `XADD` with `MAXLEN` and a TTL, replay in bounded batches, `XREAD BLOCK` to follow live. */
export function createRedisStore(options?: RedisStoreOptions): StreamStore {
  return new RedisStore(options);
}

// Every script checks the hash exists, so a write after expiry never recreates half a stream.
/** KEYS: meta, events, text. ARGV: now, ttl. Returns the hash (flat) or nil (and drops what an append after expiry made). */
const HEARTBEAT = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[2], KEYS[3]) return nil end
redis.call('HSET', KEYS[1], 'beat', ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return redis.call('HGETALL', KEYS[1])`;
/** KEYS: meta. ARGV: now. */
const TOUCH = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'read', ARGV[1]) end return 0`;
/** KEYS: meta, events, text. ARGV: event, data, staleBefore or "", maxLen, ttl. Returns the entry id or nil. */
const FINISH = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then redis.call('DEL', KEYS[2], KEYS[3]) return nil end
if state ~= 'running' then return nil end
if ARGV[3] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'beat') or '0') >= tonumber(ARGV[3]) then return nil end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[1], 'd', ARGV[2])
redis.call('HSET', KEYS[1], 'state', ARGV[1] == 'done' and 'done' or 'error')
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return id`;
/** KEYS: meta. ARGV: channel, stream id. The stop is recorded, then published. */
const REQUEST_STOP = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'stop', '1')
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`;

type ScriptName = "agenticraftHeartbeat" | "agenticraftTouch" | "agenticraftFinish" | "agenticraftRequestStop";
const SCRIPTS: ReadonlyArray<[ScriptName, string, number]> = [
  ["agenticraftHeartbeat", HEARTBEAT, 3],
  ["agenticraftTouch", TOUCH, 1],
  ["agenticraftFinish", FINISH, 3],
  ["agenticraftRequestStop", REQUEST_STOP, 1],
];

interface Waiter {
  after: string;
  count: number;
  resolve: (events: StoredEvent[]) => void;
}

/** What the producing instance knows of its own stream: the last id stored and the readers waiting for more. */
interface Tail {
  lastId: string;
  waiters: Set<Waiter>;
  /** The events / text key has been given its TTL. */
  eventsTtl: boolean;
  textTtl: boolean;
}

class RedisStore implements StreamStore {
  /** The store's own connection; ioredis is imported on first use, so importing agenticraft stays cheap. */
  readonly #ready: Promise<Redis>;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #maxLen: number;
  readonly #channel: string;
  readonly #tails = new Map<string, Tail>();
  readonly #idle: Redis[] = [];
  readonly #blocking = new Set<Redis>();
  readonly #stopWatchers = new Map<string, Set<() => void>>();
  #subscriber: Promise<Redis> | undefined;
  #closed = false;

  constructor(options?: RedisStoreOptions) {
    this.#ttlMs = checkPositive("ttlMs", options?.ttlMs ?? DEFAULT_TTL_MS);
    this.#maxLen = checkPositive("maxLen", options?.maxLen ?? DEFAULT_MAX_LEN);
    this.#prefix = options?.prefix ?? "agenticraft:";
    this.#channel = `${this.#prefix}stop`;
    const client = options?.client;
    const url = options?.url ?? "redis://127.0.0.1:6379";
    const open = client !== undefined
      ? Promise.resolve(client.duplicate())
      : import("ioredis").then(({ Redis }) => new Redis(url));
    this.#ready = open.then((redis) => {
      // Our own connection, so defining commands on it touches nobody's client; they run by EVALSHA.
      for (const [name, lua, numberOfKeys] of SCRIPTS) redis.defineCommand(name, { lua, numberOfKeys });
      return redis;
    });
    // A failure surfaces on the first call that needs the connection, not as an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Runs one of {@link SCRIPTS} on the main connection (or queues it on a pipeline). */
  #script(target: Redis | ReturnType<Redis["pipeline"]>, name: ScriptName, ...args: Array<string | number>): Promise<unknown> {
    return (target as unknown as Record<ScriptName, (...a: Array<string | number>) => Promise<unknown>>)[name](...args);
  }

  #keys(id: string): [string, string, string] {
    const base = this.#prefix + id;
    return [`${base}:m`, `${base}:e`, `${base}:t`];
  }

  async create(id: string): Promise<void> {
    const [meta, events, text] = this.#keys(id);
    const now = String(Date.now());
    const redis = await this.#ready;
    await redis.multi()
      .del(events, text)
      .hset(meta, "state", "running", "stop", "0", "beat", now, "read", now)
      .pexpire(meta, this.#ttlMs)
      .exec();
    this.#tails.set(id, { lastId: "0-0", waiters: new Set(), eventsTtl: false, textTtl: false });
  }

  async append(id: string, events: NewEvent[], text: string): Promise<StoredEvent[]> {
    const [metaKey, eventsKey, textKey] = this.#keys(id);
    const pipeline = (await this.#ready).pipeline();
    for (const event of events) pipeline.xadd(eventsKey, "MAXLEN", "~", this.#maxLen, "*", "e", event.event, "d", event.data);
    if (text.length > 0) pipeline.append(textKey, text);
    // The hot path is XADD (+ APPEND) alone: a key gets its TTL when this write creates it, and the producer's
    // heartbeat renews all three. (A key an append re-creates after expiry thus expires too, or the next
    // heartbeat, finding no hash, deletes it.)
    const tail = this.#tails.get(id);
    if (tail === undefined || !tail.eventsTtl) pipeline.pexpire(eventsKey, this.#ttlMs);
    if (text.length > 0 && (tail === undefined || !tail.textTtl)) pipeline.pexpire(textKey, this.#ttlMs);
    if (tail === undefined) pipeline.pexpire(metaKey, this.#ttlMs);
    const results = (await pipeline.exec()) ?? [];
    if (tail !== undefined) {
      tail.eventsTtl = true;
      if (text.length > 0) tail.textTtl = true;
    }
    const stored: StoredEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const [error, entryId] = results[i] ?? [new Error("no reply")];
      if (error !== null && error !== undefined) throw error;
      stored.push({ id: entryId as string, event: events[i]!.event, data: events[i]!.data });
    }
    this.#advance(id, stored);
    return stored;
  }

  /** Hands new events to this instance's waiting readers of the stream. */
  #advance(id: string, stored: StoredEvent[]): void {
    const tail = this.#tails.get(id);
    if (tail === undefined || stored.length === 0) return;
    tail.lastId = stored[stored.length - 1]!.id;
    for (const waiter of tail.waiters) {
      const ready = stored.filter((event) => compareIds(event.id, waiter.after) > 0).slice(0, waiter.count);
      if (ready.length > 0) waiter.resolve(ready);
    }
  }

  async read(id: string, after: string | undefined, count: number): Promise<StoredEvent[]> {
    const start = after === undefined || after === "" ? "-" : `(${checkId(after)}`;
    const reply = (await (await this.#ready).call("XRANGE", this.#keys(id)[1], start, "+", "COUNT", count)) as RawEntry[] | null;
    return parseEntries(reply);
  }

  async wait(id: string, after: string | undefined, count: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredEvent[]> {
    const from = after === undefined || after === "" ? "0-0" : checkId(after);
    if (signal?.aborted === true || this.#closed) return [];
    const tail = this.#tails.get(id);
    if (tail !== undefined) {
      if (compareIds(tail.lastId, from) > 0) {
        const ready = await this.read(id, from, count);
        if (ready.length > 0) return ready;
      }
      return this.#waitLocal(tail, from, count, timeoutMs, signal);
    }
    return this.#waitRemote(id, from, count, timeoutMs, signal);
  }

  #waitLocal(tail: Tail, after: string, count: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredEvent[]> {
    return new Promise((resolve) => {
      const done = (events: StoredEvent[]) => {
        clearTimeout(timer);
        unwatch?.();
        tail.waiters.delete(waiter);
        resolve(events);
      };
      const waiter: Waiter = { after, count, resolve: done };
      const timeUp = () => done([]);
      const timer = setTimeout(timeUp, timeoutMs);
      const unwatch = signal === undefined ? undefined : onAbort(signal, timeUp);
      tail.waiters.add(waiter);
    });
  }

  async #waitRemote(id: string, after: string, count: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredEvent[]> {
    const connection = this.#idle.pop() ?? (await this.#ready).duplicate();
    this.#blocking.add(connection);
    const read = connection
      .call("XREAD", "COUNT", count, "BLOCK", Math.max(1, Math.round(timeoutMs)), "STREAMS", this.#keys(id)[1], after)
      .then((reply) => parseEntries(firstStream(reply)))
      .finally(() => {
        this.#blocking.delete(connection);
        if (this.#closed) connection.disconnect();
        else this.#idle.push(connection);
      });
    if (signal === undefined) return read;
    // A blocked XREAD cannot be cancelled; an abort answers at once and the connection returns when it unblocks.
    return new Promise((resolve, reject) => {
      const unwatch = onAbort(signal, () => resolve([]));
      read.then(resolve, reject).finally(unwatch);
    });
  }

  async meta(id: string): Promise<StreamMeta | undefined> {
    return parseMeta((await (await this.#ready).hgetall(this.#keys(id)[0])) as Record<string, string>);
  }

  async text(id: string): Promise<string> {
    return (await (await this.#ready).get(this.#keys(id)[2])) ?? "";
  }

  async heartbeat(id: string): Promise<StreamMeta | undefined> {
    const reply = (await this.#script(await this.#ready, "agenticraftHeartbeat", ...this.#keys(id), Date.now(), this.#ttlMs)) as string[] | null;
    if (reply === null) return undefined;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) hash[reply[i]!] = reply[i + 1]!;
    return parseMeta(hash);
  }

  async touch(id: string): Promise<void> {
    await this.#script(await this.#ready, "agenticraftTouch", this.#keys(id)[0], Date.now());
  }

  async finish(id: string, final: NewEvent, options?: { staleBefore?: number }): Promise<StoredEvent | undefined> {
    const staleBefore = options?.staleBefore === undefined ? "" : String(options.staleBefore);
    const entryId = (await this.#script(
      await this.#ready, "agenticraftFinish", ...this.#keys(id), final.event, final.data, staleBefore, this.#maxLen, this.#ttlMs,
    )) as string | null;
    if (entryId === null) return undefined;
    const stored = { id: entryId, event: final.event, data: final.data };
    this.#advance(id, [stored]);
    this.#tails.delete(id);
    return stored;
  }

  async requestStop(id: string): Promise<boolean> {
    return (await this.#script(await this.#ready, "agenticraftRequestStop", this.#keys(id)[0], this.#channel, id)) === 1;
  }

  async watchStop(id: string, onStop: () => void): Promise<() => void> {
    this.#subscriber ??= this.#subscribe();
    await this.#subscriber;
    let watchers = this.#stopWatchers.get(id);
    if (watchers === undefined) this.#stopWatchers.set(id, (watchers = new Set()));
    watchers.add(onStop);
    return () => {
      watchers.delete(onStop);
      if (watchers.size === 0 && this.#stopWatchers.get(id) === watchers) this.#stopWatchers.delete(id);
    };
  }

  async #subscribe(): Promise<Redis> {
    const subscriber = (await this.#ready).duplicate();
    subscriber.on("message", (channel: string, id: string) => {
      if (channel !== this.#channel) return;
      for (const watcher of this.#stopWatchers.get(id) ?? []) watcher();
    });
    await subscriber.subscribe(this.#channel);
    return subscriber;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const tail of this.#tails.values()) for (const waiter of tail.waiters) waiter.resolve([]);
    this.#tails.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber !== undefined) (await subscriber.catch(() => undefined))?.disconnect();
    // Blocked connections are dropped as their XREAD returns (see #waitRemote); idle ones now.
    for (const connection of this.#idle.splice(0)) connection.disconnect();
    for (const connection of this.#blocking) connection.disconnect();
    const redis = await this.#ready.catch(() => undefined);
    await redis?.quit().catch(() => undefined);
  }
}

type RawEntry = [string, string[]];

/** The entries of the one stream an `XREAD` asked for: RESP2 `[[key, entries]]`, RESP3 a map (ioredis 6 default). */
function firstStream(reply: unknown): RawEntry[] | null {
  if (reply === null || reply === undefined) return null;
  if (reply instanceof Map) return (reply.values().next().value as RawEntry[] | undefined) ?? null;
  if (!Array.isArray(reply) || reply.length === 0) return null;
  if (Array.isArray(reply[0])) return (reply[0] as [string, RawEntry[]])[1] ?? null;
  return (reply[1] as RawEntry[] | undefined) ?? null;
}

function parseEntries(reply: RawEntry[] | null): StoredEvent[] {
  if (reply === null) return [];
  const out: StoredEvent[] = new Array(reply.length);
  for (let i = 0; i < reply.length; i++) {
    const [id, fields] = reply[i]!;
    let event = "";
    let data = "";
    for (let f = 0; f + 1 < fields.length; f += 2) {
      if (fields[f] === "e") event = fields[f + 1]!;
      else if (fields[f] === "d") data = fields[f + 1]!;
    }
    out[i] = { id, event, data };
  }
  return out;
}

function parseMeta(hash: Record<string, string>): StreamMeta | undefined {
  const state = hash.state as StreamState | undefined;
  if (state === undefined) return undefined;
  return {
    state,
    stopRequested: hash.stop === "1",
    heartbeatAt: Number(hash.beat ?? 0),
    readAt: Number(hash.read ?? 0),
  };
}

/** A Redis stream entry id ("ms-seq", or "ms"), as a reader may send it back in `Last-Event-ID`. */
function checkId(id: string): string {
  if (!/^\d{1,16}(-\d{1,16})?$/.test(id)) {
    throw new ConfigurationError("lastEventId", `must be an event id of this stream, got ${JSON.stringify(id.slice(0, 80))}`);
  }
  return id;
}

/** Orders two entry ids ("ms-seq"; a bare "ms" is "ms-0"). */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf("-");
  const db = b.indexOf("-");
  const ma = Number(da === -1 ? a : a.slice(0, da));
  const mb = Number(db === -1 ? b : b.slice(0, db));
  if (ma !== mb) return ma - mb;
  return (da === -1 ? 0 : Number(a.slice(da + 1))) - (db === -1 ? 0 : Number(b.slice(db + 1)));
}

function checkPositive(option: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigurationError(option, `must be a positive number, got ${value}`);
  return value;
}
