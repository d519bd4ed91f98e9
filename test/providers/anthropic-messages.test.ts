import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildAnthropicBody,
  convertAnthropicUsage,
  mapAnthropicFinishReason,
  thinkingBudget,
  toAnthropicMessages,
} from "../../src/providers/anthropic-messages.js";
import { ConfigurationError } from "../../src/stream/errors.js";
import type { ChatMessage } from "../../src/providers/provider.js";

const user = (content: string): ChatMessage => ({ role: "user", content });

test("system messages are joined into the top-level system and leave no message behind", () => {
  const { system, messages } = toAnthropicMessages([
    { role: "system", content: "You are terse." },
    user("Hi"),
    { role: "system", content: "Answer in French." },
    { role: "system", content: "" },
  ]);
  assert.equal(system, "You are terse.\n\nAnswer in French.");
  assert.deepEqual(messages, [{ role: "user", content: "Hi" }]);
  assert.equal(toAnthropicMessages([user("Hi")]).system, undefined);
});

test("a plain assistant turn stays a string; one with tool calls becomes text then tool_use blocks", () => {
  const { messages } = toAnthropicMessages([
    user("Weather?"),
    { role: "assistant", content: "Sure." },
    { role: "assistant", content: "Let me look.", toolCalls: [{ id: "toolu_1", name: "get_weather", arguments: { city: "Paris" } }] },
    { role: "assistant", content: "", toolCalls: [{ id: "toolu_2", name: "get_time", arguments: {} }] },
  ]);
  assert.deepEqual(messages.slice(1), [
    { role: "assistant", content: "Sure." },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Let me look." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
    },
    // No empty text block: the API refuses one.
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_2", name: "get_time", input: {} }] },
  ]);
});

test("signed thinking goes back first as a thinking block, redacted thinking as redacted_thinking; unsigned thinking is dropped", () => {
  const { messages } = toAnthropicMessages([
    user("Q"),
    {
      role: "assistant",
      content: "42",
      thinking: { text: "Let me think.", signature: "sig==", redacted: ["opaque-1", "opaque-2"] },
      toolCalls: [{ id: "toolu_9", name: "calc", arguments: { x: 1 } }],
    },
    user("Again"),
    { role: "assistant", content: "43", thinking: { text: "No signature here." } },
  ]);
  assert.deepEqual(messages[1], {
    role: "assistant",
    content: [
      { type: "thinking", thinking: "Let me think.", signature: "sig==" },
      { type: "redacted_thinking", data: "opaque-1" },
      { type: "redacted_thinking", data: "opaque-2" },
      { type: "text", text: "42" },
      { type: "tool_use", id: "toolu_9", name: "calc", input: { x: 1 } },
    ],
  });
  assert.deepEqual(messages[3], { role: "assistant", content: "43" });
});

test("consecutive tool results merge into one user message of tool_result blocks; a new run starts a new message", () => {
  const { messages } = toAnthropicMessages([
    user("Both?"),
    { role: "assistant", content: "", toolCalls: [{ id: "a", name: "f", arguments: {} }, { id: "b", name: "g", arguments: {} }] },
    { role: "tool", content: "1", toolCallId: "a", toolName: "f" },
    { role: "system", content: "Be brief." },
    { role: "tool", content: "2", toolCallId: "b", toolName: "g" },
    { role: "assistant", content: "", toolCalls: [{ id: "c", name: "f", arguments: {} }] },
    { role: "tool", content: "3", toolCallId: "c" },
  ]);
  assert.deepEqual(messages.slice(2), [
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "a", content: "1" },
        { type: "tool_result", tool_use_id: "b", content: "2" },
      ],
    },
    { role: "assistant", content: [{ type: "tool_use", id: "c", name: "f", input: {} }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "c", content: "3" }] },
  ]);
});

test("a tool message without toolCallId is a ConfigurationError naming messages", () => {
  assert.throws(
    () => toAnthropicMessages([user("x"), { role: "tool", content: "r" }]),
    (e: unknown) => e instanceof ConfigurationError && e.option === "messages",
  );
});

test("max_tokens is always sent: the request's value, else the provider default", () => {
  const base = { model: "claude-x", messages: [user("Hi")] };
  assert.equal(buildAnthropicBody(base, false, 4096).max_tokens, 4096);
  assert.equal(buildAnthropicBody(base, false, 777).max_tokens, 777);
  assert.equal(buildAnthropicBody({ ...base, maxTokens: 50 }, false, 4096).max_tokens, 50);
});

test("stream, temperature and tools appear only when asked for; tools carry input_schema", () => {
  const base = { model: "claude-x", messages: [user("Hi")] };
  assert.deepEqual(buildAnthropicBody(base, false, 10), { model: "claude-x", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] });
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
  const body = buildAnthropicBody(
    { ...base, temperature: 0, tools: [{ name: "w", description: "Weather", parameters: schema }, { name: "t", parameters: {} }] },
    true,
    10,
  );
  assert.equal(body.stream, true);
  assert.equal(body.temperature, 0);
  assert.deepEqual(body.tools, [{ name: "w", description: "Weather", input_schema: schema }, { name: "t", input_schema: {} }]);
  assert.equal(buildAnthropicBody({ ...base, tools: [] }, true, 10).tools, undefined);
});

test("thinking: true asks for 1024 tokens, a budget is sent as given, and max_tokens is raised above the budget", () => {
  const base = { model: "claude-x", messages: [user("Hi")] };
  assert.deepEqual(buildAnthropicBody({ ...base, thinking: true }, true, 4096).thinking, { type: "enabled", budget_tokens: 1024 });
  assert.equal(buildAnthropicBody({ ...base, thinking: true }, true, 4096).max_tokens, 4096);
  const raised = buildAnthropicBody({ ...base, thinking: { budgetTokens: 2000 }, maxTokens: 500 }, true, 4096);
  assert.deepEqual(raised.thinking, { type: "enabled", budget_tokens: 2000 });
  assert.equal(raised.max_tokens, 2500, "the budget is added, keeping the answer's 500 tokens");
  assert.equal(buildAnthropicBody({ ...base, thinking: { budgetTokens: 1024 }, maxTokens: 1024 }, true, 4096).max_tokens, 2048);
  assert.equal(buildAnthropicBody({ ...base, thinking: false }, true, 4096).thinking, undefined);
  assert.equal(thinkingBudget(undefined), undefined);
  assert.throws(() => thinkingBudget({ budgetTokens: 0 }), (e: unknown) => e instanceof ConfigurationError && e.option === "thinking");
  assert.throws(() => thinkingBudget({ budgetTokens: 1.5 }), ConfigurationError);
});

test("stop reasons map to the normalized finish reasons", () => {
  const table: Array<[string | null | undefined, string]> = [
    ["end_turn", "stop"], ["stop_sequence", "stop"], ["pause_turn", "stop"], ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"], ["tool_use", "tool_calls"], ["refusal", "content_filter"],
    ["something_new", "other"], ["constructor", "other"], [null, "stop"], [undefined, "stop"],
  ];
  for (const [raw, normalized] of table) assert.equal(mapAnthropicFinishReason(raw), normalized, String(raw));
});

test("usage counters replace earlier values when present and non-null, are never summed, and total is input + output", () => {
  const start = convertAnthropicUsage({ input_tokens: 43, output_tokens: 1, cache_creation_input_tokens: 1200, cache_read_input_tokens: 0 });
  assert.deepEqual(start, { inputTokens: 43, outputTokens: 1, totalTokens: 44, cacheCreationInputTokens: 1200, cacheReadInputTokens: 0 });
  assert.deepEqual(convertAnthropicUsage({ output_tokens: 17 }, start), {
    inputTokens: 43, outputTokens: 17, totalTokens: 60, cacheCreationInputTokens: 1200, cacheReadInputTokens: 0,
  });
  assert.deepEqual(convertAnthropicUsage({ input_tokens: 61, output_tokens: 2, cache_read_input_tokens: null }, start), {
    inputTokens: 61, outputTokens: 2, totalTokens: 63, cacheCreationInputTokens: 1200, cacheReadInputTokens: 0,
  });
  assert.deepEqual(convertAnthropicUsage({ input_tokens: 5, output_tokens: 1 }), { inputTokens: 5, outputTokens: 1, totalTokens: 6 });
  assert.deepEqual(convertAnthropicUsage({}), { inputTokens: 0, outputTokens: 0, totalTokens: 0 });
});
