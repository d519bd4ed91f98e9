/**
 * The retry rules, each stated by a test that fails when it breaks: which statuses are retried, network
 * failures, backoff with full jitter, `retry-after` in seconds, milliseconds and as an HTTP date, its 60 s cap,
 * and never a retry once the first chunk has arrived (per protocol).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { backoffMs } from "../../src/providers/http-call.js";
import { retryAfterFrom } from "../../src/providers/http-errors.js";
import { ConfigurationError, ProviderError, StreamInterruptedError } from "../../src/index.js";
import { startFixtureServer } from "../support/fixture-server.js";
import { drainStream, eventually } from "../support/sources.js";
import { PROTOCOLS, bytes, request } from "../reliability/protocols.js";

const openai = PROTOCOLS[0]!;
const ok = (p = openai) => ({ headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hello") + p.end)] });
const fail = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  pieces: [bytes(JSON.stringify({ error: { message: `status ${status}`, type: "x" } }))],
});

test("backoff is full jitter: random × min(8 s, 500 ms × 2^attempt), so attempts grow and spread", (t) => {
  t.mock.method(Math, "random", () => 0.5);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((a) => backoffMs(a, undefined)), [250, 500, 1000, 2000, 4000, 4000, 4000]);
  t.mock.method(Math, "random", () => 0.999);
  assert.ok(backoffMs(0, undefined) < 500 && backoffMs(0, undefined) > 490);
  t.mock.method(Math, "random", () => 0);
  assert.equal(backoffMs(3, undefined), 0, "the full range down to zero is used (full jitter)");
});

test("retry-after wins over backoff and is capped at 60 s", () => {
  assert.equal(backoffMs(0, 1_234), 1_234);
  assert.equal(backoffMs(5, 0), 0);
  assert.equal(backoffMs(0, 60_000), 60_000);
  assert.equal(backoffMs(0, 120_000), 60_000);
  assert.equal(backoffMs(0, 3_600_000), 60_000);
});

test("retry-after is read as seconds, retry-after-ms as milliseconds (which wins), and an HTTP date as the time until it", () => {
  assert.equal(retryAfterFrom({ "retry-after": "2" }), 2_000);
  assert.equal(retryAfterFrom({ "retry-after": "0.5" }), 500);
  assert.equal(retryAfterFrom({ "retry-after-ms": "150" }), 150);
  assert.equal(retryAfterFrom({ "retry-after-ms": "150", "retry-after": "9" }), 150);
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString(); // second precision: 9-10 s from now
  const fromDate = retryAfterFrom({ "retry-after": inTenSeconds })!;
  assert.ok(fromDate > 8_000 && fromDate <= 10_000, String(fromDate));
  assert.equal(retryAfterFrom({ "retry-after": new Date(Date.now() - 60_000).toUTCString() }), 0, "a date in the past: no wait");
  assert.equal(retryAfterFrom({ "retry-after": "soon" }), undefined);
  assert.equal(retryAfterFrom({ "retry-after": "" }), undefined);
  assert.equal(retryAfterFrom({ "retry-after": "-3" }), undefined);
  assert.equal(retryAfterFrom({}), undefined);
});

test("a 429 whose retry-after is an HTTP date reports retryAfterMs from it", async () => {
  const date = new Date(Date.now() + 30_000).toUTCString();
  const server = await startFixtureServer([fail(429, { "retry-after": date })]);
  try {
    const { error } = await drainStream(openai.provider(server.url, { maxRetries: 0 }).stream(request));
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.status, 429);
    assert.ok(error.retryAfterMs! > 28_000 && error.retryAfterMs! <= 30_000, String(error.retryAfterMs));
  } finally {
    await server.close();
  }
});

test("a 429 with retry-after-ms is retried once after at least that delay, then streams", async () => {
  const server = await startFixtureServer([fail(429, { "retry-after-ms": "300" }), ok()]);
  try {
    const started = Date.now();
    const { chunks, error } = await drainStream(openai.provider(server.url, { maxRetries: 1 }).stream(request));
    assert.equal(error, undefined);
    assert.ok(Date.now() - started >= 290, "the delay the server asked for was honoured");
    assert.equal(chunks.map((c) => c.content).join(""), "Hello");
    assert.equal(server.requests.length, 2);
  } finally {
    await server.close();
  }
});

for (const status of [408, 409, 429, 500, 502, 503, 504, 529]) {
  test(`${status} is retried (retry-after: 0) and the next answer streams`, async () => {
    const server = await startFixtureServer([fail(status, { "retry-after": "0" }), ok()]);
    try {
      const { chunks, error } = await drainStream(openai.provider(server.url, { maxRetries: 1 }).stream(request));
      assert.equal(error, undefined, String(error));
      assert.equal(chunks.map((c) => c.content).join(""), "Hello");
      assert.equal(server.requests.length, 2);
    } finally {
      await server.close();
    }
  });
}

for (const status of [400, 401, 403, 404, 422]) {
  test(`${status} is not retried`, async () => {
    const server = await startFixtureServer([fail(status, { "retry-after": "0" }), ok()]);
    try {
      const { error } = await drainStream(openai.provider(server.url, { maxRetries: 3 }).stream(request));
      assert.ok(error instanceof ProviderError && error.status === status, String(error));
      assert.equal(error.retryable, false);
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });
}

test("x-should-retry: false stops a retry of a 503; maxRetries bounds the attempts of a 500 (1 + maxRetries)", async () => {
  const server = await startFixtureServer((req, index) => (index === 0 ? fail(503, { "x-should-retry": "false" }) : fail(500, { "retry-after": "0" })));
  try {
    const first = await drainStream(openai.provider(server.url, { maxRetries: 3 }).stream(request));
    assert.ok(first.error instanceof ProviderError && first.error.status === 503);
    assert.equal(server.requests.length, 1);
    const second = await drainStream(openai.provider(server.url, { maxRetries: 2 }).stream(request));
    assert.ok(second.error instanceof ProviderError && second.error.status === 500);
    assert.equal(server.requests.length, 1 + 3);
  } finally {
    await server.close();
  }
});

test("a connection reset before any response is retried and the next attempt succeeds", async () => {
  let attempts = 0;
  const server = http.createServer((req, res) => {
    attempts++;
    if (attempts === 1) {
      req.socket.destroy(); // no status line: a network failure
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(openai.start + openai.text("Hello") + openai.end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chunks, error } = await drainStream(openai.provider(url, { maxRetries: 1 }).stream(request));
    assert.equal(error, undefined, String(error));
    assert.equal(chunks.map((c) => c.content).join(""), "Hello");
    assert.equal(attempts, 2);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

for (const p of PROTOCOLS) {
  test(`${p.name}: a stream cut after its first chunk is never re-requested, whatever maxRetries allows`, async () => {
    const server = await startFixtureServer([{ headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hel")), bytes(p.text("lo"))], dropAfter: true }, ok(p)]);
    try {
      const { chunks, error } = await drainStream(p.provider(server.url, { maxRetries: 5 }).stream(request));
      assert.ok(error instanceof StreamInterruptedError, String(error));
      assert.equal(error.reason, "network");
      assert.equal(error.partialResponse, "Hello");
      assert.equal(chunks.map((c) => c.content).join(""), "Hello");
      assert.equal(server.requests.length, 1, "no second request after the first chunk");
    } finally {
      await server.close();
    }
  });

  test(`${p.name}: abort(), break and the idle timeout each close a connection waiting for data (the server sees it)`, async () => {
    const stalled = { headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hel"))], stallAfter: true };
    const server = await startFixtureServer([stalled]);
    try {
      const provider = p.provider(server.url, { maxRetries: 3 });
      // abort() while the stream waits for the next network read
      const aborted = provider.stream(request);
      const first = await aborted.next();
      assert.equal(first.value?.content, "Hel");
      const pending = aborted.next();
      aborted.abort();
      await assert.rejects(pending, (e: unknown) => e instanceof StreamInterruptedError && e.reason === "aborted" && e.partialResponse === "Hel");
      await eventually(() => server.clientClosedEarly === 1, "abort closed the connection");
      // break out of the loop (return()) while no data comes
      for await (const chunk of provider.stream(request)) {
        assert.equal(chunk.content, "Hel");
        break;
      }
      await eventually(() => server.clientClosedEarly === 2, "break closed the connection");
      // the idle timeout
      const timed = await drainStream(p.provider(server.url, { maxRetries: 3, timeout: 150 }).stream(request));
      assert.ok(timed.error instanceof StreamInterruptedError && timed.error.reason === "timeout", String(timed.error));
      assert.equal(timed.error.partialResponse, "Hel");
      await eventually(() => server.clientClosedEarly === 3, "the timeout closed the connection");
      assert.equal(server.requests.length, 3, "none of them was retried");
    } finally {
      await server.close();
    }
  });
}

test("API keys come from the environment when none is given, and an explicit key wins", async () => {
  const saved = { openai: process.env["OPENAI_API_KEY"], anthropic: process.env["ANTHROPIC_API_KEY"] };
  const server = await startFixtureServer((req) => (req.url.startsWith("/v1/messages") ? ok(PROTOCOLS[1]) : ok(openai)));
  try {
    process.env["OPENAI_API_KEY"] = "sk-env-openai-1111";
    process.env["ANTHROPIC_API_KEY"] = "sk-env-anthropic-2222";
    const { createOpenAIProvider, createAnthropicProvider } = await import("../../src/index.js");
    await drainStream(createOpenAIProvider({ baseUrl: `${server.url}/v1` }).stream(request));
    await drainStream(createAnthropicProvider({ baseUrl: server.url }).stream(request));
    await drainStream(createOpenAIProvider({ baseUrl: `${server.url}/v1`, apiKey: "sk-explicit-3333" }).stream(request));
    assert.equal(server.requests[0]!.headers["authorization"], "Bearer sk-env-openai-1111");
    assert.equal(server.requests[1]!.headers["x-api-key"], "sk-env-anthropic-2222");
    assert.equal(server.requests[2]!.headers["authorization"], "Bearer sk-explicit-3333");
    delete process.env["OPENAI_API_KEY"];
    const { error } = await drainStream(createOpenAIProvider().stream(request));
    assert.ok(error instanceof ConfigurationError && error.option === "apiKey" && /OPENAI_API_KEY/.test(error.message), String(error));
    assert.equal(server.requests.length, 3);
  } finally {
    if (saved.openai === undefined) delete process.env["OPENAI_API_KEY"];
    else process.env["OPENAI_API_KEY"] = saved.openai;
    if (saved.anthropic === undefined) delete process.env["ANTHROPIC_API_KEY"];
    else process.env["ANTHROPIC_API_KEY"] = saved.anthropic;
    await server.close();
  }
});
