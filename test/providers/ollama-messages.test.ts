import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/stream/errors.js";
import {
  buildOllamaBody,
  convertOllamaTimings,
  convertOllamaToolCall,
  convertOllamaUsage,
  mapOllamaFinishReason,
  ollamaErrorMessage,
  ollamaModelName,
  toOllamaMessage,
  toOllamaTool,
} from "../../src/providers/ollama-messages.js";

const user = { role: "user" as const, content: "Hi" };

describe("buildOllamaBody", () => {
  test("a bare request sends model, messages and stream explicitly, and nothing else", () => {
    assert.deepEqual(buildOllamaBody({ model: "llama3.2", messages: [user] }, true), {
      model: "llama3.2",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    assert.equal(buildOllamaBody({ model: "llama3.2", messages: [user] }, false).stream, false);
  });

  test("options carry only the settings that are set", () => {
    assert.deepEqual(buildOllamaBody({ model: "m", messages: [user], temperature: 0 }, true).options, { temperature: 0 });
    assert.deepEqual(buildOllamaBody({ model: "m", messages: [user], maxTokens: 50 }, true).options, { num_predict: 50 });
    assert.deepEqual(buildOllamaBody({ model: "m", messages: [user], temperature: 0.7, maxTokens: 5 }, true).options, {
      temperature: 0.7,
      num_predict: 5,
    });
  });

  test("think is true for any request for reasoning, false when turned off, absent when unset", () => {
    assert.equal(buildOllamaBody({ model: "m", messages: [user], thinking: true }, true).think, true);
    assert.equal(buildOllamaBody({ model: "m", messages: [user], thinking: { budgetTokens: 1024 } }, true).think, true);
    assert.equal(buildOllamaBody({ model: "m", messages: [user], thinking: false }, true).think, false);
    assert.equal("think" in buildOllamaBody({ model: "m", messages: [user] }, true), false);
  });

  test("tools go in the OpenAI shape; an empty list is not sent", () => {
    const parameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const body = buildOllamaBody({ model: "m", messages: [user], tools: [{ name: "get_weather", description: "Weather", parameters }] }, true);
    assert.deepEqual(body.tools, [{ type: "function", function: { name: "get_weather", description: "Weather", parameters } }]);
    assert.equal("tools" in buildOllamaBody({ model: "m", messages: [user], tools: [] }, true), false);
  });

  test("the ollama/ routing prefix is stripped from the model name", () => {
    assert.equal(buildOllamaBody({ model: "ollama/qwen3:8b", messages: [user] }, true).model, "qwen3:8b");
    assert.equal(ollamaModelName("llama3.2"), "llama3.2");
    assert.equal(ollamaModelName("ollama/llama3.2"), "llama3.2");
  });
});

describe("toOllamaMessage", () => {
  test("system and user messages pass through", () => {
    assert.deepEqual(toOllamaMessage({ role: "system", content: "Be terse." }), { role: "system", content: "Be terse." });
    assert.deepEqual(toOllamaMessage(user), { role: "user", content: "Hi" });
  });

  test("an assistant turn goes back with its thinking and whole tool calls (object arguments)", () => {
    assert.deepEqual(
      toOllamaMessage({
        role: "assistant",
        content: "",
        thinking: { text: "User wants Tokyo weather." },
        toolCalls: [{ id: "call_ab12cd34", name: "get_weather", arguments: { city: "Tokyo" }, argumentsText: '{"city":"Tokyo"}' }],
      }),
      {
        role: "assistant",
        content: "",
        thinking: "User wants Tokyo weather.",
        tool_calls: [{ id: "call_ab12cd34", function: { name: "get_weather", arguments: { city: "Tokyo" } } }],
      },
    );
  });

  test("an assistant turn without calls or with empty thinking has neither field", () => {
    assert.deepEqual(toOllamaMessage({ role: "assistant", content: "Hello", thinking: { text: "" }, toolCalls: [] }), {
      role: "assistant",
      content: "Hello",
    });
  });

  test("a tool result carries tool_name and tool_call_id; one without toolCallId is refused as in every adapter", () => {
    assert.deepEqual(toOllamaMessage({ role: "tool", content: "22°C", toolName: "get_weather", toolCallId: "call_1" }), {
      role: "tool",
      content: "22°C",
      tool_name: "get_weather",
      tool_call_id: "call_1",
    });
    assert.throws(
      () => toOllamaMessage({ role: "tool", content: "22°C", toolName: "get_weather" }),
      (error: unknown) => error instanceof ConfigurationError && error.option === "messages" && /toolCallId/.test(error.message),
    );
  });

  test("a tool without a description has no description key", () => {
    assert.deepEqual(toOllamaTool({ name: "now", parameters: { type: "object" } }), {
      type: "function",
      function: { name: "now", parameters: { type: "object" } },
    });
  });
});

describe("response helpers", () => {
  test("done_reason maps to the normalized reason; tool calls make it tool_calls even after 'stop'", () => {
    const table: Array<[string | undefined, boolean, string]> = [
      ["stop", false, "stop"],
      ["length", false, "length"],
      ["load", false, "stop"],
      ["unload", false, "stop"],
      ["something_new", false, "other"],
      ["toString", false, "other"],
      [undefined, false, "stop"],
      ["stop", true, "tool_calls"],
      ["length", true, "tool_calls"],
    ];
    for (const [raw, calls, expected] of table) assert.equal(mapOllamaFinishReason(raw, calls), expected, `${raw}/${calls}`);
  });

  test("usage comes from the counts present; none present means no usage", () => {
    assert.deepEqual(convertOllamaUsage({ prompt_eval_count: 31, eval_count: 10 }), { inputTokens: 31, outputTokens: 10, totalTokens: 41 });
    // omitempty: a cached prompt can leave prompt_eval_count out.
    assert.deepEqual(convertOllamaUsage({ eval_count: 7 }), { inputTokens: 0, outputTokens: 7, totalTokens: 7 });
    assert.deepEqual(convertOllamaUsage({ prompt_eval_count: 3 }), { inputTokens: 3, outputTokens: 0, totalTokens: 3 });
    assert.equal(convertOllamaUsage({ done: true, total_duration: 5 }), undefined);
  });

  test("timings convert nanoseconds to milliseconds, only for the durations present", () => {
    assert.deepEqual(
      convertOllamaTimings({ total_duration: 268113125, load_duration: 2_000_000, prompt_eval_duration: 48612000, eval_duration: 162394000 }),
      { totalDurationMs: 268.113125, loadDurationMs: 2, promptEvalDurationMs: 48.612, evalDurationMs: 162.394 },
    );
    assert.deepEqual(convertOllamaTimings({ total_duration: 1_500_000 }), { totalDurationMs: 1.5 });
    assert.equal(convertOllamaTimings({ done: true }), undefined);
  });

  test("a tool call keeps its id, or gets call_<position> when the server sent none", () => {
    assert.deepEqual(convertOllamaToolCall({ id: "call_k3v9x2ma", function: { index: 0, name: "get_weather", arguments: { city: "Tokyo" } } }, 0), {
      id: "call_k3v9x2ma",
      name: "get_weather",
      arguments: { city: "Tokyo" },
    });
    assert.deepEqual(convertOllamaToolCall({ function: { name: "f", arguments: { n: 1, ok: true, nothing: null } } }, 2), {
      id: "call_2",
      name: "f",
      arguments: { n: 1, ok: true, nothing: null },
    });
  });

  test("tool arguments: missing is {}, a JSON string is parsed, anything else is kept with an argumentsError naming the tool", () => {
    assert.deepEqual(convertOllamaToolCall({ function: { name: "now" } }, 0).arguments, {});
    assert.deepEqual(convertOllamaToolCall({ function: { name: "f", arguments: '{"a":[1,2]}' } }, 0).arguments, { a: [1, 2] });
    // The agent tells the model its arguments were not JSON instead of failing the stream.
    const broken = convertOllamaToolCall({ function: { name: "broken", arguments: '{"a":' } }, 0);
    assert.deepEqual([broken.arguments, broken.argumentsText], [{}, '{"a":']);
    assert.match(broken.argumentsError ?? "", /broken/);
    const listy = convertOllamaToolCall({ function: { name: "listy", arguments: [1] } }, 0);
    assert.deepEqual([listy.arguments, listy.argumentsText], [{}, "[1]"]);
    assert.match(listy.argumentsError ?? "", /listy/);
  });

  test("an error's message is the string as sent, or an object's message", () => {
    assert.equal(ollamaErrorMessage("model 'llama9' not found"), "model 'llama9' not found");
    assert.equal(ollamaErrorMessage({ message: "boom", code: 1 }), "boom");
    assert.equal(ollamaErrorMessage({ code: 1 }), '{"code":1}');
  });
});
