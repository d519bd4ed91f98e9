/**
 * The serve endpoints in process, over real HTTP: the same suite on the memory store (one instance) and on
 * Redis (two instances sharing it: start on one, resume and stop on the other).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Redis } from "ioredis";
import { startEmulator } from "../../src/emulator/index.js";
import type { EmulatorServer } from "../../src/emulator/index.js";
import { createMemoryStore, createRedisStore, readSSE, ResumableStreams, type StreamStore } from "../../src/web/index.js";
import { createServeApp } from "../../src/web/serve/app.js";
import { listen, type ListeningServer } from "../../src/web/serve/listen.js";
import { prepareCall } from "../../src/cli/serve-command.js";
import { mulberry32 } from "../support/split.js";
import { longAnswer, readEvents, textOf, uniquePrefix, type WireEvent } from "./serve-support.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const ANSWER = longAnswer(60);
const SLOW_ANSWER = longAnswer(400);

interface Instance {
  server: ListeningServer;
  streams: ResumableStreams;
}

/** Polls `url` until it answers 404, at most `ms` (the store expires keys on its own clock). */
async function until404(url: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await fetch(url);
    await res.body?.cancel();
    if (res.status === 404 || Date.now() > deadline) return res.status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startInstance(store: StreamStore, emulator: EmulatorServer): Promise<Instance> {
  const streams = new ResumableStreams({ store, producerGraceMs: 2_000, heartbeatMs: 100 });
  const base = { provider: "openai", baseUrl: emulator.openaiBaseUrl, apiKey: "test", model: "gpt-4o-mini" };
  const app = createServeApp({ streams, prepare: (request) => prepareCall(base, request, undefined), keepAliveMs: 1_000 });
  const server = await listen(app.fetch, { port: 0, host: "127.0.0.1" });
  return { server, streams };
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const joinText = (events: WireEvent[]) => events.map(textOf).join("");

function assertIdsUnique(events: WireEvent[]): void {
  const ids = events.map((e) => e.id);
  assert.ok(ids.every((id) => typeof id === "string" && id !== ""), "every event has an id");
  assert.equal(new Set(ids).size, ids.length, `ids are unique: ${ids.join(",")}`);
}

for (const kind of ["memory", "redis"] as const) {
  describe(`serve endpoints (${kind} store)`, () => {
    let fast: EmulatorServer;
    let slow: EmulatorServer;
    // [0] starts streams; [1] resumes and stops them (the same instance with the memory store).
    const fastInstances: Instance[] = [];
    const slowInstances: Instance[] = [];
    const prefix = uniquePrefix(`serve-${kind}`);
    const store = () => (kind === "memory" ? sharedMemory : createRedisStore({ url: REDIS_URL, prefix }));
    let sharedMemory: StreamStore;

    before(async () => {
      fast = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: ANSWER } } });
      slow = await startEmulator({ ttftMs: 0, tps: 200, script: { default: { text: SLOW_ANSWER } } });
      sharedMemory = createMemoryStore();
      if (kind === "memory") {
        const one = await startInstance(sharedMemory, fast);
        fastInstances.push(one, one);
        const two = await startInstance(createMemoryStore(), slow);
        slowInstances.push(two, two);
      } else {
        fastInstances.push(await startInstance(store(), fast), await startInstance(store(), fast));
        slowInstances.push(await startInstance(store(), slow), await startInstance(store(), slow));
      }
    });

    after(async () => {
      for (const instance of new Set([...fastInstances, ...slowInstances])) {
        await instance.server.close();
        await instance.streams.close();
      }
      await fast.close();
      await slow.close();
      if (kind === "redis") {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      }
    });

    const A = () => fastInstances[0]!.server.url;
    const B = () => fastInstances[1]!.server.url;

    test("GET / serves the playground page", async () => {
      const res = await fetch(`${A()}/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/);
      const html = await res.text();
      for (const id of ['id="prompt"', 'id="answer"', 'id="thinking"', 'id="stop"', 'id="ttft"', 'id="tps"', 'id="chunks"', "reconnecting…"]) {
        assert.ok(html.includes(id), `page has ${id}`);
      }
    });

    test("POST /api/stream answers with SSE, an x-stream-id, every chunk as an event, then done", async () => {
      const res = await post(A(), { prompt: "hello" });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assert.equal(res.headers.get("x-accel-buffering"), "no");
      const id = res.headers.get("x-stream-id");
      assert.ok(id, "x-stream-id header");
      const events = await readEvents(res);
      assertIdsUnique(events);
      assert.equal(events.at(-1)?.event, "done");
      assert.equal(joinText(events), ANSWER);
      const final = events.find((e) => e.event === "final");
      assert.ok(final, "the final chunk is sent as its own event");
      assert.equal((JSON.parse(final.data) as { isFinal: boolean }).isFinal, true);
    });

    test("a bad request body is a 400 naming the field", async () => {
      for (const [body, option] of [
        [undefined, "body"],
        [{ prompt: "" }, "prompt"],
        [{ prompt: 3 }, "prompt"],
        [{ prompt: "hi", model: 7 }, "model"],
        [{ prompt: "hi", provider: "no-such-provider" }, "provider"],
      ] as const) {
        const res = await fetch(`${A()}/api/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? "{not json" : JSON.stringify(body) });
        assert.equal(res.status, 400, JSON.stringify(body));
        const json = (await res.json()) as { error: { message: string; option?: string } };
        assert.ok(json.error.message.length > 0);
        assert.equal(json.error.option, option, json.error.message);
      }
    });

    test("an unknown id is a 404 with a JSON error, for GET and for stop", async () => {
      const res = await fetch(`${B()}/api/stream/no-such-stream`);
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /unknown or expired/);
      const stop = await fetch(`${B()}/api/stream/no-such-stream/stop`, { method: "POST" });
      assert.equal(stop.status, 404);
      assert.ok(((await stop.json()) as { error: { message: string } }).error.message);
    });

    test("an expired stream is a 404 (TTL after its last write)", async () => {
      const short = kind === "memory" ? createMemoryStore({ ttlMs: 300 }) : createRedisStore({ url: REDIS_URL, prefix, ttlMs: 300 });
      const instance = await startInstance(short, fast);
      try {
        const res = await post(instance.server.url, { prompt: "expire me" });
        const id = res.headers.get("x-stream-id")!;
        assert.equal((await readEvents(res)).at(-1)?.event, "done");
        const status = await until404(`${instance.server.url}/api/stream/${id}`, 5_000);
        assert.equal(status, 404, "the stream expired");
      } finally {
        await instance.server.close();
        await instance.streams.close();
      }
    });

    test("readSSE(response) of a served stream resumes by itself after a cut (content-location), nothing repeated", async () => {
      const url = slowInstances[0]!.server.url;
      let calls = 0;
      // The first response's body breaks after a few reads, as a dropped connection does.
      const cutting: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (calls++ > 0 || res.body === null) return res;
        const reader = res.body.getReader();
        let reads = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { value, done } = await reader.read();
            if (done) return controller.close();
            controller.enqueue(value);
            if (++reads === 5) {
              await reader.cancel();
              controller.error(new TypeError("terminated"));
            }
          },
        });
        const cut = new Response(body, { status: res.status, headers: res.headers });
        Object.defineProperty(cut, "url", { value: res.url });
        return cut;
      };
      const res = await cutting(`${url}/api/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "cut" }) });
      assert.match(res.headers.get("content-location") ?? "", /^\/api\/stream\//);
      let resumed = 0;
      let text = "";
      for await (const chunk of readSSE(res, { fetch: cutting, retryDelayMs: 10, onResume: () => resumed++ })) text += chunk.content;
      assert.equal(resumed, 1, "it reconnected once");
      assert.equal(text, SLOW_ANSWER);
    });

    test("GET without Last-Event-ID sends the whole stream from the start", async () => {
      const first = await post(A(), { prompt: "replay" });
      const id = first.headers.get("x-stream-id")!;
      const all = await readEvents(first);
      const again = await fetch(`${B()}/api/stream/${id}`);
      assert.equal(again.status, 200);
      assert.equal(again.headers.get("x-stream-id"), id);
      const replay = await readEvents(again);
      assert.deepEqual(replay, all);
    });

    test("resume with Last-Event-ID after a drop at random points gives the full text exactly once", async () => {
      const rng = mulberry32(9);
      for (let round = 0; round < 6; round++) {
        const res = await post(A(), { prompt: `drop ${round}` });
        const id = res.headers.get("x-stream-id")!;
        const dropAt = Math.floor(rng() * 40);
        const before = await readEvents(res, (_, index) => index >= dropAt);
        const last = before.at(-1)!;
        if (last.event === "done") continue;
        const resumed = await fetch(`${B()}/api/stream/${id}`, { headers: { "last-event-id": last.id! } });
        assert.equal(resumed.status, 200);
        const rest = await readEvents(resumed);
        const all = [...before, ...rest];
        assertIdsUnique(all);
        assert.equal(joinText(all), ANSWER, `dropped after event ${dropAt}`);
        assert.equal(all.at(-1)?.event, "done");
      }
    });

    test("a client going away does not stop the model call", async () => {
      const url = slowInstances[0]!.server.url;
      const res = await post(url, { prompt: "detached" });
      const id = res.headers.get("x-stream-id")!;
      const seen = await readEvents(res, (e) => textOf(e) !== "" );
      assert.ok(seen.length > 0);
      // Reading again later (from the start) gets the whole answer: the call went on without a reader.
      const again = await fetch(`${slowInstances[1]!.server.url}/api/stream/${id}`);
      const events = await readEvents(again);
      assert.equal(joinText(events), SLOW_ANSWER);
      assert.equal(events.at(-1)?.event, "done");
    });

    test("stop (from the other instance) closes the upstream model connection; readers keep the partial text", async () => {
      const [starter, stopper] = [slowInstances[0]!.server.url, slowInstances[1]!.server.url];
      const aborted = once(slow.events, "aborted");
      const res = await post(starter, { prompt: "stop me" });
      const id = res.headers.get("x-stream-id")!;
      const events: WireEvent[] = [];
      let stopped = false;
      for (const e of await readEvents(res, (event, index) => {
        if (!stopped && index === 5) {
          stopped = true;
          void fetch(`${stopper}/api/stream/${id}/stop`, { method: "POST" }).then((r) => assert.equal(r.status, 200));
        }
        return false;
      })) events.push(e);
      await aborted; // the emulator saw the provider connection close before the answer ended
      const end = events.at(-1)!;
      assert.equal(end.event, "error", "a stopped stream ends with an error event");
      const data = JSON.parse(end.data) as { reason: string; partialResponse: string };
      assert.equal(data.reason, "aborted");
      assert.equal(data.partialResponse, joinText(events));
      assert.ok(SLOW_ANSWER.startsWith(data.partialResponse) && data.partialResponse.length < SLOW_ANSWER.length);
      // Stopping again: the stream has ended.
      assert.equal((await fetch(`${stopper}/api/stream/${id}/stop`, { method: "POST" })).status, 404);
    });
  });
}
