/** Pacing: only lower bounds on time (machines are noisy), never upper ones. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../src/emulator/index.js";
import { BodyReader, CHAT_PATH, chatBody, contentFrames, parseNdjson, post } from "./helpers.js";

const TEN_WORDS = { "x-emulator-reply": JSON.stringify({ text: "a b c d e f g h i j" }) };
/** Timers may fire up to a millisecond early against performance.now(). */
const SLACK_MS = 3;

test("ttft and tps options: first token after ttft, the whole stream no sooner than ttft + 9 intervals", async () => {
  await using server = await startEmulator({ ttftMs: 80, tps: 100 });
  const started = performance.now();
  const res = await post(server.url + CHAT_PATH.openai, chatBody("openai", "x", true), TEN_WORDS);
  const reader = new BodyReader(res);
  await reader.readUntil((t) => contentFrames("openai", t) >= 1);
  assert.ok(performance.now() - started >= 80 - SLACK_MS, "time to first token");
  await reader.readUntil(() => false);
  assert.equal(contentFrames("openai", reader.text), 10);
  assert.ok(performance.now() - started >= 80 + 9 * 10 - SLACK_MS, "ten tokens at 100 tok/s");
});

test("pacing headers override the server's settings per request", async () => {
  await using server = await startEmulator({ ttftMs: 0, tps: Infinity });
  const started = performance.now();
  const res = await post(server.url + CHAT_PATH.anthropic, chatBody("anthropic", "x", true), { ...TEN_WORDS, "x-emulator-ttft-ms": "60", "x-emulator-tps": "50" });
  await res.text();
  assert.ok(performance.now() - started >= 60 + 9 * 20 - SLACK_MS);
});

test("a non-streaming answer takes the whole generation time too", async () => {
  await using server = await startEmulator({ ttftMs: 50, tps: 100 });
  const started = performance.now();
  const res = await post(server.url + CHAT_PATH.ollama, chatBody("ollama", "x", false), TEN_WORDS);
  const body = (await res.json()) as { eval_count: number; eval_duration: number; prompt_eval_duration: number };
  assert.ok(performance.now() - started >= 50 + 9 * 10 - SLACK_MS);
  assert.equal(body.eval_count, 10);
  assert.equal(body.eval_duration, 10 * 10 * 1e6, "Ollama's metrics follow the pacing, in ns");
  assert.equal(body.prompt_eval_duration, 50 * 1e6);
});

test("the default pacing (30 ms, 200 tok/s) is visible on a default answer", async () => {
  await using server = await startEmulator();
  const started = performance.now();
  const lines = parseNdjson(await (await post(server.url + CHAT_PATH.ollama, chatBody("ollama", "Tell me about rivers", true))).text());
  const tokens = lines.at(-1)?.eval_count as number;
  assert.ok(tokens > 10);
  assert.ok(performance.now() - started >= 30 + (tokens - 1) * 5 - SLACK_MS);
});
