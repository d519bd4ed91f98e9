/**
 * The fault matrix on the Responses API: each injected fault as a raw client sees it on the wire, and as our
 * adapter reports it, foreground and in background mode (where a broken connection is healed by a resume).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { createOpenAIResponsesProvider } from "../../src/providers/responses/provider.js";
import { ProviderError, StreamInterruptedError, WireFormatError } from "../../src/index.js";
import { drainStream } from "../support/sources.js";
import { parseSse, post, readToEnd } from "./helpers.js";

const ANSWER = "one two three four five six seven eight";
let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: ANSWER } } });
});
after(() => server.close());

const send = (fault: string, extra: Record<string, unknown> = {}) =>
  post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "count", stream: true, ...extra }, { "x-emulator-fault": fault });
const deltas = (text: string) => parseSse(text).filter((e) => e.event === "response.output_text.delta").length;

test("wire: drop-after=3 cuts the connection after exactly 3 text deltas, with no terminal event", async () => {
  const { text, error } = await readToEnd(await send("drop-after=3"));
  assert.ok(error instanceof Error);
  assert.equal(deltas(text), 3);
  assert.ok(!text.includes("response.completed"));
});

test("wire: error-after=2 sends the nested error event and response.failed, numbered after what came before, then ends", async () => {
  const { text, error } = await readToEnd(await send("error-after=2"));
  assert.equal(error, undefined);
  const events = parseSse(text);
  assert.deepEqual(events.slice(-2).map((e) => e.event), ["error", "response.failed"]);
  const [err, failed] = events.slice(-2).map((e) => JSON.parse(e.data) as { sequence_number: number; error?: { code: string }; response?: { status: string } });
  assert.equal(err!.error?.code, "server_error");
  assert.equal(failed!.response?.status, "failed");
  const numbers = events.map((e) => (JSON.parse(e.data) as { sequence_number: number }).sequence_number);
  assert.ok(numbers.every((n, i) => i === 0 || n > numbers[i - 1]!), "sequence numbers only grow");
});

test("wire: malformed-after, stall-after with stall-ms, status and stream:false faults", async () => {
  const malformed = await readToEnd(await send("malformed-after=1"));
  assert.match(malformed.text, /"delta":"\n\n/);
  assert.ok(malformed.text.includes("response.completed"), "the stream goes on after the bad frame");
  const stalled = await readToEnd(await send("stall-after=2,stall-ms=30"));
  assert.equal(deltas(stalled.text), 8);
  const refused = await send("status=429");
  assert.equal(refused.status, 429);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "rate_limit_exceeded");
  const whole = await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "count" }, { "x-emulator-fault": "error-after=1" });
  assert.equal(whole.status, 500);
});

/** One provider per mode; maxRetries 0 so a status fault is seen as it is. */
const provider = (background: boolean, fault: string, timeout?: number) =>
  createOpenAIResponsesProvider({
    apiKey: "test", baseUrl: server.openaiBaseUrl, maxRetries: 0, background, headers: { "x-emulator-fault": fault }, ...(timeout === undefined ? {} : { timeout }),
  });
const request = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "count" }] };
const WORDS = ANSWER.split(" ");
const prefix = (n: number) => WORDS.slice(0, n).join(" ");

for (const background of [false, true]) {
  const mode = background ? "background" : "foreground";

  test(`adapter, ${mode}: drop-after=N for every N is ${background ? "healed by one resume (full text once, one POST)" : "'network' with the exact partial text"}`, async () => {
    for (let n = 0; n <= WORDS.length; n++) {
      const since = server.requests.length;
      const { error, result, chunks } = await drainStream(provider(background, `drop-after=${n}`).stream(request));
      const text = chunks.map((c) => c.content).join("");
      const posts = server.requests.slice(since).filter((r) => r.method === "POST").length;
      assert.equal(posts, 1, `drop-after=${n}: one POST`);
      if (background) {
        assert.equal(error, undefined, `drop-after=${n}: ${String(error)}`);
        assert.equal(text, ANSWER);
        assert.equal(result?.content, ANSWER);
      } else {
        assert.ok(error instanceof StreamInterruptedError && error.reason === "network", `drop-after=${n}: ${String(error)}`);
        assert.equal(error.partialResponse, prefix(n));
        assert.equal(text, prefix(n));
      }
    }
  });

  test(`adapter, ${mode}: stall-after=3 (idle timeout) is ${background ? "resumed" : "'timeout' with the partial text"}`, async () => {
    const { error, chunks } = await drainStream(provider(background, "stall-after=3", 150).stream(request));
    if (background) {
      assert.equal(error, undefined, String(error));
      assert.equal(chunks.map((c) => c.content).join(""), ANSWER);
    } else {
      assert.ok(error instanceof StreamInterruptedError && error.reason === "timeout", String(error));
      assert.equal(error.partialResponse, prefix(3));
    }
  });

  test(`adapter, ${mode}: error-after=2, malformed-after=2 and wrong-shape-after=2 are 'provider', never resumed`, async () => {
    for (const [fault, cause] of [["error-after=2", ProviderError], ["malformed-after=2", WireFormatError], ["wrong-shape-after=2", WireFormatError]] as const) {
      const since = server.requests.length;
      const { error } = await drainStream(provider(background, fault).stream(request));
      assert.ok(error instanceof StreamInterruptedError && error.reason === "provider", `${fault}: ${String(error)}`);
      assert.ok(error.cause instanceof cause, fault);
      assert.equal(error.partialResponse, prefix(2));
      assert.equal(server.requests.length - since, 1, `${fault}: no resume`);
    }
  });

  test(`adapter, ${mode}: status=503 before the stream is a ProviderError (retryable), status=400 is not retryable`, async () => {
    for (const [status, retryable] of [[503, true], [400, false]] as const) {
      const { error } = await drainStream(provider(background, `status=${status}`).stream(request));
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.status, status);
      assert.equal(error.retryable, retryable);
    }
  });
}
