import { test } from "node:test";
import assert from "node:assert/strict";
import { createMockStream, StreamingManager, StreamInterruptedError, ConfigurationError, ChunkStream } from "../../src/index.js";
import { makeChunk } from "../../src/stream/chunk.js";
import { controllableSource, tick } from "../support/sources.js";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

function isInterrupted(reason: string, partial: string) {
  return (error: unknown) => {
    assert.ok(error instanceof StreamInterruptedError, `expected StreamInterruptedError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    assert.equal(error.partialResponse, partial);
    return true;
  };
}

test("a timeout throws StreamInterruptedError with exactly the text yielded so far and cancels the source", async () => {
  const source = controllableSource(["Hel", "lo ", "wor"]);
  const manager = new StreamingManager({ timeout: 40 });
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const chunk of manager.streamWithTimeout(source.iterator)) seen.push(chunk.content);
  }, isInterrupted("timeout", "Hello wor"));
  assert.deepEqual(seen, ["Hel", "lo ", "wor"]);
  assert.ok(source.events.includes("return"), "the source's return() ran");
  assert.deepEqual(manager.activeStreams, []);
});

test("a timeout aborts the signal of an agenticraft source blocked on its next chunk", async () => {
  let sawAbort = false;
  const source = new ChunkStream<void>(async function* (signal) {
    yield makeChunk("text", "partial", {});
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    sawAbort = signal.aborted;
    return undefined;
  });
  const manager = new StreamingManager({ idleTimeout: 30 });
  await assert.rejects(async () => {
    for await (const _ of manager.streamWithTimeout(source)) {
      // consume
    }
  }, isInterrupted("timeout", "partial"));
  await tick();
  assert.equal(sawAbort, true);
  assert.equal(source.signal.aborted, true);
});

test("firstChunkTimeout fires when nothing arrives, and not once a chunk has come", async () => {
  const manager = new StreamingManager({ firstChunkTimeout: 30 });
  await assert.rejects(async () => {
    for await (const _ of manager.streamWithTimeout(createMockStream("late", { delay: 200 }))) {
      // consume
    }
  }, isInterrupted("timeout", ""));
  const chunks: string[] = [];
  for await (const c of manager.streamWithTimeout(createMockStream("abcdef", { chunkSize: 2, delay: 20 }))) chunks.push(c.content);
  assert.deepEqual(chunks, ["ab", "cd", "ef"], "later chunks may take longer than firstChunkTimeout in total");
});

test("idleTimeout restarts with each chunk", async () => {
  const manager = new StreamingManager({ idleTimeout: 60 });
  const text: string[] = [];
  for await (const c of manager.streamWithTimeout(createMockStream("abcdefgh", { chunkSize: 1, delay: 15 }))) text.push(c.content);
  assert.equal(text.join(""), "abcdefgh", "eight 15 ms gaps exceed 60 ms in total but no single gap does");
  await assert.rejects(async () => {
    for await (const _ of manager.streamWithTimeout(createMockStream("ab", { chunkSize: 1, delay: 120 }))) {
      // consume
    }
  }, isInterrupted("timeout", ""));
});

test("interrupting one stream leaves the others running", async () => {
  const manager = new StreamingManager();
  const first = manager.streamWithTimeout(createMockStream("aaaaaaaa", { chunkSize: 1, delay: 10 }), { streamId: "one" });
  const second = manager.streamWithTimeout(createMockStream("bbbb", { chunkSize: 1, delay: 10 }), { streamId: "two" });
  assert.deepEqual(manager.activeStreams.sort(), ["one", "two"]);
  const firstDone = (async () => {
    const seen: string[] = [];
    try {
      for await (const c of first) {
        seen.push(c.content);
        if (seen.length === 2) assert.equal(manager.interruptStream("one"), true);
      }
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  let secondText = "";
  for await (const c of second) secondText += c.content;
  const error = await firstDone;
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.reason, "aborted");
  assert.equal(error.partialResponse, "aa");
  assert.equal(secondText, "bbbb");
  assert.equal(manager.interruptStream("one"), false, "an ended stream is no longer active");
  assert.deepEqual(manager.activeStreams, []);
});

test("breaking out of the loop early calls the source's return()", async () => {
  const source = controllableSource(["a", "b", "c"]);
  const manager = new StreamingManager({ timeout: 10_000 });
  for await (const chunk of manager.streamWithTimeout(source.iterator)) {
    if (chunk.content === "b") break;
  }
  assert.deepEqual(source.events, ["return"]);
  assert.deepEqual(manager.activeStreams, []);
});

test("close() interrupts every active stream", async () => {
  const manager = new StreamingManager();
  const a = controllableSource(["x"]);
  const b = controllableSource(["y"]);
  const runs = [a, b].map(async (source) => {
    try {
      for await (const _ of manager.streamWithTimeout(source.iterator)) {
        // consume
      }
      return "completed";
    } catch (error) {
      return error instanceof StreamInterruptedError ? `${error.reason}:${error.partialResponse}` : "other";
    }
  });
  await tick();
  assert.equal(manager.activeStreams.length, 2);
  await manager.close();
  assert.deepEqual(await Promise.all(runs), ["aborted:x", "aborted:y"]);
  assert.ok(a.events.includes("return") && b.events.includes("return"));
  assert.throws(() => manager.streamWithTimeout(a.iterator), ConfigurationError);
});

test("await using closes the manager when the block ends", async () => {
  const source = controllableSource(["z"]);
  let run: Promise<unknown> | undefined;
  {
    await using manager = new StreamingManager({ timeout: 60_000 });
    run = (async () => {
      try {
        for await (const _ of manager.streamWithTimeout(source.iterator)) {
          // consume
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    await tick();
  }
  const error = await run;
  assert.ok(error instanceof StreamInterruptedError);
  assert.equal(error.partialResponse, "z");
  assert.ok(source.events.includes("return"));
});

test("no timer is left behind after streams end, time out or are interrupted", async () => {
  await tick();
  const before = timers();
  const manager = new StreamingManager({ timeout: 5_000, firstChunkTimeout: 5_000, idleTimeout: 5_000 });
  for await (const _ of manager.streamWithTimeout(createMockStream("abc"))) {
    // consume
  }
  const source = controllableSource(["q"]);
  const running = (async () => {
    try {
      for await (const _ of manager.streamWithTimeout(source.iterator, { streamId: "s" })) {
        // consume
      }
    } catch {
      // interrupted on purpose
    }
  })();
  await tick();
  manager.interruptStream("s");
  await running;
  await tick();
  assert.equal(timers(), before);
});

test("the caller's signal interrupts a managed stream with reason aborted", async () => {
  const controller = new AbortController();
  const source = controllableSource(["p"]);
  const manager = new StreamingManager();
  const run = assert.rejects(async () => {
    for await (const _ of manager.streamWithTimeout(source.iterator, { signal: controller.signal })) {
      // consume
    }
  }, isInterrupted("aborted", "p"));
  await tick();
  controller.abort();
  await run;
});

test("StreamingManager rejects bad limits and duplicate ids, naming the option", () => {
  assert.throws(() => new StreamingManager({ timeout: -1 }), (e: unknown) => e instanceof ConfigurationError && e.option === "timeout");
  const manager = new StreamingManager();
  manager.streamWithTimeout(createMockStream("a"), { streamId: "dup" });
  assert.throws(() => manager.streamWithTimeout(createMockStream("b"), { streamId: "dup" }), /dup/);
});
