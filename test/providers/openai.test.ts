import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createOpenAIProvider } from "../../src/providers/openai.js";
import { buildOpenAIBody, maxTokensField, convertOpenAIUsage, mapOpenAIFinishReason, ToolCallAssembler } from "../../src/providers/openai-messages.js";
import { ProviderError, StreamInterruptedError, WireFormatError, type CompletionResult, type StreamChunk, type ToolCall, type ToolCallDelta } from "../../src/index.js";
import { startFixtureServer, parseHttpFixture, type FixtureReply } from "../support/fixture-server.js";
import { fixtureNames, mulberry32, oneByteSplits, randomSplits, readFixture, recordedDir } from "../support/split.js";
import { eventually } from "../support/sources.js";
import { assertStreamError } from "../support/expected.js";

const KEY = "sk-test-SECRET-KEY-0123456789";
const request = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] };

interface Expected {
  text: string;
  refusal?: string;
  tool_calls: Array<{ id: string; name: string; arguments: unknown; arguments_text?: string }>;
  usage: null | { input_tokens: number; output_tokens: number; total_tokens?: number; cached_input_tokens?: number; reasoning_tokens?: number };
  finish_reason: string | null;
  error: null | { source: string; status: number; type: string | null; code: string | null; message: string; request_id?: string | null; retry_after_seconds?: number | null };
  complete: boolean;
  compat_reasoning_content?: string;
}

/** Streams `pieces` through the provider and summarizes the chunks in the shape of an `.expected.json`. */
async function run(pieces: Uint8Array[]) {
  const server = await startFixtureServer([{ pieces }]);
  try {
    const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1`, maxRetries: 0 });
    const stream = provider.stream(request);
    const chunks: StreamChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch (e) {
      error = e;
    }
    return { chunks, error, server, result: stream.result };
  } finally {
    await server.close();
  }
}

function summarize(chunks: StreamChunk[]) {
  const final = chunks.find((c) => c.type === "final");
  return {
    text: chunks.map((c) => c.content).join(""),
    refusal: chunks.map((c) => c.metadata.refusal ?? "").join(""),
    thinking: chunks.map((c) => (c.type === "thinking" ? (c.metadata.thinking ?? "") : "")).join(""),
    toolCalls: chunks.filter((c) => c.type === "tool_call").map((c) => c.metadata.toolCall as ToolCall),
    final,
  };
}

/** The normalized reason for each raw one, written out here rather than computed by the code under test. */
const FINISH: Record<string, string> = { stop: "stop", length: "length", tool_calls: "tool_calls", content_filter: "content_filter" };

function check(name: string, expected: Expected, outcome: { chunks: StreamChunk[]; error: unknown; result?: CompletionResult | undefined }, label: string) {
  const got = summarize(outcome.chunks);
  const where = `${name} (${label})`;
  // Every chunk carries the provider, the model and its running index, in order; only text chunks have content.
  outcome.chunks.forEach((chunk, i) => {
    assert.equal(chunk.metadata.provider, "openai", where);
    assert.equal(typeof chunk.metadata.model, "string", where);
    assert.equal(chunk.metadata.chunkIndex, i, `${where}: chunk ${i} in order`);
    if (chunk.type !== "text") assert.equal(chunk.content, "", where);
    assert.equal(chunk.isFinal, chunk.type === "final", where);
  });
  // The deltas of each call start with its id and name, and their fragments add up to the argument text.
  const deltas = outcome.chunks.filter((c) => c.type === "tool_call_delta").map((c) => c.metadata.toolCall as ToolCallDelta);
  for (const call of got.toolCalls) {
    const index = deltas.find((d) => d.id === call.id)?.index;
    const mine = deltas.filter((d) => d.index === index);
    assert.equal(mine[0]?.id, call.id, where);
    assert.equal(mine[0]?.name, call.name, where);
    assert.equal(mine.map((d) => d.argumentsDelta).join(""), call.argumentsText, where);
  }
  // A call is handed over whole only after all its deltas.
  const lastDelta = outcome.chunks.findLastIndex((c) => c.type === "tool_call_delta");
  const firstCall = outcome.chunks.findIndex((c) => c.type === "tool_call");
  if (firstCall >= 0) assert.ok(lastDelta < firstCall, `${where}: deltas before whole calls`);
  assert.equal(got.text, expected.text, where);
  assert.equal(got.refusal, expected.refusal ?? "", where);
  if (expected.compat_reasoning_content !== undefined) assert.equal(got.thinking, expected.compat_reasoning_content, where);
  assert.deepEqual(
    got.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, arguments_text: c.argumentsText })),
    expected.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, arguments_text: c.arguments_text })),
    where,
  );
  assert.equal(got.final !== undefined, expected.complete, `${where}: complete`);
  if (expected.complete) {
    assert.equal(outcome.error, undefined, where);
    assert.equal(got.final?.metadata.providerFinishReason ?? null, expected.finish_reason, where);
    assert.equal(outcome.chunks.at(-1), got.final, `${where}: the final chunk is the last`);
    assert.equal(outcome.chunks.filter((c) => c.isFinal).length, 1, where);
    assert.equal(got.final?.metadata.finishReason, FINISH[expected.finish_reason ?? "stop"], where);
    assert.ok((got.final?.metadata.responseId ?? "").length > 0, `${where}: the response id`);
    // The stream's result is the same answer, accumulated.
    const result = outcome.result;
    assert.ok(result !== undefined, where);
    assert.equal(result.content, expected.text, where);
    assert.deepEqual(result.toolCalls, got.toolCalls, where);
    assert.equal(result.finishReason, got.final?.metadata.finishReason, where);
    assert.equal(result.providerFinishReason ?? null, expected.finish_reason, where);
    assert.deepEqual(result.usage, got.final?.metadata.usage, where);
    assert.equal(result.id, got.final?.metadata.responseId, where);
    assert.equal(result.provider, "openai", where);
    const usage = got.final?.metadata.usage;
    if (expected.usage === null) assert.equal(usage, undefined, where);
    else {
      assert.equal(usage?.inputTokens, expected.usage.input_tokens, where);
      assert.equal(usage?.outputTokens, expected.usage.output_tokens, where);
      if (expected.usage.total_tokens !== undefined) assert.equal(usage?.totalTokens, expected.usage.total_tokens, where);
      if (expected.usage.cached_input_tokens !== undefined) assert.equal(usage?.cachedInputTokens, expected.usage.cached_input_tokens, where);
      if (expected.usage.reasoning_tokens !== undefined) assert.equal(usage?.reasoningTokens, expected.usage.reasoning_tokens, where);
    }
  }
  if (expected.error !== null) assertStreamError(outcome.error, { text: expected.text, error: expected.error }, where);
}

const cases: Array<{ name: string; body: Uint8Array; expected: Expected }> = fixtureNames("openai", ".sse").map((name) => ({
  name,
  body: readFixture(name),
  expected: JSON.parse(readFileSync(join("test/fixtures/wire", name.replace(/\.sse$/, ".expected.json")), "utf8")) as Expected,
}));

for (const { name, body, expected } of cases) {
  test(`OpenAI fixture ${name} yields what its .expected.json says, whole, byte by byte and at random cuts`, async () => {
    check(name, expected, await run([body]), "whole");
    check(name, expected, await run(oneByteSplits(body)), "1-byte");
    const rng = mulberry32(name.length * 7919);
    for (let i = 0; i < 12; i++) check(name, expected, await run(randomSplits(body, rng, 40)), `random #${i}`);
  });
}

const recorded = recordedDir();
test("OpenAI recorded transcripts from public test data yield their .expected.json", { skip: recorded === undefined ? "../shared/fixtures/wire/recorded is not here (a user's clone): skipped" : false }, async () => {
  const dir = recorded as string;
  const items: Array<[string, string]> = [
    ["vercel-ai/openai-text", "chunks"], ["vercel-ai/xai-tool-call", "chunks"], ["openai-node/refusal-gpt-4o", "sse"],
  ];
  for (const [base, kind] of items) {
    const expected = JSON.parse(readFileSync(join(dir, `${base}.expected.json`), "utf8")) as Expected;
    let body: string;
    if (kind === "chunks") {
      const lines = readFileSync(join(dir, `${base}.chunks.txt`), "utf8").split("\n").filter((l) => l.trim() !== "");
      body = lines.map((l) => `data: ${l}\n\n`).join("") + "data: [DONE]\n\n";
    } else body = readFileSync(join(dir, `${base}.sse`), "utf8");
    const bytes = new TextEncoder().encode(body);
    check(base, expected, await run([bytes]), "whole");
    check(base, expected, await run(randomSplits(bytes, mulberry32(base.length), 64)), "random");
  }
});

for (const status of [401, 429, 503]) {
  test(`OpenAI HTTP ${status} becomes a ProviderError with the provider's message, type, request id and retry-after`, async () => {
    const fixture = parseHttpFixture(readFileSync(`test/fixtures/wire/openai/http-${status}.http`, "utf8"));
    const expected = (JSON.parse(readFileSync(`test/fixtures/wire/openai/http-${status}.expected.json`, "utf8")) as Expected).error!;
    const server = await startFixtureServer([{ status: fixture.status, headers: fixture.headers, pieces: [Buffer.from(fixture.body)] }]);
    after(() => server.close());
    const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1`, maxRetries: 0 });
    const error = await provider.complete(request).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, expected.status);
    assert.equal(error.providerMessage, expected.message);
    assert.equal(error.type ?? null, expected.type);
    assert.equal(error.code ?? null, expected.code);
    assert.equal(error.requestId ?? null, expected.request_id);
    // retry-after-ms, when sent, is the precise value and wins over the whole seconds of retry-after (as in the
    // official SDK); the fixture's retry_after_seconds is the retry-after header alone.
    const headerMs = fixture.headers["retry-after-ms"];
    const headerSeconds = fixture.headers["retry-after"];
    assert.equal(headerSeconds === undefined ? null : Number(headerSeconds), expected.retry_after_seconds ?? null);
    assert.equal(error.retryAfterMs ?? null, headerMs !== undefined ? Number(headerMs) : headerSeconds !== undefined ? Number(headerSeconds) * 1000 : null);
    assert.equal(error.retryable, status !== 401);
    assert.ok(!String(error).includes(KEY) && !JSON.stringify({ ...error, message: error.message }).includes(KEY));
  });
}

test("retryable statuses are retried with backoff and then stream; a 401 is not retried", async () => {
  const ok = readFixture("openai/text.sse");
  const busy: FixtureReply = { status: 503, headers: { "content-type": "application/json", "retry-after-ms": "5" }, pieces: [Buffer.from('{"error":{"message":"overloaded","type":"server_error"}}')] };
  const server = await startFixtureServer([busy, busy, { pieces: [ok] }]);
  after(() => server.close());
  const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1`, maxRetries: 2 });
  let text = "";
  for await (const chunk of provider.stream(request)) text += chunk.content;
  assert.equal(text, "Hello! How can I help you today?");
  assert.equal(server.requests.length, 3);

  const denied = await startFixtureServer([{ status: 401, headers: { "content-type": "application/json" }, pieces: [Buffer.from(`{"error":{"message":"bad key ${KEY}","type":"invalid_request_error"}}`)] }]);
  after(() => denied.close());
  const p2 = createOpenAIProvider({ apiKey: KEY, baseUrl: `${denied.url}/v1`, maxRetries: 3 });
  const error = await (async () => {
    for await (const _ of p2.stream(request)) {
      // nothing arrives
    }
  })().catch((e: unknown) => e);
  assert.ok(error instanceof ProviderError && error.status === 401);
  assert.equal(denied.requests.length, 1);
  assert.ok(!error.message.includes(KEY), "the key echoed by a server is redacted");
});

test("a refused connection is a retryable ProviderError without status after the retries run out", async () => {
  const server = await startFixtureServer([{ pieces: [] }]);
  const url = server.url;
  await server.close();
  const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${url}/v1`, maxRetries: 1 });
  const error = await provider.complete(request).catch((e: unknown) => e);
  assert.ok(error instanceof ProviderError);
  assert.equal(error.status, undefined);
  assert.equal(error.retryable, true);
  assert.match(error.message, /ECONNREFUSED/);
});

function splitBody(name: string, keepEvents: number): Uint8Array {
  const text = new TextDecoder().decode(readFixture(name));
  return new TextEncoder().encode(text.split("\n\n").slice(0, keepEvents).join("\n\n") + "\n\n");
}

test("a dropped connection mid-stream is StreamInterruptedError 'network' with the exact partial text", async () => {
  const { chunks, error } = await run([splitBody("openai/text.sse", 4)]);
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.reason, "network");
  assert.equal(error.partialResponse, "Hello! How");
  assert.equal(chunks.map((c) => c.content).join(""), "Hello! How");
});

test("a malformed data line mid-stream is StreamInterruptedError 'provider' keeping the text", async () => {
  const good = splitBody("openai/text.sse", 3);
  const { error } = await run([good, Buffer.from("data: {not json\n\n")]);
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.reason, "provider");
  assert.equal(error.partialResponse, "Hello!");
  assert.ok(error.cause instanceof WireFormatError);
});

test("aborting mid-stream closes the connection and keeps the exact partial text", async () => {
  const server = await startFixtureServer([{ pieces: [splitBody("openai/text.sse", 3)], stallAfter: true }]);
  after(() => server.close());
  const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1` });
  const controller = new AbortController();
  let text = "";
  const error = await (async () => {
    for await (const chunk of provider.stream(request, { signal: controller.signal })) {
      text += chunk.content;
      if (text === "Hello!") controller.abort();
    }
  })().catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.reason, "aborted");
  assert.equal(error.partialResponse, "Hello!");
  await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
});

test("breaking out of the loop early closes the connection", async () => {
  const server = await startFixtureServer([{ pieces: [splitBody("openai/text.sse", 3)], stallAfter: true }]);
  after(() => server.close());
  const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1` });
  for await (const chunk of provider.stream(request)) if (chunk.content === "!") break;
  await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
});

test("a stalled stream fails with reason 'timeout' after the idle timeout, keeping the text", async () => {
  const server = await startFixtureServer([{ pieces: [splitBody("openai/text.sse", 3)], stallAfter: true }]);
  after(() => server.close());
  const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1`, timeout: 150 });
  const error = await (async () => {
    for await (const _ of provider.stream(request)) {
      // read until it fails
    }
  })().catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.reason, "timeout");
  assert.equal(error.partialResponse, "Hello!");
});

test("the request carries the key, messages, stream_options, sampling settings and tools", async () => {
  const server = await startFixtureServer([{ pieces: [readFixture("openai/text.sse")] }]);
  after(() => server.close());
  const provider = createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1`, organization: "org_1" });
  const tools = [{ name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } }];
  for await (const _ of provider.stream({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Weather?" }],
    temperature: 0.3,
    maxTokens: 20,
    tools,
  })) {
    // drain
  }
  const received = server.requests[0]!;
  assert.equal(received.url, "/v1/chat/completions");
  assert.equal(received.headers["authorization"], `Bearer ${KEY}`);
  assert.equal(received.headers["openai-organization"], "org_1");
  const body = JSON.parse(received.body) as Record<string, unknown>;
  assert.deepEqual(body, {
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Weather?" }],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.3,
    max_tokens: 20,
    tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: tools[0]!.parameters } }],
  });
});

test("assistant tool calls and tool results convert to OpenAI messages", () => {
  const body = buildOpenAIBody({
    model: "o3-mini",
    maxTokens: 9,
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] },
      { role: "tool", content: "22°C", toolCallId: "call_1", toolName: "get_weather" },
    ],
  }, false);
  assert.deepEqual(body["messages"], [
    { role: "user", content: "Weather?" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", content: "22°C", tool_call_id: "call_1" },
  ]);
  assert.equal(body["max_completion_tokens"], 9);
  assert.equal(body["stream"], undefined);
  assert.equal(maxTokensField("gpt-4o"), "max_tokens");
});

test("finish reasons and usage are normalized, keeping total_tokens as sent", () => {
  assert.deepEqual(
    ["stop", "length", "tool_calls", "function_call", "content_filter", "something_new", null].map(mapOpenAIFinishReason),
    ["stop", "length", "tool_calls", "tool_calls", "content_filter", "other", "stop"],
  );
  assert.deepEqual(convertOpenAIUsage({ prompt_tokens: 307, completion_tokens: 26, total_tokens: 560, prompt_tokens_details: { cached_tokens: 306 } }), {
    inputTokens: 307, outputTokens: 26, totalTokens: 560, cachedInputTokens: 306,
  });
});

test("tool-call fragments assemble by index in any order; empty arguments are {}; bad JSON is kept with an error naming the tool", () => {
  const assembler = new ToolCallAssembler();
  assembler.add(1, "call_b", "second", "");
  assembler.add(0, "call_a", "first", '{"x":');
  assembler.add(1, undefined, undefined, "");
  assembler.add(0, undefined, undefined, "1}");
  assert.deepEqual(assembler.complete(), [
    { id: "call_a", name: "first", arguments: { x: 1 }, argumentsText: '{"x":1}' },
    { id: "call_b", name: "second", arguments: {}, argumentsText: "" },
  ]);
  assert.deepEqual(assembler.complete(), [], "each call completes once");
  const bad = new ToolCallAssembler();
  bad.add(0, "c", "broken", '{"x":');
  const [call] = bad.complete();
  assert.deepEqual([call?.arguments, call?.argumentsText], [{}, '{"x":']);
  assert.match(call?.argumentsError ?? "", /"broken" has arguments that are not valid JSON/);
});

test("complete() parses a non-streaming answer with tool calls and usage", async () => {
  const body = JSON.stringify({
    id: "chatcmpl-1", model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_9", type: "function", function: { name: "f", arguments: '{"a":2}' } }] }, finish_reason: "tool_calls" }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
  });
  const server = await startFixtureServer([{ headers: { "content-type": "application/json" }, pieces: [Buffer.from(body)] }]);
  after(() => server.close());
  const result = await createOpenAIProvider({ apiKey: KEY, baseUrl: `${server.url}/v1` }).complete(request);
  assert.equal(result.content, "");
  assert.deepEqual(result.toolCalls, [{ id: "call_9", name: "f", arguments: { a: 2 }, argumentsText: '{"a":2}' }]);
  assert.equal(result.finishReason, "tool_calls");
  assert.deepEqual(result.usage, { inputTokens: 5, outputTokens: 7, totalTokens: 12 });
  assert.equal(JSON.parse(server.requests[0]!.body).stream, undefined);
});

test("without a key and without a baseUrl the provider names the missing option", async () => {
  const saved = process.env["OPENAI_API_KEY"];
  delete process.env["OPENAI_API_KEY"];
  try {
    const provider = createOpenAIProvider();
    await assert.rejects(provider.complete(request), /OPENAI_API_KEY/);
  } finally {
    if (saved !== undefined) process.env["OPENAI_API_KEY"] = saved;
  }
});


