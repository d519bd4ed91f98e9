import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { parseNdjson, post } from "./helpers.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity });
});
after(() => server.close());

const url = () => `${server.url}/api/chat`;
const reply = (r: unknown) => ({ "x-emulator-reply": JSON.stringify(r) });
type Line = Record<string, any>;
const body = (extra: Record<string, unknown> = {}) => ({ model: "qwen3:8b", messages: [{ role: "user", content: "Weather in Tokyo?" }], ...extra });

async function streamLines(requestBody: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await post(url(), requestBody, headers);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/x-ndjson");
  const lines = parseNdjson(await res.text());
  assert.ok(lines.slice(0, -1).every((l) => l.done === false && l.message.role === "assistant" && l.model === "qwen3:8b"));
  assert.equal(lines.at(-1)?.done, true, "the last line is done:true");
  assert.ok(lines.every((l) => typeof l.created_at === "string" && !Number.isNaN(Date.parse(l.created_at))));
  return lines;
}

test("streams by default when stream is absent; the done line carries done_reason and ns metrics", async () => {
  const lines = await streamLines(body(), reply({ text: "The sky is blue." }));
  assert.equal(lines.map((l) => l.message.content).join(""), "The sky is blue.");
  const last = lines.at(-1) as Line;
  assert.equal(last.done_reason, "stop");
  assert.equal(last.message.content, "");
  assert.equal(last.prompt_eval_count, 3);
  assert.equal(last.eval_count, 4);
  for (const metric of ["total_duration", "prompt_eval_duration", "eval_duration"]) {
    assert.ok(Number.isInteger(last[metric]) && last[metric] > 0, `${metric} is a positive integer (ns)`);
  }
  assert.ok(!("load_duration" in last), "a warm model has no load_duration (omitempty)");
});

test("think: thinking lines (content empty) come before content lines", async () => {
  const lines = await streamLines(body({ think: true }), reply({ thinking: "User wants Tokyo weather.", text: "Sunny." }));
  const thinkingLines = lines.filter((l) => l.message.thinking !== undefined);
  assert.equal(thinkingLines.map((l) => l.message.thinking).join(""), "User wants Tokyo weather.");
  assert.ok(thinkingLines.every((l) => l.message.content === ""));
  assert.ok(lines.indexOf(thinkingLines.at(-1) as Line) < lines.findIndex((l) => l.message.content === "Sunny."));
  const levels = await streamLines(body({ think: "high" }), reply({ text: "x" }));
  assert.ok(levels.some((l) => l.message.thinking !== undefined), "a level name turns thinking on too");
  const off = await streamLines(body({ think: false }), reply({ thinking: "no", text: "x" }));
  assert.ok(off.every((l) => l.message.thinking === undefined));
});

test("tool calls arrive whole, one per line, arguments as objects, with ids and function.index; done_reason stays stop", async () => {
  const calls = [
    { name: "get_weather", arguments: { city: "Osaka" } },
    { name: "find_restaurants", arguments: { query: "ramen", filters: { open_now: true, max_price: 2 } } },
  ];
  const lines = await streamLines(body(), reply({ toolCalls: calls }));
  const got = lines.flatMap((l) => (l.message.tool_calls ?? []) as Line[]);
  assert.equal(got.length, 2);
  calls.forEach((call, i) => {
    assert.match(got[i]?.id, /^call_[a-z0-9]{8}$/);
    assert.deepEqual(got[i]?.function, { index: i, name: call.name, arguments: call.arguments });
  });
  assert.equal(lines.at(-1)?.done_reason, "stop");
});

test("stream:false gives one JSON object with the whole message and the metrics", async () => {
  const res = await post(url(), body({ stream: false, think: true }), reply({ thinking: "t", text: "Whole answer.", toolCalls: [{ name: "f", arguments: { a: 1 } }] }));
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  const json = (await res.json()) as Line;
  assert.equal(json.done, true);
  assert.equal(json.message.content, "Whole answer.");
  assert.equal(json.message.thinking, "t");
  assert.deepEqual(json.message.tool_calls[0].function.arguments, { a: 1 });
  assert.equal(json.eval_count, 1 + 2 + 2);
});

test("num_predict cuts the answer with done_reason length", async () => {
  const lines = await streamLines(body({ options: { num_predict: 2 } }), reply({ text: "a b c d" }));
  assert.equal(lines.map((l) => l.message.content).join(""), "a b");
  assert.equal(lines.at(-1)?.done_reason, "length");
});

test("a request without messages only loads the model (done_reason load)", async () => {
  const lines = await streamLines({ model: "qwen3:8b" });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.done_reason, "load");
});

test("missing model and bad JSON are 400 {error}; /api/tags, /api/version answer; unknown /api path is a 404 {error}", async () => {
  const missing = await post(url(), { messages: [] });
  assert.equal(missing.status, 400);
  assert.deepEqual(await missing.json(), { error: "model is required" });
  const bad = await fetch(url(), { method: "POST", body: "nope" });
  assert.equal(bad.status, 400);
  assert.equal(typeof ((await bad.json()) as Line).error, "string");
  const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as Line;
  assert.ok(tags.models.length > 0 && tags.models.every((m: Line) => typeof m.name === "string" && m.details.format === "gguf"));
  assert.deepEqual(await (await fetch(`${server.url}/api/version`)).json(), { version: "0.12.3" });
  const unknown = await fetch(`${server.url}/api/nope`);
  assert.equal(unknown.status, 404);
  assert.equal(typeof ((await unknown.json()) as Line).error, "string");
});
