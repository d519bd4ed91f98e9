/**
 * Tools during streaming: one `agent.stream` call is one run — the model asks for tools, the agent runs them
 * (concurrently, validated against their schemas), and the next model call answers from the results, all in
 * one stream of typed chunks. Runs offline against the built-in emulator, which calls the first tool with
 * arguments built from its schema. Run: npx tsx examples/tools.ts
 * Point it at a real model by dropping `baseUrl` and `apiKey` (and setting OPENAI_API_KEY).
 */
import { z } from "zod";
import { Agent, tool } from "../src/index.js";
import { startEmulator } from "../src/emulator/index.js";

const getWeather = tool({
  name: "get_weather",
  description: "Current weather in a city",
  parameters: z.object({ city: z.string().default("Paris") }), // a zod 4 schema, or a plain JSON Schema object
  execute: async ({ city }, { signal }) => {
    signal.throwIfAborted(); // aborts when the stream is aborted or the tool's timeout passes
    return { city, tempC: 21, sky: "clear" };
  },
  timeout: 10_000,
});

await using emulator = await startEmulator({ ttftMs: 0, tps: Infinity });
const agent = new Agent({ model: "gpt-4o-mini", baseUrl: emulator.openaiBaseUrl, apiKey: "emulator", tools: [getWeather], maxSteps: 5 });

for await (const chunk of agent.stream("What is the weather in Paris?")) {
  const { step } = chunk.metadata;
  switch (chunk.type) {
    case "tool_call_delta": // arguments as they stream, parsed so far
      console.log(`[step ${step}] writing a call… ${JSON.stringify(chunk.metadata.toolCall && "partialArguments" in chunk.metadata.toolCall ? chunk.metadata.toolCall.partialArguments : {})}`);
      break;
    case "tool_call": {
      const call = chunk.metadata.toolCall!;
      console.log(`[step ${step}] call ${call.name}(${JSON.stringify("arguments" in call ? call.arguments : {})})`);
      break;
    }
    case "tool_result":
      console.log(`[step ${step}] result ${JSON.stringify(chunk.metadata.toolResult?.result)}`);
      break;
    case "text":
      process.stdout.write(chunk.content);
      break;
    case "final":
      console.log(`\n[step ${step}] done: ${chunk.metadata.finishReason}, usage over all steps ${JSON.stringify(chunk.metadata.usage)}`);
      break;
  }
}

// The history holds the whole turn, so the next question works on any provider.
console.log(agent.history.map((m) => m.role).join(" → "));

// The same loop without streaming: the final answer and the steps it took.
const response = await agent.arun("And in Oslo?");
console.log(`arun: ${response.steps.length} steps, answer: ${response.content}`);
