import { test } from "node:test";
import assert from "node:assert/strict";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { ChunkStream } from "../../src/stream/chunk-stream.js";
import { StreamInterruptedError } from "../../src/stream/errors.js";
import { toSSEResponse } from "../../src/web/sse-response.js";
import { ResumableStreams } from "../../src/web/resumable.js";
import { eventually } from "../support/sources.js";
import { endlessProducer } from "./web-support.js";

const decoder = new TextDecoder();
const chunkAt = (type: StreamChunk["type"], content: string, metadata = {}) => ({ ...makeChunk(type, content, metadata), timestamp: 1 });

/** A ChunkStream over fixed chunks, optionally throwing after them; records whether its signal aborted. */
function streamOf(chunks: StreamChunk[], fail?: Error) {
  const seen = { signal: undefined as AbortSignal | undefined };
  const stream = new ChunkStream(async function* (signal) {
    seen.signal = signal;
    for (const chunk of chunks) yield chunk;
    if (fail !== undefined) throw fail;
  });
  return { stream, seen };
}

/** A ChunkStream that yields `first` and then blocks until aborted. */
function blockingStream(first: StreamChunk[]) {
  const seen = { signal: undefined as AbortSignal | undefined };
  const stream = new ChunkStream(async function* (signal) {
    seen.signal = signal;
    for (const chunk of first) yield chunk;
    await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  });
  return { stream, seen };
}

/** Reads a body until `predicate(text so far)` holds; returns the text and keeps the reader. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, predicate: (text: string) => boolean, text = "") {
  while (!predicate(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`body ended before the expected text: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

test("the SSE headers, and each chunk as id / event / data JSON, then done with the usage", async () => {
  const usage = { inputTokens: 2, outputTokens: 2, totalTokens: 4 };
  const chunks = [chunkAt("text", "Hi"), chunkAt("thinking", "", { thinking: "hm" }), chunkAt("text", " there"), chunkAt("final", "", { usage })];
  const response = toSSEResponse(streamOf(chunks).stream, { keepAliveMs: 0, headers: { "x-stream-id": "abc" } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("x-accel-buffering"), "no");
  assert.equal(response.headers.get("x-stream-id"), "abc");
  const expected =
    chunks.map((c, i) => `event: ${c.type}\nid: ${i}\ndata: ${JSON.stringify(c)}\n\n`).join("") +
    `event: done\nid: 4\ndata: ${JSON.stringify({ usage })}\n\n`;
  assert.equal(await response.text(), expected);
});

test("a line break inside a chunk's text stays inside one JSON data line", async () => {
  const text = "a\r\nb\rc\nd";
  const body = await toSSEResponse(streamOf([chunkAt("text", text)]).stream, { keepAliveMs: 0 }).text();
  const dataLines = body.split("\n").filter((line) => line.startsWith("data: "));
  assert.equal(dataLines.length, 2);
  assert.equal(JSON.parse(dataLines[0]!.slice(6)).content, text);
});

test("a stream that breaks ends with an error event: reason, message and the exact partial text", async () => {
  const failure = new StreamInterruptedError("upstream cut", { reason: "network", partialResponse: "ignored" });
  const body = await toSSEResponse(streamOf([chunkAt("text", "par"), chunkAt("text", "tial")], failure).stream, { keepAliveMs: 0 }).text();
  const last = body.trimEnd().split("\n\n").pop()!;
  assert.match(last, /^event: error\nid: 2\ndata: /);
  assert.deepEqual(JSON.parse(last.split("data: ")[1]!), { reason: "network", message: "upstream cut", partialResponse: "partial" });
});

test("retryMs is sent first; keep-alive comments flow while the model is silent", async () => {
  const { stream, seen } = blockingStream([chunkAt("text", "a")]);
  const response = toSSEResponse(stream, { keepAliveMs: 15, retryMs: 0 });
  const reader = response.body!.getReader();
  // The keep-alive timer is unref'd (a server's socket keeps the process up); here nothing else would.
  const hold = setInterval(() => undefined, 1000);
  const text = await readUntil(reader, (t) => t.split(": keep-alive\n\n").length > 2).finally(() => clearInterval(hold));
  assert.ok(text.startsWith("retry: 0\n\nevent: text\nid: 0\n"), text);
  await reader.cancel();
  assert.equal(seen.signal?.aborted, true);
});

test("the client going away (body cancelled) aborts the model call at once, even while it is blocked", async () => {
  const { stream, seen } = blockingStream([chunkAt("text", "a")]);
  const reader = toSSEResponse(stream, { keepAliveMs: 0 }).body!.getReader();
  await readUntil(reader, (t) => t.includes("event: text"));
  const pending = reader.read();
  await reader.cancel();
  await pending;
  assert.equal(seen.signal?.aborted, true);
});

test("options.signal (the request's) ends the response and aborts the model call", async () => {
  const { stream, seen } = blockingStream([chunkAt("text", "a")]);
  const controller = new AbortController();
  const response = toSSEResponse(stream, { keepAliveMs: 0, signal: controller.signal });
  const reader = response.body!.getReader();
  await readUntil(reader, (t) => t.includes("event: text"));
  controller.abort();
  for (;;) if ((await reader.read()).done) break;
  assert.equal(seen.signal?.aborted, true);
});

test("backpressure: a client that does not read is not buffered for (the source is pulled one event at a time)", async () => {
  let produced = 0;
  const stream = new ChunkStream(async function* () {
    for (;;) {
      produced++;
      yield makeChunk("text", "x".repeat(1000), {});
    }
  });
  const response = toSSEResponse(stream, { keepAliveMs: 0 });
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(produced <= 3, `produced ${produced} chunks nobody asked for`);
  await response.body!.cancel();
});

test("a followed resumable stream keeps its store ids, and the client leaving does not stop the model call", async () => {
  const streams = new ResumableStreams();
  try {
    const { state, produce } = endlessProducer(5);
    const id = await streams.start(produce);
    const reader = toSSEResponse((await streams.follow(id))!, { keepAliveMs: 0 }).body!.getReader();
    const text = await readUntil(reader, (t) => t.includes("id: 2\n"));
    assert.match(text, /^event: text\nid: 1\n/);
    await reader.cancel();
    const seen = state.produced.length;
    await eventually(() => state.produced.length > seen + 2, "the producer goes on", 3000);
    assert.equal(state.signal?.aborted, false);
  } finally {
    await streams.close();
  }
});
