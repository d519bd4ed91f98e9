import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { Agent, createMockProvider, ProviderError, StreamInterruptedError, tool, type MockTurn, type StreamChunk } from "../../src/index.js";

/** "type@step" for each chunk, the shape every sequence assertion compares. */
const shape = (chunks: StreamChunk[]) => chunks.map((c) => `${c.type}@${c.metadata.step}`);

async function drain(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

const weather = tool({
  name: "get_weather",
  description: "Current weather in a city",
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, tempC: 21 }),
});

function agentWith(responses: Array<MockTurn | string>, tools = [weather], extra: { maxSteps?: number } = {}) {
  const provider = createMockProvider({ responses });
  const agent = new Agent({ provider, model: "mock-1", tools, ...extra });
  return { agent, provider };
}

test("one tool: the call runs, its result streams, the next model call answers; one final with usage summed", async () => {
  const { agent, provider } = agentWith([
    { text: "Checking.", toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }], usage: { inputTokens: 10, outputTokens: 5 } },
    { text: "It is 21 C.", usage: { inputTokens: 20, outputTokens: 4 } },
  ]);
  const stream = agent.stream("Weather in Paris?");
  const chunks = await drain(stream);
  assert.deepEqual(shape(chunks), ["text@0", "tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "text@1", "text@1", "text@1", "final@1"]);
  assert.equal(chunks.map((c) => c.content).join(""), "Checking.It is 21 C.");
  assert.deepEqual(chunks[3]!.metadata.toolResult, { id: "c1", name: "get_weather", result: { city: "Paris", tempC: 21 } });
  const final = chunks.at(-1)!;
  assert.equal(chunks.filter((c) => c.type === "final").length, 1);
  assert.deepEqual(final.metadata.usage, { inputTokens: 30, outputTokens: 9, totalTokens: 39 });
  assert.equal(final.metadata.finishReason, "stop");
  // The second model call sees the whole round, in the neutral form every provider converts.
  assert.deepEqual(provider.calls[1]!.messages, [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: "Checking.", toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" }, argumentsText: '{"city":"Paris"}' }] },
    { role: "tool", content: '{"city":"Paris","tempC":21}', toolCallId: "c1", toolName: "get_weather" },
  ]);
  assert.deepEqual(agent.history.at(-1), { role: "assistant", content: "It is 21 C." });
  assert.equal(agent.history.length, 4);
  assert.equal(stream.result?.steps.length, 2);
  assert.equal(stream.result?.content, "It is 21 C.");
});

test("two tools of one step run concurrently (each starts before either ends) and results stream as each finishes", async () => {
  const started: string[] = [];
  let bothStarted!: () => void;
  const barrier = new Promise<void>((resolve) => (bothStarted = resolve));
  const slow = (name: string, waitMore: boolean) =>
    tool({
      name,
      parameters: { type: "object", properties: {} },
      execute: async () => {
        started.push(name);
        if (started.length === 2) bothStarted();
        await barrier;
        if (waitMore) await new Promise((r) => setImmediate(r));
        return `${name} done`;
      },
    });
  const { agent, provider } = agentWith(
    [{ toolCalls: [{ id: "a", name: "first", arguments: {} }, { id: "b", name: "second", arguments: {} }] }, "Both done."],
    [slow("first", true), slow("second", false)],
  );
  const chunks = await drain(agent.stream("go"));
  assert.deepEqual(started, ["first", "second"]);
  const results = chunks.filter((c) => c.type === "tool_result").map((c) => c.metadata.toolResult!.id);
  assert.deepEqual(results, ["b", "a"], "the faster tool's result comes first");
  // Messages go back in call order.
  assert.deepEqual(provider.calls[1]!.messages.slice(2).map((m) => m.toolCallId), ["a", "b"]);
});

test("a tool that throws becomes an error result the model reads, and the loop goes on", async () => {
  const broken = tool({ name: "get_weather", parameters: z.object({ city: z.string() }), execute: () => { throw new Error("station offline"); } });
  const { agent, provider } = agentWith([{ toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Oslo" } }] }, "Sorry."], [broken]);
  const chunks = await drain(agent.stream("Weather?"));
  assert.deepEqual(shape(chunks), ["tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"]);
  assert.deepEqual(chunks[2]!.metadata.toolResult, { id: "c1", name: "get_weather", result: 'Tool "get_weather" failed: station offline', isError: true });
  assert.deepEqual(provider.calls[1]!.messages.at(-1), {
    role: "tool", content: 'Tool "get_weather" failed: station offline', toolCallId: "c1", toolName: "get_weather", isError: true,
  });
});

test("arguments that fail the schema are an error result and execute is not called", async () => {
  let called = false;
  const strict = tool({ name: "get_weather", parameters: z.object({ city: z.string() }), execute: () => { called = true; return "x"; } });
  const { agent } = agentWith([{ toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: 42 } }] }, "ok"], [strict]);
  const chunks = await drain(agent.stream("Weather?"));
  const result = chunks.find((c) => c.type === "tool_result")!.metadata.toolResult!;
  assert.equal(result.isError, true);
  assert.match(String(result.result), /^Invalid arguments for "get_weather": city: .*expected string/);
  assert.equal(called, false);
});

test("a JSON Schema tool validates its arguments with the JSON Schema", async () => {
  const jsonTool = tool({
    name: "add",
    parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    execute: ({ a, b }) => (a as number) + (b as number),
  });
  const { agent } = agentWith([{ toolCalls: [{ id: "x", name: "add", arguments: { a: 1, b: "2" } }, { id: "y", name: "add", arguments: { a: 1, b: 2 } }] }, "3"], [jsonTool]);
  const results = (await drain(agent.stream("1+2"))).filter((c) => c.type === "tool_result").map((c) => c.metadata.toolResult!);
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  assert.equal(byId["x"]!.isError, true);
  assert.match(String(byId["x"]!.result), /#\/b: .*number/);
  assert.deepEqual(byId["y"], { id: "y", name: "add", result: 3 });
});

test("an unknown tool name is an error result that lists the tools", async () => {
  const { agent } = agentWith([{ toolCalls: [{ id: "c1", name: "get_wether", arguments: {} }] }, "ok"]);
  const chunks = await drain(agent.stream("Weather?"));
  assert.deepEqual(chunks.find((c) => c.type === "tool_result")!.metadata.toolResult, {
    id: "c1", name: "get_wether", result: 'Unknown tool "get_wether". The available tools are: get_weather.', isError: true,
  });
  assert.deepEqual(shape(chunks).slice(-2), ["text@1", "final@1"]);
});

test("a tool that outlives its timeout is an error result, and its signal aborts", async () => {
  let sawAbort = false;
  const stuck = tool({
    name: "wait", parameters: { type: "object" }, timeout: 20,
    execute: (_args, { signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => { sawAbort = true; reject(signal.reason); })),
  });
  const { agent } = agentWith([{ toolCalls: [{ id: "c1", name: "wait", arguments: {} }] }, "ok"], [stuck]);
  const chunks = await drain(agent.stream("go"));
  assert.deepEqual(chunks.find((c) => c.type === "tool_result")!.metadata.toolResult, { id: "c1", name: "wait", result: 'Tool "wait" timed out after 20 ms.', isError: true });
  assert.equal(sawAbort, true);
});

test("maxSteps ends the run with finishReason tool_calls, not an error, after that many model calls", async () => {
  const { agent, provider } = agentWith([{ toolCalls: [{ id: "c", name: "get_weather", arguments: { city: "Rome" } }] }], [weather], { maxSteps: 2 });
  const chunks = await drain(agent.stream("loop"));
  assert.deepEqual(shape(chunks), ["tool_call_delta@0", "tool_call@0", "tool_result@0", "tool_call_delta@1", "tool_call@1", "tool_result@1", "final@1"]);
  assert.equal(chunks.at(-1)!.metadata.finishReason, "tool_calls");
  assert.equal(provider.calls.length, 2);
  // The history stays whole: every call has its result.
  assert.deepEqual(agent.history.map((m) => m.role), ["user", "assistant", "tool", "assistant", "tool"]);
});

test("abort during a tool aborts the tool's signal, ends the stream as 'aborted', makes no further call, keeps the history", async () => {
  let toolSignal: AbortSignal | undefined;
  let entered!: () => void;
  const inTool = new Promise<void>((r) => (entered = r));
  const hang = tool({
    name: "hang", parameters: { type: "object" },
    execute: (_a, { signal }) => { toolSignal = signal; entered(); return new Promise(() => {}); }, // ignores its signal
  });
  const { agent, provider } = agentWith([{ text: "Working", toolCalls: [{ id: "c1", name: "hang", arguments: {} }] }, "never"], [hang]);
  const controller = new AbortController();
  const seen: StreamChunk[] = [];
  const run = (async () => {
    for await (const c of agent.stream("go", { signal: controller.signal })) seen.push(c);
  })();
  await inTool;
  controller.abort();
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "aborted");
    assert.equal(error.partialResponse, "Working");
    return true;
  });
  assert.equal(toolSignal?.aborted, true);
  assert.equal(provider.calls.length, 1);
  assert.deepEqual(agent.history, []);
  assert.deepEqual(shape(seen), ["text@0", "tool_call_delta@0", "tool_call@0"]);
});

test("return() (what break calls) during a tool aborts the tool's signal and makes no further call", async () => {
  let toolSignal: AbortSignal | undefined;
  let entered!: () => void;
  const inTool = new Promise<void>((r) => (entered = r));
  const hang = tool({ name: "hang", parameters: { type: "object" }, execute: (_a, { signal }) => { toolSignal = signal; entered(); return new Promise(() => {}); } });
  const { agent, provider } = agentWith([{ toolCalls: [{ id: "c1", name: "hang", arguments: {} }] }, "never"], [hang]);
  const stream = agent.stream("go");
  for (let r = await stream.next(); !r.done && r.value.type !== "tool_call"; r = await stream.next()) {
    // up to the call
  }
  const pending = stream.next(); // the run now executes the tool
  await inTool;
  await stream.return();
  await assert.rejects(pending, (e: unknown) => e instanceof StreamInterruptedError && e.reason === "aborted");
  assert.equal(toolSignal?.aborted, true);
  assert.equal(provider.calls.length, 1);
  assert.equal(agent.history.length, 0);
});

test("a tool without execute ends the stream at its call with finishReason tool_calls, for the caller to run", async () => {
  const { agent, provider } = agentWith(
    [{ toolCalls: [{ id: "c1", name: "lookup", arguments: { q: "x" } }] }, "never"],
    [{ name: "lookup", description: "Looks up", parameters: { type: "object", properties: { q: { type: "string" } } } }] as never,
  );
  const chunks = await drain(agent.stream("find x"));
  assert.deepEqual(shape(chunks), ["tool_call_delta@0", "tool_call@0", "final@0"]);
  assert.equal(chunks.at(-1)!.metadata.finishReason, "tool_calls");
  assert.equal(provider.calls.length, 1);
});

test("a second turn after a tool round sends the whole first turn", async () => {
  const { agent, provider } = agentWith([
    { text: "Let me look.", toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }] },
    "21 C in Paris.",
    "You are welcome.",
  ]);
  await drain(agent.stream("Weather in Paris?"));
  await drain(agent.stream("Thanks!"));
  assert.deepEqual(provider.calls[2]!.messages.map((m) => [m.role, m.content]), [
    ["user", "Weather in Paris?"],
    ["assistant", "Let me look."],
    ["tool", '{"city":"Paris","tempC":21}'],
    ["assistant", "21 C in Paris."],
    ["user", "Thanks!"],
  ]);
});

test("a step cut by length runs no tool, even when it holds tool calls", async () => {
  let called = false;
  const t = tool({ name: "get_weather", parameters: z.object({ city: z.string() }), execute: () => { called = true; return 1; } });
  const { agent, provider } = agentWith([{ toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "P" } }], finishReason: "length" }], [t]);
  const chunks = await drain(agent.stream("x"));
  assert.equal(called, false);
  assert.equal(provider.calls.length, 1);
  assert.equal(chunks.at(-1)!.metadata.finishReason, "length");
});

test("a run that breaks mid-stream leaves the history as it was", async () => {
  const { agent } = agentWith([
    { toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }] },
    { text: "one two three", interrupt: { afterChunks: 1, reason: "network" } },
  ]);
  await assert.rejects(drain(agent.stream("x")), (e: unknown) => e instanceof StreamInterruptedError && e.reason === "network" && e.partialResponse === "one");
  assert.deepEqual(agent.history, []);
});

test("agent.arun runs the same loop without streaming and returns the final answer with its steps", async () => {
  const { agent, provider } = agentWith([
    { text: "Checking.", toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }], usage: { inputTokens: 1, outputTokens: 2 } },
    { text: "21 C.", usage: { inputTokens: 3, outputTokens: 4 } },
  ]);
  const response = await agent.arun("Weather?");
  assert.equal(response.content, "21 C.");
  assert.deepEqual(response.usage, { inputTokens: 4, outputTokens: 6, totalTokens: 10 });
  assert.equal(response.steps.length, 2);
  assert.deepEqual(response.steps[0]!.toolResults, [{ id: "c1", name: "get_weather", result: { city: "Paris", tempC: 21 } }]);
  assert.equal(provider.calls.length, 2);
  assert.equal(agent.history.length, 4);
});

test("tool() rejects bad names and duplicate names at construction", () => {
  assert.throws(() => tool({ name: "has space", parameters: { type: "object" } }), /name.*1-64 letters/);
  assert.throws(() => new Agent({ provider: "mock", tools: [weather, weather] }), /duplicate tool name "get_weather"/);
  assert.throws(() => tool({ name: "t", parameters: z.string() as never }), /must describe an object/);
  assert.throws(() => new Agent({ provider: "mock", maxSteps: 0 }), /maxSteps/);
});

test("the provider is sent each tool's JSON Schema (zod converted), without zod's $schema", async () => {
  const { agent, provider } = agentWith(["hi"]);
  await drain(agent.stream("x"));
  assert.deepEqual(provider.calls[0]!.tools, [{
    name: "get_weather", description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  }]);
});

test("without tools every chunk has metadata.step 0 and the stream is one step", async () => {
  const agent = new Agent({ provider: createMockProvider({ responses: ["a b c"] }) });
  const chunks = await drain(agent.stream("x"));
  assert.deepEqual(shape(chunks), ["text@0", "text@0", "text@0", "final@0"]);
});

test("a later model call refused before its first chunk ends the run as an interruption holding the text already delivered", async () => {
  const { agent } = agentWith([
    { text: "Checking.", toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }] },
    { httpError: { status: 500, message: "server fell over" } },
  ]);
  const stream = agent.stream("Weather in Paris?");
  const error = await drain(stream).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError, `an interruption, got ${String(error)}`);
  assert.equal(error.reason, "provider");
  assert.equal(error.partialResponse, "Checking.");
  assert.equal(error.partialResponse, stream.text);
  assert.match(error.message, /server fell over/);
  assert.equal(agent.history.length, 0, "a broken run leaves the history as it was");
});

test("the first model call refused is still a ProviderError (nothing was streamed)", async () => {
  const { agent } = agentWith([{ httpError: { status: 500, message: "server fell over" } }]);
  const error = await drain(agent.stream("Hi")).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ProviderError && error.status === 500, `a ProviderError, got ${String(error)}`);
});
