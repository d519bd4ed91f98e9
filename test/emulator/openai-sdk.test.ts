/** Conformance: the official `openai` client reads the emulator as it reads the real API. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";

let server: EmulatorServer;
let client: OpenAI;
before(async () => {
  server = await startEmulator({
    ttftMs: 0,
    tps: Infinity,
    script: {
      rules: [
        { match: "weather", reply: { text: "Checking.", toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }, { name: "get_time", arguments: { tz: "CET" } }] } },
        { match: /^hello/i, reply: { text: "Hello from the emulator!" } },
      ],
    },
  });
  client = new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl, maxRetries: 0 });
});
after(() => server.close());

const user = (content: string) => [{ role: "user" as const, content }];

test("create({stream:true, include_usage}) yields the scripted text and a usage chunk", async () => {
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: user("Hello there"),
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage: OpenAI.CompletionUsage | null | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, "Hello from the emulator!");
  assert.equal(finish, "stop");
  assert.equal(usage?.completion_tokens, 4);
  assert.equal(usage?.prompt_tokens, 2);
  const sent = server.requests.at(-1)?.body as { stream_options: unknown };
  assert.deepEqual(sent.stream_options, { include_usage: true }, "the request is recorded as the SDK sent it");
});

test("chat.completions.stream() assembles parallel tool calls with parsed arguments", async () => {
  const runner = client.chat.completions.stream({
    model: "gpt-4o-mini",
    messages: user("What is the weather in Paris?"),
    tools: [
      { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } } },
      { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
    ],
  });
  const done = await runner.finalChatCompletion();
  const message = done.choices[0]?.message;
  assert.equal(message?.content, "Checking.");
  assert.equal(done.choices[0]?.finish_reason, "tool_calls");
  const calls = (message?.tool_calls ?? []).map((c) => (c.type === "function" ? [c.function.name, JSON.parse(c.function.arguments)] : []));
  assert.deepEqual(calls, [["get_weather", { location: "Paris" }], ["get_time", { tz: "CET" }]]);
});

test("non-streaming create() returns the message, tool calls and usage", async () => {
  const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages: user("weather please") });
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0]?.message.tool_calls?.length, 2);
  assert.equal(completion.usage?.total_tokens, (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
});

test("a tool result turn gets the follow-up answer, which can quote the result", async () => {
  const reply = {
    toolCalls: [{ name: "lookup", arguments: { q: "x" } }],
    afterToolResults: { text: "The lookup said 42." },
  };
  const completion = await client.chat.completions.create(
    {
      model: "gpt-4o-mini",
      messages: [
        { role: "user", content: "look it up" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "42" },
      ],
    },
    { headers: { "x-emulator-reply": JSON.stringify(reply) } },
  );
  assert.equal(completion.choices[0]?.message.content, "The lookup said 42.");
  assert.equal(completion.choices[0]?.finish_reason, "stop");
});

test("reasoning_content reaches SDK chunks as an extra delta field", async () => {
  const stream = await client.chat.completions.create(
    { model: "deepseek-reasoner", messages: user("hi"), stream: true, reasoning_effort: "low" },
    { headers: { "x-emulator-reply": JSON.stringify({ thinking: "Hmm.", text: "Hi." }) } },
  );
  let reasoning = "";
  for await (const chunk of stream) reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "";
  assert.equal(reasoning, "Hmm.");
});

test("HTTP 429 becomes RateLimitError; the SDK's own retries succeed with fail-first and retry-after=0", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "m", messages: user("x") }, { headers: { "x-emulator-fault": "status=429" } }),
    (error: unknown) => error instanceof OpenAI.RateLimitError && error.status === 429 && /Rate limit/.test(error.message),
  );
  const retrying = new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl, maxRetries: 2 });
  const before = server.stats.requests;
  const completion = await retrying.chat.completions.create(
    { model: "m", messages: user("hello") },
    { headers: { "x-emulator-fault": "status=429,fail-first=2,retry-after=0,key=openai-sdk-retry" } },
  );
  assert.equal(completion.choices[0]?.message.content, "Hello from the emulator!");
  assert.equal(server.stats.requests - before, 3, "two 429s, then a success");
});

test("an in-stream error event makes the SDK iterator throw an APIError after the partial text", async () => {
  const stream = await client.chat.completions.create(
    { model: "m", messages: user("hello"), stream: true },
    { headers: { "x-emulator-fault": "error-after=2" } },
  );
  let text = "";
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })(),
    (error: unknown) => error instanceof OpenAI.APIError && /server had an error/.test(error.message),
  );
  assert.equal(text, "Hello from");
});

test("requireApiKey: a wrong key is an AuthenticationError", async () => {
  await using locked = await startEmulator({ ttftMs: 0, tps: Infinity, requireApiKey: "sk-right-key-123456" });
  const wrong = new OpenAI({ apiKey: "sk-wrong-key-999999", baseURL: locked.openaiBaseUrl, maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model: "m", messages: user("x") }), (e: unknown) => e instanceof OpenAI.AuthenticationError && /Incorrect API key provided: sk-\*+9999/.test(e.message));
  const right = new OpenAI({ apiKey: "sk-right-key-123456", baseURL: locked.openaiBaseUrl, maxRetries: 0 });
  const ok = await right.chat.completions.create({ model: "m", messages: user("x") });
  assert.ok((ok.choices[0]?.message.content ?? "").length > 0);
  assert.equal(locked.requests.at(-1)?.headers.authorization, "[redacted]");
});
