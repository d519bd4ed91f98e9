/**
 * The AgentiCraft streaming quick reference in TypeScript (the API the README shows), running on the mock
 * provider so it needs no key and no network. Run from a clone: npx tsx examples/quick-reference.ts
 * (tsx, a dev dependency, runs TypeScript: Node 20 does not strip types). In an app, import from "agenticraft"
 * instead of "../src/index.js"; replace `provider: "mock"` with a real model (e.g. `model: "gpt-4o-mini"`)
 * to run it against an API.
 */
import {
  Agent,
  StreamingResponse,
  StreamInterruptedError,
  StreamingManager,
  collectStream,
  createMockProvider,
  createMockStream,
} from "../src/index.js";

const log = (title: string) => console.log(`\n## ${title}`);

// Basic streaming
log("Basic streaming");
const agent = new Agent({ name: "StreamBot", provider: "mock" });
for await (const chunk of agent.stream("Tell me a joke")) process.stdout.write(chunk.content);
console.log();

// Check provider support
log("Check provider support");
const info = agent.getProviderInfo();
if (info.supportsStreaming) {
  for await (const chunk of agent.stream("Stream if you can")) process.stdout.write(chunk.content);
  console.log();
} else {
  const response = await agent.arun("Stream if you can");
  console.log(response.content);
}

// Collect complete response
log("Collect complete response");
const response = new StreamingResponse();
for await (const chunk of agent.stream("List 3 facts")) response.addChunk(chunk);
console.log(`Complete: ${response.completeText}`);
console.log(`Duration: ${(response.duration / 1000).toFixed(2)}s`);
console.log(`Chunks: ${response.chunkCount}`);

// Error handling: this mock connection drops after three chunks
log("Error handling");
const flaky = new Agent({
  provider: createMockProvider({ responses: [{ text: "Roses are red, violets are blue", interrupt: { afterChunks: 3, reason: "network" } }] }),
});
try {
  for await (const chunk of flaky.stream("A poem")) process.stdout.write(chunk.content);
} catch (error) {
  if (!(error instanceof StreamInterruptedError)) throw error;
  console.log(`\nInterrupted: ${error.message}`);
  if (error.partialResponse) console.log(`Partial: ${error.partialResponse}`);
}

// Progress tracking
log("Progress tracking");
let chunkCount = 0;
for await (const chunk of agent.stream("Count with me")) {
  chunkCount += 1;
  process.stdout.write(`\r[Chunk ${chunkCount}] ${chunk.content.padEnd(12)}`);
}
console.log();

// Streaming with parameters
log("Streaming with parameters");
for await (const chunk of agent.stream("Write a haiku", { temperature: 0.9, maxTokens: 50 })) process.stdout.write(chunk.content);
console.log();

// Provider-specific features: usage metadata on the final chunk
log("Usage metadata");
for await (const chunk of agent.stream("How many tokens?")) {
  if (chunk.metadata.usage) console.log(`Tokens: ${JSON.stringify(chunk.metadata.usage)}`);
}

// Testing with mock streams
log("Testing with mock streams");
const mock = createMockStream("Test response text", { chunkSize: 5, delay: 100 });
for await (const chunk of mock) console.log(JSON.stringify(chunk.content)); // "Test ", "respo", "nse t", "ext"

// Timeout protection
log("Timeout protection");
{
  await using manager = new StreamingManager({ timeout: 30_000 });
  for await (const chunk of manager.streamWithTimeout(agent.stream("Be quick"))) process.stdout.write(chunk.content);
  console.log();
}

// Concurrent streams
log("Concurrent streams");
const multiStream = (prompts: string[]) => Promise.all(prompts.map((prompt) => collectStream(agent.stream(prompt))));
for (const result of await multiStream(["one", "two", "three"])) console.log(result.completeText);

// Memory-efficient processing
log("Memory-efficient processing");
let wordCount = 0;
for await (const chunk of agent.stream("A long prompt")) wordCount += chunk.content.split(/\s+/).filter(Boolean).length;
console.log(`Total words: ${wordCount}`);
