import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ResumableStreams } from "../../src/web/resumable.js";
import { createMemoryStore } from "../../src/web/store/memory.js";
import { readSSE } from "../../src/web/read-sse.js";
import type { StreamStore } from "../../src/web/store/types.js";
import { mulberry32 } from "../support/split.js";
import { redisPrefix } from "./redis-support.js";
import { startStreamServer } from "./web-support.js";

const redis = redisPrefix();
after(() => redis.cleanup());

const WORDS = Array.from({ length: 40 }, (_, i) => `t${i}${i % 7 === 0 ? "\n" : " "}`);
const FULL = WORDS.join("");

/**
 * Property: however the connection drops (1 to 3 cuts at random event counts, while live or during replay),
 * the reader resumes from its last id and gets the full text exactly once: every chunk once, in order.
 */
async function dropPointsProperty(makeStore: () => StreamStore, runs: number, twoInstances: boolean) {
  const a = new ResumableStreams({ store: makeStore() });
  const b = twoInstances ? new ResumableStreams({ store: makeStore() }) : a;
  const rng = mulberry32(0x5eed);
  // Each response (on either server) takes the next cut from the queue; once it is empty, none is cut.
  let drops: number[] = [];
  const dropAfter = () => drops.shift();
  const serverB = twoInstances ? await startStreamServer(b, { dropAfter }) : undefined;
  const serverA = await startStreamServer(a, { words: WORDS, dropAfter, resumeBase: () => serverB?.base ?? "" });
  try {
    for (let run = 0; run < runs; run++) {
      const cuts = 1 + Math.floor(rng() * 3);
      const plan = Array.from({ length: cuts }, () => 1 + Math.floor(rng() * (WORDS.length / cuts)));
      drops = [...plan];
      let resumed = 0;
      const chunks = [];
      for await (const chunk of readSSE(`${serverA.base}/start`, {
        init: { method: "POST" },
        retryDelayMs: 1,
        onResume: () => resumed++,
      })) chunks.push(chunk);
      const text = chunks.map((c) => c.content).join("");
      assert.equal(text, FULL, `run ${run}: cuts after ${plan.join(",")} events`);
      assert.equal(chunks.filter((c) => c.type === "text").length, WORDS.length, `run ${run}: a chunk repeated or lost`);
      assert.equal(chunks[chunks.length - 1]!.type, "final");
      assert.equal(resumed, cuts, `run ${run}: resumed ${resumed} times for ${cuts} cuts`);
    }
  } finally {
    await serverA.close();
    await serverB?.close();
    await a.close();
    if (b !== a) await b.close();
  }
}

test("memory store: resume after drops at random points gives the full text exactly once", async () => {
  await dropPointsProperty(() => createMemoryStore(), 25, false);
});

test("redis store: resume after drops at random points gives the full text exactly once", async () => {
  await dropPointsProperty(() => redis.make(), 25, false);
});

test("redis store: a reader resumes through a second instance sharing the Redis", async () => {
  await dropPointsProperty(() => redis.make(), 15, true);
});
