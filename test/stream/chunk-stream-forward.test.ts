import assert from "node:assert/strict";
import { test } from "node:test";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { ChunkStream, type ChunkSource } from "../../src/stream/chunk-stream.js";

const text = (s: string): StreamChunk => makeChunk("text", s, { provider: "t" });

/** A source over a fixed list, counting the chunks it built. */
function sourceOf(pieces: string[]): ChunkSource & { built: number } {
  let i = 0;
  const source = {
    built: 0,
    nextChunk() {
      if (i >= pieces.length) return undefined;
      source.built++;
      return text(pieces[i++]!);
    },
  };
  return source;
}

test("takeReady hands out the rest of a batch and of a source without resuming the producer, then undefined", async () => {
  let resumed = 0;
  const source = sourceOf(["c", "d"]);
  const stream = new ChunkStream<string>(async function* () {
    resumed++;
    yield [text("a"), text("b")];
    resumed++;
    yield source;
    resumed++;
    return "done";
  });
  assert.equal(stream.takeReady(), undefined, "nothing is at hand before the producer ran");
  assert.equal((await stream.next()).value?.content, "a");
  assert.equal(stream.takeReady()?.content, "b");
  assert.equal(stream.takeReady(), undefined, "the batch is taken: the producer is needed");
  assert.equal(resumed, 1);
  assert.equal((await stream.next()).value?.content, "c");
  assert.equal(source.built, 1, "a source builds a chunk only when asked");
  assert.equal(stream.takeReady()?.content, "d");
  assert.equal(stream.takeReady(), undefined);
  assert.equal(resumed, 2);
  assert.equal((await stream.next()).done, true);
  assert.equal(stream.text, "abcd", "chunks taken with takeReady are delivered like any other");
  assert.equal(stream.result, "done");
});

test("after an abort nothing more is at hand: the rest of the batch is dropped", async () => {
  const stream = new ChunkStream(async function* () {
    yield [text("a"), text("b"), text("c")];
  });
  await stream.next();
  stream.abort();
  assert.equal(stream.takeReady(), undefined);
  assert.equal(stream.text, "a");
});

test("shareText: the stream's text is read from the view and no copy is kept; it must come before any text", async () => {
  let outside = "";
  const view = {
    get text() {
      return outside;
    },
    get textLength() {
      return outside.length;
    },
  };
  const stream = new ChunkStream(async function* (_signal, delivered) {
    yield [text("ab"), text("cd")];
    // What a producer reports as its partial text is the view's.
    return delivered.text;
  });
  stream.shareText(view);
  for await (const chunk of stream) outside += chunk.content.toUpperCase();
  assert.equal(stream.text, "ABCD");
  assert.equal(stream.textLength, 4);
  assert.equal(stream.result, "ABCD");

  const own = new ChunkStream(async function* () {
    yield text("x");
  });
  await own.next();
  assert.throws(() => own.shareText(view), /already delivered text/);
});
