/** One test suite every StreamStore passes (run against the memory store and the Redis store). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { StreamStore, StreamStoreOptions } from "../../src/web/store/types.js";
import { ConfigurationError } from "../../src/stream/errors.js";

export type StoreFactory = (options?: StreamStoreOptions) => StreamStore;

const ev = (i: number) => ({ event: "text", data: JSON.stringify({ i }) });

export function storeSuite(name: string, make: StoreFactory): void {
  const withStore = (title: string, body: (store: StreamStore) => Promise<void>, options?: StreamStoreOptions) =>
    test(`${name}: ${title}`, async () => {
      const store = make(options);
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  withStore("an unknown id has no meta, no events and no text", async (store) => {
    const id = randomUUID();
    assert.equal(await store.meta(id), undefined);
    assert.deepEqual(await store.read(id, undefined, 10), []);
    assert.equal(await store.text(id), "");
    assert.equal(await store.requestStop(id), false);
  });

  withStore("appended events come back in order with unique increasing ids; replay pages after an id", async (store) => {
    const id = randomUUID();
    await store.create(id);
    const meta = await store.meta(id);
    assert.equal(meta?.state, "running");
    assert.equal(meta?.stopRequested, false);
    const stored = [
      ...(await store.append(id, [ev(0), ev(1), ev(2)], "ab")),
      ...(await store.append(id, [ev(3)], "")),
      ...(await store.append(id, [ev(4), ev(5), ev(6)], "c")),
    ];
    assert.deepEqual(stored.map((s) => s.data), [0, 1, 2, 3, 4, 5, 6].map((i) => ev(i).data));
    assert.equal(new Set(stored.map((s) => s.id)).size, 7);
    // Page through in batches of 3, each time after the last id read.
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.read(id, after, 3);
      if (page.length === 0) break;
      pages.push(page.map((s) => s.id));
      after = page[page.length - 1]!.id;
    }
    assert.deepEqual(pages, [stored.slice(0, 3), stored.slice(3, 6), stored.slice(6)].map((p) => p.map((s) => s.id)));
    assert.deepEqual((await store.read(id, stored[4]!.id, 100)).map((s) => s.id), stored.slice(5).map((s) => s.id));
    assert.equal(await store.text(id), "abc");
  });

  withStore("a malformed last id is a ConfigurationError naming lastEventId", async (store) => {
    const id = randomUUID();
    await store.create(id);
    await assert.rejects(store.read(id, "not-an-id", 1), (e: unknown) => e instanceof ConfigurationError && e.option === "lastEventId");
  });

  withStore("wait returns what is there at once, waits for the next append, and gives [] on timeout or abort", async (store) => {
    const id = randomUUID();
    await store.create(id);
    const [first] = await store.append(id, [ev(0)], "");
    assert.deepEqual((await store.wait(id, undefined, 10, 1000)).map((s) => s.id), [first!.id]);
    const waiting = store.wait(id, first!.id, 10, 5000);
    const [second] = await store.append(id, [ev(1)], "");
    assert.deepEqual((await waiting).map((s) => s.id), [second!.id]);
    assert.deepEqual(await store.wait(id, second!.id, 10, 30), []);
    const controller = new AbortController();
    const aborted = store.wait(id, second!.id, 10, 60_000, controller.signal);
    controller.abort();
    assert.deepEqual(await aborted, []);
  });

  withStore("finish appends the closing event once, only while running; staleBefore spares a live producer", async (store) => {
    const id = randomUUID();
    await store.create(id);
    await store.append(id, [ev(0)], "partial");
    const beat = (await store.meta(id))!.heartbeatAt;
    assert.equal(await store.finish(id, { event: "error", data: "{}" }, { staleBefore: beat }), undefined);
    const waiting = store.wait(id, (await store.read(id, undefined, 1))[0]!.id, 10, 5000);
    const done = await store.finish(id, { event: "done", data: "{}" });
    assert.equal(done?.event, "done");
    assert.deepEqual((await waiting).map((s) => s.event), ["done"]);
    assert.equal((await store.meta(id))?.state, "done");
    assert.equal(await store.finish(id, { event: "error", data: "{}" }), undefined);
    assert.deepEqual((await store.read(id, undefined, 10)).map((s) => s.event), ["text", "done"]);
    assert.equal(await store.requestStop(id), false, "an ended stream cannot be stopped");
  });

  withStore("heartbeat and touch record their times; heartbeat of an unknown stream is undefined", async (store) => {
    const id = randomUUID();
    await store.create(id);
    const before = Date.now();
    await store.touch(id);
    const meta = await store.heartbeat(id);
    assert.ok(meta !== undefined && meta.heartbeatAt >= before && meta.readAt >= before);
    assert.equal(await store.heartbeat(randomUUID()), undefined);
    await store.touch(randomUUID());
  });

  withStore("a stop is recorded before it is announced: a watcher hears it, and a late watcher sees it recorded", async (store) => {
    const id = randomUUID();
    await store.create(id);
    let heard = 0;
    const unwatch = await store.watchStop(id, () => heard++);
    assert.equal(await store.requestStop(id), true);
    await waitFor(() => heard === 1, "the stop announcement");
    unwatch();
    assert.equal((await store.meta(id))?.stopRequested, true);
  });

  withStore("a stream expires ttlMs after its last write", async (store) => {
    const id = randomUUID();
    await store.create(id);
    await store.append(id, [ev(0)], "x");
    assert.equal((await store.meta(id))?.state, "running");
    await waitFor(async () => (await store.meta(id)) === undefined, "expiry", 5000);
    assert.deepEqual(await store.read(id, undefined, 10), []);
    assert.equal(await store.text(id), "");
    // A write after expiry does not bring half a stream back.
    assert.equal(await store.heartbeat(id), undefined);
    assert.equal(await store.meta(id), undefined);
  }, { ttlMs: 150 });

  withStore("maxLen trims the oldest events", async (store) => {
    const id = randomUUID();
    await store.create(id);
    for (let i = 0; i < 300; i++) await store.append(id, [ev(i)], "");
    const kept = await store.read(id, undefined, 1000);
    // Redis trims approximately (whole macro nodes); never below maxLen, and the newest are always kept.
    assert.ok(kept.length >= 10 && kept.length < 300, `kept ${kept.length}`);
    assert.equal(kept[kept.length - 1]!.data, ev(299).data);
  }, { maxLen: 10 });
}

/** Polls an (async) condition every few ms until it holds; fails naming `what` after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not true after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
