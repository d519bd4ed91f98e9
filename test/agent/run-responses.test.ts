/**
 * The run over OpenAI's Responses API against the emulator: tool calls go back as `function_call` items and
 * their results as `function_call_output` items, so the loop runs unchanged on that protocol too.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Agent, tool, type StreamChunk } from "../../src/index.js";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity });
});
after(() => server.close());

const weather = tool({
  name: "get_weather",
  parameters: z.object({ city: z.string().default("Paris"), days: z.number().int().min(1) }),
  execute: async ({ city, days }) => ({ city, days, tempC: 21 }),
});

test("responses API: the emulator calls the tool, the run sends its result back as function_call_output, and a second turn works", async () => {
  const agent = new Agent({
    provider: "openai", model: "emulated", apiKey: "test", maxRetries: 0, tools: [weather],
    baseUrl: server.openaiBaseUrl, providerOptions: { api: "responses" },
  });
  const chunks: StreamChunk[] = [];
  for await (const c of agent.stream("What is the weather?")) chunks.push(c);
  const steps = chunks.map((c) => `${c.type}@${c.metadata.step}`).filter((t, i, all) => t !== all[i - 1]);
  assert.deepEqual(steps, ["tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"]);
  assert.deepEqual((chunks.find((c) => c.type === "tool_call")!.metadata.toolCall as { arguments: unknown }).arguments, { city: "Paris", days: 1 });
  assert.equal(chunks.map((c) => c.content).join(""), 'Based on the tool results: get_weather returned "{\\"city\\":\\"Paris\\",\\"days\\":1,\\"tempC\\":21}".');
  assert.deepEqual(agent.history.map((m) => m.role), ["user", "assistant", "tool", "assistant"]);
  const second: StreamChunk[] = [];
  for await (const c of agent.stream("And tomorrow?")) second.push(c);
  assert.equal(second.at(-1)!.metadata.finishReason, "stop");
  assert.equal(agent.history.length, 8);
});
