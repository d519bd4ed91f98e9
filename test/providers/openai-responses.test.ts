import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createOpenAIResponsesProvider, type OpenAIResponsesProviderOptions } from "../../src/providers/responses/provider.js";
import { mapResponsesFinishReason } from "../../src/providers/responses/convert-messages.js";
import type { CompletionResult, Provider, ProviderRequest } from "../../src/providers/provider.js";
import {
  ProviderError, StreamInterruptedError, WireFormatError, type StreamChunk, type ToolCall, type ToolCallDelta,
} from "../../src/index.js";
import { replaySplits, startFixtureServer, parseHttpFixture } from "../support/fixture-server.js";
import { fixtureNames, readFixture, splitPatterns } from "../support/split.js";
import { drainStream, eventually } from "../support/sources.js";
import { assertStreamError } from "../support/expected.js";

const KEY = "sk-test-SECRET-KEY-0123456789";
const request: ProviderRequest = { model: "gpt-4.1", messages: [{ role: "user", content: "Hi" }] };
const encoder = new TextEncoder();
const RANDOM_PATTERNS = 20;
const DIR = "test/fixtures/wire/openai-responses";

/** The shape of an openai-responses `.expected.json` (fields this provider checks). */
interface Expected {
  text: string;
  thinking?: string;
  refusal?: string;
  tool_calls: Array<{ id: string; item_id: string; name: string; arguments: unknown; arguments_text?: string }>;
  usage: null | { input_tokens: number; output_tokens: number; total_tokens: number; cached_input_tokens?: number; reasoning_tokens?: number };
  finish_reason: string | null;
  incomplete_reason?: string;
  complete: boolean;
  response_id?: string;
  error: null | { source: string; status: number; type: string | null; code: string | null; message: string; request_id?: string | null; retry_after_seconds?: number | null };
  resume?: { starting_after: number; full_stream: string; full_stream_byte_offset: number; text_before_cursor: string; full_text: string };
}

interface Outcome {
  chunks: StreamChunk[];
  error: unknown;
  result: CompletionResult | undefined;
}

function provider(url: string, options: OpenAIResponsesProviderOptions = {}): Provider {
  return createOpenAIResponsesProvider({ apiKey: KEY, baseUrl: url, maxRetries: 0, ...options });
}

const streamAll = (p: Provider, req: ProviderRequest = request): Promise<Outcome> => drainStream(p.stream(req));

async function run(pieces: Uint8Array[], options: OpenAIResponsesProviderOptions = {}): Promise<Outcome> {
  const server = await startFixtureServer([{ pieces }]);
  try {
    return await streamAll(provider(server.url, options));
  } finally {
    await server.close();
  }
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

function check(name: string, expected: Expected, outcome: Outcome, label: string): void {
  const where = `${name} (${label})`;
  const { chunks, error, result } = outcome;
  if (expected.complete) assert.equal(error, undefined, `${where}: ${String(error)}`);

  chunks.forEach((chunk, i) => {
    assert.equal(chunk.metadata.provider, "openai", where);
    assert.equal(typeof chunk.metadata.model, "string", where);
    assert.match(chunk.metadata.eventType ?? "", /^response\./, where);
    assert.equal(chunk.metadata.chunkIndex, i, where);
    if (chunk.type !== "text") assert.equal(chunk.content, "", where);
    assert.equal(chunk.isFinal, chunk.type === "final", where);
  });

  assert.equal(chunks.map((c) => c.content).join(""), expected.text, where);
  const thinkingChunks = chunks.filter((c) => c.type === "thinking");
  assert.equal(thinkingChunks.map((c) => c.metadata.thinking ?? "").join(""), expected.thinking ?? "", where);
  assert.equal(chunks.map((c) => c.metadata.refusal ?? "").join(""), expected.refusal ?? "", where);

  const toolCalls = chunks.filter((c) => c.type === "tool_call").map((c) => c.metadata.toolCall as ToolCall);
  assert.deepEqual(
    toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, arguments_text: c.argumentsText })),
    expected.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, arguments_text: c.arguments_text })),
    where,
  );
  // The deltas of each call start with its call id and name, and their fragments add up to the argument text.
  const deltas = chunks.filter((c) => c.type === "tool_call_delta").map((c) => c.metadata.toolCall as ToolCallDelta);
  for (const call of toolCalls) {
    const index = deltas.find((first) => first.id === call.id)?.index;
    const mine = deltas.filter((d) => d.index === index);
    assert.equal(mine[0]?.name, call.name, where);
    assert.equal(mine.map((d) => d.argumentsDelta).join(""), call.argumentsText, where);
  }

  const finals = chunks.filter((c) => c.type === "final");
  assert.equal(finals.length, expected.complete ? 1 : 0, `${where}: complete`);
  const final = finals[0];
  if (final !== undefined) {
    assert.equal(chunks.at(-1), final, `${where}: the final chunk is the last`);
    assert.equal(final.metadata.eventType, expected.finish_reason === "incomplete" ? "response.incomplete" : "response.completed", where);
    assert.equal(final.metadata.responseId, expected.response_id, where);
    assert.equal(final.metadata.providerFinishReason ?? null, expected.finish_reason, where);
    assert.equal(
      final.metadata.finishReason,
      mapResponsesFinishReason(expected.finish_reason ?? undefined, expected.incomplete_reason, expected.tool_calls.length > 0),
      where,
    );
    const usage = final.metadata.usage;
    assert.ok(usage !== undefined && expected.usage !== null, where);
    assert.equal(usage.inputTokens, expected.usage.input_tokens, where);
    assert.equal(usage.outputTokens, expected.usage.output_tokens, where);
    assert.equal(usage.totalTokens, expected.usage.total_tokens, where);
    assert.equal(usage.cachedInputTokens, expected.usage.cached_input_tokens, where);
    assert.equal(usage.reasoningTokens, expected.usage.reasoning_tokens, where);
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
    assert.equal((error.cause as ProviderError).code ?? null, expected.error.code, where);
    assert.equal(result, undefined, where);
  }
}

/** Replays every split pattern of `body` through one server (keep-alive: one request per pattern). */
async function checkAllSplits(name: string, body: Uint8Array, expected: Expected, seed: number): Promise<void> {
  await replaySplits(name, splitPatterns(body, seed, RANDOM_PATTERNS), body, (url) => streamAll(provider(url)), (outcome, label) => check(name, expected, outcome, label));
}

// --- Authored fixtures ---

for (const [i, name] of fixtureNames("openai-responses", ".sse").entries()) {
  test(`Responses fixture ${name} yields what its .expected.json says, whole, byte by byte and at ${RANDOM_PATTERNS} random cuts`, async () => {
    const expected = readJson<Expected>(join("test/fixtures/wire", name.replace(/\.sse$/, ".expected.json")));
    await checkAllSplits(name, readFixture(name), expected, 3000 + i);
  });
}

test("without `event:` lines (a proxy dropped them) Responses events are still dispatched on their JSON type", async () => {
  for (const name of ["reasoning-summary", "function-calls-parallel", "error-event", "refusal"]) {
    const text = new TextDecoder().decode(readFixture(`openai-responses/${name}.sse`));
    const stripped = encoder.encode(text.replace(/^event: .*\n/gm, ""));
    check(name, readJson<Expected>(`${DIR}/${name}.expected.json`), await run([stripped]), "no event lines");
  }
});

test("a compatible server's trailing `data: [DONE]` is accepted and never parsed as JSON", async () => {
  const body = new TextDecoder().decode(readFixture("openai-responses/text.sse")) + "data: [DONE]\n\n";
  check("text + [DONE]", readJson<Expected>(`${DIR}/text.expected.json`), await run([encoder.encode(body)]), "whole");
});

test("the non-streaming response.json becomes the completion its .expected.json says; output_text is computed", async () => {
  const expected = readJson<Expected>(`${DIR}/response.expected.json`);
  const body = readFileSync(`${DIR}/response.json`);
  const server = await startFixtureServer([{ headers: { "content-type": "application/json" }, pieces: [body] }]);
  after(() => server.close());
  const result = await provider(server.url).complete(request);
  assert.equal(result.content, expected.text);
  assert.deepEqual(result.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })), expected.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })));
  assert.equal(result.providerFinishReason, expected.finish_reason);
  assert.equal(result.finishReason, expected.tool_calls.length > 0 ? "tool_calls" : "stop");
  assert.equal(result.usage?.inputTokens, expected.usage?.input_tokens);
  assert.equal(result.usage?.outputTokens, expected.usage?.output_tokens);
  assert.equal(result.id, expected.response_id);
  const sent = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
  assert.equal(server.requests[0]!.url, "/responses");
  assert.equal(sent["stream"], undefined);
});

test("a resume tail alone (no response.created, no output_item.added) yields its text, usage and id", async () => {
  const expected = readJson<Expected>(`${DIR}/background-resume-after-7.expected.json`);
  const { chunks, error, result } = await run([readFixture("openai-responses/background-resume-after-7.sse")]);
  assert.equal(error, undefined, String(error));
  assert.equal(chunks.map((c) => c.content).join(""), expected.text);
  assert.equal(result?.id, expected.response_id);
  assert.equal(result?.usage?.outputTokens, expected.usage?.output_tokens);
});

// --- HTTP errors ---

test("HTTP 400 (resume of a response that was not background) is a ProviderError with the body's message, type and request id", async () => {
  const fixture = parseHttpFixture(readFileSync(`${DIR}/http-400-resume-not-background.http`, "utf8"));
  const expected = readJson<Expected>(`${DIR}/http-400-resume-not-background.expected.json`).error!;
  const server = await startFixtureServer([{ status: fixture.status, headers: fixture.headers, pieces: [Buffer.from(fixture.body)] }]);
  after(() => server.close());
  const p = provider(server.url);
  for (const outcome of [(await streamAll(p)).error, await p.complete(request).catch((e: unknown) => e)]) {
    assert.ok(outcome instanceof ProviderError, String(outcome));
    assert.equal(outcome.status, expected.status);
    assert.equal(outcome.providerMessage, expected.message);
    assert.equal(outcome.type ?? null, expected.type);
    assert.equal(outcome.code ?? null, expected.code);
    assert.equal(outcome.requestId ?? null, expected.request_id);
    assert.equal(outcome.retryable, false);
    assert.ok(!JSON.stringify({ ...(outcome as object), m: outcome.message }).includes(KEY));
  }
});

// --- Frames of the wrong shape, and what the error events carry ---

/** An SSE body from payloads, numbered from `from`. */
function sse(payloads: object[], from = 0): Uint8Array {
  return encoder.encode(payloads.map((p, i) => `event: ${(p as { type: string }).type}\ndata: ${JSON.stringify({ ...p, sequence_number: from + i })}\n\n`).join(""));
}
const created = { type: "response.created", response: { id: "resp_t1", status: "in_progress", model: "gpt-4.1", output: [], usage: null } };
const messageAdded = { type: "response.output_item.added", output_index: 0, item: { id: "msg_1", type: "message", role: "assistant", content: [], status: "in_progress" } };
const textDelta = (delta: unknown) => ({ type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta, logprobs: [] });
const completed = (extra: object = {}) => ({
  type: "response.completed",
  response: { id: "resp_t1", status: "completed", model: "gpt-4.1", usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 }, ...extra },
});

for (const [what, bad] of [
  ["a delta that is not a string", textDelta(42)],
  ["a response.completed without its response object", { type: "response.completed" }],
  ["a JSON array instead of an event object", null],
] as const) {
  test(`${what} is 'provider' (never 'network') with a WireFormatError cause, keeping the text`, async () => {
    const head = sse([created, messageAdded, textDelta("Hello")]);
    const tail = bad === null ? encoder.encode("data: [1,2]\n\n") : sse([bad], 3);
    const { error } = await run([head, tail]);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "provider");
    assert.equal(error.partialResponse, "Hello");
    assert.ok(error.cause instanceof WireFormatError);
  });
}

test("a flat error event's code decides retryable; the nested one's type is kept", async () => {
  const flat = await run([sse([created, { type: "error", code: "server_error", message: "boom", param: null }])]);
  assert.ok(flat.error instanceof StreamInterruptedError && flat.error.cause instanceof ProviderError);
  assert.equal(flat.error.cause.type, undefined);
  assert.equal(flat.error.cause.code, "server_error");
  assert.equal(flat.error.cause.retryable, true);
  const quota = await run([sse([created, { type: "error", error: { type: "insufficient_quota", code: "insufficient_quota", message: "quota" } }])]);
  assert.ok(quota.error instanceof StreamInterruptedError && quota.error.cause instanceof ProviderError);
  assert.equal(quota.error.cause.type, "insufficient_quota");
  assert.equal(quota.error.cause.retryable, false);
});

test("keepalive, unknown events and items, repeated sequence numbers and empty deltas are skipped", async () => {
  const body = encoder.encode(
    new TextDecoder().decode(sse([created, { type: "keepalive" }, messageAdded, { type: "response.web_search_call.searching", item_id: "ws_1", output_index: 1 }, textDelta(""), textDelta("A")])) +
      // the same event again (a proxy replaying): sequence 5 is not handled twice
      `data: ${JSON.stringify({ ...textDelta("A"), sequence_number: 5 })}\n\n` +
      new TextDecoder().decode(sse([{ type: "response.output_item.added", output_index: 1, item: { id: "x_1", type: "some_future_item" } }, textDelta("B"), completed()], 6)),
  );
  const { chunks, error, result } = await run([body]);
  assert.equal(error, undefined, String(error));
  assert.deepEqual(chunks.map((c) => [c.type, c.content]), [["text", "A"], ["text", "B"], ["final", ""]]);
  assert.equal(result?.finishReason, "stop");
  assert.equal(result?.usage?.totalTokens, 5);
});

test("a response.incomplete for content_filter is finish reason content_filter", async () => {
  const { result } = await run([sse([created, messageAdded, textDelta("x"), { type: "response.incomplete", response: { id: "resp_t1", status: "incomplete", incomplete_details: { reason: "content_filter" }, usage: null } }])]);
  assert.equal(result?.finishReason, "content_filter");
  assert.equal(result?.providerFinishReason, "incomplete");
});

// --- Requests ---

test("the request: instructions, input items with function_call / function_call_output, flat tools, max_output_tokens, reasoning, store", async () => {
  const server = await startFixtureServer([{ pieces: [readFixture("openai-responses/text.sse")] }]);
  after(() => server.close());
  const p = provider(server.url, { store: false, organization: "org_1" });
  const call: ToolCall = { id: "call_abc", name: "get_weather", arguments: { location: "Paris" }, argumentsText: '{"location":"Paris"}' };
  await streamAll(p, {
    model: "o4-mini",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "Let me check.", toolCalls: [call] },
      { role: "tool", content: '{"temp_c":18}', toolCallId: "call_abc", toolName: "get_weather" },
    ],
    maxTokens: 500,
    temperature: 0.5,
    thinking: true,
    tools: [{ name: "get_weather", description: "Weather", parameters: { type: "object", properties: { location: { type: "string" } } } }],
  });
  const sent = server.requests[0]!;
  assert.equal(sent.method, "POST");
  assert.equal(sent.url, "/responses");
  assert.equal(sent.headers["authorization"], `Bearer ${KEY}`);
  assert.equal(sent.headers["openai-organization"], "org_1");
  assert.deepEqual(JSON.parse(sent.body), {
    model: "o4-mini",
    input: [
      { role: "user", content: "Weather in Paris?" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Let me check.", annotations: [] }] },
      { type: "function_call", call_id: "call_abc", name: "get_weather", arguments: '{"location":"Paris"}' },
      { type: "function_call_output", call_id: "call_abc", output: '{"temp_c":18}' },
    ],
    instructions: "Be brief.",
    stream: true,
    store: false,
    temperature: 0.5,
    max_output_tokens: 500,
    tools: [{ type: "function", name: "get_weather", description: "Weather", parameters: { type: "object", properties: { location: { type: "string" } } }, strict: false }],
    reasoning: { effort: "medium", summary: "auto" },
  });
});

test("thinking on a non-reasoning model sends no reasoning; a budget maps to an effort; an explicit reasoning option wins", async () => {
  const server = await startFixtureServer([{ pieces: [readFixture("openai-responses/text.sse")] }]);
  after(() => server.close());
  await streamAll(provider(server.url), { ...request, thinking: true });
  await streamAll(provider(server.url), { ...request, model: "gpt-5-mini", thinking: { budgetTokens: 1000 } });
  await streamAll(provider(server.url, { reasoning: { effort: "high", summary: "detailed" } }), { ...request, model: "o3" });
  const bodies = server.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
  assert.equal(bodies[0]!["reasoning"], undefined);
  assert.deepEqual(bodies[1]!["reasoning"], { effort: "low", summary: "auto" });
  assert.deepEqual(bodies[2]!["reasoning"], { effort: "high", summary: "detailed" });
});

test("background mode with store: false is refused at construction, naming the option", () => {
  assert.throws(() => createOpenAIResponsesProvider({ apiKey: KEY, background: true, store: false }), /Invalid option "store"/);
});

test("aborting a foreground stream closes the connection and sends no cancel", async () => {
  const head = sse([created, messageAdded, textDelta("Hello")]);
  const server = await startFixtureServer([{ pieces: [head], stallAfter: true }]);
  after(() => server.close());
  const stream = provider(server.url).stream(request);
  const error = await (async () => {
    for await (const chunk of stream) if (chunk.content === "Hello") stream.abort();
  })().catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError && error.reason === "aborted", String(error));
  await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
  assert.equal(server.requests.length, 1);
});

// --- Which API serves a model ---

test("models served only by the Responses API are detected as openai and routed there; `api` is validated", async () => {
  const { detectProvider, createProvider } = await import("../../src/index.js");
  const { isResponsesOnlyModel } = await import("../../src/providers/responses/convert-messages.js");
  for (const model of ["o3-pro", "o1-pro-2025-03-19", "o4-mini-deep-research", "gpt-5-codex", "gpt-5.1-codex-mini", "gpt-5-pro", "codex-mini-latest", "computer-use-preview"]) {
    assert.ok(isResponsesOnlyModel(model), model);
    assert.equal(detectProvider(model), "openai", model);
  }
  for (const model of ["gpt-4o-mini", "gpt-4.1", "o3", "o4-mini", "gpt-5-mini"]) assert.ok(!isResponsesOnlyModel(model), model);
  assert.throws(() => createProvider("openai", { api: "completions" }), (e: unknown) => e instanceof Error && /Invalid option "api"/.test(e.message));
  const server = await startFixtureServer([{ pieces: [readFixture("openai-responses/text.sse")] }, { pieces: [readFixture("openai/text.sse")] }]);
  after(() => server.close());
  const auto = createProvider("openai", { apiKey: KEY, baseUrl: server.url, maxRetries: 0 });
  await streamAll(auto, { ...request, model: "o3-pro" });
  await streamAll(auto, { ...request, model: "gpt-4o-mini" });
  assert.deepEqual(server.requests.map((r) => r.url), ["/responses", "/chat/completions"]);
});
