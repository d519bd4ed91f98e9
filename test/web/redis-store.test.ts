import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { REDIS_URL, redisPrefix } from "./redis-support.js";

const redis = redisPrefix();
after(() => redis.cleanup());

test("redis store: every key of a stream carries the TTL, from the first write to the end", async () => {
  const store = redis.make({ ttlMs: 60_000 });
  const raw = new Redis(REDIS_URL);
  try {
    const id = randomUUID();
    const keys = ["m", "e", "t"].map((k) => `${redis.prefix}${id}:${k}`);
    await store.create(id);
    await store.append(id, [{ event: "text", data: "{}" }], "x");
    for (const key of keys) {
      const ttl = await raw.pttl(key);
      assert.ok(ttl > 50_000 && ttl <= 60_000, `${key}: pttl ${ttl}`);
    }
    await store.finish(id, { event: "done", data: "{}" });
    for (const key of keys) assert.ok((await raw.pttl(key)) > 50_000, key);
    assert.equal(await raw.xlen(keys[1]!), 2);
  } finally {
    raw.disconnect();
    await store.close();
  }
});

test("redis store: an append after the stream expired leaves only expiring keys, which the next heartbeat deletes", async () => {
  const store = redis.make({ ttlMs: 60_000 });
  const raw = new Redis(REDIS_URL);
  try {
    const id = randomUUID();
    await store.create(id);
    await raw.del(`${redis.prefix}${id}:m`); // as if it had expired
    await store.append(id, [{ event: "text", data: "{}" }], "x");
    const keys = await raw.keys(`${redis.prefix}${id}:*`);
    for (const key of keys) assert.ok((await raw.pttl(key)) > 0, `${key} has no TTL`);
    assert.equal(await store.heartbeat(id), undefined);
    assert.deepEqual(await raw.keys(`${redis.prefix}${id}:*`), []);
    // And a producer ending after expiry does not bring it back either.
    await store.append(id, [{ event: "text", data: "{}" }], "y");
    assert.equal(await store.finish(id, { event: "done", data: "{}" }), undefined);
    assert.deepEqual(await raw.keys(`${redis.prefix}${id}:*`), []);
  } finally {
    raw.disconnect();
    await store.close();
  }
});

test("redis store: readers on another instance follow live with XREAD BLOCK, and a given client is not closed", async () => {
  const client = new Redis(REDIS_URL);
  const writer = redis.make();
  const reader = redis.make();
  const fromClient = (await import("../../src/web/store/redis.js")).createRedisStore({ client, prefix: redis.prefix });
  try {
    const id = randomUUID();
    await writer.create(id);
    const waiting = reader.wait(id, undefined, 10, 5000);
    const viaClient = fromClient.wait(id, undefined, 10, 5000);
    const [stored] = await writer.append(id, [{ event: "text", data: '{"n":1}' }], "");
    assert.deepEqual(await waiting, [stored]);
    assert.deepEqual(await viaClient, [stored]);
    await fromClient.close();
    assert.equal(await client.ping(), "PONG", "the caller's client stays open");
  } finally {
    client.disconnect();
    await writer.close();
    await reader.close();
  }
});
