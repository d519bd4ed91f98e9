/** The real Redis on 127.0.0.1:6379, with a key prefix unique to this run, cleaned up afterwards. */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createRedisStore } from "../../src/web/store/redis.js";
import type { StreamStoreOptions } from "../../src/web/store/types.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A prefix for one test file's run; `cleanup` deletes every key under it. */
export function redisPrefix() {
  const prefix = `agenticraft-test:${process.pid}:${randomUUID()}:`;
  return {
    prefix,
    make: (options?: StreamStoreOptions) => createRedisStore({ url: REDIS_URL, prefix, ...options }),
    async cleanup(): Promise<void> {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}
