/** Every fault kind, observed by a raw client in each protocol. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorProtocol, type EmulatorServer } from "../../src/emulator/index.js";
import { BodyReader, CHAT_PATH, chatBody, contentFrames, parseNdjson, parseSse, post, readToEnd } from "./helpers.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "one two three four five six seven eight" } } });
});
after(() => server.close());

const PROTOCOLS: EmulatorProtocol[] = ["openai", "anthropic", "ollama"];
const send = (protocol: EmulatorProtocol, fault: string, stream = true, signal?: AbortSignal) =>
  post(server.url + CHAT_PATH[protocol], chatBody(protocol, "count", stream), { "x-emulator-fault": fault }, signal);

for (const protocol of PROTOCOLS) {
  test(`${protocol}: drop-after=3 cuts the connection after exactly 3 content chunks`, async () => {
    const dropped = once(server.events, "dropped");
    const res = await send(protocol, "drop-after=3");
    assert.equal(res.status, 200);
    const { text, error } = await readToEnd(res);
    assert.ok(error instanceof Error, "the body read fails: the chunked response never ended");
    assert.equal(contentFrames(protocol, text), 3);
    assert.ok(!text.includes("[DONE]") && !text.includes("message_stop") && !text.includes('"done":true'));
    await dropped;
  });

  test(`${protocol}: error-after=2 sends the protocol's own in-stream error, then ends`, async () => {
    const res = await send(protocol, "error-after=2");
    const { text, error } = await readToEnd(res);
    assert.equal(error, undefined, "the response ends normally");
    assert.equal(contentFrames(protocol, text), 2);
    if (protocol === "ollama") {
      const lines = parseNdjson(text);
      assert.deepEqual(lines.at(-1), { error: "an error was encountered while running the model" });
      assert.ok(!lines.some((l) => l.done === true));
    } else {
      const last = parseSse(text).at(-1);
      if (protocol === "openai") {
        assert.equal(last?.event, undefined);
        assert.deepEqual(JSON.parse(last?.data ?? "").error.type, "server_error");
        assert.ok(!text.includes("[DONE]"));
      } else {
        assert.equal(last?.event, "error");
        assert.deepEqual(JSON.parse(last?.data ?? ""), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
      }
    }
  });

  test(`${protocol}: malformed-after=1 inserts one frame that is not JSON, then the stream goes on to its end`, async () => {
    const text = await (await send(protocol, "malformed-after=1")).text();
    const separator = protocol === "ollama" ? "\n" : "\n\n";
    const blocks = text.split(separator).filter((b) => b !== "");
    const isBroken = (block: string) => {
      const payload = block.replace(/^event: .*\n/, "").replace(/^data: /, "");
      if (payload === "[DONE]") return false;
      try {
        JSON.parse(payload);
        return false;
      } catch {
        return true;
      }
    };
    assert.equal(blocks.filter(isBroken).length, 1);
    const before = blocks.slice(0, blocks.findIndex(isBroken)).join(separator) + separator;
    assert.equal(contentFrames(protocol, before), 1, "it comes right after the first content chunk");
    assert.ok(text.endsWith(protocol === "openai" ? "data: [DONE]\n\n" : protocol === "anthropic" ? '{"type":"message_stop"}\n\n' : "\n"));
    if (protocol === "ollama") assert.ok(text.includes('"done":true'));
  });

  test(`${protocol}: HTTP 401/429/500/503/529 come with the provider's error body and retry-after`, async () => {
    for (const status of [401, 429, 500, 503, 529]) {
      const res = await send(protocol, `status=${status}`);
      assert.equal(res.status, status);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const body = (await res.json()) as Record<string, any>;
      if (protocol === "openai") {
        assert.deepEqual(Object.keys(body.error), ["message", "type", "param", "code"]);
        if (status === 429) assert.equal(body.error.code, "rate_limit_exceeded");
        if (status >= 500) assert.equal(body.error.type, "server_error");
      } else if (protocol === "anthropic") {
        assert.equal(body.type, "error");
        assert.match(body.request_id, /^req_/);
        const expected: Record<number, string> = { 401: "authentication_error", 429: "rate_limit_error", 500: "api_error", 503: "overloaded_error", 529: "overloaded_error" };
        assert.equal(body.error.type, expected[status]);
        assert.equal(res.headers.get("x-should-retry"), String(status !== 401));
      } else {
        assert.deepEqual(Object.keys(body), ["error"]);
        assert.equal(typeof body.error, "string");
      }
      assert.equal(res.headers.get("retry-after"), status === 429 ? "1" : null, "a 429 says when to come back (1 s by default)");
    }
    const res = await send(protocol, "status=503,retry-after=7");
    assert.equal(res.headers.get("retry-after"), "7");
    await res.body?.cancel();
  });
}

test("stall-after=2 sends 2 content chunks then nothing (bounded check); the client's abort is seen by the server", async () => {
  const controller = new AbortController();
  const stalled = once(server.events, "stalled");
  const res = await send("openai", "stall-after=2", true, controller.signal);
  const reader = new BodyReader(res);
  await reader.readUntil((t) => contentFrames("openai", t) >= 2);
  await stalled;
  assert.equal(await reader.anythingWithin(300), false, "no byte for 300 ms");
  assert.equal(contentFrames("openai", reader.text), 2);
  const abortedBefore = server.stats.aborted;
  const aborted = once(server.events, "aborted");
  controller.abort();
  await aborted;
  assert.equal(server.stats.aborted, abortedBefore + 1);
});

test("stall-after with stall-ms resumes and finishes the stream after the pause", async () => {
  const started = performance.now();
  const text = await (await send("anthropic", "stall-after=1,stall-ms=150")).text();
  assert.ok(performance.now() - started >= 145);
  assert.ok(text.endsWith('{"type":"message_stop"}\n\n'));
});

test("fail-first=2 fails two attempts and lets the third through; resetAttempts() starts over; keys count apart", async () => {
  const fault = "status=429,fail-first=2,retry-after=0";
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const res = await send("openai", fault, false);
    statuses.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(statuses, [429, 429, 200]);
  server.resetAttempts();
  assert.equal((await send("openai", fault, false)).status, 429);
  const a = await send("ollama", "status=500,fail-first=1,key=a", false);
  const b = await send("ollama", "status=500,fail-first=1,key=b", false);
  const a2 = await send("ollama", "status=500,fail-first=1,key=a", false);
  assert.deepEqual([a.status, b.status, a2.status], [500, 500, 200]);
  server.resetAttempts("a");
  assert.equal((await send("ollama", "status=500,fail-first=1,key=a", false)).status, 500);
});

test("fail-first=1 with a mid-stream fault: only the first attempt breaks, the next one (same path and header) streams whole", async () => {
  const whole = "one two three four five six seven eight".split(" ").length;
  for (const protocol of PROTOCOLS) {
    for (const item of ["drop-after=2", "error-after=2", "malformed-after=2"]) {
      const fault = `${item},fail-first=1,key=mid-${protocol}-${item.replace("=", "")}`;
      const first = await readToEnd(await send(protocol, fault));
      const second = await readToEnd(await send(protocol, fault));
      assert.equal(second.error, undefined, `${protocol} ${item}: the second attempt ends normally`);
      assert.equal(contentFrames(protocol, second.text), whole, `${protocol} ${item}: the second attempt is whole`);
      const broken = item.startsWith("drop") ? first.error !== undefined : item.startsWith("error") ? contentFrames(protocol, first.text) === 2 : first.text !== second.text;
      assert.ok(broken, `${protocol} ${item}: the first attempt is faulted`);
    }
  }
  // The Responses route counts the same way.
  const fault = "drop-after=1,fail-first=1,key=mid-responses";
  const body = { model: "gpt-4.1", input: "count", stream: true };
  const first = await readToEnd(await post(`${server.openaiBaseUrl}/responses`, body, { "x-emulator-fault": fault }));
  const second = await readToEnd(await post(`${server.openaiBaseUrl}/responses`, body, { "x-emulator-fault": fault }));
  assert.ok(first.error !== undefined && second.error === undefined);
  assert.ok(second.text.includes("response.completed"));
});

test("delay-headers holds the status line; delay-first-byte holds the body after the headers", async () => {
  let started = performance.now();
  const res = await send("openai", "delay-headers=150");
  assert.ok(performance.now() - started >= 145, "headers came no sooner than 150 ms");
  await res.text();
  // Timed from the request, not from when the client saw the headers: a loaded machine may hand the headers over
  // late, but the first body byte can never come sooner than the delay.
  started = performance.now();
  const slowBody = await send("ollama", "delay-first-byte=150");
  const reader = new BodyReader(slowBody);
  await reader.readOnce();
  assert.ok(performance.now() - started >= 145, "the first body byte came no sooner than 150 ms");
  await reader.cancel();
});

test("stream:false: error-after is a 500, drop-after closes the connection, malformed-after truncates the JSON", async () => {
  const error = await send("anthropic", "error-after=0", false);
  assert.equal(error.status, 500);
  assert.equal(((await error.json()) as { error: { type: string } }).error.type, "api_error");
  await assert.rejects(send("openai", "drop-after=0", false));
  const malformed = await (await send("ollama", "malformed-after=0", false)).text();
  assert.throws(() => JSON.parse(malformed));
});

test("a bad x-emulator-* header is a 400 in the provider's shape that names the bad part", async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ "x-emulator-fault": "drop-after=abc" }, /bad item "drop-after=abc": drop-after must be a non-negative integer/],
    [{ "x-emulator-fault": "explode=1" }, /unknown name "explode"/],
    [{ "x-emulator-fault": "status=200" }, /status must be an HTTP error status/],
    [{ "x-emulator-fault": "fail-first=2" }, /fail-first needs status=… or a mid-stream fault/],
    [{ "x-emulator-fault": "drop-after=1,drop-after=2" }, /given twice/],
    [{ "x-emulator-reply": "{nope" }, /x-emulator-reply: not valid JSON/],
    [{ "x-emulator-reply": '{"toolCalls":[{"name":"f"}]}' }, /reply\.toolCalls\[0\]\.arguments must be a JSON object/],
    [{ "x-emulator-tps": "-5" }, /x-emulator-tps: "-5"/],
    [{ "x-emulator-ttft-ms": "soon" }, /x-emulator-ttft-ms/],
    [{ "x-emulator-bench": "chunks=0" }, /x-emulator-bench/],
  ];
  for (const [headers, message] of cases) {
    const res = await post(server.url + CHAT_PATH.anthropic, chatBody("anthropic", "x", true), headers);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, message);
  }
  const res = await post(server.url + CHAT_PATH.ollama, chatBody("ollama", "x", true), { "x-emulator-fault": "stall-ms=5" });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /stall-ms needs stall-after/);
});

test("a server-level fault option applies to every request; header items override it", async () => {
  await using faulty = await startEmulator({ ttftMs: 0, tps: Infinity, fault: "status=503" });
  assert.equal((await post(faulty.url + CHAT_PATH.ollama, chatBody("ollama", "x", false))).status, 503);
  const overridden = await post(faulty.url + CHAT_PATH.ollama, chatBody("ollama", "x", false), { "x-emulator-fault": "status=429" });
  assert.equal(overridden.status, 429);
  await assert.rejects(startEmulator({ fault: "drop-after=x" }), /Invalid option "fault"/);
  await assert.rejects(startEmulator({ fault: { dropAfter: -1 } }), /Invalid option "fault": dropAfter must be a non-negative integer/);
});
