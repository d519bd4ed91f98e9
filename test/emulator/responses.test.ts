/** The emulator's Responses API, read by our adapter and by plain fetch: scripts, faults, background resume and cancel. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { createOpenAIResponsesProvider, type OpenAIResponsesProviderOptions } from "../../src/providers/responses/provider.js";
import type { ChatMessage, ProviderRequest } from "../../src/providers/provider.js";
import { Agent, StreamInterruptedError, WireFormatError, type StreamChunk, type ToolCall } from "../../src/index.js";
import { drainStream, eventually } from "../support/sources.js";
import { parseSse, post } from "./helpers.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({
    ttftMs: 0,
    tps: Infinity,
    script: {
      rules: [
        {
          match: "weather",
          reply: {
            toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }, { name: "get_time", arguments: { tz: "CET" } }],
            afterToolResults: { text: "It is 18 °C in Paris." },
          },
        },
        { match: "think", reply: { thinking: "Two and two make four.", text: "Four." } },
        { match: /^hello/i, reply: { text: "Hello from the emulator, streamed word by word!" } },
      ],
    },
  });
});
after(() => server.close());

const provider = (options: OpenAIResponsesProviderOptions = {}) =>
  createOpenAIResponsesProvider({ apiKey: "test", baseUrl: server.openaiBaseUrl, maxRetries: 0, ...options });
const ask = (content: string, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({ model: "gpt-4.1", messages: [{ role: "user", content }], ...extra });
const textOf = (chunks: StreamChunk[]) => chunks.map((c) => c.content).join("");
const postsTo = (path: string, since: number) => server.requests.slice(since).filter((r) => r.method === "POST" && r.path === path).length;

test("our adapter streams a scripted answer with usage, finish reason and the response id", async () => {
  const { chunks, error, result } = await drainStream(provider().stream(ask("Hello there")));
  assert.equal(error, undefined, String(error));
  assert.equal(textOf(chunks), "Hello from the emulator, streamed word by word!");
  assert.equal(result?.finishReason, "stop");
  assert.equal(result?.providerFinishReason, "completed");
  assert.match(result?.id ?? "", /^resp_/);
  assert.equal(result?.usage?.outputTokens, 8);
  assert.equal(result?.usage?.inputTokens, 2);
  assert.ok(chunks.filter((c) => c.type === "text").every((c) => c.metadata.eventType === "response.output_text.delta"));
});

test("thinking with a reasoning model streams the summary as thinking chunks before the text", async () => {
  const { chunks, result } = await drainStream(provider().stream(ask("Please think", { model: "o4-mini", thinking: true })));
  assert.equal(chunks.filter((c) => c.type === "thinking").map((c) => c.metadata.thinking).join(""), "Two and two make four.");
  assert.ok(chunks.findIndex((c) => c.type === "thinking") < chunks.findIndex((c) => c.type === "text"));
  assert.equal(result?.thinking, "Two and two make four.");
  assert.equal(result?.content, "Four.");
  assert.equal(result?.usage?.reasoningTokens, 5);
  const sent = server.requests.at(-1)?.body as { reasoning: unknown };
  assert.deepEqual(sent.reasoning, { effort: "medium", summary: "auto" });
});

test("tool calls, then the answer after their results: function_call and function_call_output items round-trip", async () => {
  const p = provider();
  const tools = [
    { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
    { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } },
  ];
  const first = await drainStream(p.stream(ask("What is the weather?", { tools })));
  assert.equal(first.result?.finishReason, "tool_calls");
  const calls = first.result?.toolCalls ?? [];
  assert.deepEqual(calls.map((c) => [c.name, c.arguments]), [["get_weather", { location: "Paris" }], ["get_time", { tz: "CET" }]]);
  assert.ok(calls.every((c) => /^call_/.test(c.id)));
  const deltas = first.chunks.filter((c) => c.type === "tool_call_delta");
  assert.ok(deltas.length > 2);
  const messages: ChatMessage[] = [
    { role: "user", content: "What is the weather?" },
    { role: "assistant", content: "", toolCalls: calls },
    ...calls.map((c: ToolCall): ChatMessage => ({ role: "tool", content: c.name === "get_weather" ? "18" : "12:00", toolCallId: c.id, toolName: c.name })),
  ];
  const second = await drainStream(p.stream({ model: "gpt-4.1", messages, tools }));
  assert.equal(second.result?.content, "It is 18 °C in Paris.");
  assert.equal(second.result?.finishReason, "stop");
});

test("complete() reads the non-streaming body (no output_text on the wire)", async () => {
  const since = server.requests.length;
  const result = await provider().complete(ask("Hello there"));
  assert.equal(result.content, "Hello from the emulator, streamed word by word!");
  assert.equal(result.providerFinishReason, "completed");
  const raw = await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "Hello there" });
  const body = (await raw.json()) as Record<string, unknown>;
  assert.equal(body.object, "response");
  assert.equal(body.output_text, undefined);
  assert.equal(postsTo("/v1/responses", since), 2);
});

test("the wire: event lines match the JSON type, sequence numbers count from 0 by 1, no [DONE], usage only at the end", async () => {
  const res = await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "Hello there", stream: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events = parseSse(await res.text());
  const payloads = events.map((e) => JSON.parse(e.data) as { type: string; sequence_number: number; response?: { usage: unknown } });
  events.forEach((e, i) => assert.equal(e.event, payloads[i]!.type));
  assert.deepEqual(payloads.map((p) => p.sequence_number), payloads.map((_, i) => i));
  assert.equal(payloads[0]!.type, "response.created");
  assert.equal(payloads.at(-1)!.type, "response.completed");
  assert.ok(payloads.slice(0, -1).every((p) => p.response === undefined || p.response.usage === null));
});

test("max_output_tokens cuts the answer: response.incomplete with reason max_output_tokens → finish reason length", async () => {
  const { result } = await drainStream(provider().stream(ask("Hello there", { maxTokens: 16, model: "gpt-4.1" })));
  assert.equal(result?.finishReason, "stop", "16 tokens is more than this answer");
  const res = await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "Hello there", max_output_tokens: 8 }, {});
  assert.equal(res.status, 400, "below 16 is refused as by the API");
  const long = await drainStream(provider({ headers: { "x-emulator-reply": JSON.stringify({ text: "word ".repeat(40) }) } }).stream(ask("x", { maxTokens: 16 })));
  assert.equal(long.result?.finishReason, "length");
  assert.equal(long.result?.providerFinishReason, "incomplete");
  assert.equal(long.result?.content, "word ".repeat(16).trimEnd());
});

test("error-after sends the live API's nested error event (then response.failed): 'provider' with the text before it", async () => {
  const { error } = await drainStream(provider({ headers: { "x-emulator-fault": "error-after=3" } }).stream(ask("Hello there")));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "provider");
  assert.equal(error.partialResponse, "Hello from the");
});

test("malformed-after is 'provider' with a WireFormatError, never 'network'", async () => {
  const { error } = await drainStream(provider({ headers: { "x-emulator-fault": "malformed-after=2" } }).stream(ask("Hello there")));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "provider");
  assert.ok(error.cause instanceof WireFormatError);
});

test("a foreground drop is 'network' with the exact partial text (nothing to resume)", async () => {
  const { error } = await drainStream(provider({ headers: { "x-emulator-fault": "drop-after=2" } }).stream(ask("Hello there")));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "network");
  assert.equal(error.partialResponse, "Hello from");
});

test("background: a drop after any number of chunks resumes via starting_after with the full text exactly once and one POST", async () => {
  const expected = "Hello from the emulator, streamed word by word!";
  const chunks = expected.split(" ").length;
  for (let n = 0; n <= chunks; n++) {
    const since = server.requests.length;
    const { chunks: got, error, result } = await drainStream(provider({ background: true, headers: { "x-emulator-fault": `drop-after=${n}` } }).stream(ask("Hello there")));
    assert.equal(error, undefined, `drop-after=${n}: ${String(error)}`);
    assert.equal(textOf(got), expected, `drop-after=${n}`);
    assert.equal(result?.content, expected);
    assert.equal(got.filter((c) => c.type === "final").length, 1);
    assert.equal(postsTo("/v1/responses", since), 1, `drop-after=${n}: no second POST`);
    const gets = server.requests.slice(since).filter((r) => r.method === "GET");
    assert.equal(gets.length, 1, `drop-after=${n}: one resume`);
    assert.match(gets[0]!.path, new RegExp(`^/v1/responses/${result?.id}\\?stream=true&starting_after=\\d+$`));
    assert.equal((server.requests[since]!.body as { background: boolean }).background, true);
  }
});

test("background tool calls survive a drop mid-arguments: deltas before and after the cursor make one call", async () => {
  const tools = [{ name: "get_weather", parameters: { type: "object" } }, { name: "get_time", parameters: { type: "object" } }];
  for (const n of [1, 2, 3, 4]) {
    const { error, result } = await drainStream(provider({ background: true, headers: { "x-emulator-fault": `drop-after=${n}` } }).stream(ask("weather?", { tools })));
    assert.equal(error, undefined, String(error));
    assert.deepEqual(result?.toolCalls.map((c) => [c.name, c.arguments]), [["get_weather", { location: "Paris" }], ["get_time", { tz: "CET" }]], `drop-after=${n}`);
  }
});

test("background: GET ?stream=true&starting_after=N replays the stored events after N with their numbers; without it, from 0", async () => {
  const res = await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "Hello there", stream: true, background: true });
  const full = parseSse(await res.text()).map((e) => JSON.parse(e.data) as { type: string; sequence_number: number; response?: { id: string; status: string } });
  assert.deepEqual(full.slice(0, 3).map((p) => [p.type, p.response?.status]), [["response.created", "queued"], ["response.queued", "queued"], ["response.in_progress", "in_progress"]]);
  const id = full[0]!.response!.id;
  const tail = parseSse(await (await fetch(`${server.openaiBaseUrl}/responses/${id}?stream=true&starting_after=7`)).text()).map((e) => JSON.parse(e.data) as { sequence_number: number });
  assert.deepEqual(tail.map((p) => p.sequence_number), full.slice(8).map((p) => p.sequence_number));
  const again = parseSse(await (await fetch(`${server.openaiBaseUrl}/responses/${id}?stream=true`)).text());
  assert.equal(again.length, full.length);
  const object = (await (await fetch(`${server.openaiBaseUrl}/responses/${id}`)).json()) as { status: string };
  assert.equal(object.status, "completed");
});

test("streaming a response that was not background is the API's 400 (param stream); an unknown id is 404", async () => {
  const res = await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "Hello there", stream: true });
  const id = (JSON.parse(parseSse(await res.text())[0]!.data) as { response: { id: string } }).response.id;
  const refused = await fetch(`${server.openaiBaseUrl}/responses/${id}?stream=true&starting_after=3`);
  assert.equal(refused.status, 400);
  const body = (await refused.json()) as { error: { message: string; param: string; type: string } };
  assert.equal(body.error.message, "This response cannot be streamed because it was not created with background=true.");
  assert.equal(body.error.param, "stream");
  assert.equal(body.error.type, "invalid_request_error");
  assert.equal((await fetch(`${server.openaiBaseUrl}/responses/resp_nope`)).status, 404);
  assert.equal((await post(`${server.openaiBaseUrl}/responses`, { model: "gpt-4.1", input: "x", background: true, store: false })).status, 400);
});

test("background: stream.abort() cancels the response (POST /cancel), and GET then reports it cancelled", async () => {
  const p = createOpenAIResponsesProvider({ apiKey: "test", baseUrl: server.openaiBaseUrl, maxRetries: 0, background: true, headers: { "x-emulator-tps": "50" } });
  const stream = p.stream(ask("Hello there"));
  let text = "";
  const error = await (async () => {
    for await (const chunk of stream) {
      text += chunk.content;
      if (text === "Hello from") stream.abort();
    }
  })().catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError && error.reason === "aborted", String(error));
  await eventually(() => server.requests.some((r) => r.method === "POST" && /\/cancel$/.test(r.path)), "the cancel arrived");
  const cancelPath = server.requests.find((r) => /\/cancel$/.test(r.path))!.path;
  const id = /\/responses\/([^/]+)\/cancel/.exec(cancelPath)![1]!;
  await eventually(() => server.stats.active === 0, "the cancel was answered");
  const object = (await (await fetch(`${server.openaiBaseUrl}/responses/${id}`)).json()) as { status: string };
  assert.equal(object.status, "cancelled");
  const tail = await (await fetch(`${server.openaiBaseUrl}/responses/${id}?stream=true&starting_after=0`)).text();
  assert.equal(tail, "", "a cancelled response's stream ends without events");
});

test("an agent with providerOptions { api: 'responses' } talks to /v1/responses; a Responses-only model is detected", async () => {
  const since = server.requests.length;
  const agent = new Agent({ provider: "openai", model: "gpt-4.1", baseUrl: server.openaiBaseUrl, apiKey: "test", providerOptions: { api: "responses" } });
  let text = "";
  for await (const chunk of agent.stream("Hello there")) text += chunk.content;
  assert.equal(text, "Hello from the emulator, streamed word by word!");
  const auto = new Agent({ model: "o3-pro", baseUrl: server.openaiBaseUrl, apiKey: "test" });
  assert.equal(auto.getProviderInfo().provider, "openai");
  assert.equal((await auto.arun("Hello there")).content, "Hello from the emulator, streamed word by word!");
  const chat = new Agent({ model: "gpt-4o-mini", baseUrl: server.openaiBaseUrl, apiKey: "test" });
  await chat.arun("Hello there");
  assert.deepEqual(server.requests.slice(since).map((r) => r.path), ["/v1/responses", "/v1/responses", "/v1/chat/completions"]);
});

test("the README's example: an agent on o4-mini with thinking and background mode survives a drop mid-answer", async () => {
  const since = server.requests.length;
  const agent = new Agent({
    model: "o4-mini",
    thinking: true,
    baseUrl: server.openaiBaseUrl,
    apiKey: "test",
    providerOptions: { api: "responses", background: true, headers: { "x-emulator-fault": "drop-after=4" } },
  });
  let thinking = "";
  let text = "";
  for await (const chunk of agent.stream("Please think")) {
    if (chunk.type === "thinking") thinking += chunk.metadata.thinking ?? "";
    else text += chunk.content;
  }
  assert.equal(thinking, "Two and two make four.");
  assert.equal(text, "Four.");
  assert.deepEqual(server.requests.slice(since).map((r) => r.method), ["POST", "GET"]);
});

test("background complete(): the queued response is polled with GET until it is final; an abort while polling cancels it", async () => {
  const since = server.requests.length;
  const slow = provider({ background: true, pollIntervalMs: 20, headers: { "x-emulator-tps": "40" } });
  const result = await slow.complete(ask("Hello there"));
  assert.equal(result.content, "Hello from the emulator, streamed word by word!");
  assert.equal(result.providerFinishReason, "completed");
  const mine = server.requests.slice(since);
  assert.equal(mine[0]!.method, "POST");
  assert.equal((mine[0]!.body as { background: boolean; stream?: boolean }).background, true);
  assert.ok(mine.slice(1).length >= 1 && mine.slice(1).every((r) => r.method === "GET" && r.path === `/v1/responses/${result.id}`), "then only polls");

  const controller = new AbortController();
  const pending = provider({ background: true, pollIntervalMs: 20, headers: { "x-emulator-tps": "2" } }).complete(ask("Hello there"), { signal: controller.signal });
  await eventually(() => server.requests.slice(since + mine.length).some((r) => r.method === "GET"), "a poll was sent");
  controller.abort();
  const error = await pending.catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError && error.reason === "aborted", String(error));
  await eventually(() => server.requests.some((r) => r.method === "POST" && r.path.endsWith("/cancel") && r.seq > since + mine.length), "the cancel arrived");
});

test("bench mode on /v1/responses: N text deltas with their own sequence numbers, read whole by our adapter", async () => {
  const { benchText } = await import("../../src/emulator/index.js");
  const { chunks, error, result } = await drainStream(provider({ headers: { "x-emulator-bench": "chunks=1000" } }).stream(ask("x")));
  assert.equal(error, undefined, String(error));
  assert.equal(chunks.filter((c) => c.type === "text").length, 1000);
  assert.equal(result?.content, benchText(1000));
  assert.equal(result?.usage?.outputTokens, 1000);
});
