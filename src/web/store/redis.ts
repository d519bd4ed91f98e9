/** The Redis Streams store: events in a stream per served stream, so every instance sharing Redis can resume or stop any. */
import type { Redis } from "ioredis";
import type { StreamStore, StreamStoreOptions } from "./types.js";

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions extends StreamStoreOptions {
  /** A Redis URL (e.g. the `REDIS_URL` environment variable); ignored when `client` is given. */
  url?: string;
  /** An ioredis client to use (it is not closed by `close()`; the connections duplicated from it are). */
  client?: Redis;
  /** Prefix of every key and channel; default "agenticraft:". */
  prefix?: string;
}

/** A store in Redis: `XADD` with `MAXLEN` and a TTL, replay in bounded batches, `XREAD BLOCK` to follow live. */
export function createRedisStore(options?: RedisStoreOptions): StreamStore {
  void options;
  throw new Error("not implemented yet");
}
