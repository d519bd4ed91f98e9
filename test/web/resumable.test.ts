import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ResumableStreams, type ResumableStreamsOptions } from "../../src/web/resumable.js";
import { createMemoryStore } from "../../src/web/store/memory.js";
import { ConfigurationError } from "../../src/stream/errors.js";
import type { StreamEvent } from "../../src/web/events.js";
import type { StreamStore, StreamStoreOptions } from "../../src/web/store/types.js";
import { redisPrefix } from "./redis-support.js";
import { waitFor } from "./store-suite.js";
import { endlessProducer, wordsProducer } from "./web-support.js";

const redis = redisPrefix();
after(() => redis.cleanup());

const stores: Array<[string, (options?: StreamStoreOptions) => StreamStore]> = [
  ["memory", createMemoryStore],
  ["redis", redis.make],
];

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const textOf = (events: StreamEvent[]) =>
  events.filter((e) => e.event === "text").map((e) => (JSON.parse(e.data) as { content: string }).content).join("");

for (const [name, make] of stores) {
  const withStreams = (title: string, body: (streams: ResumableStreams, store: StreamStore) => Promise<void>, options?: ResumableStreamsOptions, storeOptions?: StreamStoreOptions) =>
    test(`${name}: ${title}`, async () => {
      const store = make(storeOptions);
      const streams = new ResumableStreams({ store, ...options });
      try {
        await body(streams, store);
      } finally {
        await streams.close();
      }
    });

  withStreams("a stream is followed whole, from any last id, ending with done and the usage", async (streams) => {
    const id = await streams.start(wordsProducer(["a ", "b ", "c "]));
    const all = await collect((await streams.follow(id))!);
    assert.deepEqual(all.map((e) => e.event), ["text", "text", "text", "final", "done"]);
    assert.equal(textOf(all), "a b c ");
    assert.deepEqual(JSON.parse(all[4]!.data), { usage: { inputTokens: 1, outputTokens: 3, totalTokens: 4 } });
    assert.equal(new Set(all.map((e) => e.id)).size, all.length);
    for (let i = 0; i < all.length; i++) {
      const rest = await collect((await streams.follow(id, { lastEventId: all[i]!.id }))!);
      assert.deepEqual(rest.map((e) => e.id), all.slice(i + 1).map((e) => e.id));
    }
  });

  withStreams("an unknown id is undefined (a 404); a malformed last id is a ConfigurationError (a 400)", async (streams) => {
    assert.equal(await streams.follow(randomUUID()), undefined);
    assert.equal(await streams.stop(randomUUID()), false);
    const id = await streams.start(wordsProducer(["a"]));
    await assert.rejects(streams.follow(id, { lastEventId: "x\ny" }), ConfigurationError);
  });

  withStreams("a reader leaving does not stop the model call; its return() is immediate even mid-wait", async (streams) => {
    const { state, produce } = endlessProducer(20);
    const id = await streams.start(produce);
    const followed = (await streams.follow(id))!;
    await followed.next();
    const pending = followed.next();
    await followed.return!();
    await pending.catch(() => undefined);
    const seen = state.produced.length;
    await waitFor(() => state.produced.length >= seen + 3, "the producer keeps going");
    assert.equal(state.signal?.aborted, false);
    assert.equal(await streams.stop(id), true);
  });

  withStreams("stop aborts the model call; readers get an error event with the partial text", async (streams) => {
    const { state, produce } = endlessProducer(5);
    const id = await streams.start(produce);
    const followed = (await streams.follow(id))!;
    const events: StreamEvent[] = [];
    for await (const event of followed) {
      events.push(event);
      if (events.length === 3) assert.equal(await streams.stop(id), true);
    }
    assert.equal(state.signal?.aborted, true);
    const last = events[events.length - 1]!;
    assert.equal(last.event, "error");
    const data = JSON.parse(last.data) as { reason: string; message: string; partialResponse: string };
    assert.equal(data.reason, "aborted");
    assert.match(data.message, /stopped/);
    assert.equal(data.partialResponse, textOf(events));
    assert.ok(data.partialResponse.startsWith("w0 w1 w2 "));
    assert.equal(await streams.stop(id), false, "an ended stream cannot be stopped again");
  });

  withStreams("a stream nobody reads for abandonAfterMs is stopped; one being read is not", async (streams) => {
    const read = endlessProducer(10);
    const idle = endlessProducer(10);
    const readId = await streams.start(read.produce);
    const idleId = await streams.start(idle.produce);
    const followed = (await streams.follow(readId))!;
    const started = Date.now();
    for await (const event of followed) {
      void event;
      if (idle.state.signal?.aborted === true) break;
      if (Date.now() - started > 5000) break;
    }
    assert.equal(idle.state.signal?.aborted, true, "the unread stream was stopped");
    assert.ok(Date.now() - started >= 150, "not before abandonAfterMs");
    assert.equal(read.state.signal?.aborted, false, "the stream being read goes on");
    const rest = await collect((await streams.follow(idleId))!);
    const end = JSON.parse(rest[rest.length - 1]!.data) as { reason: string; message: string };
    assert.equal(end.reason, "aborted");
    assert.match(end.message, /abandoned/);
  }, { abandonAfterMs: 200, heartbeatMs: 40 });

  withStreams("a stream whose producer died ends for its readers with an error event holding the stored text", async (streams, store) => {
    // A producer that wrote two chunks and then vanished (no heartbeat, no end).
    const id = randomUUID();
    // Timed from before the create (its heartbeat stamp): the grace period runs from there, however loaded the machine.
    const started = Date.now();
    await store.create(id);
    await store.append(id, [{ event: "text", data: '{"content":"half "}' }, { event: "text", data: '{"content":"an answer"}' }], "half an answer");
    const events = await collect((await streams.follow(id))!);
    assert.ok(Date.now() - started >= 150, "the grace period is waited out");
    const last = events[events.length - 1]!;
    assert.equal(last.event, "error");
    const data = JSON.parse(last.data) as { reason: string; partialResponse: string; message: string };
    assert.equal(data.partialResponse, "half an answer");
    assert.equal(data.reason, "network");
    assert.match(data.message, /producer/);
    assert.equal((await store.meta(id))?.state, "error");
    // A second reader gets the same stored end, with the same id.
    const again = await collect((await streams.follow(id))!);
    assert.deepEqual(again[again.length - 1], last);
  }, { heartbeatMs: 30, producerGraceMs: 150 });

  withStreams("a live producer is never taken for dead, even when silent longer than the grace period", async (streams) => {
    const { state, produce } = endlessProducer(400);
    const id = await streams.start(produce);
    const followed = (await streams.follow(id))!;
    const events: StreamEvent[] = [];
    for await (const event of followed) {
      events.push(event);
      if (events.length === 3) break;
    }
    assert.deepEqual(events.map((e) => e.event), ["text", "text", "text"]);
    assert.equal(state.signal?.aborted, false);
  }, { heartbeatMs: 30, producerGraceMs: 150 });

  withStreams("a stop that races the start is not lost", async (streams, store) => {
    // The stop lands between the stream's creation and its producer watching for stops.
    const methods = ["create", "append", "read", "wait", "meta", "text", "heartbeat", "touch", "finish", "requestStop", "watchStop", "close"] as const;
    const racing = Object.fromEntries(methods.map((m) => [m, (store[m] as (...args: unknown[]) => unknown).bind(store)])) as unknown as StreamStore;
    racing.watchStop = async (id, onStop) => {
      await store.requestStop(id);
      return store.watchStop(id, onStop);
    };
    // No heartbeat within the test: only the look after watching can catch the stop.
    const raced = new ResumableStreams({ store: racing, heartbeatMs: 60_000, abandonAfterMs: 120_000 });
    const { state, produce } = endlessProducer(5);
    const id = await raced.start(produce);
    const events = await collect((await raced.follow(id, { signal: AbortSignal.timeout(3000) }))!);
    assert.equal(events[events.length - 1]?.event, "error", "the stream ended by the stop");
    assert.equal(JSON.parse(events[events.length - 1]!.data).reason, "aborted");
    assert.ok(state.signal === undefined || state.signal.aborted, "the model call never ran on");
  });

  withStreams("a stream expires ttlMs after its last write: then it is unknown", async (streams) => {
    const id = await streams.start(wordsProducer(["a"]));
    await collect((await streams.follow(id))!);
    await waitFor(async () => (await streams.follow(id)) === undefined, "expiry", 5000);
  }, undefined, { ttlMs: 200 });

  withStreams("close stops this instance's streams and their readers get an error event", async (streams) => {
    const { state, produce } = endlessProducer(5);
    const id = await streams.start(produce);
    const followed = (await streams.follow(id))!;
    await followed.next();
    const rest = collect(followed);
    const other = new ResumableStreams({ store: make() });
    await streams.close();
    const events = await rest;
    assert.equal(state.signal?.aborted, true);
    assert.equal(events[events.length - 1]!.event, "error");
    await other.close();
  });
}

test("redis: stop from another instance aborts the model call where it runs", async () => {
  const a = new ResumableStreams({ store: redis.make() });
  const b = new ResumableStreams({ store: redis.make() });
  try {
    const { state, produce } = endlessProducer(5);
    const id = await a.start(produce);
    const followedOnB = (await b.follow(id))!;
    const first = await followedOnB.next();
    assert.equal(first.value?.event, "text");
    assert.equal(await b.stop(id), true);
    await waitFor(() => state.signal?.aborted === true, "the producer on A aborted");
    const rest = await collect(followedOnB);
    assert.equal(rest[rest.length - 1]!.event, "error");
    assert.equal(JSON.parse(rest[rest.length - 1]!.data).reason, "aborted");
  } finally {
    await a.close();
    await b.close();
  }
});
