import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { ChunkStream } from "../../src/stream/chunk-stream.js";
import { ProviderError, StreamInterruptedError, WireFormatError } from "../../src/stream/errors.js";
import { readSSE } from "../../src/web/read-sse.js";
import { toSSEResponse } from "../../src/web/sse-response.js";
import { mulberry32, randomSplits } from "../support/split.js";

const encoder = new TextEncoder();

/** A Response whose body arrives in the given pieces, then ends (or errors with `fail`). */
function responseOf(pieces: Uint8Array[], init?: ResponseInit & { fail?: Error }): Response {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    // One piece per pull: an error then comes after every piece was read (error() would drop queued ones).
    pull(controller) {
      if (next < pieces.length) controller.enqueue(pieces[next++]!);
      else if (init?.fail !== undefined) controller.error(init.fail);
      else controller.close();
    },
  }, { highWaterMark: 0 });
  return new Response(body, { headers: { "content-type": "text/event-stream" }, ...init });
}

async function drain(iterator: AsyncIterable<StreamChunk>) {
  const chunks: StreamChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of iterator) chunks.push(chunk);
  } catch (e) {
    error = e;
  }
  return { chunks, error };
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const chunks: StreamChunk[] = [
  makeChunk("thinking", "", { thinking: "let me see" }),
  makeChunk("text", "Hello, ", { provider: "mock" }),
  makeChunk("text", "wörld 🌍\n", {}),
  makeChunk("tool_call", "", { toolCall: { id: "c1", name: "f", arguments: { x: 1 } } }),
  makeChunk("final", "", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, finishReason: "stop" }),
];

test("readSSE gives back exactly the chunks toSSEResponse sent, whatever the read boundaries", async () => {
  const wire = new Uint8Array(await toSSEResponse(new ChunkStream(async function* () {
    yield chunks;
  }), { keepAliveMs: 0 }).arrayBuffer());
  const rng = mulberry32(7);
  for (let run = 0; run < 20; run++) {
    const { chunks: got, error } = await drain(readSSE(responseOf(randomSplits(wire, rng, 7))));
    assert.equal(error, undefined);
    assert.deepEqual(got, chunks);
  }
});

test("an error event throws StreamInterruptedError with its reason, message and partial text", async () => {
  const wire = 'event: text\nid: 0\ndata: {"type":"text","content":"par","metadata":{},"isFinal":false,"timestamp":1}\n\n' +
    'event: error\nid: 1\ndata: {"reason":"provider","message":"overloaded","partialResponse":"par"}\n\n';
  const { chunks: got, error } = await drain(readSSE(responseOf([encoder.encode(wire)])));
  assert.equal(got.length, 1);
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.reason, "provider");
  assert.equal(error.message, "overloaded");
  assert.equal(error.partialResponse, "par");
});

test("a cut connection without a done event throws StreamInterruptedError (network) with the text so far", async () => {
  const wire = 'event: text\nid: 0\ndata: {"type":"text","content":"so far","metadata":{},"isFinal":false,"timestamp":1}\n\nevent: te';
  for (const fail of [undefined, new TypeError("terminated")]) {
    const { error } = await drain(readSSE(responseOf([encoder.encode(wire)], { fail })));
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, "network");
    assert.equal(error.partialResponse, "so far");
  }
});

test("keep-alive comments and unknown events are skipped; bad chunk JSON is a WireFormatError", async () => {
  const ok = ': keep-alive\n\nevent: ping\ndata: {}\n\nevent: done\ndata: {}\n\n';
  assert.deepEqual((await drain(readSSE(responseOf([encoder.encode(ok)])))).chunks, []);
  const bad = "event: text\ndata: {nope\n\n";
  const { error } = await drain(readSSE(responseOf([encoder.encode(bad)])));
  assert.ok(error instanceof WireFormatError && error.type === "invalid-json");
});

test("given a URL that answers an error status, readSSE throws ProviderError with the status", async () => {
  const server = await serve((_req, res) => res.writeHead(503).end("busy"));
  try {
    const { error } = await drain(readSSE(server.base));
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 503);
    assert.equal(error.providerMessage, "busy");
  } finally {
    await server.close();
  }
});

test("given a URL, it resumes after a cut with Last-Event-ID, and a 404 on resume ends with the partial text", async () => {
  const lastIds: Array<string | undefined> = [];
  let requests = 0;
  const event = (id: number, content: string) =>
    `event: text\nid: ${id}\ndata: ${JSON.stringify(makeChunk("text", content, {}))}\n\n`;
  const server = await serve((req, res) => {
    lastIds.push(req.headers["last-event-id"] as string | undefined);
    const n = requests++;
    res.writeHead(n < 3 ? 200 : 404, { "content-type": "text/event-stream" });
    if (n === 0) res.end(event(0, "a") + event(1, "b")); // cut: no done
    else if (n === 1) res.end(event(2, "c")); // cut again
    else if (n === 2) res.end(event(3, "d") + "event: done\ndata: {}\n\n");
  });
  try {
    let reconnects = 0;
    const { chunks: got, error } = await drain(readSSE(server.base, { retryDelayMs: 1, onReconnect: () => reconnects++ }));
    assert.equal(error, undefined);
    assert.equal(got.map((c) => c.content).join(""), "abcd");
    assert.deepEqual(lastIds, [undefined, "1", "2"]);
    assert.equal(reconnects, 2);
    requests = 0;
    // Now the second request is a 404 (the stream expired): the reader gets its partial text.
    const gone = await serve((_req, res) => {
      const n = requests++;
      if (n === 0) res.writeHead(200).end(event(0, "kept"));
      else res.writeHead(404).end('{"error":"unknown stream"}');
    });
    try {
      const { error: e404 } = await drain(readSSE(gone.base, { retryDelayMs: 1 }));
      assert.ok(e404 instanceof StreamInterruptedError);
      assert.equal(e404.reason, "network");
      assert.equal(e404.partialResponse, "kept");
      assert.match(e404.message, /404/);
    } finally {
      await gone.close();
    }
  } finally {
    await server.close();
  }
});

test("after maxRetries failed reconnections it gives up with the partial text", async () => {
  let requests = 0;
  const server = await serve((_req, res) => {
    if (requests++ === 0) res.writeHead(200).end(`event: text\nid: 5\ndata: ${JSON.stringify(makeChunk("text", "x", {}))}\n\n`);
    else res.writeHead(503).end();
  });
  try {
    const { error } = await drain(readSSE(server.base, { retryDelayMs: 1, maxRetries: 3 }));
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.partialResponse, "x");
    assert.equal(requests, 4);
  } finally {
    await server.close();
  }
});

test("a POST is not repeated to resume: without a resume URL a cut ends with the partial text", async () => {
  let requests = 0;
  const server = await serve((_req, res) => {
    requests++;
    res.writeHead(200).end(`event: text\nid: 0\ndata: ${JSON.stringify(makeChunk("text", "p", {}))}\n\n`);
  });
  try {
    const { error } = await drain(readSSE(server.base, { init: { method: "POST" }, retryDelayMs: 1 }));
    assert.ok(error instanceof StreamInterruptedError && error.partialResponse === "p");
    assert.equal(requests, 1);
  } finally {
    await server.close();
  }
});

test("the signal aborts reading with reason aborted and the partial text", async () => {
  const server = await serve((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`event: text\nid: 0\ndata: ${JSON.stringify(makeChunk("text", "begun", {}))}\n\n`);
  });
  try {
    const controller = new AbortController();
    const chunksSeen: StreamChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of readSSE(server.base, { signal: controller.signal })) {
        chunksSeen.push(chunk);
        controller.abort();
      }
    } catch (e) {
      error = e;
    }
    assert.equal(chunksSeen.length, 1);
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, "aborted");
    assert.equal(error.partialResponse, "begun");
  } finally {
    await server.close();
  }
});
