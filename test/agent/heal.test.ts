/**
 * healStep against the emulator's fault injection, for the three protocols: with recovery on, the collected
 * text equals the unbroken answer exactly after any mid-stream fault; failover hands over before and after
 * the first chunk; limits end recovery with every attempt listed; without recovery, errors are unchanged.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { healStep, healedStream, type ChainLink, type HealOptions } from "../../src/agent/heal.js";
import { startEmulator, type EmulatorProtocol, type EmulatorServer } from "../../src/emulator/index.js";
import { createAnthropicProvider } from "../../src/providers/anthropic.js";
import { createOllamaProvider } from "../../src/providers/ollama.js";
import { createOpenAIProvider } from "../../src/providers/openai.js";
import type { CompletionResult, Provider, ProviderRequest } from "../../src/providers/provider.js";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { ProviderError, StreamInterruptedError } from "../../src/stream/errors.js";

const ANSWER =
  "Streams break. 😀 Café au lait, naïve résumé!\n\nSecond paragraph: the quick brown fox — 中文 — jumps over the lazy dog.  Done, at last.";
const PIECES = ANSWER.match(/\s*\S+/g)!.length;
const PROTOCOLS: EmulatorProtocol[] = ["openai", "anthropic", "ollama"];
const MODEL: Record<EmulatorProtocol, string> = { openai: "gpt-4o-mini", anthropic: "claude-sonnet-4-5", ollama: "llama3.2" };

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: ANSWER } } });
});
after(() => server.close());

function provider(protocol: EmulatorProtocol, headers: Record<string, string> = {}, timeout?: number): Provider {
  const common = { apiKey: "test-key", maxRetries: 0, headers, ...(timeout === undefined ? {} : { timeout }) };
  if (protocol === "openai") return createOpenAIProvider({ ...common, baseUrl: server.openaiBaseUrl });
  if (protocol === "anthropic") return createAnthropicProvider({ ...common, baseUrl: server.url });
  return createOllamaProvider({ ...common, baseUrl: server.url });
}

const request = (protocol: EmulatorProtocol, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: MODEL[protocol],
  messages: [{ role: "user", content: "Tell me something" }],
  ...extra,
});

/** Opens attempt 1 on `first`, later attempts on `rest` (the same link's protocol, without the fault). */
function faultOnFirst(first: Provider, rest: (link: ChainLink) => Provider): HealOptions["open"] {
  return (link, req, { attempt, signal }) => (attempt === 1 ? first : rest(link)).stream(req, { signal });
}

async function collect(options: HealOptions): Promise<{ text: string; chunks: StreamChunk[]; result: CompletionResult | undefined }> {
  const stream = healedStream(options);
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { text: chunks.map((c) => c.content).join(""), chunks, result: stream.result };
}

const FAULTS = ["drop-after", "error-after", "malformed-after", "stall-after"] as const;
const POSITIONS = [0, 1, 4, 11, PIECES - 1, PIECES];

for (const protocol of PROTOCOLS) {
  describe(`healStep over ${protocol}`, () => {
    for (const fault of FAULTS) {
      test(`${fault}: the healed text is the unbroken answer at every position`, async () => {
        const clean = provider(protocol, { "x-emulator-restart-words": "2" });
        for (const n of POSITIONS) {
          const faulty = provider(protocol, { "x-emulator-fault": `${fault}=${n}` }, fault === "stall-after" ? 150 : undefined);
          const { text, chunks, result } = await collect({
            request: request(protocol),
            chain: [{ provider: faulty }],
            continueBroken: true,
            open: faultOnFirst(faulty, () => clean),
          });
          assert.equal(text, ANSWER, `${fault}=${n}`);
          assert.equal(result?.content, ANSWER);
          const final = chunks.at(-1)!;
          assert.equal(final.type, "final");
          // Every chunk from the recovered attempt on says so; none before it does.
          const firstRecovered = chunks.findIndex((c) => c.metadata.recovered !== undefined);
          assert.ok(firstRecovered >= 0, `${fault}=${n}: recovered`);
          assert.ok(chunks.slice(firstRecovered).every((c) => c.metadata.recovered === 2), `${fault}=${n}`);
          const before = chunks.slice(0, firstRecovered).map((c) => c.content).join("");
          assert.equal(before, ANSWER.match(/\s*\S+/g)!.slice(0, n).join(""), `${fault}=${n}: delivered before the break`);
        }
      });
    }

    test("five attempts in a row broken (drop-after=3 each): the answer still heals, attempt by attempt", async () => {
      const faulty = provider(protocol, { "x-emulator-fault": "drop-after=3", "x-emulator-restart-words": "1" });
      const clean = provider(protocol, { "x-emulator-restart-words": "1" });
      const seen: number[] = [];
      const { text, chunks } = await collect({
        request: request(protocol),
        chain: [{ provider: faulty }],
        continueBroken: true,
        maxAttempts: 6,
        open: (_link, req, { attempt, signal }) => (attempt <= 5 ? faulty : clean).stream(req, { signal }),
        onAttempt: (a) => seen.push(a.attempt),
      });
      assert.equal(text, ANSWER);
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.equal(chunks.at(-1)!.metadata.recovered, 6);
    });

    test("the final chunk's usage sums every attempt", async () => {
      const clean = provider(protocol);
      const unbroken = await collect({ request: request(protocol), chain: [{ provider: clean }], continueBroken: true });
      const faulty = provider(protocol, { "x-emulator-fault": "drop-after=6" });
      const healed = await collect({ request: request(protocol), chain: [{ provider: faulty }], continueBroken: true, open: faultOnFirst(faulty, () => clean) });
      const u1 = unbroken.chunks.at(-1)!.metadata.usage!;
      const u2 = healed.chunks.at(-1)!.metadata.usage!;
      // None of the three protocols reports usage before its end, so the broken attempt adds nothing known.
      assert.ok(u2.inputTokens > u1.inputTokens, "the continuation's input includes the partial answer");
      assert.deepEqual(healed.result?.usage, u2);
      assert.ok(u2.outputTokens < u1.outputTokens, "the continuation's output is the rest only");
    });

    test("without recovery the broken stream's error is unchanged", async () => {
      const faulty = provider(protocol, { "x-emulator-fault": "drop-after=4" });
      const direct = await collect({ request: request(protocol), chain: [{ provider: faulty }], continueBroken: false }).catch((e: unknown) => e);
      assert.ok(direct instanceof StreamInterruptedError);
      assert.equal(direct.reason, "network");
      assert.equal(direct.attempts, undefined);
      assert.equal(direct.partialResponse, ANSWER.match(/\s*\S+/g)!.slice(0, 4).join(""));
    });
  });
}

describe("recovery limits and rules", () => {
  test("usage reported by a broken attempt is added to the final chunk's", async () => {
    const usage = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, totalTokens: input + output });
    const broken = async function* (): AsyncGenerator<StreamChunk> {
      yield makeChunk("text", "Hello", { provider: "fake", usage: usage(10, 0) });
      yield makeChunk("text", " wor", { provider: "fake" });
      throw new StreamInterruptedError("fake: dropped", { reason: "network", partialResponse: "Hello wor" });
    };
    const rest = async function* (): AsyncGenerator<StreamChunk> {
      yield makeChunk("text", "world!", { provider: "fake" });
      yield makeChunk("final", "", { provider: "fake", usage: usage(14, 2), finishReason: "stop" });
    };
    const requests: ProviderRequest[] = [];
    const { text, chunks, result } = await collect({
      request: { model: "m", messages: [{ role: "user", content: "hi" }] },
      chain: [{ provider: { name: "fake", continuation: "instruction", stream: () => { throw new Error("unused"); } } }],
      continueBroken: true,
      open: (_link, req, { attempt }) => {
        requests.push(req);
        return attempt === 1 ? broken() : rest();
      },
    });
    assert.equal(text, "Hello world!");
    assert.deepEqual(chunks.at(-1)?.metadata.usage, usage(24, 2));
    assert.deepEqual(result?.usage, usage(24, 2));
    assert.equal(result?.content, "Hello world!");
    assert.equal(result?.finishReason, "stop");
    assert.equal(requests[1]?.messages.at(-2)?.content, "Hello wor");
    assert.deepEqual(chunks.map((c) => c.metadata.recovered), [undefined, undefined, 2, 2]);
  });

  test("exhausted: one StreamInterruptedError with the whole partial text and every attempt", async () => {
    const faulty = provider("anthropic", { "x-emulator-fault": "error-after=2" });
    const error = await collect({ request: request("anthropic"), chain: [{ provider: faulty }], continueBroken: true, maxAttempts: 3 }).catch((e: unknown) => e);
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, "provider");
    assert.deepEqual(error.attempts?.map((a) => [a.attempt, a.provider, a.afterOutput]), [[1, "anthropic", true], [2, "anthropic", true], [3, "anthropic", true]]);
    assert.equal(error.partialResponse, ANSWER.match(/\s*\S+/g)!.slice(0, 6).join(""));
    assert.ok(ANSWER.startsWith(error.partialResponse));
  });

  test("prefill after text ending in whitespace: the cut whitespace is not sent twice (Anthropic refuses it in a prefill)", async () => {
    for (const partial of ["Streams ", "Streams break. 😀 Café au lait, naïve résumé!\n\n", "Streams break. 😀 "]) {
      const clean = provider("anthropic");
      const requests: ProviderRequest[] = [];
      const { text } = await collect({
        request: request("anthropic"),
        chain: [{ provider: clean }],
        continueBroken: true,
        open: (link, req, { attempt, signal }) => {
          requests.push(req);
          if (attempt > 1) return link.provider.stream(req, { signal });
          return (async function* () {
            yield makeChunk("text", partial, { provider: "anthropic" });
            throw new StreamInterruptedError("anthropic: dropped", { reason: "network", partialResponse: partial });
          })();
        },
      });
      assert.equal(text, ANSWER, JSON.stringify(partial));
      assert.equal(requests[1]?.messages.at(-1)?.content, partial.trimEnd());
    }
  });

  test("maxRecoveryMs bounds the added latency: no attempt starts later than that after the first failure", async () => {
    let opened = 0;
    const error = await collect({
      request: { model: "m", messages: [{ role: "user", content: "hi" }] },
      chain: [{ provider: { name: "fake", stream: () => { throw new Error("unused"); } } }],
      continueBroken: true,
      maxAttempts: 10,
      maxRecoveryMs: 20,
      open: (_link, _req, { attempt }) => {
        opened++;
        return (async function* (): AsyncGenerator<StreamChunk> {
          yield makeChunk("text", attempt === 1 ? "Hel" : "", { provider: "fake" });
          // The second attempt is slow to fail: by then the bound is passed.
          if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 40));
          throw new StreamInterruptedError("fake: dropped", { reason: "network", partialResponse: "" });
        })();
      },
    }).catch((e: unknown) => e);
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(opened, 2);
    assert.equal(error.attempts?.length, 2);
    assert.equal(error.partialResponse, "Hel");
  });

  test("a 4xx that is not a rate limit is not recovered nor failed over", async () => {
    const bad = provider("openai", { "x-emulator-fault": "status=400" });
    const good = provider("ollama");
    const error = await collect({ request: request("openai"), chain: [{ provider: bad }, { provider: good, model: "llama3.2" }], continueBroken: true }).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 400);
  });

  test("an abort by the caller is never recovered", async () => {
    const slow = provider("ollama", { "x-emulator-tps": "20" });
    const controller = new AbortController();
    let text = "";
    let opened = 0;
    const open: HealOptions["open"] = (link, req, ctx) => {
      opened++;
      return link.provider.stream(req, { signal: ctx.signal });
    };
    const stream = healedStream({ request: request("ollama"), chain: [{ provider: slow }], continueBroken: true, open }, controller.signal);
    const error = await (async () => {
      for await (const chunk of stream) {
        text += chunk.content;
        if (text.length > 10) controller.abort();
      }
    })().catch((e: unknown) => e);
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, "aborted");
    assert.equal(opened, 1, "no second request");
    assert.equal(error.attempts, undefined);
    assert.ok(ANSWER.startsWith(text));
  });

  test("thinking on with Anthropic: the instruction form, the kept reasoning is not repeated", async () => {
    const faulty = provider("anthropic", { "x-emulator-fault": "drop-after=20" });
    const clean = provider("anthropic");
    const requests: ProviderRequest[] = [];
    const { text, chunks, result } = await collect({
      request: request("anthropic", { thinking: true }),
      chain: [{ provider: faulty }],
      continueBroken: true,
      open: (link, req, ctx) => {
        requests.push(req);
        return (ctx.attempt === 1 ? faulty : clean).stream(req, { signal: ctx.signal });
      },
    });
    assert.equal(text, ANSWER);
    assert.equal(requests[1]?.messages.at(-1)?.role, "user", "instruction form, not a prefill");
    const thinkingChunks = chunks.filter((c) => c.type === "thinking");
    assert.ok(thinkingChunks.every((c) => c.metadata.recovered === undefined), "no reasoning from the continuation");
    assert.ok((result?.thinking ?? "").length > 0);
  });

  test("a break after a finished tool call ends the step with it; the cut call is not kept", async () => {
    const reply = JSON.stringify({
      toolCalls: [
        { id: "toolu_1", name: "lookup", arguments: { q: "a" } },
        { id: "toolu_2", name: "lookup", arguments: { q: "a much longer query that takes many fragments" } },
      ],
    });
    const faulty = provider("anthropic", { "x-emulator-reply": reply, "x-emulator-fault": "drop-after=4" });
    const { chunks, result } = await collect({ request: request("anthropic"), chain: [{ provider: faulty }], continueBroken: true });
    assert.deepEqual(result?.toolCalls.map((c) => c.id), ["toolu_1"]);
    assert.equal(result?.finishReason, "tool_calls");
    assert.equal(chunks.at(-1)?.metadata.finishReason, "tool_calls");
  });
});

describe("failover", () => {
  const chainOf = (...links: Array<[EmulatorProtocol, Record<string, string>]>): ChainLink[] =>
    links.map(([protocol, headers]) => ({ provider: provider(protocol, headers), model: MODEL[protocol] }));

  test("the first provider fails before the first chunk: the second answers", async () => {
    const chain = chainOf(["anthropic", { "x-emulator-fault": "status=529" }], ["openai", {}]);
    const { text, chunks } = await collect({ request: request("anthropic"), chain, continueBroken: false });
    assert.equal(text, ANSWER);
    assert.ok(chunks.every((c) => c.metadata.provider === "openai"));
  });

  test("the first drops mid-stream: the second continues the text", async () => {
    const chain = chainOf(["anthropic", { "x-emulator-fault": "drop-after=7" }], ["ollama", { "x-emulator-restart-words": "3" }]);
    const { text, chunks } = await collect({ request: request("anthropic"), chain, continueBroken: true });
    assert.equal(text, ANSWER);
    const providers = [...new Set(chunks.filter((c) => c.content !== "").map((c) => c.metadata.provider))];
    assert.deepEqual(providers, ["anthropic", "ollama"]);
  });

  test("all fail: one error with every attempt", async () => {
    const chain = chainOf(["anthropic", { "x-emulator-fault": "status=529" }], ["openai", { "x-emulator-fault": "status=503" }], ["ollama", { "x-emulator-fault": "status=500" }]);
    const error = await collect({ request: request("anthropic"), chain, continueBroken: true }).catch((e: unknown) => e);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.partialResponse, "");
    assert.deepEqual(error.attempts?.map((a) => [a.provider, (a.error as ProviderError).status]), [["anthropic", 529], ["openai", 503], ["ollama", 500]]);
  });

  test("healStep is a plain generator the run can drive", async () => {
    const controller = new AbortController();
    const gen = healStep({ request: request("openai"), chain: [{ provider: provider("openai") }], continueBroken: true }, controller.signal);
    let text = "";
    let step = await gen.next();
    while (step.done !== true) {
      const value = step.value;
      if (Array.isArray(value)) for (const chunk of value) text += chunk.content;
      else if ("nextChunk" in value) for (let chunk = value.nextChunk(); chunk !== undefined; chunk = value.nextChunk()) text += chunk.content;
      else text += value.content;
      step = await gen.next();
    }
    assert.equal(text, ANSWER);
    assert.equal(step.value?.content, ANSWER);
  });
});

test("text held for overlap removal comes out before the next non-text chunk, as a plain text chunk", async () => {
  const rest = async function* (): AsyncGenerator<StreamChunk> {
    yield makeChunk("text", "wo", { provider: "fake" }); // could still be a restart of "wor": held
    yield makeChunk("tool_call_delta", "", { provider: "fake", toolCall: { index: 0, id: "c1", name: "f", argumentsDelta: "{}" } });
    yield makeChunk("final", "", { provider: "fake", finishReason: "stop" });
  };
  const { chunks, text } = await collect({
    request: { model: "m", messages: [{ role: "user", content: "hi" }] },
    chain: [{ provider: { name: "fake", stream: () => { throw new Error("unused"); } } }],
    continueBroken: true,
    open: (_link, _req, { attempt }) =>
      attempt === 1
        ? (async function* (): AsyncGenerator<StreamChunk> {
            yield makeChunk("text", "Hello wor", { provider: "fake" });
            throw new StreamInterruptedError("fake: dropped", { reason: "network", partialResponse: "Hello wor" });
          })()
        : rest(),
  });
  assert.equal(text, "Hello worwo");
  assert.deepEqual(chunks.map((c) => c.type), ["text", "text", "tool_call_delta", "final"]);
  assert.deepEqual(chunks[1]?.metadata, { provider: "fake", recovered: 2 });
});
