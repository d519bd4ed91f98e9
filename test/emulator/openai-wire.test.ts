import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { chatBody, openaiStreamText, parseSse, post } from "./helpers.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity });
});
after(() => server.close());

const url = () => `${server.url}/v1/chat/completions`;
const reply = (r: unknown) => ({ "x-emulator-reply": JSON.stringify(r) });

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; logprobs: null; finish_reason: string | null }>;
  usage?: Record<string, unknown> | null;
}

async function streamChunks(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await post(url(), body, headers);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const text = await res.text();
  const events = parseSse(text);
  assert.ok(events.every((e) => e.event === undefined), "OpenAI sends no event: lines");
  assert.equal(events.at(-1)?.data, "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Chunk);
  return { text, events, chunks };
}

test("a stream is data: chunks, role first, a finish chunk, a usage chunk with choices [], then [DONE]", async () => {
  const { text, chunks } = await streamChunks(chatBody("openai", "Tell me about cats", true), reply({ text: "Hello there, world!" }));
  assert.ok(text.startsWith('data: {"id":"chatcmpl-'));
  assert.ok(text.endsWith("data: [DONE]\n\n"));
  const first = chunks[0];
  assert.deepEqual(first?.choices[0]?.delta, { role: "assistant", content: "", refusal: null });
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === first?.id && c.model === "gpt-4o-mini"));
  const finish = chunks.at(-2);
  assert.deepEqual(finish?.choices[0]?.delta, {});
  assert.equal(finish?.choices[0]?.finish_reason, "stop");
  const usage = chunks.at(-1);
  assert.deepEqual(usage?.choices, []);
  assert.deepEqual(
    { p: usage?.usage?.prompt_tokens, c: usage?.usage?.completion_tokens, t: usage?.usage?.total_tokens },
    { p: 4, c: 3, t: 7 },
  );
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null), "usage is null on every chunk but the last");
  assert.equal(openaiStreamText(parseSse(text)), "Hello there, world!");
  assert.ok(chunks.filter((c) => typeof c.choices[0]?.delta.content === "string" && c.choices[0].delta.content !== "").length >= 3);
});

test("without include_usage there is no usage key and no usage chunk", async () => {
  const { chunks } = await streamChunks({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
  assert.ok(chunks.every((c) => !("usage" in c)));
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, "stop");
});

test("parallel tool calls: id and name first, then argument fragments that assemble to the scripted JSON", async () => {
  const calls = [
    { name: "get_weather", arguments: { location: "Paris, France", unit: "celsius" } },
    { name: "get_time", arguments: { timezone: "Europe/Paris", nested: { a: [1, 2, "é"] } } },
  ];
  const { chunks } = await streamChunks(chatBody("openai", "weather?", true), reply({ toolCalls: calls }));
  assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: "assistant", content: null, refusal: null });
  const acc = new Map<number, { id?: string; name?: string; args: string; fragments: number }>();
  for (const c of chunks) {
    for (const tc of (c.choices[0]?.delta.tool_calls ?? []) as Array<{ index: number; id?: string; type?: string; function: { name?: string; arguments: string } }>) {
      const entry = acc.get(tc.index) ?? { args: "", fragments: 0 };
      if (tc.id !== undefined) {
        assert.equal(entry.id, undefined, "id comes once");
        assert.equal(tc.type, "function");
        assert.equal(tc.function.arguments, "", "the first fragment carries id and name only");
        entry.id = tc.id;
        entry.name = tc.function.name;
      } else {
        entry.args += tc.function.arguments;
        entry.fragments++;
      }
      acc.set(tc.index, entry);
    }
  }
  assert.equal(acc.size, 2);
  calls.forEach((call, i) => {
    const got = acc.get(i);
    assert.match(got?.id ?? "", /^call_/);
    assert.equal(got?.name, call.name);
    assert.ok((got?.fragments ?? 0) > 1, "arguments are split across chunks");
    assert.deepEqual(JSON.parse(got?.args ?? ""), call.arguments);
  });
  assert.notEqual(acc.get(0)?.id, acc.get(1)?.id);
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, "tool_calls");
});

test("reasoning_effort streams reasoning_content before the text and counts reasoning tokens", async () => {
  const { chunks } = await streamChunks(
    chatBody("openai", "think", true, { reasoning_effort: "low" }),
    reply({ thinking: "Let me think step by step.", text: "Done." }),
  );
  const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("");
  assert.equal(reasoning, "Let me think step by step.");
  const firstText = chunks.findIndex((c) => c.choices[0]?.delta.content === "Done.");
  const lastReasoning = chunks.findLastIndex((c) => c.choices[0]?.delta.reasoning_content !== undefined);
  assert.ok(lastReasoning < firstText);
  const details = chunks.at(-1)?.usage?.completion_tokens_details as { reasoning_tokens: number };
  assert.equal(details.reasoning_tokens, 6, "six words of reasoning");
});

test("a stream:false request gets one chat.completion with message, finish_reason and usage", async () => {
  const res = await post(url(), chatBody("openai", "hi", false), reply({ text: "Hi!", toolCalls: [{ name: "f", arguments: { x: 1 } }] }));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.match(res.headers.get("x-request-id") ?? "", /^req_/);
  const body = (await res.json()) as Record<string, any>;
  assert.equal(body.object, "chat.completion");
  assert.equal(body.choices[0].message.content, "Hi!");
  assert.equal(body.choices[0].message.tool_calls[0].function.name, "f");
  assert.deepEqual(JSON.parse(body.choices[0].message.tool_calls[0].function.arguments), { x: 1 });
  assert.equal(body.choices[0].finish_reason, "tool_calls");
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
});

test("max_completion_tokens cuts the answer and finishes with length", async () => {
  const { chunks, events } = await streamChunks(
    chatBody("openai", "hi", true, { max_completion_tokens: 2 }),
    reply({ text: "one two three four" }),
  );
  assert.equal(openaiStreamText(events), "one two");
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, "length");
  assert.equal(chunks.at(-1)?.usage?.completion_tokens, 2);
});

test("validation: missing model or messages and malformed JSON are 400s in OpenAI's error shape", async () => {
  const cases: Array<[unknown, RegExp, string | null]> = [
    [{ messages: [{ role: "user", content: "x" }] }, /model/, null],
    [{ model: "m" }, /messages/, "messages"],
  ];
  for (const [body, message, param] of cases) {
    const res = await post(url(), body);
    assert.equal(res.status, 400);
    const json = (await res.json()) as { error: { message: string; type: string; param: string | null } };
    assert.match(json.error.message, message);
    assert.equal(json.error.type, "invalid_request_error");
    assert.equal(json.error.param, param);
  }
  const res = await fetch(url(), { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.ok(text.startsWith('{\n    "error": {'), "pretty-printed like OpenAI");
  assert.match((JSON.parse(text) as { error: { message: string } }).error.message, /parse the JSON body/);
});

test("GET /v1/models lists models; an unknown /v1 path is a 404 in OpenAI's shape", async () => {
  const models = (await (await fetch(`${server.openaiBaseUrl}/models`)).json()) as { object: string; data: Array<{ id: string; object: string }> };
  assert.equal(models.object, "list");
  assert.ok(models.data.length > 0 && models.data.every((m) => m.object === "model"));
  const res = await fetch(`${server.openaiBaseUrl}/nope`);
  assert.equal(res.status, 404);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /Invalid URL \(GET \/v1\/nope\)/);
});
