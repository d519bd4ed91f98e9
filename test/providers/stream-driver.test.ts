import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createOpenAIProvider } from "../../src/providers/openai.js";
import { readFixture } from "../support/split.js";
import type { StreamChunk } from "../../src/index.js";

const request = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] };

/** A server that answers every request with `body`, then either ends the response or leaves it open. */
async function serve(body: Uint8Array, endResponse: boolean) {
  let connections = 0;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(body);
    if (endResponse) res.end();
    else open.add(res);
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function text(stream: AsyncIterable<StreamChunk>): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += chunk.content;
  return out;
}

test("after the end marker the body is read to its end, so the next request reuses the keep-alive socket", async () => {
  const server = await serve(readFixture("openai/text.sse"), true);
  try {
    const provider = createOpenAIProvider({ apiKey: "k", baseUrl: server.url });
    for (let i = 0; i < 3; i++) assert.equal(await text(provider.stream(request)), "Hello! How can I help you today?");
    assert.equal(server.connections, 1, "three requests, one connection");
  } finally {
    await server.close();
  }
});

test("bytes after the end marker are ignored", async () => {
  const body = Buffer.concat([readFixture("openai/text.sse"), Buffer.from("data: {not json\n\ngarbage")]);
  const server = await serve(body, true);
  try {
    const stream = createOpenAIProvider({ apiKey: "k", baseUrl: server.url }).stream(request);
    assert.equal(await text(stream), "Hello! How can I help you today?");
    assert.equal(stream.result?.content, "Hello! How can I help you today?");
  } finally {
    await server.close();
  }
});

test("a server that never ends the response after the end marker does not hold the stream: it completes and the socket is closed", async () => {
  const server = await serve(readFixture("openai/text.sse"), false);
  try {
    const provider = createOpenAIProvider({ apiKey: "k", baseUrl: server.url });
    const started = performance.now();
    const stream = provider.stream(request);
    assert.equal(await text(stream), "Hello! How can I help you today?");
    assert.equal(stream.result?.finishReason, "stop");
    assert.ok(performance.now() - started < 5_000, "ended by the grace period, not by the idle timeout");
    assert.equal(await text(provider.stream(request)), "Hello! How can I help you today?");
    assert.equal(server.connections, 2, "the socket left open was not reused");
  } finally {
    await server.close();
  }
});
