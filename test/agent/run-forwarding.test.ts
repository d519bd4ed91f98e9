import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { Agent, createMockProvider, StreamInterruptedError, tool, type StreamChunk } from "../../src/index.js";
import { makeChunk } from "../../src/stream/chunk.js";
import { ChunkStream } from "../../src/stream/chunk-stream.js";
import type { CompletionResult, Provider } from "../../src/providers/provider.js";

const weather = tool({
  name: "get_weather",
  description: "Current weather in a city",
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, tempC: 21 }),
});

/** Wraps a provider so each stream it opens is recorded, with a count of the `next()` calls made on it. */
function recording(provider: Provider) {
  const streams: Array<{ stream: ChunkStream<CompletionResult>; nexts: number }> = [];
  const wrapped: Provider = Object.assign(Object.create(provider) as Provider, {
    stream(...args: Parameters<Provider["stream"]>) {
      const stream = provider.stream(...args);
      const entry = { stream, nexts: 0 };
      const next = stream.next.bind(stream);
      stream.next = () => {
        entry.nexts++;
        return next();
      };
      streams.push(entry);
      return stream;
    },
  });
  return { provider: wrapped, streams };
}

/** A provider whose stream is one batch of text chunks (what one network read brings) and a final chunk. */
function batchProvider(pieces: string[], fail?: Error): Provider {
  const mock = createMockProvider({});
  return Object.assign(Object.create(mock) as Provider, {
    name: "batch",
    stream() {
      return new ChunkStream<CompletionResult>(async function* (_signal, delivered) {
        yield pieces.map((p, i) => makeChunk("text", p, { provider: "batch", model: "m", chunkIndex: i, step: 0 }));
        if (fail !== undefined) throw new StreamInterruptedError("batch: cut", { reason: "network", partialResponse: delivered.text, cause: fail });
        yield [makeChunk("final", "", { provider: "batch", model: "m", finishReason: "stop", step: 0 })];
        return { content: delivered.text, toolCalls: [], finishReason: "stop", provider: "batch", model: "m" };
      });
    },
  });
}

test("the run takes the chunks one read brought without a next() per chunk on the provider stream", async () => {
  const pieces = Array.from({ length: 50 }, (_, i) => `w${i} `);
  const { provider, streams } = recording(batchProvider(pieces));
  const agent = new Agent({ provider, model: "m" });
  const stream = agent.stream("x");
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks.length, 51);
  assert.ok(chunks.every((c) => c.metadata.step === 0));
  assert.equal(stream.text, pieces.join(""));
  // One next() for the read's first chunk, one for the final's read, one that ends the stream.
  assert.equal(streams[0]!.nexts, 3);
});

test("inside a run the provider stream's text is its step's text, read from the run's stream", async () => {
  const { provider, streams } = recording(
    createMockProvider({
      responses: [{ text: "Checking.", toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }] }, { text: "It is 21 C." }],
    }),
  );
  const agent = new Agent({ provider, model: "m", tools: [weather] });
  const stream = agent.stream("Weather?");
  for await (const _ of stream) {
    // drained
  }
  assert.equal(stream.text, "Checking.It is 21 C.");
  assert.deepEqual(streams.map((s) => s.stream.text), ["Checking.", "It is 21 C."]);
  assert.deepEqual(stream.result?.steps.map((s) => s.response.content), ["Checking.", "It is 21 C."]);
  assert.equal(stream.result?.content, "It is 21 C.");
  assert.deepEqual(agent.history.map((m) => m.content), ["Weather?", "Checking.", '{"city":"Paris","tempC":21}', "It is 21 C."]);
});

test("a step that breaks after a forwarded batch: the interruption carries exactly the run's delivered text", async () => {
  const agent = new Agent({ provider: batchProvider(["one ", "two"], new Error("reset")), model: "m" });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of agent.stream("x")) seen.push(chunk.content);
    })(),
    (e: unknown) => e instanceof StreamInterruptedError && e.reason === "network" && e.partialResponse === "one two",
  );
  assert.deepEqual(seen, ["one ", "two"]);
});

test("return() while a forwarded batch is half taken stops the provider stream at once and hands out nothing more", async () => {
  const { provider, streams } = recording(batchProvider(["a", "b", "c", "d"]));
  const agent = new Agent({ provider, model: "m" });
  const stream = agent.stream("x");
  assert.equal((await stream.next()).value?.content, "a");
  assert.equal((await stream.next()).value?.content, "b");
  await stream.return();
  assert.equal(streams[0]!.stream.signal.aborted, true);
  assert.equal((await stream.next()).done, true);
  assert.equal(stream.text, "ab");
});
