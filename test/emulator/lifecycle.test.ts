/** Abort, close, recording, auth, options and the standalone process. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { startEmulator } from "../../src/emulator/index.js";
import { BodyReader, CHAT_PATH, chatBody, contentFrames, post } from "./helpers.js";

test("a client that disconnects mid-stream is counted as aborted, and its pending timer is cleared at once", async () => {
  // One token every 5 s: if the emulator waited its timer out instead of clearing it, 'finished' would come ≥ 5 s later.
  await using server = await startEmulator({ ttftMs: 0, tps: 0.2 });
  const controller = new AbortController();
  const res = await post(server.url + CHAT_PATH.openai, chatBody("openai", "hi", true), {}, controller.signal);
  const reader = new BodyReader(res);
  await reader.readUntil((t) => contentFrames("openai", t) >= 1);
  assert.equal(server.stats.active, 1);
  const aborted = once(server.events, "aborted");
  const finished = once(server.events, "finished");
  const abortedAt = performance.now();
  controller.abort();
  await aborted;
  await finished;
  assert.ok(performance.now() - abortedAt < 2500, "the handler ended without waiting for its 5 s timer");
  assert.deepEqual([server.stats.aborted, server.stats.active, server.stats.completed, server.stats.internalErrors], [1, 0, 0, 0]);
});

test("a client that leaves while still sending its body is an abort, not an emulator error", async () => {
  await using server = await startEmulator();
  const finished = once(server.events, "finished");
  const socket = connect(server.port, "127.0.0.1");
  await once(socket, "connect");
  socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":");
  await once(server.events, "request");
  socket.destroy();
  await finished;
  assert.deepEqual([server.stats.aborted, server.stats.internalErrors, server.stats.active], [1, 0, 0]);
});

test("close() ends a stalled stream and resolves; the client sees the connection end", async () => {
  const server = await startEmulator({ ttftMs: 0, tps: Infinity });
  const stalled = once(server.events, "stalled");
  const res = await post(server.url + CHAT_PATH.anthropic, chatBody("anthropic", "hi", true), { "x-emulator-fault": "stall-after=1" });
  const reader = new BodyReader(res);
  await stalled;
  await server.close();
  await assert.rejects(reader.readUntil(() => false), "the unfinished chunked body errors once the socket closes");
  assert.equal(server.stats.active, 0);
  await server.close(); // a second close is harmless
  await assert.rejects(fetch(`${server.url}/api/version`), "the server no longer listens");
});

test("await using closes the server at the end of the scope", async () => {
  let url = "";
  {
    await using server = await startEmulator();
    url = server.url;
    assert.equal((await fetch(`${url}/api/version`)).status, 200);
  }
  await assert.rejects(fetch(`${url}/api/version`));
});

test("requests are recorded with method, path, parsed body and redacted secrets; the list is bounded", async () => {
  await using server = await startEmulator({ ttftMs: 0, tps: Infinity, maxRecordedRequests: 3 });
  const seen = once(server.events, "request");
  await (await post(`${server.url}/v1/messages?beta=true`, { ...chatBody("anthropic", "hi", false), system: "Be terse." }, { "x-api-key": "sk-ant-secret", "anthropic-beta": "x" })).text();
  const [first] = await seen;
  const record = server.requests[0];
  assert.equal(first, record);
  assert.deepEqual([record?.method, record?.path, record?.protocol, record?.seq], ["POST", "/v1/messages?beta=true", "anthropic", 1]);
  assert.equal(record?.headers["x-api-key"], "[redacted]");
  assert.equal(record?.headers["anthropic-beta"], "x");
  assert.deepEqual((record?.body as { system: string; max_tokens: number }).system, "Be terse.");
  assert.ok(!JSON.stringify(server.requests).includes("sk-ant-secret"));
  await (await fetch(server.url + CHAT_PATH.ollama, { method: "POST", body: "{broken" })).text();
  assert.equal(server.requests.at(-1)?.body, "{broken", "a body that is not JSON is kept as text");
  for (let i = 0; i < 3; i++) await (await fetch(`${server.url}/api/version`)).text();
  assert.equal(server.requests.length, 3);
  assert.equal(server.requests[0]?.seq, 3, "the oldest ones were dropped");
});

test("requireApiKey: 401 in each provider's shape; Bearer for OpenAI and Ollama, x-api-key (or Bearer) for Anthropic", async () => {
  await using server = await startEmulator({ ttftMs: 0, tps: Infinity, requireApiKey: "k-123" });
  const missing = await post(server.url + CHAT_PATH.openai, chatBody("openai", "x", false));
  assert.equal(missing.status, 401);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /didn't provide an API key/);
  const ollama = await post(server.url + CHAT_PATH.ollama, chatBody("ollama", "x", false), { authorization: "Bearer nope" });
  assert.equal(ollama.status, 401);
  assert.deepEqual(await ollama.json(), { error: "unauthorized" });
  const anthropic = await post(server.url + CHAT_PATH.anthropic, chatBody("anthropic", "x", false), { "x-api-key": "nope" });
  assert.equal(anthropic.status, 401);
  assert.equal(((await anthropic.json()) as { error: { type: string } }).error.type, "authentication_error");
  for (const [protocol, headers] of [
    ["openai", { authorization: "Bearer k-123" }],
    ["anthropic", { "x-api-key": "k-123" }],
    ["ollama", { authorization: "Bearer k-123" }],
  ] as const) {
    const ok = await post(server.url + CHAT_PATH[protocol], chatBody(protocol, "x", false), headers);
    assert.equal(ok.status, 200, protocol);
    await ok.text();
  }
});

test("a path outside the three APIs is a 404 JSON", async () => {
  await using server = await startEmulator();
  const res = await fetch(`${server.url}/nothing/here`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /GET \/nothing\/here/);
});

test("the server-level script can be replaced between requests", async () => {
  await using server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "first" } } });
  const ask = async () => ((await (await post(server.url + CHAT_PATH.ollama, chatBody("ollama", "x", false))).json()) as { message: { content: string } }).message.content;
  assert.equal(await ask(), "first");
  server.script = { default: { text: "second" } };
  assert.equal(await ask(), "second");
  server.script = undefined;
  assert.match(await ask(), /emulator/);
});

test("bad options are ConfigurationErrors that name the option", async () => {
  await assert.rejects(startEmulator({ port: -1 }), /Invalid option "port"/);
  await assert.rejects(startEmulator({ tps: -1 }), /Invalid option "tps"/);
  await assert.rejects(startEmulator({ ttftMs: Number.NaN }), /Invalid option "ttftMs"/);
  await assert.rejects(startEmulator({ benchChunks: 0 }), /Invalid option "benchChunks"/);
  await assert.rejects(startEmulator({ requireApiKey: "" }), /Invalid option "requireApiKey"/);
});

test("bin.ts prints one 'listening on' line, serves, and exits cleanly on SIGTERM", async () => {
  const bin = fileURLToPath(new URL("../../src/emulator/bin.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", bin, "--port", "0", "--ttft-ms", "0", "--tps", "Infinity"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  try {
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, "line", { signal: AbortSignal.timeout(15_000) })) as [string];
    const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    assert.ok(url, `unexpected first line: ${line}`);
    const res = await post(url + CHAT_PATH.openai, chatBody("openai", "hello", true));
    assert.ok((await res.text()).endsWith("data: [DONE]\n\n"));
  } finally {
    child.kill("SIGTERM");
  }
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [0, null]);
});
