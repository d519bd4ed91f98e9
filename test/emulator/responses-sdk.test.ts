/** Conformance: the official `openai` client reads the emulator's Responses API exactly as our adapter does. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { createOpenAIResponsesProvider } from "../../src/providers/responses/provider.js";
import type { CompletionResult, ProviderRequest } from "../../src/providers/provider.js";
import { drainStream } from "../support/sources.js";

let server: EmulatorServer;
let client: OpenAI;
before(async () => {
  server = await startEmulator({
    ttftMs: 0,
    tps: Infinity,
    script: {
      rules: [
        { match: "weather", reply: { text: "Checking.", toolCalls: [{ name: "get_weather", arguments: { location: "Paris", unit: "°C" } }, { name: "get_time", arguments: { tz: "CET" } }] } },
        { match: "think", reply: { thinking: "Two and two make four.", text: "Four." } },
        { match: /^hello/i, reply: { text: "Hello from the emulator — ünïcödé too!" } },
      ],
    },
  });
  client = new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl, maxRetries: 0 });
});
after(() => server.close());

const tools = [
  { type: "function" as const, name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" }, unit: { type: "string" } } }, strict: false },
  { type: "function" as const, name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } }, strict: false },
];

/** What both clients must agree on. */
interface Reading {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>;
  usage: { input: number; output: number; total: number; reasoning: number | undefined };
  status: string | undefined;
}

function fromOurs(result: CompletionResult | undefined): Reading {
  assert.ok(result !== undefined);
  return {
    text: result.content,
    toolCalls: result.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
    usage: { input: result.usage!.inputTokens, output: result.usage!.outputTokens, total: result.usage!.totalTokens, reasoning: result.usage!.reasoningTokens },
    status: result.providerFinishReason,
  };
}

function fromSdk(response: OpenAI.Responses.Response): Reading {
  const calls = response.output.filter((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call");
  return {
    text: response.output_text,
    toolCalls: calls.map((c) => ({ id: c.call_id, name: c.name, arguments: JSON.parse(c.arguments) as unknown })),
    usage: { input: response.usage!.input_tokens, output: response.usage!.output_tokens, total: response.usage!.total_tokens, reasoning: response.usage!.output_tokens_details.reasoning_tokens },
    status: response.status,
  };
}

/** Our adapter's reading of the same scripted answer (ids are fresh per response, so compared apart). */
async function ours(request: ProviderRequest): Promise<Reading> {
  const p = createOpenAIResponsesProvider({ apiKey: "test", baseUrl: server.openaiBaseUrl, maxRetries: 0 });
  const { error, result } = await drainStream(p.stream(request));
  assert.equal(error, undefined, String(error));
  return fromOurs(result);
}

const withoutIds = (r: Reading) => ({ ...r, toolCalls: r.toolCalls.map(({ name, arguments: a }) => ({ name, arguments: a })) });

for (const [label, prompt, extra] of [
  ["text", "Hello there", {}],
  ["tool calls", "What is the weather?", { tools: true }],
  ["reasoning summary", "Please think", { reasoning: true }],
] as const) {
  test(`responses.create({stream:true}) reads the ${label} stream as our adapter does (text, tool calls, usage)`, async () => {
    const stream = await client.responses.create({
      model: "reasoning" in extra ? "o4-mini" : "gpt-4.1",
      input: prompt,
      stream: true,
      ...("tools" in extra ? { tools } : {}),
      ...("reasoning" in extra ? { reasoning: { effort: "medium", summary: "auto" } } : {}),
    });
    let text = "";
    let summary = "";
    let completed: OpenAI.Responses.Response | undefined;
    const sequence: number[] = [];
    for await (const event of stream) {
      sequence.push(event.sequence_number);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.reasoning_summary_text.delta") summary += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    assert.deepEqual(sequence, sequence.map((_, i) => i));
    assert.ok(completed !== undefined);
    const sdk = fromSdk({ ...completed, output_text: text } as OpenAI.Responses.Response);
    const mine = await ours({
      model: "reasoning" in extra ? "o4-mini" : "gpt-4.1",
      messages: [{ role: "user", content: prompt }],
      ...("tools" in extra ? { tools: tools.map((t) => ({ name: t.name, parameters: t.parameters })) } : {}),
      ...("reasoning" in extra ? { thinking: true } : {}),
    });
    assert.deepEqual(withoutIds(mine), withoutIds(sdk));
    if ("reasoning" in extra) assert.equal(summary, "Two and two make four.");
  });
}

test("responses.stream() (the SDK's accumulating helper) accepts the emulator's event order and assembles the same answer", async () => {
  const runner = client.responses.stream({ model: "gpt-4.1", input: "What is the weather?", tools });
  const deltas: string[] = [];
  runner.on("response.function_call_arguments.delta", (e) => deltas.push(e.delta));
  const final = await runner.finalResponse();
  const sdk = fromSdk(final);
  assert.equal(sdk.text, "Checking.");
  assert.deepEqual(sdk.toolCalls.map((c) => c.name), ["get_weather", "get_time"]);
  assert.ok(sdk.toolCalls.every((c) => c.id.startsWith("call_")));
  assert.ok(deltas.length > 2);
  const mine = await ours({ model: "gpt-4.1", messages: [{ role: "user", content: "What is the weather?" }], tools: tools.map((t) => ({ name: t.name, parameters: t.parameters })) });
  assert.deepEqual(withoutIds(mine), withoutIds(sdk));
  const text = await client.responses.stream({ model: "gpt-4.1", input: "Hello there" }).finalResponse();
  assert.equal(text.output_text, "Hello from the emulator — ünïcödé too!");
});

test("responses.create() without a stream: the SDK's output_text (computed from output) equals our complete()", async () => {
  const response = await client.responses.create({ model: "gpt-4.1", input: "Hello there" });
  const p = createOpenAIResponsesProvider({ apiKey: "test", baseUrl: server.openaiBaseUrl, maxRetries: 0 });
  const result = await p.complete({ model: "gpt-4.1", messages: [{ role: "user", content: "Hello there" }] });
  assert.deepEqual(fromOurs(result), fromSdk(response));
});

test("background: responses.retrieve(id, {stream:true, starting_after}) reads the emulator's resumed tail; cancel() answers cancelled", async () => {
  const stream = await client.responses.create({ model: "gpt-4.1", input: "Hello there", stream: true, background: true });
  let id = "";
  let head = "";
  let cursor = -1;
  for await (const event of stream) {
    if (event.type === "response.created") id = event.response.id;
    if (event.type === "response.output_text.delta") head += event.delta;
    cursor = event.sequence_number;
    if (head.length > 0 && event.type === "response.output_text.delta") break;
  }
  const tail = await client.responses.retrieve(id, { stream: true, starting_after: cursor });
  let rest = "";
  for await (const event of tail) {
    assert.ok(event.sequence_number > cursor);
    if (event.type === "response.output_text.delta") rest += event.delta;
  }
  assert.equal(head + rest, "Hello from the emulator — ünïcödé too!");
  const slow = await client.responses.create({ model: "gpt-4.1", input: "Hello there", background: true }, { headers: { "x-emulator-tps": "5" } });
  assert.equal(slow.status, "queued");
  const cancelled = await client.responses.cancel(slow.id);
  assert.equal(cancelled.status, "cancelled");
});
