/** Conformance: the official `@anthropic-ai/sdk` client reads the emulator as it reads the real API. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";

let server: EmulatorServer;
let client: Anthropic;
before(async () => {
  server = await startEmulator({
    ttftMs: 0,
    tps: Infinity,
    script: {
      rules: [
        {
          match: "weather",
          reply: {
            thinking: "I need the weather tool.",
            text: "Let me check.",
            toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }, { name: "get_time", arguments: { tz: "CET" } }],
            afterToolResults: (results) => ({ text: `It is ${results.map((r) => `${r.name}=${r.content}`).join(", ")}.` }),
          },
        },
      ],
      default: { text: "Hi from the emulator." },
    },
  });
  client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
});
after(() => server.close());

const MODEL = "claude-sonnet-4-5-20250929";
const THINKING = { type: "enabled", budget_tokens: 1024 } as const;

test("messages.create({stream:true}) yields the raw events with the scripted text", async () => {
  const stream = await client.messages.create({ model: MODEL, max_tokens: 256, stream: true, messages: [{ role: "user", content: "Hello" }] });
  const types: string[] = [];
  let text = "";
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
  }
  assert.equal(text, "Hi from the emulator.");
  assert.equal(types[0], "message_start");
  assert.equal(types.at(-1), "message_stop");
  assert.ok(!types.includes("ping" as never), "the SDK skips pings");
  // SDK 1.14 sends its key as `Authorization: Bearer` (older ones used x-api-key); either way it is redacted.
  const headers = server.requests.at(-1)?.headers ?? {};
  assert.equal(headers["x-api-key"] ?? headers.authorization, "[redacted]");
  assert.match(headers["anthropic-version"] ?? "", /^\d{4}-\d{2}-\d{2}$/);
});

test("messages.stream().finalMessage() has thinking with signature, text, tool_use with parsed input, and usage", async () => {
  const message = await client.messages
    .stream({ model: MODEL, max_tokens: 2048, thinking: THINKING, messages: [{ role: "user", content: "Weather in Paris?" }] })
    .finalMessage();
  assert.deepEqual(message.content.map((b) => b.type), ["thinking", "text", "tool_use", "tool_use"]);
  const [thinking, text, tool1, tool2] = message.content;
  assert.ok(thinking?.type === "thinking" && thinking.thinking === "I need the weather tool." && thinking.signature.length > 0);
  assert.ok(text?.type === "text" && text.text === "Let me check.");
  assert.ok(tool1?.type === "tool_use" && tool1.name === "get_weather");
  assert.deepEqual(tool1.input, { location: "Paris" });
  assert.ok(tool2?.type === "tool_use" && tool2.id !== tool1.id);
  assert.deepEqual(tool2.input, { tz: "CET" });
  assert.equal(message.stop_reason, "tool_use");
  assert.equal(message.usage.input_tokens, 3);
  assert.equal(message.usage.output_tokens, 5 + 3 + 2 + 2, "words of thinking and text, plus 2 per tool call");
});

test("a user turn of tool_result blocks gets the follow-up, built from the results", async () => {
  const message = await client.messages.create({
    model: MODEL,
    max_tokens: 256,
    messages: [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_time", input: { tz: "CET" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny" },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "10:00" }] },
        ],
      },
    ],
  });
  assert.deepEqual(message.content, [{ type: "text", text: "It is get_weather=sunny, get_time=10:00." }]);
  assert.equal(message.stop_reason, "end_turn");
});

test("HTTP 529 is an APIError with status 529 and overloaded_error; fail-first then success with SDK retries", async () => {
  await assert.rejects(
    client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "x" }] }, { headers: { "x-emulator-fault": "status=529" } }),
    (e: unknown) => e instanceof Anthropic.APIError && e.status === 529 && /overloaded_error/.test(e.message),
  );
  const retrying = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 3 });
  const before = server.stats.requests;
  const message = await retrying.messages.create(
    { model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "x" }] },
    { headers: { "x-emulator-fault": "status=529,fail-first=2,retry-after-ms=1,key=anthropic-sdk-retry" } },
  );
  assert.equal(message.content[0]?.type, "text");
  assert.equal(server.stats.requests - before, 3);
});

test("an event: error mid-stream makes the SDK throw with the error type, after the partial text", async () => {
  const stream = client.messages.stream(
    { model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hello" }] },
    { headers: { "x-emulator-fault": "error-after=2" } },
  );
  let text = "";
  stream.on("text", (delta) => (text += delta));
  await assert.rejects(stream.finalMessage(), (e: unknown) => e instanceof Anthropic.APIError && /overloaded_error/.test(e.message));
  assert.equal(text, "Hi from");
});

test("requireApiKey: a wrong x-api-key is an AuthenticationError", async () => {
  await using locked = await startEmulator({ ttftMs: 0, tps: Infinity, requireApiKey: "right" });
  const wrong = new Anthropic({ apiKey: "wrong", baseURL: locked.url, maxRetries: 0 });
  await assert.rejects(
    wrong.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof Anthropic.AuthenticationError && /invalid x-api-key/.test(e.message),
  );
});
