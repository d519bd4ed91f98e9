import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Agent, ConfigurationError, createMockProvider, ProviderError, StreamInterruptedError, StreamingResponse,
  collectStream, type StreamChunk,
} from "../../src/index.js";

async function drain(stream: AsyncIterable<StreamChunk>) {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

test("agent.stream yields text chunks whose contents make exactly the answer, then one final chunk", async () => {
  const mock = createMockProvider({ responses: ["Why did the chicken cross the road?"] });
  const agent = new Agent({ name: "StreamBot", provider: mock });
  const chunks = await drain(agent.stream("Tell me a joke"));
  assert.equal(chunks.map((c) => c.content).join(""), "Why did the chicken cross the road?");
  const final = chunks.at(-1);
  assert.equal(final?.type, "final");
  assert.equal(final?.isFinal, true);
  assert.equal(chunks.filter((c) => c.isFinal).length, 1);
  assert.equal(final?.metadata.finishReason, "stop");
  assert.ok(chunks.slice(0, -1).every((c) => c.type === "text" && c.content.length > 0));
});

test("the mock provider with no script answers any prompt with a short deterministic text", async () => {
  const agent = new Agent({ provider: "mock" });
  const first = await collectStream(agent.stream("Tell me a joke"));
  agent.clearHistory();
  const second = await collectStream(agent.stream("Tell me a joke"));
  assert.equal(first.completeText, second.completeText);
  assert.match(first.completeText, /Tell me a joke/);
  assert.ok(first.chunkCount > 3);
});

test("instructions become the system message and history is kept across calls until cleared", async () => {
  const mock = createMockProvider({ responses: ["First answer.", "Second answer."] });
  const agent = new Agent({ provider: mock, instructions: "Be terse." });
  await drain(agent.stream("one"));
  await drain(agent.stream("two"));
  const second = mock.calls[1];
  assert.deepEqual(second?.messages.map((m) => [m.role, m.content]), [
    ["system", "Be terse."],
    ["user", "one"],
    ["assistant", "First answer."],
    ["user", "two"],
  ]);
  assert.equal(agent.history.length, 4);
  agent.clearHistory();
  assert.equal(agent.history.length, 0);
  await drain(agent.stream("three"));
  assert.deepEqual(mock.calls[2]?.messages.map((m) => m.content), ["Be terse.", "three"]);
});

test("per-call temperature and maxTokens override the agent's, and reach the provider", async () => {
  const mock = createMockProvider();
  const agent = new Agent({ provider: mock, temperature: 0.2, maxTokens: 100 });
  await drain(agent.stream("Write a haiku", { temperature: 0.9, maxTokens: 50 }));
  await drain(agent.stream("again"));
  assert.equal(mock.calls[0]?.temperature, 0.9);
  assert.equal(mock.calls[0]?.maxTokens, 50);
  assert.equal(mock.calls[1]?.temperature, 0.2);
  assert.equal(mock.calls[1]?.maxTokens, 100);
});

test("a per-call signal aborts the stream with the partial text, and nothing is added to history", async () => {
  const agent = new Agent({ provider: createMockProvider({ responses: ["one two three four five"], latencyMs: 5 }) });
  const controller = new AbortController();
  let text = "";
  await assert.rejects(
    async () => {
      for await (const chunk of agent.stream("count", { signal: controller.signal })) {
        text += chunk.content;
        if (text === "one two") controller.abort();
      }
    },
    (error: unknown) => error instanceof StreamInterruptedError && error.reason === "aborted" && error.partialResponse === "one two",
  );
  assert.equal(agent.history.length, 0);
});

test("breaking out of agent.stream early aborts the provider's stream", async () => {
  let providerSignal: AbortSignal | undefined;
  const mock = createMockProvider({ responses: ["a b c d e f"], latencyMs: 1 });
  const original = mock.stream.bind(mock);
  mock.stream = (request, options) => {
    const stream = original(request, options);
    providerSignal = stream.signal;
    return stream;
  };
  const agent = new Agent({ provider: mock });
  for await (const chunk of agent.stream("go")) if (chunk.content.includes("b")) break;
  assert.equal(providerSignal?.aborted, true);
  assert.equal(agent.history.length, 0);
});

test("a provider interruption reaches the caller as StreamInterruptedError with the partial text", async () => {
  const mock = createMockProvider({
    responses: [{ text: "alpha beta gamma", interrupt: { afterChunks: 2, reason: "network" } }],
  });
  const agent = new Agent({ provider: mock });
  const response = new StreamingResponse();
  await assert.rejects(
    async () => {
      for await (const chunk of agent.stream("x")) response.addChunk(chunk);
    },
    (error: unknown) => error instanceof StreamInterruptedError && error.reason === "network" && error.partialResponse === "alpha beta",
  );
  assert.equal(response.completeText, "alpha beta");
});

test("a scripted provider error at chunk k carries a ProviderError cause and the text before it", async () => {
  const mock = createMockProvider({ responses: [{ text: "one two three", interrupt: { afterChunks: 1, reason: "provider", message: "Overloaded" } }] });
  await assert.rejects(drain(new Agent({ provider: mock }).stream("x")), (error: unknown) => {
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, "provider");
    assert.equal(error.partialResponse, "one");
    assert.ok(error.cause instanceof ProviderError);
    assert.equal(error.cause.providerMessage, "Overloaded");
    return true;
  });
});

test("an HTTP error before the first chunk is a ProviderError with its status", async () => {
  const agent = new Agent({ provider: createMockProvider({ responses: [{ httpError: { status: 429, retryAfterMs: 1000 } }] }) });
  await assert.rejects(drain(agent.stream("x")), (error: unknown) => {
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 1000);
    assert.equal(error.retryable, true);
    return true;
  });
});

test("when the provider cannot stream, agent.stream yields the whole completion as one text chunk and a final chunk marked streamed false", async () => {
  const agent = new Agent({ provider: createMockProvider({ streaming: false, responses: ["All at once."] }) });
  assert.equal(agent.getProviderInfo().supportsStreaming, false);
  const chunks = await drain(agent.stream("x"));
  assert.deepEqual(chunks.map((c) => c.type), ["text", "final"]);
  assert.equal(chunks[0]?.content, "All at once.");
  assert.equal(chunks[1]?.metadata.streamed, false);
  assert.equal(agent.history.at(-1)?.content, "All at once.");
});

test("agent.arun returns the whole answer with usage and records it in history", async () => {
  const agent = new Agent({ provider: createMockProvider({ responses: ["A plain answer."] }) });
  const response = await agent.arun("Tell me a joke");
  assert.equal(response.content, "A plain answer.");
  assert.equal(response.usage?.outputTokens, 3);
  assert.equal(response.finishReason, "stop");
  assert.deepEqual(agent.history.map((m) => m.role), ["user", "assistant"]);
});

test("thinking and tool calls arrive as typed chunks with their payload in metadata", async () => {
  const mock = createMockProvider({
    responses: [{ thinking: "Need weather.", toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] }],
  });
  const chunks = await drain(new Agent({ provider: mock }).stream("Weather?"));
  assert.deepEqual(chunks.map((c) => c.type), ["thinking", "tool_call_delta", "tool_call", "final"]);
  assert.equal(chunks[0]?.metadata.thinking, "Need weather.");
  assert.deepEqual(chunks[2]?.metadata.toolCall, {
    id: "call_1", name: "get_weather", arguments: { city: "Paris" }, argumentsText: '{"city":"Paris"}',
  });
  assert.equal(chunks[3]?.metadata.finishReason, "tool_calls");
  assert.ok(chunks.every((c) => c.content === ""));
});

test("getProviderInfo reports provider, model and settings", () => {
  const agent = new Agent({ provider: "mock", model: "mock-large", temperature: 0.5, maxTokens: 42 });
  const info = agent.getProviderInfo();
  assert.equal(info.provider, "mock");
  assert.equal(info.model, "mock-large");
  assert.equal(info.supportsStreaming, true);
  assert.equal(info.supportsTools, true);
  assert.equal(info.temperature, 0.5);
  assert.equal(info.maxTokens, 42);
});

test("setProvider switches provider and rolls back when the new one cannot be made", () => {
  const agent = new Agent({ provider: "mock" });
  assert.throws(() => agent.setProvider("no-such-provider"), (e: unknown) => e instanceof ConfigurationError && /no-such-provider/.test(e.message));
  assert.equal(agent.getProviderInfo().provider, "mock");
  assert.throws(() => agent.setProvider("mock", { temperature: 7 }), (e: unknown) => e instanceof ConfigurationError && e.option === "temperature");
  assert.equal(agent.getProviderInfo().temperature, undefined);
  agent.setProvider("mock", { model: "mock-2" });
  assert.equal(agent.getProviderInfo().model, "mock-2");
});

test("listAvailableProviders includes the mock provider", () => {
  assert.ok(new Agent({ provider: "mock" }).listAvailableProviders().includes("mock"));
});

test("bad options are clear errors that name the option", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ temperature: 3 }, "temperature"],
    [{ temperature: "hot" }, "temperature"],
    [{ maxTokens: 0 }, "maxTokens"],
    [{ maxTokens: 1.5 }, "maxTokens"],
    [{ timeout: -5 }, "timeout"],
    [{ maxRetries: -1 }, "maxRetries"],
    [{ baseUrl: "not a url" }, "baseUrl"],
    [{ model: "" }, "model"],
    [{ max_tokens: 10 }, "max_tokens"],
    [{ provider: 42 }, "provider"],
    [{ tools: [{ name: "bad name!", parameters: {} }] }, "tools[0].name"],
  ];
  for (const [options, option] of cases) {
    assert.throws(
      () => new Agent({ provider: "mock", ...options } as never),
      (e: unknown) => e instanceof ConfigurationError && e.option === option && e.message.includes(option),
      `expected a ConfigurationError naming ${option}`,
    );
  }
  const agent = new Agent({ provider: "mock" });
  assert.throws(() => agent.stream("x", { temperature: -1 }), (e: unknown) => e instanceof ConfigurationError && e.option === "temperature");
  assert.throws(() => agent.stream(""), (e: unknown) => e instanceof ConfigurationError && e.option === "prompt");
});

test("a model no provider claims is an error listing the choices", () => {
  assert.throws(() => new Agent({ model: "mystery-model-9" }), (e: unknown) => {
    assert.ok(e instanceof ConfigurationError);
    assert.equal(e.option, "model");
    assert.match(e.message, /mock/);
    return true;
  });
});
