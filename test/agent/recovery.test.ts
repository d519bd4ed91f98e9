import { sumUsage } from "../../src/stream/accumulate.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CONTINUE_INSTRUCTION,
  PartialAnswerTracker,
  WhitespaceJoin,
  continuationForm,
  planRecovery,
  recoveryAction,
  type PartialAnswer,
} from "../../src/agent/recovery.js";
import { makeChunk, type ChunkMetadata, type StreamChunk } from "../../src/stream/chunk.js";
import { ConfigurationError, ProviderError, StreamInterruptedError, WireFormatError } from "../../src/stream/errors.js";
import type { ProviderRequest } from "../../src/providers/provider.js";

const interrupted = (reason: "timeout" | "aborted" | "network" | "provider", cause?: unknown) =>
  new StreamInterruptedError("broken", { reason, partialResponse: "Hel", cause });
const providerError = (status: number | undefined, extra: { type?: string } = {}) =>
  new ProviderError(`HTTP ${String(status)}`, { provider: "p", ...(status === undefined ? {} : { status }), ...extra });

describe("recoveryAction", () => {
  test("a stream broken by the provider, the network or an idle timeout is continued", () => {
    assert.equal(recoveryAction(interrupted("provider", providerError(200, { type: "overloaded_error" }))), "continue");
    assert.equal(recoveryAction(interrupted("provider", new WireFormatError("bad", { type: "invalid-json" }))), "continue");
    assert.equal(recoveryAction(interrupted("network", new Error("ECONNRESET"))), "continue");
    assert.equal(recoveryAction(interrupted("timeout")), "continue");
  });

  test("never after an abort by the caller", () => {
    assert.equal(recoveryAction(interrupted("aborted")), "stop");
  });

  test("never on a configuration error or a non-agenticraft error", () => {
    assert.equal(recoveryAction(new ConfigurationError("apiKey", "missing")), "stop");
    assert.equal(recoveryAction(new TypeError("bug")), "stop");
    assert.equal(recoveryAction("string"), "stop");
  });

  test("before the first chunk: 429, 5xx, 529 and network failures hand over to the next provider", () => {
    for (const status of [429, 500, 502, 503, 529, 408, undefined]) assert.equal(recoveryAction(providerError(status)), "failover", String(status));
  });

  test("a 4xx that is not a rate limit never recovers", () => {
    for (const status of [400, 401, 403, 404, 413, 422]) assert.equal(recoveryAction(providerError(status)), "stop", String(status));
  });

  test("an in-stream error saying the request is wrong is not continued", () => {
    assert.equal(recoveryAction(interrupted("provider", providerError(200, { type: "invalid_request_error" }))), "stop");
    assert.equal(recoveryAction(interrupted("provider", providerError(400))), "stop");
    assert.equal(recoveryAction(interrupted("provider", providerError(429))), "continue");
  });
});

const chunk = (type: StreamChunk["type"], content: string, metadata: ChunkMetadata = {}) => makeChunk(type, content, metadata, 0);

describe("PartialAnswerTracker", () => {
  test("keeps the text exactly and notes output", () => {
    const t = new PartialAnswerTracker();
    assert.equal(t.hasOutput, false);
    t.observe(chunk("text", "Hel"));
    t.observe(chunk("text", "lo 😀"));
    assert.equal(t.hasOutput, true);
    assert.deepEqual(t.partial(), { text: "Hello 😀", thinking: undefined, toolCalls: [] });
  });

  test("thinking is kept once its signature arrived, with it", () => {
    const t = new PartialAnswerTracker();
    t.observe(chunk("thinking", "", { thinking: "Let me " }));
    t.observe(chunk("thinking", "", { thinking: "think." }));
    assert.equal(t.partial().thinking, undefined, "a cut thinking block is not kept");
    t.observe(chunk("thinking", "", { signature: "sig" }));
    assert.deepEqual(t.partial().thinking, { text: "Let me think.", signature: "sig" });
  });

  test("unsigned thinking is finished when text follows it (OpenAI, Ollama)", () => {
    const t = new PartialAnswerTracker();
    t.observe(chunk("thinking", "", { thinking: "Hmm." }));
    t.observe(chunk("text", "Yes"));
    assert.deepEqual(t.partial(), { text: "Yes", thinking: { text: "Hmm." }, toolCalls: [] });
  });

  test("finished tool calls are kept, a call cut mid-arguments is not", () => {
    const t = new PartialAnswerTracker();
    const call = { id: "c1", name: "f", arguments: { a: 1 } };
    t.observe(chunk("tool_call_delta", "", { toolCall: { index: 0, id: "c1", name: "f", argumentsDelta: '{"a":1}' } }));
    t.observe(chunk("tool_call", "", { toolCall: call }));
    t.observe(chunk("tool_call_delta", "", { toolCall: { index: 1, id: "c2", name: "g", argumentsDelta: '{"b":' } }));
    assert.deepEqual(t.partial().toolCalls, [call]);
  });

  test("remembers the latest usage until taken", () => {
    const t = new PartialAnswerTracker();
    t.observe(chunk("text", "a", { usage: { inputTokens: 5, outputTokens: 0, totalTokens: 5 } }));
    assert.deepEqual(t.takeUsage(), { inputTokens: 5, outputTokens: 0, totalTokens: 5 });
    assert.equal(t.takeUsage(), undefined);
  });
});

const request: ProviderRequest = { model: "m", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], maxTokens: 50 };
const partial = (text: string, extra: Partial<PartialAnswer> = {}): PartialAnswer => ({ text, thinking: undefined, toolCalls: [], ...extra });

describe("continuationForm", () => {
  test("the provider's form, instruction by default, never prefill with thinking on", () => {
    assert.equal(continuationForm({ continuation: "prefill" }, request), "prefill");
    assert.equal(continuationForm({}, request), "instruction");
    assert.equal(continuationForm({ continuation: "instruction" }, request), "instruction");
    assert.equal(continuationForm({ continuation: "prefill" }, { ...request, thinking: true }), "instruction");
    assert.equal(continuationForm({ continuation: "prefill" }, { ...request, thinking: { budgetTokens: 2000 } }), "instruction");
    assert.equal(continuationForm({ continuation: "prefill" }, { ...request, thinking: false }), "prefill");
  });
});

describe("planRecovery", () => {
  test("prefill: a trailing assistant message with the partial text; the rest of the request unchanged", () => {
    const plan = planRecovery(request, partial("Hello there"), "prefill");
    assert.deepEqual(plan, {
      kind: "continue",
      form: "prefill",
      request: { ...request, messages: [...request.messages, { role: "assistant", content: "Hello there" }] },
      trimmedWhitespace: "",
    });
    assert.equal(request.messages.length, 2, "the original request is not changed");
  });

  test("prefill: trailing whitespace is cut (the API refuses it) and reported", () => {
    const plan = planRecovery(request, partial("Hello there.\n\n"), "prefill");
    assert.equal(plan.kind, "continue");
    if (plan.kind !== "continue") return;
    assert.equal(plan.request.messages.at(-1)?.content, "Hello there.");
    assert.equal(plan.trimmedWhitespace, "\n\n");
  });

  test("instruction: the partial answer as an assistant message, then the instruction", () => {
    const thinking = { text: "Think.", signature: "s" };
    const plan = planRecovery(request, partial("Hello ", { thinking }), "instruction");
    assert.deepEqual(plan, {
      kind: "continue",
      form: "instruction",
      request: {
        ...request,
        messages: [...request.messages, { role: "assistant", content: "Hello ", thinking }, { role: "user", content: CONTINUE_INSTRUCTION }],
      },
      trimmedWhitespace: "",
    });
  });

  test("nothing kept: the original request again", () => {
    assert.deepEqual(planRecovery(request, partial(""), "prefill"), { kind: "restart", request });
    assert.deepEqual(planRecovery(request, partial(""), "instruction"), { kind: "restart", request });
    assert.deepEqual(planRecovery(request, partial("  "), "prefill"), { kind: "restart", request });
  });

  test("finished signed thinking without text: the instruction form keeps it", () => {
    const plan = planRecovery(request, partial("", { thinking: { text: "T", signature: "s" } }), "instruction");
    assert.equal(plan.kind, "continue");
    // Unsigned reasoning (OpenAI, Ollama) cannot stand alone as an assistant turn: ask again.
    assert.deepEqual(planRecovery(request, partial("", { thinking: { text: "T" } }), "instruction"), { kind: "restart", request });
  });

  test("finished tool calls end the step with them", () => {
    const toolCalls = [{ id: "c1", name: "f", arguments: {} }];
    assert.deepEqual(planRecovery(request, partial("Let me look.", { toolCalls }), "prefill"), { kind: "finish-with-tool-calls", toolCalls });
  });

  test("the instruction says where to continue in words the emulator recognises", () => {
    assert.match(CONTINUE_INSTRUCTION, /^continue\b[\s\S]*\bwhere\b[\s\S]*\bstopped\b/i);
  });
});

describe("sumUsage (a healed step sums its attempts)", () => {
  test("sums field by field, keeping optional counters present on either side", () => {
    assert.deepEqual(
      sumUsage({ inputTokens: 10, outputTokens: 3, totalTokens: 13 }, { inputTokens: 12, outputTokens: 5, totalTokens: 17, cacheReadInputTokens: 4 }),
      { inputTokens: 22, outputTokens: 8, totalTokens: 30, cacheReadInputTokens: 4 },
    );
    assert.equal(sumUsage(undefined, undefined), undefined);
    assert.deepEqual(sumUsage(undefined, { inputTokens: 1, outputTokens: 1, totalTokens: 2 }), { inputTokens: 1, outputTokens: 1, totalTokens: 2 });
  });
});

describe("WhitespaceJoin", () => {
  const join = (delivered: string, chunks: string[]) => {
    const j = new WhitespaceJoin(delivered);
    return chunks.map((c) => j.push(c)).join("") + j.finish();
  };

  test("drops the delivered whitespace the continuation repeats", () => {
    assert.equal(join(" ", [" next"]), "next");
    assert.equal(join("\n\n", ["\n", "\nNext"]), "Next");
    assert.equal(join(" ", ["  two spaces"]), " two spaces");
  });

  test("a different break: the continuation's leading whitespace goes, the delivered one stands", () => {
    assert.equal(join("\n", [" next"]), "next");
  });

  test("nothing was trimmed: passes through", () => {
    assert.equal(join("", [" next"]), " next");
  });

  test("no leading whitespace in the continuation", () => {
    assert.equal(join(" ", ["next"]), "next");
  });
});
