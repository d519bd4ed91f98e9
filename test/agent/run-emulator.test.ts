/**
 * The run against the emulator, for each protocol: with tools offered and no script, the emulator calls the
 * first tool with arguments built from its schema, then answers from the result, so the loop runs offline.
 * Scripted replies cover parallel calls, errors and the other cases of the list.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Agent, StreamInterruptedError, tool, type StreamChunk } from "../../src/index.js";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import type { AgentTool } from "../../src/agent/tools.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({
    ttftMs: 0, tps: Infinity,
    script: {
      rules: [
        { match: "parallel", reply: { toolCalls: [{ id: "call_a", name: "slow_a", arguments: {} }, { id: "call_b", name: "slow_b", arguments: {} }] } },
        { match: "unknown", reply: { toolCalls: [{ id: "call_u", name: "nope", arguments: {} }] } },
        { match: "invalid", reply: { toolCalls: [{ id: "call_i", name: "get_weather", arguments: { city: 7 } }] } },
        { match: "forever", reply: { toolCalls: [{ id: "call_f", name: "get_weather", arguments: { city: "Rome" } }], afterToolResults: { toolCalls: [{ id: "call_g", name: "get_weather", arguments: { city: "Rome" } }] } } },
      ],
    },
  });
});
after(() => server.close());

const shape = (chunks: StreamChunk[]) => chunks.map((c) => `${c.type}@${c.metadata.step}`);
const collapse = (types: string[]) => types.filter((t, i) => t !== types[i - 1]); // runs of one type → one entry

const weather = tool({
  name: "get_weather",
  parameters: z.object({ city: z.string().default("Paris"), days: z.number().int().min(1) }),
  execute: async ({ city, days }) => ({ city, days, tempC: 21 }),
});

function agentFor(protocol: "openai" | "anthropic" | "ollama", tools: AgentTool[], maxSteps?: number) {
  return new Agent({
    provider: protocol, model: "emulated", apiKey: "test", maxRetries: 0, tools,
    baseUrl: protocol === "openai" ? server.openaiBaseUrl : server.url,
    ...(maxSteps === undefined ? {} : { maxSteps }),
  });
}

async function drain(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

/** Parallel calls, runs of one chunk type collapsed: OpenAI streams both calls' deltas then both calls; the others close each call before the next. */
const PARALLEL = {
  openai: ["tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"],
  anthropic: ["tool_call_delta@0", "tool_call@0", "tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"],
  ollama: ["tool_call_delta@0", "tool_call@0", "tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"],
};

for (const protocol of ["openai", "anthropic", "ollama"] as const) {
  test(`${protocol} emulator: with tools and no script, it calls the first tool with schema-built arguments, then answers from the result`, async () => {
    const agent = agentFor(protocol, [weather]);
    const chunks = await drain(agent.stream("What is the weather?"));
    assert.deepEqual(collapse(shape(chunks)), ["tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"]);
    const call = chunks.find((c) => c.type === "tool_call")!.metadata.toolCall as { name: string; arguments: unknown };
    assert.equal(call.name, "get_weather");
    assert.deepEqual(call.arguments, { city: "Paris", days: 1 });
    const text = chunks.map((c) => c.content).join("");
    assert.equal(text, 'Based on the tool results: get_weather returned "{\\"city\\":\\"Paris\\",\\"days\\":1,\\"tempC\\":21}".');
    assert.deepEqual(agent.history.map((m) => m.role), ["user", "assistant", "tool", "assistant"]);
    // A second turn works on the whole history (the emulator calls the tool again for the new prompt).
    const second = await drain(agent.stream("And tomorrow?"));
    assert.deepEqual(collapse(shape(second)), ["tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"]);
    assert.equal(agent.history.length, 8);
  });

  test(`${protocol} emulator: two parallel calls overlap in time; errors (throw, unknown tool, invalid arguments) go back as results`, async () => {
    let running = 0;
    let overlapped = false;
    const slow = (name: string) =>
      tool({
        name, parameters: { type: "object" },
        execute: async () => {
          running++;
          await new Promise((r) => setTimeout(r, 10));
          if (running === 2) overlapped = true;
          running--;
          throw new Error(`${name} broke`);
        },
      });
    const agent = agentFor(protocol, [slow("slow_a"), slow("slow_b"), weather]);
    const chunks = await drain(agent.stream("run in parallel"));
    assert.equal(overlapped, true);
    assert.deepEqual(collapse(shape(chunks)), PARALLEL[protocol]);
    const results = chunks.filter((c) => c.type === "tool_result").map((c) => c.metadata.toolResult!);
    assert.deepEqual(results.map((r) => r.isError).sort(), [true, true]);
    assert.deepEqual(results.map((r) => r.result).sort(), ['Tool "slow_a" failed: slow_a broke', 'Tool "slow_b" failed: slow_b broke']);

    const unknown = (await drain(agent.stream("call an unknown tool"))).find((c) => c.type === "tool_result")!.metadata.toolResult!;
    assert.deepEqual(unknown, { id: "call_u", name: "nope", result: 'Unknown tool "nope". The available tools are: slow_a, slow_b, get_weather.', isError: true });
    const invalid = (await drain(agent.stream("invalid arguments"))).find((c) => c.type === "tool_result")!.metadata.toolResult!;
    assert.equal(invalid.isError, true);
    assert.match(String(invalid.result), /^Invalid arguments for "get_weather": city: .*expected string.*days: /);
  });

  test(`${protocol} emulator: maxSteps ends a loop that would go on, with finishReason tool_calls`, async () => {
    const agent = agentFor(protocol, [weather], 2);
    const chunks = await drain(agent.stream("loop forever"));
    assert.deepEqual(collapse(shape(chunks)), ["tool_call_delta@0", "tool_call@0", "tool_result@0", "tool_call_delta@1", "tool_call@1", "tool_result@1", "final@1"]);
    assert.equal(chunks.at(-1)!.metadata.finishReason, "tool_calls");
  });

  test(`${protocol} emulator: abort during a tool ends the run 'aborted'; a tool without execute ends the stream at its call`, async () => {
    const controller = new AbortController();
    const hang = tool({ name: "get_weather", parameters: { type: "object" }, execute: (_a, { signal }) => new Promise((_, reject) => { controller.abort(); signal.addEventListener("abort", () => reject(signal.reason)); }) });
    const agent = agentFor(protocol, [hang]);
    await assert.rejects(drain(agent.stream("weather", { signal: controller.signal })), (e: unknown) => e instanceof StreamInterruptedError && e.reason === "aborted");
    assert.deepEqual(agent.history, []);

    const plain = new Agent({
      provider: protocol, model: "emulated", apiKey: "test", maxRetries: 0,
      baseUrl: protocol === "openai" ? server.openaiBaseUrl : server.url,
      tools: [{ name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }],
    });
    const chunks = await drain(plain.stream("find it"));
    assert.deepEqual(collapse(shape(chunks)), ["tool_call_delta@0", "tool_call@0", "final@0"]);
    assert.deepEqual((chunks.find((c) => c.type === "tool_call")!.metadata.toolCall as { arguments: unknown }).arguments, { q: "example" });
    assert.equal(chunks.at(-1)!.metadata.finishReason, "tool_calls");
  });
}
