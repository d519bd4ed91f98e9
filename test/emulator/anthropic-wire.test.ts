import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { chatBody, parseSse, post } from "./helpers.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity });
});
after(() => server.close());

const url = () => `${server.url}/v1/messages`;
const reply = (r: unknown) => ({ "x-emulator-reply": JSON.stringify(r) });
type Payload = Record<string, any>;

async function streamEvents(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await post(url(), body, { "anthropic-version": "2023-06-01", ...headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  assert.match(res.headers.get("request-id") ?? "", /^req_/);
  const text = await res.text();
  const events = parseSse(text).map((e) => {
    const data = JSON.parse(e.data) as Payload;
    assert.equal(data.type, e.event, "the JSON type equals the event name");
    return data;
  });
  return { text, events };
}

/** Checks the block grammar: start(i) delta(i)* stop(i), i = 0, 1, … one at a time. */
function checkBlockOrder(events: Payload[]): void {
  let open: number | undefined;
  let nextIndex = 0;
  for (const e of events) {
    if (e.type === "content_block_start") {
      assert.equal(open, undefined, "blocks do not interleave");
      assert.equal(e.index, nextIndex++);
      open = e.index;
    } else if (e.type === "content_block_delta") assert.equal(e.index, open);
    else if (e.type === "content_block_stop") {
      assert.equal(e.index, open);
      open = undefined;
    }
  }
  assert.equal(open, undefined);
}

test("a text stream: message_start, ping, one text block, message_delta with usage, message_stop", async () => {
  const { text, events } = await streamEvents(chatBody("anthropic", "Say hi", true), reply({ text: "Hi there! What would you like?" }));
  assert.ok(text.startsWith('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_'));
  assert.ok(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
  const names = events.map((e) => e.type);
  assert.deepEqual(names.slice(0, 3), ["message_start", "ping", "content_block_start"]);
  assert.deepEqual(names.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
  const start = events[0]?.message as Payload;
  assert.deepEqual([start.role, start.content, start.stop_reason, start.model], ["assistant", [], null, "claude-sonnet-4-5-20250929"]);
  assert.equal(start.usage.input_tokens, 2);
  const textOut = events.filter((e) => e.delta?.type === "text_delta").map((e) => e.delta.text).join("");
  assert.equal(textOut, "Hi there! What would you like?");
  const delta = events.at(-2) as Payload;
  assert.equal(delta.delta.stop_reason, "end_turn");
  assert.equal(delta.usage.output_tokens, 6);
  checkBlockOrder(events);
});

test("thinking: a thinking block with thinking_delta pieces and one signature_delta right before its stop", async () => {
  const { events } = await streamEvents(
    chatBody("anthropic", "27 * 453?", true, { thinking: { type: "enabled", budget_tokens: 1024 } }),
    reply({ thinking: "27 * 453 = 12231.", text: "12,231." }),
  );
  checkBlockOrder(events);
  const starts = events.filter((e) => e.type === "content_block_start").map((e) => e.content_block);
  assert.deepEqual(starts[0], { type: "thinking", thinking: "", signature: "" });
  assert.equal(starts[1].type, "text");
  const block0 = events.filter((e) => e.index === 0 && e.type !== "content_block_start");
  assert.equal(block0.filter((e) => e.delta?.type === "thinking_delta").map((e) => e.delta.thinking).join(""), "27 * 453 = 12231.");
  assert.equal(block0.at(-2)?.delta.type, "signature_delta");
  assert.ok((block0.at(-2)?.delta.signature as string).length > 20);
  assert.equal(block0.at(-1)?.type, "content_block_stop");
});

test("without a thinking request, scripted thinking is not sent (like the real API)", async () => {
  const { events } = await streamEvents(chatBody("anthropic", "x", true), reply({ thinking: "secret", text: "ok" }));
  assert.ok(!events.some((e) => e.content_block?.type === "thinking"));
});

test("parallel tool_use blocks: empty input at start, input_json_delta fragments that parse to the scripted input", async () => {
  const calls = [
    { name: "get_weather", arguments: { location: "Tokyo" } },
    { name: "get_time", arguments: { timezone: "Asia/Tokyo", list: [1, true, null] } },
  ];
  const { events } = await streamEvents(chatBody("anthropic", "both?", true), reply({ text: "Let me check both.", toolCalls: calls }));
  checkBlockOrder(events);
  const starts = events.filter((e) => e.type === "content_block_start");
  assert.equal(starts.length, 3);
  calls.forEach((call, i) => {
    const start = starts[i + 1] as Payload;
    assert.equal(start.content_block.type, "tool_use");
    assert.match(start.content_block.id, /^toolu_/);
    assert.equal(start.content_block.name, call.name);
    assert.deepEqual(start.content_block.input, {});
    const fragments = events.filter((e) => e.index === start.index && e.delta?.type === "input_json_delta").map((e) => e.delta.partial_json as string);
    assert.equal(fragments[0], "", "the first fragment is empty, as Anthropic sends it");
    assert.ok(fragments.length > 2);
    assert.deepEqual(JSON.parse(fragments.join("")), call.arguments);
  });
  assert.equal((events.at(-2) as Payload).delta.stop_reason, "tool_use");
});

test("a non-streaming request gets a Message with content blocks, stop_reason and usage", async () => {
  const res = await post(
    url(),
    chatBody("anthropic", "hi", false, { thinking: { type: "enabled", budget_tokens: 1024 } }),
    reply({ thinking: "hmm", text: "Hello.", toolCalls: [{ name: "f", arguments: { q: "x" } }] }),
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as Payload;
  assert.equal(body.type, "message");
  assert.deepEqual(body.content.map((b: Payload) => b.type), ["thinking", "text", "tool_use"]);
  assert.equal(body.content[0].thinking, "hmm");
  assert.ok(body.content[0].signature.length > 0);
  assert.deepEqual(body.content[2].input, { q: "x" });
  assert.equal(body.stop_reason, "tool_use");
  assert.equal(body.usage.output_tokens, 1 + 1 + 2);
});

test("max_tokens cuts the answer with stop_reason max_tokens", async () => {
  const { events } = await streamEvents(chatBody("anthropic", "x", true, { max_tokens: 3 }), reply({ text: "a b c d e f" }));
  assert.equal(events.filter((e) => e.delta?.type === "text_delta").map((e) => e.delta.text).join(""), "a b c");
  assert.equal((events.at(-2) as Payload).delta.stop_reason, "max_tokens");
});

test("validation: missing max_tokens, model or messages, and bad JSON, are 400 invalid_request_error", async () => {
  for (const [body, field] of [
    [{ model: "m", messages: [] }, "max_tokens"],
    [{ max_tokens: 5, messages: [] }, "model"],
    [{ model: "m", max_tokens: 5 }, "messages"],
  ] as const) {
    const res = await post(url(), body);
    assert.equal(res.status, 400);
    const json = (await res.json()) as Payload;
    assert.equal(json.type, "error");
    assert.equal(json.error.type, "invalid_request_error");
    assert.match(json.error.message, new RegExp(`^${field}: Field required`));
    assert.match(json.request_id, /^req_/);
  }
  const res = await fetch(url(), { method: "POST", body: "{", headers: { "content-type": "application/json" } });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as Payload).error.type, "invalid_request_error");
});

test("GET /v1/models with anthropic-version answers in Anthropic's list shape", async () => {
  const res = await fetch(`${server.url}/v1/models`, { headers: { "anthropic-version": "2023-06-01" } });
  const body = (await res.json()) as Payload;
  assert.equal(body.has_more, false);
  assert.ok(body.data.every((m: Payload) => m.type === "model"));
});
