import { test } from "node:test";
import assert from "node:assert/strict";
import { createMockStream, ConfigurationError, StreamInterruptedError } from "../../src/index.js";

test("createMockStream yields the text in pieces of chunkSize, the last one final", async () => {
  const chunks = [];
  for await (const chunk of createMockStream("Test response text", { chunkSize: 5 })) chunks.push(chunk);
  assert.deepEqual(chunks.map((c) => c.content), ["Test ", "respo", "nse t", "ext"]);
  assert.deepEqual(chunks.map((c) => c.isFinal), [false, false, false, true]);
  assert.ok(chunks.every((c) => c.type === "text" && typeof c.timestamp === "number" && c.metadata !== undefined));
});

test("createMockStream waits delay milliseconds before each chunk", async () => {
  const started = performance.now();
  let count = 0;
  for await (const _ of createMockStream("abcdef", { chunkSize: 2, delay: 30 })) count++;
  assert.equal(count, 3);
  assert.ok(performance.now() - started >= 85, "three chunks of 30 ms each take at least ~90 ms");
});

test("createMockStream stops with StreamInterruptedError carrying the text so far when its signal aborts", async () => {
  const controller = new AbortController();
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of createMockStream("abcdefgh", { chunkSize: 2, delay: 5, signal: controller.signal })) {
        seen.push(chunk.content);
        if (seen.length === 2) controller.abort();
      }
    })(),
    (error: unknown) => {
      assert.ok(error instanceof StreamInterruptedError);
      assert.equal(error.reason, "aborted");
      assert.equal(error.partialResponse, "abcd");
      return true;
    },
  );
  assert.deepEqual(seen, ["ab", "cd"]);
});

test("createMockStream rejects a bad chunkSize or delay, naming the option", () => {
  assert.throws(() => createMockStream("x", { chunkSize: 0 }), (e: unknown) => e instanceof ConfigurationError && e.option === "chunkSize");
  assert.throws(() => createMockStream("x", { delay: -1 }), (e: unknown) => e instanceof ConfigurationError && e.option === "delay");
});

test("an empty mock stream yields one empty final chunk", async () => {
  const chunks = [];
  for await (const chunk of createMockStream("")) chunks.push(chunk);
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0]?.content, "");
  assert.equal(chunks[0]?.isFinal, true);
});
