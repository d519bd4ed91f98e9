import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createAnthropicProvider, type AnthropicProviderOptions } from "../../src/providers/anthropic.js";
import type { CompletionResult, Provider, ProviderRequest } from "../../src/providers/provider.js";
import {
  ConfigurationError, ProviderError, StreamInterruptedError, WireFormatError, type StreamChunk, type ToolCall, type ToolCallDelta,
} from "../../src/index.js";
import { replaySplits, startFixtureServer, parseHttpFixture, type FixtureReply } from "../support/fixture-server.js";
import { fixtureNames, readFixture, recordedDir, splitPatterns } from "../support/split.js";
import { drainStream, eventually } from "../support/sources.js";
import { assertStreamError } from "../support/expected.js";

const KEY = "sk-ant-test-SECRET-KEY-0123456789";
const request: ProviderRequest = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] };
const encoder = new TextEncoder();
const RANDOM_PATTERNS = 20;

/** The shape of an `.expected.json` (fields this provider checks). */
interface Expected {
  text: string;
  thinking?: string;
  thinking_signature?: string;
  redacted_thinking?: string[];
  tool_calls: Array<{ id: string; name: string; arguments: unknown; arguments_text?: string }>;
  usage: null | { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
  finish_reason: string | null;
  complete: boolean;
  error: null | { source: string; status: number; type: string | null; code: string | null; message: string; request_id?: string | null; retry_after_seconds?: number | null };
}

interface Outcome {
  chunks: StreamChunk[];
  error: unknown;
  result: CompletionResult | undefined;
}

function provider(url: string, options: AnthropicProviderOptions = {}): Provider {
  return createAnthropicProvider({ apiKey: KEY, baseUrl: url, maxRetries: 0, ...options });
}

/** Streams one request to the end, keeping every chunk, the error (if any) and the stream's result. */
async function streamAll(p: Provider, req: ProviderRequest = request, signal?: AbortSignal): Promise<Outcome> {
  return drainStream(p.stream(req, signal === undefined ? {} : { signal }));
}

/** Serves `pieces` once and streams them through a fresh provider. */
async function run(pieces: Uint8Array[], options: AnthropicProviderOptions = {}): Promise<Outcome> {
  const server = await startFixtureServer([{ pieces }]);
  try {
    return await streamAll(provider(server.url, options));
  } finally {
    await server.close();
  }
}

/** The normalized reason for each raw one, written out here rather than computed by the code under test. */
const FINISH: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter" };

function check(name: string, expected: Expected, outcome: Outcome, label: string): void {
  const where = `${name} (${label})`;
  const { chunks, error, result } = outcome;
  if (expected.complete) assert.equal(error, undefined, `${where}: ${String(error)}`);

  // Every chunk carries the provider, the model, its event name and its running index.
  chunks.forEach((chunk, i) => {
    assert.equal(chunk.metadata.provider, "anthropic", where);
    assert.equal(typeof chunk.metadata.model, "string", where);
    assert.equal(typeof chunk.metadata.eventType, "string", where);
    assert.equal(chunk.metadata.chunkIndex, i, where);
    if (chunk.type !== "text") assert.equal(chunk.content, "", where);
    assert.equal(chunk.isFinal, chunk.type === "final", where);
  });

  const text = chunks.map((c) => c.content).join("");
  assert.equal(text, expected.text, where);
  const thinkingChunks = chunks.filter((c) => c.type === "thinking");
  assert.equal(thinkingChunks.map((c) => c.metadata.thinking ?? "").join(""), expected.thinking ?? "", where);
  assert.equal(thinkingChunks.map((c) => c.metadata.signature ?? "").join(""), expected.thinking_signature ?? "", where);
  assert.deepEqual(
    thinkingChunks.flatMap((c) => (c.metadata.redactedThinking === undefined ? [] : [c.metadata.redactedThinking])),
    expected.redacted_thinking ?? [],
    where,
  );

  const toolCalls = chunks.filter((c) => c.type === "tool_call").map((c) => c.metadata.toolCall as ToolCall);
  assert.deepEqual(
    toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, arguments_text: c.argumentsText })),
    expected.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, arguments_text: c.arguments_text })),
    where,
  );
  // The deltas of each call start with its id and name, and their fragments add up to the argument text.
  const deltas = chunks.filter((c) => c.type === "tool_call_delta").map((c) => c.metadata.toolCall as ToolCallDelta);
  for (const call of toolCalls) {
    const mine = deltas.filter((d) => d.index === deltas.find((first) => first.id === call.id)?.index);
    assert.equal(mine[0]?.name, call.name, where);
    assert.equal(mine.map((d) => d.argumentsDelta).join(""), call.argumentsText, where);
  }

  const finals = chunks.filter((c) => c.type === "final");
  assert.equal(finals.length, expected.complete ? 1 : 0, `${where}: complete`);
  const final = finals[0];
  if (final !== undefined) {
    assert.equal(chunks.at(-1), final, `${where}: the final chunk is the last`);
    assert.equal(final.metadata.eventType, "message_stop", where);
    assert.match(final.metadata.responseId ?? "", /^msg_/, where);
    assert.equal(final.metadata.providerFinishReason ?? null, expected.finish_reason, where);
    assert.equal(final.metadata.finishReason, FINISH[expected.finish_reason ?? "end_turn"], where);
    const usage = final.metadata.usage;
    assert.ok(usage !== undefined && expected.usage !== null, where);
    assert.equal(usage.inputTokens, expected.usage.input_tokens, where);
    assert.equal(usage.outputTokens, expected.usage.output_tokens, where);
    assert.equal(usage.totalTokens, expected.usage.input_tokens + expected.usage.output_tokens, where);
    assert.equal(usage.cacheCreationInputTokens, expected.usage.cache_creation_input_tokens, where);
    assert.equal(usage.cacheReadInputTokens, expected.usage.cache_read_input_tokens, where);
    // The stream's result is the same answer, accumulated.
    assert.ok(result !== undefined, where);
    assert.equal(result.content, expected.text, where);
    assert.equal(result.thinking ?? "", expected.thinking ?? "", where);
    assert.deepEqual(result.toolCalls, toolCalls, where);
    assert.deepEqual(result.usage, usage, where);
    assert.equal(result.finishReason, final.metadata.finishReason, where);
    assert.equal(result.id, final.metadata.responseId, where);
  }

  if (expected.error !== null) {
    assertStreamError(error, { text: expected.text, error: expected.error }, where);
    assert.equal(result, undefined, where);
  }
}

/** Replays every split pattern of `body` through one server (keep-alive: one request per pattern). */
async function checkAllSplits(name: string, body: Uint8Array, expected: Expected, seed: number): Promise<void> {
  await replaySplits(name, splitPatterns(body, seed, RANDOM_PATTERNS), body, (url) => streamAll(provider(url)), (outcome, label) => check(name, expected, outcome, label));
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

// --- Authored fixtures ---

for (const [i, name] of fixtureNames("anthropic", ".sse").entries()) {
  test(`Anthropic fixture ${name} yields what its .expected.json says, whole, byte by byte and at ${RANDOM_PATTERNS} random cuts`, async () => {
    const expected = readJson<Expected>(join("test/fixtures/wire", name.replace(/\.sse$/, ".expected.json")));
    await checkAllSplits(name, readFixture(name), expected, 1000 + i);
  });
}

test("without `event:` lines (a proxy dropped them) events are still dispatched on their JSON type", async () => {
  for (const name of ["anthropic/thinking.sse", "anthropic/tool-use-parallel.sse", "anthropic/error-mid-stream.sse"]) {
    const text = new TextDecoder().decode(readFixture(name));
    const stripped = encoder.encode(text.replace(/^event: .*\n/gm, ""));
    const expected = readJson<Expected>(join("test/fixtures/wire", name.replace(/\.sse$/, ".expected.json")));
    check(name, expected, await run([stripped]), "no event lines");
  }
});

// --- Recorded transcripts from other projects' public test data ---

const recorded = recordedDir();
const skipRecorded = recorded === undefined ? "../shared/fixtures/wire/recorded is not here (a user's clone): skipped" : false;

test("Anthropic recorded transcripts (vercel/ai chunks, anthropic-sdk-typescript SSE) yield their .expected.json at every split", { skip: skipRecorded }, async () => {
  const dir = recorded as string;
  const items: Array<{ name: string; body: Uint8Array; expected: Expected }> = [];
  for (const file of readdirSync(join(dir, "vercel-ai")).filter((f) => /^anthropic-.*\.chunks\.txt$/.test(f)).sort()) {
    const base = join(dir, "vercel-ai", file.replace(/\.chunks\.txt$/, ""));
    // The replay rule of each expected.json: `event: <payload.type>\ndata: <line>\n\n` per line.
    const lines = readFileSync(`${base}.chunks.txt`, "utf8").split("\n").filter((l) => l.trim() !== "");
    const body = lines.map((l) => `event: ${(JSON.parse(l) as { type: string }).type}\ndata: ${l}\n\n`).join("");
    items.push({ name: `vercel-ai/${file}`, body: encoder.encode(body), expected: readJson<Expected>(`${base}.expected.json`) });
  }
  const sdk = join(dir, "anthropic-sdk-typescript", "stream-a-refusal");
  items.push({ name: "anthropic-sdk-typescript/stream-a-refusal.sse", body: new Uint8Array(readFileSync(`${sdk}.sse`)), expected: readJson<Expected>(`${sdk}.expected.json`) });
  assert.ok(items.length >= 6, "all recorded Anthropic transcripts were found");
  for (const [i, { name, body, expected }] of items.entries()) await checkAllSplits(name, body, expected, 2000 + i);
});

// --- HTTP errors before the stream ---

for (const status of [401, 429, 529]) {
  test(`Anthropic HTTP ${status} becomes a ProviderError with status, message, type, request id and retry-after, with no key in it`, async () => {
    const fixture = parseHttpFixture(readFileSync(`test/fixtures/wire/anthropic/http-${status}.http`, "utf8"));
    const expected = readJson<Expected>(`test/fixtures/wire/anthropic/http-${status}.expected.json`).error!;
    const server = await startFixtureServer([{ status: fixture.status, headers: fixture.headers, pieces: [Buffer.from(fixture.body)] }]);
    after(() => server.close());
    const p = provider(server.url);
    for (const outcome of [(await streamAll(p)).error, await p.complete(request).catch((e: unknown) => e)]) {
      assert.ok(outcome instanceof ProviderError, String(outcome));
      assert.equal(outcome.status, expected.status);
      assert.equal(outcome.provider, "anthropic");
      assert.equal(outcome.providerMessage, expected.message);
      assert.equal(outcome.type ?? null, expected.type);
      assert.equal(outcome.requestId ?? null, expected.request_id);
      assert.equal(outcome.retryAfterMs ?? null, expected.retry_after_seconds == null ? null : expected.retry_after_seconds * 1000);
      assert.equal(outcome.retryable, status !== 401);
      assertNoKey(outcome);
    }
    assert.equal(server.requests.length, 2, "maxRetries: 0 sends each request once");
  });
}

function assertNoKey(error: unknown): void {
  assert.ok(!String(error).includes(KEY), "no key in the message");
  const fields = { ...(error as object), message: (error as Error).message, cause: String((error as Error).cause) };
  assert.ok(!JSON.stringify(fields).includes(KEY), "no key in any field");
}

test("529 and 429 (retry-after: 0) are retried and then the stream succeeds; the server saw 3 requests", async () => {
  const ok: FixtureReply = { pieces: [readFixture("anthropic/text.sse")] };
  for (const status of [529, 429]) {
    const fixture = parseHttpFixture(readFileSync(`test/fixtures/wire/anthropic/http-${status}.http`, "utf8"));
    const busy: FixtureReply = { status, headers: { ...fixture.headers, "retry-after": "0" }, pieces: [Buffer.from(fixture.body)] };
    const server = await startFixtureServer([busy, busy, ok]);
    after(() => server.close());
    const outcome = await streamAll(provider(server.url, { maxRetries: 2 }));
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.equal(outcome.result?.content, "Hi there! 👋 What would you like to talk about?");
    assert.equal(server.requests.length, 3, `${status}: two refusals, then the stream`);
  }
});

test("a 401 is not retried, and a key the server echoes is redacted from the error", async () => {
  const body = JSON.stringify({ type: "error", error: { type: "authentication_error", message: `invalid x-api-key ${KEY}` } });
  const server = await startFixtureServer([{ status: 401, headers: { "content-type": "application/json" }, pieces: [Buffer.from(body)] }]);
  after(() => server.close());
  const { error } = await streamAll(provider(server.url, { maxRetries: 3 }));
  assert.ok(error instanceof ProviderError && error.status === 401, String(error));
  assert.equal(server.requests.length, 1);
  assertNoKey(error);
});

// --- Interruptions after the stream started ---

/** The first `count` events of a fixture, as bytes. */
function firstEvents(name: string, count: number): Uint8Array {
  const text = new TextDecoder().decode(readFixture(name));
  return encoder.encode(text.split("\n\n").slice(0, count).join("\n\n") + "\n\n");
}


test("aborting the caller's signal mid-stream is 'aborted' with the exact partial text, and the connection closes", async () => {
  const server = await startFixtureServer([{ pieces: [firstEvents("anthropic/text.sse", 6)], stallAfter: true }]);
  after(() => server.close());
  const controller = new AbortController();
  const stream = provider(server.url).stream(request, { signal: controller.signal });
  let text = "";
  const error = await (async () => {
    for await (const chunk of stream) {
      text += chunk.content;
      if (text === "Hi there! 👋") controller.abort();
    }
  })().catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "aborted");
  assert.equal(error.partialResponse, "Hi there! 👋");
  await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
});

test("breaking out of the loop early closes the connection", async () => {
  const server = await startFixtureServer([{ pieces: [firstEvents("anthropic/text.sse", 6)], stallAfter: true }]);
  after(() => server.close());
  const seen: string[] = [];
  for await (const chunk of provider(server.url).stream(request)) {
    seen.push(chunk.content);
    if (chunk.content === "Hi") break;
  }
  assert.deepEqual(seen, ["Hi"]);
  await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
});

test("a dropped connection mid-stream (even mid-event) is 'network' with the exact partial text", async () => {
  const head = firstEvents("anthropic/text.sse", 6);
  const cut = readFixture("anthropic/text.sse").slice(head.length, head.length + 40);
  const server = await startFixtureServer([{ pieces: [head, cut], dropAfter: true }]);
  after(() => server.close());
  const { chunks, error } = await streamAll(provider(server.url));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "network");
  assert.equal(error.partialResponse, "Hi there! 👋 What would you like");
  assert.equal(chunks.map((c) => c.content).join(""), "Hi there! 👋 What would you like");
});

test("a response that ends cleanly without message_stop is 'network' (truncated), with no final chunk", async () => {
  const { chunks, error } = await run([firstEvents("anthropic/text.sse", 9)]);
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "network");
  assert.equal(error.partialResponse, "Hi there! 👋 What would you like to talk about?");
  assert.ok(!chunks.some((c) => c.type === "final"));
});

test("a stalled stream fails with 'timeout' after the idle timeout, keeping the text", async () => {
  const server = await startFixtureServer([{ pieces: [firstEvents("anthropic/text.sse", 5)], stallAfter: true }]);
  after(() => server.close());
  const { error } = await streamAll(provider(server.url, { timeout: 100 }));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "timeout");
  assert.equal(error.partialResponse, "Hi there! 👋");
});

test("a malformed JSON data line is 'provider' with a WireFormatError cause, keeping the text", async () => {
  const { error } = await run([firstEvents("anthropic/text.sse", 4), encoder.encode('event: content_block_delta\ndata: {"type":"content_block_delta",\n\n')]);
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "provider");
  assert.equal(error.partialResponse, "Hi");
  assert.ok(error.cause instanceof WireFormatError);
  assert.equal(error.cause.type, "invalid-json");
});

/** An SSE body from payloads; `event:` lines are written unless `eventLines` is false. */
function sse(payloads: object[], eventLines = true): Uint8Array {
  return encoder.encode(
    payloads.map((p) => `${eventLines ? `event: ${(p as { type: string }).type}\n` : ""}data: ${JSON.stringify(p)}\n\n`).join(""),
  );
}

const messageStart = { type: "message_start", message: { id: "msg_t1", type: "message", role: "assistant", model: "claude-test-1", content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } };
const textBlock = (index: number) => ({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
const delta = (index: number, d: object) => ({ type: "content_block_delta", index, delta: d });
const stop = (index: number) => ({ type: "content_block_stop", index });
const messageDelta = (stopReason: string, outputTokens: number) => ({ type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });

test("tool arguments that are not valid JSON (cut by max_tokens) are kept on the call with an error; the stream ends normally", async () => {
  const raw = '{"city": "Par';
  const { chunks, error } = await run([sse([
    messageStart, textBlock(0), delta(0, { type: "text_delta", text: "Checking." }), stop(0),
    { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_bad", name: "get_weather", input: {} } },
    delta(1, { type: "input_json_delta", partial_json: '{"city": ' }), delta(1, { type: "input_json_delta", partial_json: '"Par' }),
    stop(1), messageDelta("max_tokens", 30), { type: "message_stop" },
  ])]);
  assert.equal(error, undefined);
  assert.deepEqual(chunks.filter((c) => c.type === "tool_call_delta").map((c) => (c.metadata.toolCall as ToolCallDelta).argumentsDelta), ["", '{"city": ', '"Par']);
  const call = chunks.find((c) => c.type === "tool_call")!.metadata.toolCall as ToolCall;
  assert.deepEqual([call.id, call.arguments, call.argumentsText], ["toolu_bad", {}, raw]);
  assert.match(call.argumentsError ?? "", /"get_weather" has arguments that are not valid JSON/);
  assert.equal(chunks.at(-1)!.metadata.finishReason, "length");
});

test("an error event before any content is 'provider' with an empty partial text and the error's type", async () => {
  const { error } = await run([sse([{ type: "error", error: { type: "api_error", message: "Internal server error" } }])]);
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "provider");
  assert.equal(error.partialResponse, "");
  assert.ok(error.cause instanceof ProviderError);
  assert.equal(error.cause.type, "api_error");
  assert.equal(error.cause.providerMessage, "Internal server error");
});

test("pings anywhere, unknown events, blocks and deltas, empty deltas and server tool blocks are skipped", async () => {
  const { chunks, error, result } = await run([sse([
    { type: "ping" },
    messageStart,
    { type: "some_future_event", detail: 1 },
    { type: "content_block_start", index: 0, content_block: { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} } },
    delta(0, { type: "input_json_delta", partial_json: '{"query":"weather"}' }),
    stop(0),
    { type: "content_block_start", index: 1, content_block: { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] } },
    stop(1),
    textBlock(2),
    delta(2, { type: "text_delta", text: "" }),
    { type: "ping" },
    delta(2, { type: "text_delta", text: "Sunny." }),
    delta(2, { type: "citations_delta", citation: { type: "web_search_result_location", url: "https://example.com" } }),
    delta(2, { type: "some_future_delta", value: 1 }),
    stop(2),
    { type: "content_block_start", index: 3, content_block: { type: "some_future_block" } },
    stop(3),
    { type: "message_delta", delta: { stop_reason: null }, usage: { output_tokens: 4 } },
    messageDelta("pause_turn", 9),
    { type: "ping" },
    { type: "message_stop" },
  ], false)]);
  assert.equal(error, undefined, String(error));
  assert.deepEqual(chunks.map((c) => [c.type, c.content, c.metadata.eventType]), [
    ["text", "Sunny.", "content_block_delta"],
    ["final", "", "message_stop"],
  ]);
  const final = chunks[1]!.metadata;
  assert.equal(final.model, "claude-test-1", "the model of message_start");
  assert.deepEqual(final.usage, { inputTokens: 5, outputTokens: 9, totalTokens: 14 });
  assert.equal(final.finishReason, "stop");
  assert.equal(final.providerFinishReason, "pause_turn");
  assert.deepEqual(result?.toolCalls, []);
});

test("a tool_use stream ends with tool_calls: deltas carry the block index, the call is whole at content_block_stop", async () => {
  const { chunks } = await run([readFixture("anthropic/tool-use.sse")]);
  const calls = chunks.filter((c) => c.type === "tool_call");
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.metadata.eventType, "content_block_stop");
  const first = chunks.find((c) => c.type === "tool_call_delta")!;
  assert.deepEqual(first.metadata.toolCall, { index: 1, id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", argumentsDelta: "" });
  assert.equal(first.metadata.eventType, "content_block_start");
  const final = chunks.at(-1)!;
  assert.equal(final.metadata.finishReason, "tool_calls");
  assert.equal(final.metadata.providerFinishReason, "tool_use");
});

// --- The request ---

test("the request carries the key, the version, system, max_tokens, temperature, tools, thinking and converted tool results", async () => {
  const server = await startFixtureServer([{ pieces: [readFixture("anthropic/text.sse")] }]);
  after(() => server.close());
  const p = createAnthropicProvider({ apiKey: KEY, baseUrl: `${server.url}/proxy/`, apiVersion: "2099-01-01", headers: { "anthropic-beta": "fine-grained-tool-streaming-2025-05-14" } });
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
  const outcome = await streamAll(p, {
    model: "claude-sonnet-4-5",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: "Checking.",
        thinking: { text: "Two cities.", signature: "sig==" },
        toolCalls: [
          { id: "toolu_p", name: "get_weather", arguments: { city: "Paris" } },
          { id: "toolu_r", name: "get_weather", arguments: { city: "Rome" } },
        ],
      },
      { role: "tool", content: "22°C", toolCallId: "toolu_p", toolName: "get_weather" },
      { role: "tool", content: "25°C", toolCallId: "toolu_r", toolName: "get_weather" },
    ],
    temperature: 0.2,
    maxTokens: 1000,
    tools: [{ name: "get_weather", description: "Current weather", parameters: schema }],
    thinking: { budgetTokens: 2048 },
  });
  assert.equal(outcome.error, undefined, String(outcome.error));
  const received = server.requests[0]!;
  assert.equal(received.method, "POST");
  assert.equal(received.url, "/proxy/v1/messages");
  assert.equal(received.headers["x-api-key"], KEY);
  assert.equal(received.headers["authorization"], undefined);
  assert.equal(received.headers["anthropic-version"], "2099-01-01");
  assert.equal(received.headers["anthropic-beta"], "fine-grained-tool-streaming-2025-05-14");
  assert.equal(received.headers["content-type"], "application/json");
  assert.equal(received.headers["accept"], "text/event-stream");
  assert.deepEqual(JSON.parse(received.body), {
    model: "claude-sonnet-4-5",
    max_tokens: 3048,
    messages: [
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Two cities.", signature: "sig==" },
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_p", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_r", name: "get_weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_p", content: "22°C" },
          { type: "tool_result", tool_use_id: "toolu_r", content: "25°C" },
        ],
      },
    ],
    system: "You are terse.",
    stream: true,
    temperature: 0.2,
    tools: [{ name: "get_weather", description: "Current weather", input_schema: schema }],
    thinking: { type: "enabled", budget_tokens: 2048 },
  });
});

test("max_tokens is sent even when the request has none, and anthropic-version defaults to 2023-06-01", async () => {
  const server = await startFixtureServer([{ pieces: [readFixture("anthropic/text.sse")] }]);
  after(() => server.close());
  await streamAll(provider(server.url));
  await streamAll(provider(server.url, { defaultMaxTokens: 321 }));
  assert.equal(server.requests[0]!.headers["anthropic-version"], "2023-06-01");
  assert.equal(JSON.parse(server.requests[0]!.body).max_tokens, 4096);
  assert.equal(JSON.parse(server.requests[1]!.body).max_tokens, 321);
});

test("a key is required for the Anthropic API itself but not for an explicit baseUrl; bad options are named", async () => {
  const saved = process.env["ANTHROPIC_API_KEY"];
  delete process.env["ANTHROPIC_API_KEY"];
  try {
    const p = createAnthropicProvider();
    assert.equal(p.settings.baseUrl, "https://api.anthropic.com");
    const { error } = await streamAll(p);
    assert.ok(error instanceof ConfigurationError && error.option === "apiKey" && /ANTHROPIC_API_KEY/.test(error.message), String(error));
    await assert.rejects(p.complete(request), ConfigurationError);

    const server = await startFixtureServer([{ pieces: [readFixture("anthropic/text.sse")] }]);
    after(() => server.close());
    const local = await streamAll(createAnthropicProvider({ baseUrl: server.url }));
    assert.equal(local.error, undefined, String(local.error));
    assert.equal(server.requests[0]!.headers["x-api-key"], undefined);
  } finally {
    if (saved !== undefined) process.env["ANTHROPIC_API_KEY"] = saved;
  }
  assert.throws(() => createAnthropicProvider({ apiKey: KEY, defaultMaxTokens: 0 }), (e: unknown) => e instanceof ConfigurationError && e.option === "defaultMaxTokens");
  assert.throws(() => createAnthropicProvider({ apiKey: KEY, apiVersion: "" }), (e: unknown) => e instanceof ConfigurationError && e.option === "apiVersion");
  const p = createAnthropicProvider({ apiKey: KEY });
  assert.deepEqual([p.name, p.supportsStreaming, p.supportsTools, p.supportsThinking], ["anthropic", true, true, true]);
});

// --- complete() ---

test("complete() parses a whole message: text, thinking, tool calls, usage and stop reason", async () => {
  const message = {
    id: "msg_c1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
    content: [
      { type: "thinking", thinking: "Paris, then.", signature: "sig==" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "Let me check " },
      { type: "text", text: "the weather." },
      { type: "tool_use", id: "toolu_c", name: "get_weather", input: { city: "Paris" } },
      { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
    ],
    stop_reason: "tool_use", stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 },
  };
  const server = await startFixtureServer([{ headers: { "content-type": "application/json" }, pieces: [Buffer.from(JSON.stringify(message))] }]);
  after(() => server.close());
  const result = await provider(server.url).complete({ ...request, maxTokens: 64 });
  assert.deepEqual(result, {
    content: "Let me check the weather.",
    thinking: "Paris, then.",
    thinkingSignature: "sig==",
    redactedThinking: ["opaque"],
    toolCalls: [{ id: "toolu_c", name: "get_weather", arguments: { city: "Paris" }, argumentsText: '{"city":"Paris"}' }],
    usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30, cacheCreationInputTokens: 0, cacheReadInputTokens: 3 },
    finishReason: "tool_calls",
    providerFinishReason: "tool_use",
    provider: "anthropic",
    model: "claude-sonnet-4-5-20250929",
    id: "msg_c1",
  });
  const received = server.requests[0]!;
  assert.equal(received.headers["accept"], "application/json");
  const body = JSON.parse(received.body) as Record<string, unknown>;
  assert.equal(body["stream"], undefined);
  assert.equal(body["max_tokens"], 64);
});

test("aborting complete() while the body is pending is 'aborted' and closes the connection", async () => {
  const server = await startFixtureServer([{ headers: { "content-type": "application/json" }, pieces: [Buffer.from('{"id":"msg_')], stallAfter: true }]);
  after(() => server.close());
  const controller = new AbortController();
  const pending = provider(server.url).complete(request, { signal: controller.signal });
  await eventually(() => server.requests.length === 1, "the server got the request");
  controller.abort();
  const error = await pending.catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "aborted");
  await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
});

test("the finished stream keeps the thinking signature and redacted thinking, so the agent can send the turn back", async () => {
  for (const name of ["thinking", "redacted-thinking"]) {
    const expected = readJson<{ thinking_signature?: string; redacted_thinking?: string[] }>(`test/fixtures/wire/anthropic/${name}.expected.json`);
    const { result } = await run([readFixture(`anthropic/${name}.sse`)]);
    assert.equal(result?.thinkingSignature, expected.thinking_signature, name);
    assert.deepEqual(result?.redactedThinking, expected.redacted_thinking, name);
  }
  const server = await startFixtureServer([{ pieces: [readFixture("anthropic/thinking.sse")] }]);
  after(() => server.close());
  const { Agent } = await import("../../src/index.js");
  const agent = new Agent({ provider: "anthropic", apiKey: KEY, baseUrl: server.url });
  for await (const _ of agent.stream("What is 27 * 453?")) {
    // drain
  }
  const turn = agent.history.at(-1);
  assert.equal(turn?.thinking?.signature, "ErUBCkYIBRgCIkBmYWtlLXNpZ25hdHVyZS1mb3ItdGVzdHMtb25seQ==");
});
