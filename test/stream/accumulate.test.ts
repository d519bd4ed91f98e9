import assert from "node:assert/strict";
import { test } from "node:test";
import { accumulate, AnswerAccumulator, sumUsage } from "../../src/stream/accumulate.js";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";

const base = { provider: "p", model: "m" };
const chunks: StreamChunk[] = [
  makeChunk("thinking", "", { ...base, thinking: "Let me " }),
  makeChunk("thinking", "", { ...base, thinking: "think." }),
  makeChunk("thinking", "", { ...base, signature: "SIG" }),
  makeChunk("thinking", "", { ...base, redactedThinking: "R1" }),
  makeChunk("text", "Hello", { ...base }),
  makeChunk("text", " world", { ...base }),
  makeChunk("tool_call_delta", "", { ...base, toolCall: { index: 0, id: "c1", name: "f", argumentsDelta: '{"a":1}' } }),
  makeChunk("tool_call", "", { ...base, toolCall: { id: "c1", name: "f", arguments: { a: 1 }, argumentsText: '{"a":1}' } }),
  makeChunk("tool_result", "", { ...base, toolResult: { id: "c1", name: "f", result: 2 } }),
  makeChunk("final", "", { ...base, model: "m-2024", usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, finishReason: "tool_calls", providerFinishReason: "tool_use", responseId: "r1" }),
];

test("the answer is the fold of its chunks: text, thinking with signature and redacted blocks, tool calls, usage, finish, ids", () => {
  assert.deepEqual(accumulate(chunks), {
    content: "Hello world",
    thinking: "Let me think.",
    thinkingSignature: "SIG",
    redactedThinking: ["R1"],
    toolCalls: [{ id: "c1", name: "f", arguments: { a: 1 }, argumentsText: '{"a":1}' }],
    usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
    finishReason: "tool_calls",
    providerFinishReason: "tool_use",
    provider: "p",
    model: "m-2024",
    id: "r1",
  });
});

test("folding from a partial answer continues it, as a continuation after a break would", () => {
  const head = accumulate(chunks.slice(0, 5)); // up to "Hello", no final
  assert.equal(head.finishReason, "error", "not whole before a final chunk");
  assert.deepEqual(accumulate(chunks.slice(5), head), accumulate(chunks));
});

test("the accumulator reports whether it saw the end, and its text so far", () => {
  const acc = new AnswerAccumulator();
  acc.addAll(chunks.slice(0, 6));
  assert.equal(acc.finished, false);
  assert.equal(acc.text, "Hello world");
  acc.add(chunks.at(-1)!);
  assert.equal(acc.finished, true);
});

test("usage sums over steps, keeping optional counters that any step reported", () => {
  assert.deepEqual(sumUsage({ inputTokens: 1, outputTokens: 2, totalTokens: 3, cachedInputTokens: 1 }, { inputTokens: 10, outputTokens: 20, totalTokens: 30 }), {
    inputTokens: 11, outputTokens: 22, totalTokens: 33, cachedInputTokens: 1,
  });
  assert.equal(sumUsage(undefined, undefined), undefined);
});

test("with a text source the fold reads the answer text from the stream that delivered it and keeps no copy", () => {
  const delivered = { text: "" };
  const acc = new AnswerAccumulator(undefined, { text: delivered });
  acc.add(makeChunk("text", "Hel", base));
  acc.add(makeChunk("text", "lo", base));
  assert.equal(acc.text, "", "the text is what the stream delivered, not a copy of the folded chunks");
  delivered.text = "Hello";
  acc.add(makeChunk("final", "", { ...base, finishReason: "stop" }));
  assert.equal(acc.result().content, "Hello");
  assert.equal(acc.result().finishReason, "stop");
  assert.throws(() => new AnswerAccumulator({ content: "x" }, { text: delivered }), /partial answer's content/);
});
