import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { ChunkStream } from "../../src/stream/chunk-stream.js";
import { pipeSSE } from "../../src/web/node-response.js";
import { toSSEResponse } from "../../src/web/sse-response.js";
import { eventually } from "../support/sources.js";

/** A server whose every request is answered by `handler`; resolves with its base URL and a close function. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const fixed = (chunks: StreamChunk[]) => new ChunkStream(async function* () {
  for (const chunk of chunks) yield chunk;
});

test("pipeSSE writes the same bytes and headers as toSSEResponse, then ends the response", async () => {
  const chunks = [
    { ...makeChunk("text", "a\nb", {}), timestamp: 1 },
    { ...makeChunk("final", "", { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }), timestamp: 1 },
  ];
  let piped: Promise<void> | undefined;
  const server = await serve((_req, res) => void (piped = pipeSSE(fixed(chunks), res, { keepAliveMs: 0, retryMs: 100 })));
  try {
    const response = await fetch(server.base);
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    const body = await response.text();
    assert.equal(body, await toSSEResponse(fixed(chunks), { keepAliveMs: 0, retryMs: 100 }).text());
    await piped;
  } finally {
    await server.close();
  }
});

test("the client going away aborts the model call, even while it is blocked on the network", async () => {
  let signal: AbortSignal | undefined;
  let piped: Promise<void> | undefined;
  const stream = new ChunkStream(async function* (s) {
    signal = s;
    yield makeChunk("text", "first", {});
    await new Promise((_, reject) => s.addEventListener("abort", () => reject(s.reason), { once: true }));
  });
  const server = await serve((_req, res) => void (piped = pipeSSE(stream, res, { keepAliveMs: 0 })));
  try {
    const controller = new AbortController();
    const response = await fetch(server.base, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await eventually(() => signal?.aborted === true, "the model call aborted", 3000);
    await piped;
  } finally {
    await server.close();
  }
});

test("keep-alive comments are written while the model is silent", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stream = new ChunkStream(async function* () {
    yield makeChunk("text", "a", {});
    await gate;
    yield makeChunk("text", "b", {});
  });
  const server = await serve((_req, res) => void pipeSSE(stream, res, { keepAliveMs: 10 }));
  try {
    const response = await fetch(server.base);
    const reader = response.body!.getReader();
    let text = "";
    while (text.split(": keep-alive\n\n").length < 3) text += new TextDecoder().decode((await reader.read()).value);
    release();
    while (!text.includes("event: done")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /^event: text\nid: 0\n[^]*: keep-alive\n\n[^]*event: text\nid: 1\n[^]*event: done\n/);
  } finally {
    await server.close();
  }
});

test("backpressure: with a client that stops reading, the model is not read ahead without bound", async () => {
  let produced = 0;
  let signal: AbortSignal | undefined;
  const piece = "x".repeat(64 * 1024);
  const stream = new ChunkStream(async function* (s) {
    signal = s;
    for (;;) {
      produced++;
      yield makeChunk("text", piece, {});
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  const server = await serve((_req, res) => void pipeSSE(stream, res, { keepAliveMs: 0 }));
  try {
    const { base } = server;
    const req = request(base);
    const res = await new Promise<IncomingMessage>((resolve) => req.once("response", resolve).end());
    res.pause();
    // Let the buffers between us fill, until the producer has stood still for a while.
    let last = -1;
    let still = 0;
    while (still < 20) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (produced === last) still++;
      else (still = 0), (last = produced);
      assert.ok(produced < 1000, `produced ${produced} chunks (${produced * 64} KiB) for a client that reads nothing`);
    }
    // What is in flight is bounded by the socket buffers, not by the model's output.
    assert.ok(produced < 400, `produced ${produced} chunks of 64 KiB while the client read nothing`);
    res.destroy();
    await eventually(() => signal?.aborted === true, "the model call aborted once the client left", 3000);
  } finally {
    await server.close();
  }
});
