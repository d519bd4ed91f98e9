/**
 * Streams that heal, end to end at the Agent level (issue 11): the run heals each model call over the
 * emulator's fault injection for every protocol; failover hands over before and after the first chunk; limits,
 * aborts and hopeless errors end the run as they did; the history records the healed answer as one turn.
 * `fail-first=1` faults only the first attempt, so the continuation request (same path, same header) is whole.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { Agent, ConfigurationError, ProviderError, StreamInterruptedError, tool, type StreamChunk } from "../../src/index.js";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import type { AgentOptions, CallSettings } from "../../src/agent/options.js";
import type { CompletionResult, Provider } from "../../src/providers/provider.js";
import { ChunkStream } from "../../src/stream/chunk-stream.js";

const ANSWER =
  "Streams break. 😀 Café au lait, naïve résumé!\n\nSecond paragraph: the quick brown fox — 中文 — jumps over the lazy dog.  Done, at last.";
const WORDS = ANSWER.match(/\s*\S+/g)!;
const PIECES = WORDS.length;
type Protocol = "openai" | "anthropic" | "ollama" | "responses";
const PROTOCOLS: Protocol[] = ["openai", "anthropic", "ollama", "responses"];
const MODEL: Record<Protocol, string> = { openai: "gpt-4o-mini", anthropic: "claude-sonnet-4-5", ollama: "llama3.2", responses: "gpt-4.1" };
const FAULTS = ["drop-after", "error-after", "malformed-after", "stall-after"] as const;
/** The reason the reliability issue gives each fault when nothing heals it. */
const REASON: Record<(typeof FAULTS)[number], string> = { "drop-after": "network", "error-after": "provider", "malformed-after": "provider", "stall-after": "timeout" };
const IDLE_TIMEOUT = 150;

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { rules: [{ match: "weather", reply: { toolCalls: [{ id: "call_w", name: "get_weather", arguments: { city: "Rome" } }] } }], default: { text: ANSWER } } });
});
after(() => server.close());

let caseNumber = 0;
/** A unique attempt-counter key and request tag per test case. */
const nextCase = () => `case${++caseNumber}`;

/** Options of an agent on the emulator for `protocol`, with extra request headers (faults, a tag to count requests). */
function on(protocol: Protocol, headers: Record<string, string> = {}): AgentOptions {
  const provider = protocol === "responses" ? "openai" : protocol;
  const providerOptions: Record<string, unknown> = { headers };
  if (protocol === "responses") providerOptions.api = "responses";
  return {
    provider, model: MODEL[protocol], apiKey: "test-key", maxRetries: 0, providerOptions,
    baseUrl: provider === "openai" ? server.openaiBaseUrl : server.url,
  };
}

/** As a fallback entry. */
function fallback(protocol: Protocol, headers: Record<string, string> = {}): NonNullable<AgentOptions["fallbacks"]>[number] {
  const { provider, model, baseUrl, providerOptions } = on(protocol, headers);
  return { provider: provider as string, model: model!, baseUrl: baseUrl!, providerOptions: providerOptions!, apiKey: "test-key" };
}

async function run(agent: Agent, prompt = "Tell me something", settings: CallSettings = {}) {
  const stream = agent.stream(prompt, settings);
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, text: chunks.map((c) => c.content).join(""), error, result: undefined };
  }
  return { chunks, text: chunks.map((c) => c.content).join(""), error: undefined, result: stream.result };
}

const requestsTagged = (tag: string) => server.requests.filter((r) => r.headers["x-test-case"] === tag).length;
const positions = (n: number) => [0, 1, 4, 11, n - 1, n];

for (const protocol of PROTOCOLS) {
  describe(`Agent heals every mid-stream fault over ${protocol}`, () => {
    for (const fault of FAULTS) {
      test(`${fault}: recover "continue" gives the unbroken answer exactly, at every position`, async () => {
        for (const n of positions(PIECES)) {
          const tag = nextCase();
          const headers = { "x-emulator-fault": `${fault}=${n},fail-first=1,key=${tag}`, "x-emulator-restart-words": "2", "x-test-case": tag };
          const agent = new Agent({ ...on(protocol, headers), recover: "continue", ...(fault === "stall-after" ? { timeout: IDLE_TIMEOUT } : {}) });
          const { text, chunks, error, result } = await run(agent);
          assert.equal(error, undefined, `${fault}=${n}: ${String(error)}`);
          assert.equal(text, ANSWER, `${fault}=${n}`);
          assert.equal(requestsTagged(tag), 2, `${fault}=${n}: one continuation request`);
          const firstRecovered = chunks.findIndex((c) => c.metadata.recovered !== undefined);
          assert.ok(firstRecovered >= 0, `${fault}=${n}: chunks say they were recovered`);
          assert.ok(chunks.slice(firstRecovered).every((c) => c.metadata.recovered === 2), `${fault}=${n}: recovered on attempt 2`);
          assert.equal(chunks.slice(0, firstRecovered).map((c) => c.content).join(""), WORDS.slice(0, n).join(""), `${fault}=${n}: delivered before the break`);
          assert.ok(chunks.every((c) => c.metadata.step === 0), "chunks.every((c) => c.metadata.step === 0)");
          const final = chunks.at(-1)!;
          assert.equal(final.type, "final");
          assert.equal(final.metadata.finishReason, "stop");
          assert.deepEqual(final.metadata.usage, result?.usage);
          assert.equal(result?.content, ANSWER);
          // The history holds the healed answer as one assistant turn.
          assert.deepEqual(agent.history.map((m) => [m.role, m.content]), [["user", "Tell me something"], ["assistant", ANSWER]]);
        }
      });

      test(`${fault}: without recover the error is the reliability issue's, unchanged (one request, exact partial text, no attempts)`, async () => {
        for (const n of [1, 11]) {
          const tag = nextCase();
          const agent = new Agent({ ...on(protocol, { "x-emulator-fault": `${fault}=${n}`, "x-test-case": tag }), ...(fault === "stall-after" ? { timeout: IDLE_TIMEOUT } : {}) });
          const { text, error } = await run(agent);
          assert.ok(error instanceof StreamInterruptedError, `${fault}=${n}: ${String(error)}`);
          assert.equal(error.reason, REASON[fault]);
          assert.equal(error.attempts, undefined);
          assert.equal(error.partialResponse, text);
          assert.equal(text, WORDS.slice(0, n).join(""));
          assert.equal(requestsTagged(tag), 1);
          assert.deepEqual(agent.history, []);
        }
      });
    }
  });
}

test("Responses API in background mode: the provider's own resume heals a drop first; no continuation is sent", async () => {
  const tag = nextCase();
  const options = on("responses", { "x-emulator-fault": "drop-after=5", "x-test-case": tag });
  options.providerOptions = { ...options.providerOptions, background: true };
  const agent = new Agent({ ...options, recover: "continue" });
  const { text, chunks, error } = await run(agent);
  assert.equal(error, undefined, String(error));
  assert.equal(text, ANSWER);
  assert.ok(chunks.every((c) => c.metadata.recovered === undefined), "no chunk comes from a continuation");
  const tagged = server.requests.filter((r) => r.headers["x-test-case"] === tag);
  assert.deepEqual(tagged.map((r) => r.method), ["POST", "GET"], "the original request, then one resume");
});

describe("Agent recovery options", () => {
  test("recover is validated: a bad value is a ConfigurationError naming the option, at construction and per call", () => {
    assert.throws(() => new Agent({ ...on("ollama"), recover: "yes" as never }), (e: unknown) => e instanceof ConfigurationError && e.option === "recover" && /"continue" or "off", got "yes"/.test(e.message));
    const agent = new Agent(on("ollama"));
    assert.throws(() => agent.stream("hi", { recover: "always" as never }), (e: unknown) => e instanceof ConfigurationError && e.option === "recover");
    assert.throws(() => new Agent({ ...on("ollama"), maxRecoveryAttempts: -1 }), (e: unknown) => e instanceof ConfigurationError && e.option === "maxRecoveryAttempts");
    assert.throws(() => new Agent({ ...on("ollama"), maxRecoveryMs: Number.NaN }), (e: unknown) => e instanceof ConfigurationError && e.option === "maxRecoveryMs");
  });

  test("the Agent-level default recover, overridden per call by agent.stream(p, { recover })", async () => {
    const fault = (tag: string) => ({ "x-emulator-fault": `drop-after=5,fail-first=1,key=${tag}`, "x-test-case": tag });
    let tag = nextCase();
    const healing = new Agent({ ...on("anthropic", fault(tag)), recover: "continue" });
    assert.equal(healing.getProviderInfo().recover, "continue");
    assert.equal((await run(healing)).text, ANSWER);
    tag = nextCase();
    const off = new Agent({ ...on("anthropic", fault(tag)), recover: "continue" });
    const broken = await run(off, "Tell me something", { recover: "off" });
    assert.ok(broken.error instanceof StreamInterruptedError, "broken.error instanceof StreamInterruptedError");
    assert.equal(broken.text, WORDS.slice(0, 5).join(""));
    tag = nextCase();
    const plain = new Agent(on("openai", fault(tag)));
    assert.equal((await run(plain, "Tell me something", { recover: "continue" })).text, ANSWER);
    assert.equal(requestsTagged(tag), 2);
  });

  test("an abort by the caller mid-stream is never recovered: reason aborted, one request", async () => {
    const tag = nextCase();
    const agent = new Agent({ ...on("ollama", { "x-emulator-tps": "40", "x-test-case": tag }), recover: "continue", fallbacks: [fallback("openai")] });
    const controller = new AbortController();
    const stream = agent.stream("Tell me something", { signal: controller.signal });
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) {
        text += chunk.content;
        if (text.length > 10) controller.abort();
      }
    })().catch((e: unknown) => e);
    assert.ok(error instanceof StreamInterruptedError, "error instanceof StreamInterruptedError");
    assert.equal(error.reason, "aborted");
    assert.equal(error.attempts, undefined);
    assert.ok(ANSWER.startsWith(error.partialResponse) && error.partialResponse.length > 10, "ANSWER.startsWith(error.partialResponse) && error.partialResponse.leng");
    assert.equal(requestsTagged(tag), 1);
    assert.equal(server.requests.filter((r) => r.path.startsWith("/v1/chat")).filter((r) => r.headers["x-test-case"] === tag).length, 0, "no failover");
  });

  test("a 400 or 401 is never recovered nor failed over; a ConfigurationError neither", async () => {
    for (const status of [400, 401]) {
      const tag = nextCase();
      const backup = nextCase();
      const agent = new Agent({ ...on("openai", { "x-emulator-fault": `status=${status}`, "x-test-case": tag }), recover: "continue", fallbacks: [fallback("ollama", { "x-test-case": backup })] });
      const { error } = await run(agent);
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.status, status);
      assert.equal(requestsTagged(tag), 1);
      assert.equal(requestsTagged(backup), 0);
    }
    // A ConfigurationError at request time (here a fallback that cannot be used) ends the run: no next provider is tried.
    const backup = nextCase();
    const unusable: Provider = {
      name: "unusable", supportsStreaming: true, supportsTools: true, supportsThinking: false, settings: { timeout: 1000, maxRetries: 0 },
      stream: () => new ChunkStream<CompletionResult>(async function* () { throw new ConfigurationError("apiKey", "no key for unusable"); }),
      complete: () => Promise.reject(new ConfigurationError("apiKey", "no key for unusable")),
    };
    const agent = new Agent({
      ...on("anthropic", { "x-emulator-fault": "status=529" }), recover: "continue",
      fallbacks: [{ provider: unusable, model: "m" }, fallback("ollama", { "x-test-case": backup })],
    });
    const { error } = await run(agent);
    // After the first attempt an unrecoverable failure ends recovery: the error lists the attempts, its cause is the ConfigurationError.
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.ok(error.cause instanceof ConfigurationError, String(error.cause));
    assert.deepEqual(error.attempts?.map((a) => a.provider), ["anthropic", "unusable"]);
    assert.equal(requestsTagged(backup), 0, "no provider after it is tried");
  });
});

describe("Agent failover", () => {
  test("a bad fallback is a ConfigurationError naming fallbacks[i], at construction", () => {
    const base = on("anthropic");
    const cases: Array<[unknown, RegExp, string]> = [
      [[{ provider: "nope", model: "x" }], /unknown provider "nope"/, "fallbacks[0]"],
      [[fallback("openai"), { model: "x" }], /must be a provider name/, "fallbacks[1].provider"],
      [[{ provider: "openai", model: "x", extra: 1 }], /unknown option/, "fallbacks[0].extra"],
      [[{ provider: "openai", baseUrl: "not a url" }], /absolute URL/, "fallbacks[0].baseUrl"],
      [{ provider: "openai" }, /must be an array/, "fallbacks"],
    ];
    for (const [fallbacks, message, option] of cases) {
      assert.throws(() => new Agent({ ...base, fallbacks: fallbacks as never }), (e: unknown) => e instanceof ConfigurationError && e.option === option && message.test(e.message), option);
    }
  });

  test("getProviderInfo() lists the chain: provider, model, then fallbacks [{ provider, model }, …]", () => {
    const agent = new Agent({ ...on("anthropic"), fallbacks: [fallback("openai"), { provider: "ollama", baseUrl: server.url }] });
    const info = agent.getProviderInfo();
    assert.equal(info.provider, "anthropic");
    assert.equal(info.model, "claude-sonnet-4-5");
    assert.deepEqual(info.fallbacks, [{ provider: "openai", model: "gpt-4o-mini" }, { provider: "ollama", model: "llama3.2" }]);
    assert.equal(info.recover, "off");
    assert.deepEqual(new Agent(on("ollama")).getProviderInfo().fallbacks, []);
  });

  test("before the first chunk: anthropic 529 → openai answers, its chunks say metadata.provider openai (no recover needed)", async () => {
    const agent = new Agent({ ...on("anthropic", { "x-emulator-fault": "status=529" }), fallbacks: [fallback("openai")] });
    const { text, chunks, error, result } = await run(agent);
    assert.equal(error, undefined, String(error));
    assert.equal(text, ANSWER);
    assert.ok(chunks.every((c) => c.metadata.provider === "openai"), "chunks.every((c) => c.metadata.provider === \"openai\")");
    assert.equal(result?.provider, "openai");
    assert.deepEqual(agent.history.map((m) => m.content), ["Tell me something", ANSWER]);
  });

  test("agent.arun fails over too (each step a completion): anthropic 529 → openai's answer", async () => {
    const agent = new Agent({ ...on("anthropic", { "x-emulator-fault": "status=529" }), fallbacks: [fallback("openai")] });
    const result = await agent.arun("Tell me something");
    assert.equal(result.content, ANSWER);
    assert.equal(result.provider, "openai");
  });

  test("mid-stream: anthropic drop-after=7 → ollama continues the text (instruction form, its restart removed)", async () => {
    const tag = nextCase();
    const agent = new Agent({
      ...on("anthropic", { "x-emulator-fault": "drop-after=7" }), recover: "continue",
      fallbacks: [fallback("ollama", { "x-emulator-restart-words": "3", "x-test-case": tag })],
    });
    const { text, chunks, error } = await run(agent);
    assert.equal(error, undefined, String(error));
    assert.equal(text, ANSWER);
    const byProvider = (p: string) => chunks.filter((c) => c.content !== "" && c.metadata.provider === p).map((c) => c.content).join("");
    assert.equal(byProvider("anthropic"), WORDS.slice(0, 7).join(""));
    assert.equal(byProvider("anthropic") + byProvider("ollama"), ANSWER);
    assert.ok(chunks.filter((c) => c.metadata.provider === "ollama").every((c) => c.metadata.recovered === 2), "chunks.filter((c) => c.metadata.provider === \"ollama\").every((c) => ");
    const continuation = server.requests.find((r) => r.headers["x-test-case"] === tag)!.body as { messages: Array<{ role: string; content: string }> };
    assert.equal(continuation.messages.at(-2)?.content, WORDS.slice(0, 7).join(""));
    assert.equal(continuation.messages.at(-1)?.role, "user");
  });

  test("fallbacks without recover: a mid-stream break is not continued (the text is never spliced from two models unasked)", async () => {
    const backup = nextCase();
    const agent = new Agent({ ...on("anthropic", { "x-emulator-fault": "drop-after=3" }), fallbacks: [fallback("ollama", { "x-test-case": backup })] });
    const { error, text } = await run(agent);
    assert.ok(error instanceof StreamInterruptedError, "error instanceof StreamInterruptedError");
    assert.equal(error.reason, "network");
    assert.equal(text, WORDS.slice(0, 3).join(""));
    assert.equal(requestsTagged(backup), 0);
  });

  test("all fail: one StreamInterruptedError with partialResponse and attempts [anthropic 529, openai 503, ollama 500]", async () => {
    const agent = new Agent({
      ...on("anthropic", { "x-emulator-fault": "status=529" }), recover: "continue",
      fallbacks: [fallback("openai", { "x-emulator-fault": "status=503" }), fallback("ollama", { "x-emulator-fault": "status=500" })],
    });
    const { error } = await run(agent);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.partialResponse, "");
    assert.deepEqual(error.attempts?.map((a) => [a.attempt, a.provider, (a.error as ProviderError).status]), [[1, "anthropic", 529], [2, "openai", 503], [3, "ollama", 500]]);
    assert.deepEqual(agent.history, []);
  });

  test("exhausted after output: the error carries the whole partial text of the run and every attempt", async () => {
    const agent = new Agent({
      ...on("anthropic", { "x-emulator-fault": "drop-after=3" }), recover: "continue",
      fallbacks: [fallback("openai", { "x-emulator-fault": "error-after=2" })],
    });
    const { error, text } = await run(agent);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.partialResponse, text);
    assert.ok(ANSWER.startsWith(text) && text.length > WORDS.slice(0, 3).join("").length, "the second provider's text is kept too");
    assert.deepEqual(error.attempts?.map((a) => [a.provider, a.afterOutput]), [["anthropic", true], ["openai", true], ["openai", true], ["openai", true]]);
  });
});

describe("Agent recovery limits", () => {
  test("maxRecoveryAttempts bounds the attempts of one model call; every attempt is listed", async () => {
    const tag = nextCase();
    const agent = new Agent({ ...on("ollama", { "x-emulator-fault": "drop-after=2", "x-test-case": tag }), recover: "continue", maxRecoveryAttempts: 2 });
    const { error, text } = await run(agent);
    assert.ok(error instanceof StreamInterruptedError, "error instanceof StreamInterruptedError");
    assert.equal(error.attempts?.length, 3);
    assert.equal(requestsTagged(tag), 3);
    assert.equal(error.partialResponse, text);
    assert.ok(ANSWER.startsWith(text), "ANSWER.startsWith(text)");
    const none = nextCase();
    const zero = new Agent({ ...on("ollama", { "x-emulator-fault": "drop-after=2", "x-test-case": none }), recover: "continue", maxRecoveryAttempts: 0 });
    const r = await run(zero);
    assert.ok(r.error instanceof StreamInterruptedError, "r.error instanceof StreamInterruptedError");
    assert.equal(r.error.attempts?.length, 1);
    assert.equal(requestsTagged(none), 1);
  });

  test("maxRecoveryMs bounds the added latency: no recovery starts later than that after the first failure", async () => {
    const tag = nextCase();
    // Each attempt stalls for the idle timeout (150 ms) after two words: the second failure comes past the 100 ms bound.
    const agent = new Agent({ ...on("openai", { "x-emulator-fault": "stall-after=2", "x-test-case": tag }), recover: "continue", timeout: IDLE_TIMEOUT, maxRecoveryAttempts: 10, maxRecoveryMs: 100 });
    const { error } = await run(agent);
    assert.ok(error instanceof StreamInterruptedError, "error instanceof StreamInterruptedError");
    assert.equal(error.reason, "timeout");
    assert.equal(error.attempts?.length, 2);
    assert.equal(requestsTagged(tag), 2);
  });
});

describe("Agent recovery inside the tool loop", () => {
  const weather = tool({
    name: "get_weather",
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, tempC: 21 }),
  });

  /**
   * Where the fault lands: OpenAI and Anthropic stream the call in several frames, so drop-after=1 cuts it
   * mid-arguments (the step is asked again); Ollama sends the call whole, so drop-after=4 on the key's 2nd
   * attempt breaks the answer step after the tool round.
   */
  const CASES = {
    openai: { fault: "drop-after=1,fail-first=1", brokenStep: 0 },
    anthropic: { fault: "drop-after=1,fail-first=1", brokenStep: 0 },
    ollama: { fault: "drop-after=4,fail-first=2", brokenStep: 1 },
  } as const;
  for (const protocol of ["openai", "anthropic", "ollama"] as const) {
    test(`${protocol}: a step of the tool loop breaks (step ${CASES[protocol].brokenStep}) and heals; one tool round, the history whole`, async () => {
      const tag = nextCase();
      const agent = new Agent({ ...on(protocol, { "x-emulator-fault": `${CASES[protocol].fault},key=${tag}`, "x-test-case": tag }), tools: [weather], recover: "continue" });
      const unbroken = await run(new Agent({ ...on(protocol), tools: [weather] }), "What is the weather?");
      const { chunks, text, error, result } = await run(agent, "What is the weather?");
      assert.equal(error, undefined, String(error));
      assert.equal(text, unbroken.text);
      assert.deepEqual(chunks.filter((c) => c.type === "tool_result").map((c) => c.metadata.step), [0], "one tool round, after step 0");
      const recovered = chunks.filter((c) => c.metadata.recovered !== undefined);
      assert.ok(recovered.length > 0, "a step was healed");
      assert.ok(recovered.every((c) => c.metadata.step === CASES[protocol].brokenStep && c.metadata.recovered === 2), "healed chunks belong to the broken step");
      // A call asked again starts its partial arguments afresh: the last delta's parse is the call's arguments.
      const deltas = chunks.filter((c) => c.type === "tool_call_delta");
      assert.deepEqual((deltas.at(-1)!.metadata.toolCall as { partialArguments?: unknown }).partialArguments, { city: "Rome" });
      assert.equal(result?.steps.length, 2);
      assert.deepEqual(agent.history.map((m) => m.role), ["user", "assistant", "tool", "assistant"]);
      assert.equal(agent.history.at(-1)?.content, unbroken.text);
    });
  }

  test("a step broken after a finished tool call runs that call; the cut one is asked for again next step", async () => {
    const reply = JSON.stringify({
      toolCalls: [
        { id: "toolu_1", name: "get_weather", arguments: { city: "Rome" } },
        { id: "toolu_2", name: "get_weather", arguments: { city: "a much longer city name that takes many fragments" } },
      ],
    });
    const tag = nextCase();
    const agent = new Agent({ ...on("anthropic", { "x-emulator-reply": reply, "x-emulator-fault": `drop-after=4,fail-first=1,key=${tag}` }), tools: [weather], recover: "continue", maxSteps: 2 });
    const { chunks, error, result } = await run(agent, "weather");
    assert.equal(error, undefined, String(error));
    const results = chunks.filter((c) => c.type === "tool_result");
    assert.equal(results[0]?.metadata.step, 0);
    assert.deepEqual(result?.steps[0]?.response.toolCalls.map((c) => c.id), ["toolu_1"]);
    assert.deepEqual(result?.steps[0]?.toolResults.map((r) => r.id), ["toolu_1"]);
    assert.ok((result?.steps.length ?? 0) >= 2, "the model is asked again after the kept call's result");
  });
});
