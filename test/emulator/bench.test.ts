/** Bench mode: many pre-encoded chunks, complete and well-formed, in each protocol. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { benchText, BENCH_PIECES, startEmulator, type EmulatorProtocol, type EmulatorServer } from "../../src/emulator/index.js";
import { CHAT_PATH, chatBody, openaiStreamText, parseNdjson, parseSse, post } from "./helpers.js";

let server: EmulatorServer;
before(async () => {
  // Bench ignores pacing: a slow default must not slow a bench stream.
  server = await startEmulator({ ttftMs: 1000, tps: 1 });
});
after(() => server.close());

const CHUNKS = 10_000;

async function bench(protocol: EmulatorProtocol, chunks: number | undefined, base = server.url) {
  const headers: Record<string, string> = chunks === undefined ? {} : { "x-emulator-bench": `chunks=${chunks}` };
  const res = await post(base + CHAT_PATH[protocol], chatBody(protocol, "bench", true), headers);
  assert.equal(res.status, 200);
  return res.text();
}

test("the bench pieces are ~5 bytes and benchText cycles them", () => {
  assert.ok(BENCH_PIECES.every((p) => Buffer.byteLength(p) <= 5 && p.length > 0));
  assert.equal(benchText(BENCH_PIECES.length + 1), BENCH_PIECES.join("") + BENCH_PIECES[0]);
});

test(`openai: ${CHUNKS} content chunks between the role chunk and finish + usage + [DONE]`, async () => {
  const events = parseSse(await bench("openai", CHUNKS));
  assert.equal(events.length, 1 + CHUNKS + 1 + 1 + 1);
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage: { completion_tokens: number } | null });
  assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, "stop");
  assert.equal(chunks.at(-1)?.usage?.completion_tokens, CHUNKS);
  assert.equal(events.at(-1)?.data, "[DONE]");
  assert.equal(openaiStreamText(events), benchText(CHUNKS));
});

test(`anthropic: ${CHUNKS} text_delta events inside one block, then message_delta and message_stop`, async () => {
  const events = parseSse(await bench("anthropic", CHUNKS));
  const names = events.map((e) => e.event);
  assert.deepEqual(names.slice(0, 3), ["message_start", "ping", "content_block_start"]);
  assert.deepEqual(names.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
  const deltas = events.filter((e) => e.event === "content_block_delta").map((e) => JSON.parse(e.data) as { delta: { text: string } });
  assert.equal(deltas.length, CHUNKS);
  assert.equal(deltas.map((d) => d.delta.text).join(""), benchText(CHUNKS));
  assert.equal((JSON.parse(events.at(-2)?.data ?? "") as { usage: { output_tokens: number } }).usage.output_tokens, CHUNKS);
});

test(`ollama: ${CHUNKS} lines, then done:true with eval_count`, async () => {
  const lines = parseNdjson(await bench("ollama", CHUNKS));
  assert.equal(lines.length, CHUNKS + 1);
  assert.equal(lines.slice(0, -1).map((l) => l.message.content).join(""), benchText(CHUNKS));
  assert.equal(lines.at(-1)?.done, true);
  assert.equal(lines.at(-1)?.eval_count, CHUNKS);
});

test("a count that is not a whole number of batches, and the server-level benchChunks option", async () => {
  const odd = 4_099 * 7 + 3;
  const events = parseSse(await bench("anthropic", odd));
  assert.equal(events.filter((e) => e.event === "content_block_delta").length, odd);
  await using benchServer = await startEmulator({ benchChunks: 1234 });
  const lines = parseNdjson(await bench("ollama", undefined, benchServer.url));
  assert.equal(lines.length, 1234 + 1);
});
