/**
 * Streams that heal: a stream that breaks half-way (a dropped connection, an in-stream error, an idle timeout)
 * is continued from exactly the text already shown, and a provider that fails hands over to the next one.
 * Runs offline against the built-in emulator's fault injection. Run: npx tsx examples/heal.ts
 */
import { Agent, StreamInterruptedError } from "../src/index.js";
import { startEmulator } from "../src/emulator/index.js";

const answer = "A stream that breaks half-way through a long answer no longer loses it: the rest arrives, once.";

// 1. Continuation: the first request drops after 5 chunks; fail-first=1 lets the continuation through.
{
  await using emulator = await startEmulator({ script: { default: { text: answer } }, fault: "drop-after=5,fail-first=1" });
  const agent = new Agent({ provider: "ollama", model: "llama3.2", baseUrl: emulator.url, recover: "continue" });
  let text = "";
  let healedAt: number | undefined;
  for await (const chunk of agent.stream("Tell me about streams")) {
    // Chunks from a continuation carry metadata.recovered (the attempt number).
    if (healedAt === undefined && chunk.metadata.recovered !== undefined) {
      healedAt = chunk.metadata.recovered;
      process.stdout.write(`[attempt ${healedAt}]`);
    }
    text += chunk.content;
    process.stdout.write(chunk.content);
  }
  console.log(`\nhealed: ${text === answer}; requests: ${emulator.requests.length}`);
}

// 2. Failover: Anthropic answers 529 (overloaded); OpenAI answers instead. Chunks name their provider.
{
  await using overloaded = await startEmulator({ fault: "status=529" });
  await using backup = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: answer } } });
  const agent = new Agent({
    provider: "anthropic", model: "claude-3-5-sonnet-latest", apiKey: "emulator", baseUrl: overloaded.url, maxRetries: 0,
    fallbacks: [{ provider: "openai", model: "gpt-4o-mini", apiKey: "emulator", baseUrl: backup.openaiBaseUrl }],
    recover: "continue",
  });
  console.log("chain:", JSON.stringify(agent.getProviderInfo().fallbacks));
  const providers = new Set<string>();
  for await (const chunk of agent.stream("Tell me about streams")) providers.add(chunk.metadata.provider ?? "?");
  console.log(`answered by: ${[...providers].join(", ")}`);
}

// 3. Exhausted: every attempt fails; one error with the whole partial text and every attempt.
{
  await using broken = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: answer } }, fault: "error-after=3" });
  const agent = new Agent({ provider: "openai", model: "gpt-4o-mini", apiKey: "emulator", baseUrl: broken.openaiBaseUrl, recover: "continue", maxRecoveryAttempts: 2 });
  try {
    for await (const _ of agent.stream("Tell me about streams")) {
      // each attempt adds its three chunks before its error
    }
  } catch (error) {
    if (!(error instanceof StreamInterruptedError)) throw error;
    console.log(`gave up after ${error.attempts?.length} attempts with ${JSON.stringify(error.partialResponse)}`);
  }
}
