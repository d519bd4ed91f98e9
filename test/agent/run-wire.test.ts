/**
 * The run against each HTTP provider, fed the recorded tool-call transcripts (test/fixtures/wire): what the
 * consumer sees (chunk types and steps) and, exactly, what each provider sends back to the model after a round.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Agent, StreamInterruptedError, tool, type StreamChunk, type ToolCallDelta, type ToolDefinition } from "../../src/index.js";
import type { AgentTool } from "../../src/agent/tools.js";
import { startFixtureServer } from "../support/fixture-server.js";

type Protocol = "openai" | "anthropic" | "ollama";

const fixture = (protocol: Protocol, name: string) => ({ pieces: [new Uint8Array(readFileSync(`test/fixtures/wire/${protocol}/${name}`))] });
const TEXT: Record<Protocol, string> = { openai: "text.sse", anthropic: "text.sse", ollama: "text.ndjson" };
const ONE: Record<Protocol, string> = { openai: "tool-call-split.sse", anthropic: "tool-use.sse", ollama: "tool-call.ndjson" };
const TWO: Record<Protocol, string> = { openai: "tool-calls-parallel.sse", anthropic: "tool-use-parallel.sse", ollama: "tool-calls-parallel.ndjson" };
/** The calls each fixture makes: [id, name, arguments]. */
const CALLS = {
  one: {
    openai: [["call_Vx3kq9TzR2mB8nLp4wYdA1sE", "get_weather", { location: "Paris, France", unit: "celsius" }]],
    anthropic: [["toolu_01A09q90qw90lq917835lq9", "get_weather", { location: "Paris, France", unit: "celsius" }]],
    ollama: [["call_k3v9x2ma", "get_weather", { city: "Tokyo", unit: "celsius" }]],
  },
  two: {
    openai: [["call_p1Kd8sL2mQ9wE4rT6yU0iO3a", "get_weather", { location: "Tokyo" }], ["call_Zx7Cv5Bn3Mq1Wd9Ef2Rg4Th6", "get_time", { timezone: "Asia/Tokyo" }]],
    anthropic: [["toolu_01Wea7herTok9oXyZ1a2B3c4", "get_weather", { location: "Tokyo" }], ["toolu_01TimeAs1aT0ky0Q9w8E7r6t", "get_time", { timezone: "Asia/Tokyo" }]],
    ollama: [["call_a81jd0qz", "get_weather", { city: "Osaka" }], ["call_p4m2n7xw", "find_restaurants", { query: "ramen", filters: { open_now: true, max_price: 2 } }]],
  },
} as const;
/** What each step of the fixtures streams before its tool calls, and the text answer after. */
const SHAPES = {
  one: {
    openai: [...Array(13).fill("tool_call_delta@0"), "tool_call@0"],
    anthropic: ["text@0", "text@0", ...Array(7).fill("tool_call_delta@0"), "tool_call@0"],
    ollama: ["tool_call_delta@0", "tool_call@0"],
  },
  two: {
    openai: [...Array(10).fill("tool_call_delta@0"), "tool_call@0", "tool_call@0"],
    anthropic: null,
    ollama: ["tool_call_delta@0", "tool_call@0", "tool_call_delta@0", "tool_call@0"],
  },
  answer: { openai: Array(9).fill("text@1"), anthropic: Array(4).fill("text@1"), ollama: Array(9).fill("text@1") },
} as const;

const shape = (chunks: StreamChunk[]) => chunks.map((c) => `${c.type}@${c.metadata.step}`);
const echo = (name: string) => tool({ name, parameters: { type: "object" }, execute: async (args) => ({ tool: name, args }) });
const ALL = [echo("get_weather"), echo("get_time"), echo("find_restaurants")];

async function runAgainst(protocol: Protocol, replies: Array<{ pieces: Uint8Array[] }>, tools: Array<AgentTool | ToolDefinition>, options: { maxSteps?: number; prompts?: string[] } = {}) {
  const server = await startFixtureServer(replies);
  try {
    const agent = new Agent({
      provider: protocol, model: "test-model", apiKey: "test-key", maxRetries: 0, tools,
      baseUrl: protocol === "openai" ? `${server.url}/v1` : server.url,
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    });
    const chunks: StreamChunk[] = [];
    for (const prompt of options.prompts ?? ["Weather?"]) for await (const c of agent.stream(prompt)) chunks.push(c);
    const bodies = server.requests.map((r) => JSON.parse(r.body) as { messages: unknown[] });
    return { chunks, bodies, agent };
  } finally {
    await server.close();
  }
}

/** The messages a provider sends back after a round: the assistant turn with its calls and one result per call, in its own wire shape. */
function roundMessages(protocol: Protocol, calls: ReadonlyArray<readonly [string, string, object]>, results: Array<{ content: string; isError?: boolean }>, text = "") {
  switch (protocol) {
    case "openai":
      return [
        { role: "assistant", content: text === "" ? null : text, tool_calls: calls.map(([id, name, args]) => ({ id, type: "function", function: { name, arguments: argumentsTextOf(id, args) } })) },
        ...calls.map(([id], i) => ({ role: "tool", content: results[i]!.content, tool_call_id: id })),
      ];
    case "anthropic":
      return [
        { role: "assistant", content: [...(text === "" ? [] : [{ type: "text", text }]), ...calls.map(([id, name, input]) => ({ type: "tool_use", id, name, input }))] },
        { role: "user", content: calls.map(([id], i) => ({ type: "tool_result", tool_use_id: id, content: results[i]!.content, ...(results[i]!.isError ? { is_error: true } : {}) })) },
      ];
    case "ollama":
      return [
        { role: "assistant", content: text, tool_calls: calls.map(([id, name, args]) => ({ id, function: { name, arguments: args } })) },
        ...calls.map(([id, name], i) => ({ role: "tool", content: results[i]!.content, tool_name: name, tool_call_id: id })),
      ];
  }
}

/** OpenAI sends the arguments back exactly as they streamed. */
function argumentsTextOf(id: string, args: object): string {
  if (id === "call_Zx7Cv5Bn3Mq1Wd9Ef2Rg4Th6") return '{"timezone": "Asia/Tokyo"}';
  return JSON.stringify(args);
}

const TEXT_BEFORE: Record<Protocol, { one: string; two: string }> = {
  openai: { one: "", two: "" },
  anthropic: { one: "I'll look up the weather in Paris.", two: "Let me check both." },
  ollama: { one: "", two: "" },
};

for (const protocol of ["openai", "anthropic", "ollama"] as const) {
  test(`${protocol}: one tool — the call runs, the result goes back in ${protocol}'s wire shape, the answer streams as step 1`, async () => {
    const { chunks, bodies } = await runAgainst(protocol, [fixture(protocol, ONE[protocol]), fixture(protocol, TEXT[protocol])], ALL);
    assert.deepEqual(shape(chunks), [...SHAPES.one[protocol], "tool_result@0", ...SHAPES.answer[protocol], "final@1"]);
    const calls = CALLS.one[protocol];
    const results = calls.map(([, name, args]) => ({ content: JSON.stringify({ tool: name, args }) }));
    assert.deepEqual(bodies[1]!.messages, [{ role: "user", content: "Weather?" }, ...roundMessages(protocol, calls, results, TEXT_BEFORE[protocol].one)]);
    assert.equal(chunks.filter((c) => c.type === "final").length, 1);
    // partialArguments grow delta by delta to the parsed arguments.
    const partials = chunks.filter((c) => c.type === "tool_call_delta").map((c) => (c.metadata.toolCall as ToolCallDelta).partialArguments);
    assert.deepEqual(partials.at(-1), calls[0]![2]);
    if (protocol === "openai") {
      const paris = { location: "Paris" };
      const france = { location: "Paris, France" };
      assert.deepEqual(partials, [{}, {}, {}, { location: "" }, paris, { location: "Paris," }, france, france, france, { ...france, unit: "" }, { ...france, unit: "c" }, { ...france, unit: "celsius" }, { ...france, unit: "celsius" }]);
    }
  });

  test(`${protocol}: two parallel calls — two results, both sent back in call order`, async () => {
    const { chunks, bodies } = await runAgainst(protocol, [fixture(protocol, TWO[protocol]), fixture(protocol, TEXT[protocol])], ALL);
    const types = shape(chunks);
    if (SHAPES.two[protocol] !== null) assert.deepEqual(types.slice(0, SHAPES.two[protocol]!.length), SHAPES.two[protocol]);
    assert.equal(types.filter((t) => t === "tool_call@0").length, 2);
    assert.deepEqual(types.filter((t) => t.startsWith("tool_result")), ["tool_result@0", "tool_result@0"]);
    assert.deepEqual(types.slice(-SHAPES.answer[protocol].length - 1), [...SHAPES.answer[protocol], "final@1"]);
    const calls = CALLS.two[protocol];
    const results = calls.map(([, name, args]) => ({ content: JSON.stringify({ tool: name, args }) }));
    assert.deepEqual(bodies[1]!.messages, [{ role: "user", content: "Weather?" }, ...roundMessages(protocol, calls, results, TEXT_BEFORE[protocol].two)]);
  });

  test(`${protocol}: a tool that throws, an unknown tool and invalid arguments go back as error results`, async () => {
    const throwing = tool({ name: "get_weather", parameters: { type: "object" }, execute: () => { throw new Error("no station"); } });
    const strict = tool({ name: "get_time", parameters: { type: "object", properties: { timezone: { type: "number" } } }, execute: () => "never" });
    const { bodies } = await runAgainst(protocol, [fixture(protocol, TWO[protocol]), fixture(protocol, TEXT[protocol])], [throwing, strict]);
    const calls = CALLS.two[protocol];
    const results = [
      { content: 'Tool "get_weather" failed: no station', isError: true },
      protocol === "ollama"
        ? { content: 'Unknown tool "find_restaurants". The available tools are: get_weather, get_time.', isError: true }
        : { content: 'Invalid arguments for "get_time": #/timezone: Instance type "string" is invalid. Expected "number".. The tool was not run.', isError: true },
    ];
    assert.deepEqual(bodies[1]!.messages, [{ role: "user", content: "Weather?" }, ...roundMessages(protocol, calls, results, TEXT_BEFORE[protocol].two)]);
  });

  test(`${protocol}: maxSteps 1 runs the step's tools and ends with finishReason tool_calls, no second call`, async () => {
    const { chunks, bodies, agent } = await runAgainst(protocol, [fixture(protocol, ONE[protocol])], ALL, { maxSteps: 1 });
    assert.deepEqual(shape(chunks), [...SHAPES.one[protocol], "tool_result@0", "final@0"]);
    assert.equal(chunks.at(-1)!.metadata.finishReason, "tool_calls");
    assert.equal(bodies.length, 1);
    assert.deepEqual(agent.history.map((m) => m.role), ["user", "assistant", "tool"]);
  });

  test(`${protocol}: a tool without execute ends the stream at its call`, async () => {
    const { chunks, bodies } = await runAgainst(protocol, [fixture(protocol, ONE[protocol])], [{ name: "get_weather", parameters: { type: "object" } }]);
    assert.deepEqual(shape(chunks), [...SHAPES.one[protocol], "final@0"]);
    assert.equal(chunks.at(-1)!.metadata.finishReason, "tool_calls");
    assert.equal(bodies.length, 1);
  });

  test(`${protocol}: abort during a tool ends the run 'aborted' with no second model call`, async () => {
    const server = await startFixtureServer([fixture(protocol, ONE[protocol]), fixture(protocol, TEXT[protocol])]);
    try {
      const controller = new AbortController();
      let toolSignal: AbortSignal | undefined;
      const hang = tool({ name: "get_weather", parameters: { type: "object" }, execute: (_a, { signal }) => { toolSignal = signal; controller.abort(); return new Promise(() => {}); } });
      const agent = new Agent({ provider: protocol, model: "m", apiKey: "k", maxRetries: 0, tools: [hang], baseUrl: protocol === "openai" ? `${server.url}/v1` : server.url });
      const seen: string[] = [];
      await assert.rejects(
        (async () => { for await (const c of agent.stream("x", { signal: controller.signal })) seen.push(`${c.type}@${c.metadata.step}`); })(),
        (e: unknown) => e instanceof StreamInterruptedError && e.reason === "aborted" && e.partialResponse === TEXT_BEFORE[protocol].one,
      );
      assert.deepEqual(seen, SHAPES.one[protocol]);
      assert.equal(toolSignal?.aborted, true);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(agent.history, []);
    } finally {
      await server.close();
    }
  });

  test(`${protocol}: a second turn after a tool round sends the whole first turn`, async () => {
    const { bodies } = await runAgainst(protocol, [fixture(protocol, ONE[protocol]), fixture(protocol, TEXT[protocol]), fixture(protocol, TEXT[protocol])], ALL, { prompts: ["Weather?", "Thanks"] });
    const calls = CALLS.one[protocol];
    const results = calls.map(([, name, args]) => ({ content: JSON.stringify({ tool: name, args }) }));
    const answer = bodies[2]!.messages.at(-2) as { role: string };
    assert.deepEqual(bodies[2]!.messages, [
      { role: "user", content: "Weather?" },
      ...roundMessages(protocol, calls, results, TEXT_BEFORE[protocol].one),
      answer,
      { role: "user", content: "Thanks" },
    ]);
    assert.equal(answer.role, "assistant");
  });
}

test("anthropic: thinking blocks with their signatures go back first in the assistant turn, before text and tool_use", async () => {
  const events = [
    { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-t", content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } },
    { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
    { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Need the weather." } },
    { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "SIG==" } },
    { type: "content_block_stop", index: 0 },
    { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} } },
    { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"city":"Oslo"}' } },
    { type: "content_block_stop", index: 1 },
    { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 20 } },
    { type: "message_stop" },
  ];
  const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
  const { chunks, bodies } = await runAgainst("anthropic", [{ pieces: [new TextEncoder().encode(sse)] }, fixture("anthropic", "text.sse")], ALL);
  assert.deepEqual(shape(chunks).slice(0, 6), ["thinking@0", "thinking@0", "tool_call_delta@0", "tool_call_delta@0", "tool_call@0", "tool_result@0"]);
  assert.deepEqual(bodies[1]!.messages.slice(1), [
    { role: "assistant", content: [{ type: "thinking", thinking: "Need the weather.", signature: "SIG==" }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: '{"tool":"get_weather","args":{"city":"Oslo"}}' }] },
  ]);
});

test("openai: arguments that are not JSON go back as an error result, the call as it was sent; execute is not called", async () => {
  let called = false;
  const t = tool({ name: "get_weather", parameters: { type: "object" }, execute: () => { called = true; return 1; } });
  const frame = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const sse = [
    frame({ role: "assistant", tool_calls: [{ index: 0, id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city": "Pa' } }] }),
    frame({}, "tool_calls"),
    "data: [DONE]\n\n",
  ].join("");
  const { chunks, bodies } = await runAgainst("openai", [{ pieces: [new TextEncoder().encode(sse)] }, fixture("openai", "text.sse")], [t]);
  assert.equal(called, false);
  const message = 'The arguments of "get_weather" are not a JSON object ("{\\"city\\": \\"Pa"); the tool was not run.';
  assert.deepEqual(chunks.find((c) => c.type === "tool_result")!.metadata.toolResult, { id: "call_x", name: "get_weather", result: message, isError: true });
  assert.deepEqual(bodies[1]!.messages.slice(1), [
    { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city": "Pa' } }] },
    { role: "tool", content: message, tool_call_id: "call_x" },
  ]);
});
