/**
 * `agenticraft serve` as real processes: the CLI flags, the built-in emulator without a key, and two processes
 * sharing one Redis: resume through the other process, stop from the other process (the emulator sees the
 * provider connection close), and a producer killed with SIGKILL ending its readers with the partial text.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Redis } from "ioredis";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { parseCommand } from "../../src/cli/args.js";
import { longAnswer, readEvents, serveEnv, spawnServe, textOf, uniquePrefix, type ServeProcess, type WireEvent } from "./serve-support.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const ANSWER = longAnswer(400);
const joinText = (events: WireEvent[]) => events.map(textOf).join("");
const post = (url: string, prompt: string) =>
  fetch(`${url}/api/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt }) });

test("serve flags: --port, --host and the provider flags of stream", () => {
  // Only the flags given; runServe listens on 127.0.0.1:8787 by default.
  assert.deepEqual(parseCommand(["serve"]), { name: "serve", args: { offline: false } });
  assert.deepEqual(parseCommand(["serve", "--port", "0", "--host", "0.0.0.0", "--provider", "anthropic", "--model", "m", "--base-url", "http://127.0.0.1:1", "--thinking"]), {
    name: "serve",
    args: { offline: false, thinking: true, port: 0, host: "0.0.0.0", provider: "anthropic", model: "m", baseUrl: "http://127.0.0.1:1" },
  });
  assert.throws(() => parseCommand(["serve", "--json"]), /"--json": is not an option of "serve" \(it belongs to stream\)/);
  assert.deepEqual(parseCommand(["serve", "--port", "9000"]), {
    name: "serve",
    args: { offline: false, port: 9000 },
  });
  assert.throws(() => parseCommand(["serve", "--port", "eighty"]), /--port/);
});

test("serve with no key and no base URL answers from the built-in emulator", async () => {
  const server = await spawnServe([], serveEnv({}));
  try {
    assert.match(server.output(), /built-in emulator/);
    const events = await readEvents(await post(server.url, "Say hello"));
    assert.equal(events.at(-1)?.event, "done");
    assert.ok(joinText(events).length > 20, "an answer streamed");
  } finally {
    await server.stop();
  }
});

test("serve --tools runs the demo tools: the page's stream carries the call and its result, then the answer", async () => {
  const server = await spawnServe(["--tools"], serveEnv({}));
  try {
    const events = await readEvents(await post(server.url, "What time is it?"));
    const kinds = events.map((e) => e.event).filter((kind, i, all) => kind !== all[i - 1]);
    assert.deepEqual(kinds, ["tool_call_delta", "tool_call", "tool_result", "text", "final", "done"]);
    const result = JSON.parse(events.find((e) => e.event === "tool_result")!.data) as { metadata: { toolResult: { name: string; isError?: boolean } } };
    assert.equal(result.metadata.toolResult.isError, undefined);
    assert.match(joinText(events), /Based on the tool results/);
  } finally {
    await server.stop();
  }
});

test("serve --recover heals a stream the model breaks mid-answer: the page gets the unbroken text once", async () => {
  // fail-first=1: only the first request breaks (after 5 chunks); the continuation streams whole.
  const emulator = await startEmulator({ ttftMs: 0, tps: 0, fault: "drop-after=5,fail-first=1", script: { default: { text: longAnswer(40) } } });
  const server = await spawnServe(["--recover", "--provider", "ollama", "--base-url", emulator.url], serveEnv({}));
  try {
    const events = await readEvents(await post(server.url, "Tell me a story"));
    assert.equal(events.at(-1)?.event, "done", "the stream ended whole");
    assert.equal(joinText(events), longAnswer(40), "no character repeated or lost");
    const recovered = events.filter((e) => e.event === "text").map((e) => (JSON.parse(e.data) as { metadata: { recovered?: number } }).metadata.recovered);
    assert.ok(recovered.includes(2), "chunks after the break carry metadata.recovered");
  } finally {
    await server.stop();
    await emulator.close();
  }
});

test("serve: a fallback on the built-in emulator does not send requests for another provider there", async () => {
  const emulator = await startEmulator({ ttftMs: 0, tps: 0, script: { default: { text: "From the real anthropic server." } } });
  // Ollama has no server here, so its fallback runs on the built-in emulator; the main provider and anthropic have their own.
  const server = await spawnServe(
    ["--provider", "openai", "--base-url", emulator.openaiBaseUrl, "--fallback", "ollama:llama3.2"],
    serveEnv({ OPENAI_API_KEY: "test-key", ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: emulator.url }),
  );
  try {
    const response = await fetch(`${server.url}/api/stream`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "hi", provider: "anthropic" }),
    });
    const events = await readEvents(response);
    assert.equal(events.at(-1)?.event, "done");
    assert.equal(joinText(events), "From the real anthropic server.", "anthropic answered from its own base URL, not the built-in emulator");
  } finally {
    await server.stop();
    await emulator.close();
  }
});

describe("two serve processes on one Redis", () => {
  const prefix = uniquePrefix("serve-processes");
  let emulator: EmulatorServer;
  let env: NodeJS.ProcessEnv;
  const running: ServeProcess[] = [];

  before(async () => {
    // 80 tokens/s: a 400-word answer takes about five seconds, time enough to drop, stop or kill in the middle.
    emulator = await startEmulator({ ttftMs: 0, tps: 80, script: { default: { text: ANSWER } } });
    env = serveEnv({
      OPENAI_API_KEY: "test",
      REDIS_URL,
      AGENTICRAFT_REDIS_PREFIX: prefix,
      AGENTICRAFT_PRODUCER_GRACE_MS: "1500",
    });
  });

  after(async () => {
    for (const server of running) await server.stop();
    await emulator.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const start = async () => {
    const server = await spawnServe(["--provider", "openai", "--base-url", emulator.openaiBaseUrl], env);
    running.push(server);
    return server;
  };

  test("a stream started on one process resumes on the other from Last-Event-ID, every chunk once", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const res = await post(a.url, "resume me");
    const id = res.headers.get("x-stream-id")!;
    const before = await readEvents(res, (_, index) => index >= 20);
    const resumed = await fetch(`${b.url}/api/stream/${id}`, { headers: { "last-event-id": before.at(-1)!.id! } });
    assert.equal(resumed.status, 200);
    const rest = await readEvents(resumed);
    const all = [...before, ...rest];
    assert.equal(new Set(all.map((e) => e.id)).size, all.length, "no event twice");
    assert.equal(joinText(all), ANSWER);
    assert.equal(all.at(-1)?.event, "done");
  });

  test("stop sent to the other process closes the upstream model connection", async () => {
    const [a, b] = [running[0]!, running[1]!];
    const aborted = once(emulator.events, "aborted");
    const res = await post(a.url, "stop me");
    const id = res.headers.get("x-stream-id")!;
    const seen = await readEvents(res, (_, index) => index >= 10);
    const stop = await fetch(`${b.url}/api/stream/${id}/stop`, { method: "POST" });
    assert.equal(stop.status, 200);
    await aborted;
    const rest = await readEvents(await fetch(`${b.url}/api/stream/${id}`, { headers: { "last-event-id": seen.at(-1)!.id! } }));
    const end = rest.at(-1)!;
    assert.equal(end.event, "error");
    const data = JSON.parse(end.data) as { reason: string; partialResponse: string };
    assert.equal(data.reason, "aborted");
    assert.equal(data.partialResponse, joinText([...seen, ...rest]));
    assert.ok(data.partialResponse.length < ANSWER.length);
  });

  test("a producer killed with SIGKILL ends its readers with an error event holding the partial text", async () => {
    const producer = await start();
    const reader = running[1]!;
    const res = await post(producer.url, "kill me");
    const id = res.headers.get("x-stream-id")!;
    await readEvents(res, (_, index) => index >= 10);
    // Follow from the other process, then kill the producer mid-answer.
    const follow = await fetch(`${reader.url}/api/stream/${id}`);
    const events: WireEvent[] = [];
    let killed = false;
    for (const e of await readEvents(follow, (_, index) => {
      if (!killed && index >= 20) {
        killed = true;
        producer.child.kill("SIGKILL");
      }
      return false;
    })) events.push(e);
    assert.ok(killed, "the producer was killed mid-answer");
    const end = events.at(-1)!;
    assert.equal(end.event, "error", `the stream ended with ${end.event}`);
    const data = JSON.parse(end.data) as { reason: string; partialResponse: string; message: string };
    assert.equal(data.partialResponse, joinText(events));
    assert.ok(ANSWER.startsWith(data.partialResponse) && data.partialResponse.length < ANSWER.length);
    assert.ok(data.message.length > 0);
  });
});
