import { test } from "node:test";
import assert from "node:assert/strict";
import { NDJSONDecoder, ndjsonValues } from "../../src/wire/ndjson.js";
import type { NDJSONDecoderOptions } from "../../src/wire/ndjson.js";
import { WireFormatError } from "../../src/stream/errors.js";
import {
  collect,
  fixtureNames,
  fromChunks,
  mulberry32,
  oneByteSplits,
  randomSplits,
  readFixture,
  splitAt,
} from "../support/split.js";

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

/** Decodes every chunk then flushes; returns all values. */
function decodeAll(chunks: Uint8Array[], options?: NDJSONDecoderOptions): unknown[] {
  const decoder = new NDJSONDecoder(options);
  const values: unknown[] = [];
  for (const chunk of chunks) values.push(...decoder.decode(chunk));
  values.push(...decoder.flush());
  return values;
}

/** Whole, one byte at a time, every single cut, and 20 seeded random splits. */
function* everySplit(input: Uint8Array): Generator<[string, Uint8Array[]]> {
  yield ["whole", [input]];
  yield ["one byte at a time", oneByteSplits(input)];
  for (let cut = 1; cut < input.length; cut++) yield [`cut at byte ${cut}`, splitAt(input, [cut])];
  for (let seed = 1; seed <= 20; seed++) yield [`seed ${seed}`, randomSplits(input, mulberry32(seed))];
}

for (const name of fixtureNames("ollama", ".ndjson")) {
  test(`${name} gives one value per line, the same at one-byte and seeded random splits as whole`, () => {
    const input = readFixture(name);
    const lines = new TextDecoder().decode(input).split("\n").filter((line) => line.trim() !== "");
    const whole = decodeAll([input]);
    assert.deepEqual(whole, lines.map((line) => JSON.parse(line) as unknown));
    for (const [pattern, chunks] of everySplit(input)) assert.deepEqual(decodeAll(chunks), whole, pattern);
  });
}

test("CRLF line endings are tolerated at every split", () => {
  for (const [pattern, chunks] of everySplit(bytes('{"a":1}\r\n{"b":"x"}\r\n'))) {
    assert.deepEqual(decodeAll(chunks), [{ a: 1 }, { b: "x" }], pattern);
  }
});

test("empty and whitespace-only lines are skipped", () => {
  const text = '\n{"a":1}\n\n  \n\t\r\n\r\n{"b":2}\n\n';
  for (const [pattern, chunks] of everySplit(bytes(text))) {
    assert.deepEqual(decodeAll(chunks), [{ a: 1 }, { b: 2 }], pattern);
  }
});

test("a last line without its newline is parsed by flush, not before", () => {
  const decoder = new NDJSONDecoder();
  assert.deepEqual(decoder.decode(bytes('{"a":1}\n{"done":')), [{ a: 1 }]);
  assert.deepEqual(decoder.decode(bytes("true}")), []);
  assert.deepEqual(decoder.flush(), [{ done: true }]);
});

test("multi-byte characters cut mid-character at every byte offset decode intact", () => {
  const input = bytes('{"t":"café 日本 🎉"}\n{"u":"é"}');
  for (const [pattern, chunks] of everySplit(input)) {
    assert.deepEqual(decodeAll(chunks), [{ t: "café 日本 🎉" }, { u: "é" }], pattern);
  }
});

test("a BOM at the very start is dropped, even split across reads", () => {
  for (const [pattern, chunks] of everySplit(bytes('\uFEFF{"a":1}\n'))) {
    assert.deepEqual(decodeAll(chunks), [{ a: 1 }], pattern);
  }
});

test("a line that is not JSON throws an invalid-json WireFormatError with the line as excerpt and cause", () => {
  const decoder = new NDJSONDecoder();
  assert.throws(
    () => decoder.decode(bytes('not json\n{"b":2}\n')),
    (error: unknown) =>
      error instanceof WireFormatError &&
      error.type === "invalid-json" &&
      error.excerpt === "not json" &&
      error.cause instanceof SyntaxError,
  );
  assert.throws(() => decoder.decode(bytes('{"c":3}\n')), WireFormatError, "a failed decoder keeps failing");
});

test("good lines before a bad one in the same read are returned, and the next call throws", () => {
  const decoder = new NDJSONDecoder();
  assert.deepEqual(decoder.decode(bytes('{"a":1}\n{"b":2}\nnot json\n{"c":3}\n')), [{ a: 1 }, { b: 2 }]);
  assert.throws(() => decoder.decode(bytes('{"d":4}\n')), (error: unknown) => error instanceof WireFormatError && error.excerpt === "not json");
  assert.throws(() => decoder.flush(), WireFormatError);
});

test("an invalid last line without a newline throws on flush", () => {
  const decoder = new NDJSONDecoder();
  assert.deepEqual(decoder.decode(bytes('{"a":1}\n{"cut')), [{ a: 1 }]);
  assert.throws(
    () => decoder.flush(),
    (error: unknown) => error instanceof WireFormatError && error.type === "invalid-json" && error.excerpt === '{"cut',
  );
});

test("a line longer than maxBufferSize throws a buffer-overflow WireFormatError naming the limit", () => {
  const decoder = new NDJSONDecoder({ maxBufferSize: 64 });
  const chunks = randomSplits(bytes(`{"t":"${"x".repeat(100)}"}\n`), mulberry32(1));
  assert.throws(
    () => {
      for (const chunk of chunks) decoder.decode(chunk);
    },
    (error: unknown) =>
      error instanceof WireFormatError && error.type === "buffer-overflow" && error.message.includes("64"),
  );
});

test("maxBufferSize bounds one unfinished line, not throughput", () => {
  const input = bytes('{"n":12345}\n'.repeat(1000));
  assert.equal(decodeAll(randomSplits(input, mulberry32(2), 40), { maxBufferSize: 32 }).length, 1000);
});

test("an invalid maxBufferSize is refused", () => {
  assert.throws(() => new NDJSONDecoder({ maxBufferSize: -1 }), /maxBufferSize/);
});

test("decode returns one shared, frozen empty array when a read completes no line", () => {
  const decoder = new NDJSONDecoder();
  const first = decoder.decode(bytes('{"a"'));
  const second = decoder.decode(bytes("\n\n").subarray(0, 0));
  assert.equal(first.length, 0);
  assert.equal(first, second);
  assert.ok(Object.isFrozen(first));
});

test("ndjsonValues yields every value of a chunked body", async () => {
  const input = readFixture("ollama/text.ndjson");
  const values = await collect(ndjsonValues(fromChunks(randomSplits(input, mulberry32(5)))));
  assert.deepEqual(values, decodeAll([input]));
});

test("breaking out of ndjsonValues early calls return() on the body's iterator and stops reading it", async () => {
  let reads = 0;
  let returned = false;
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        reads++;
        return { done: false, value: bytes(`{"n":${reads}}\n`) };
      },
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  for await (const value of ndjsonValues(body)) {
    assert.deepEqual(value, { n: 1 });
    break;
  }
  assert.ok(returned, "body iterator's return() was not called");
  assert.equal(reads, 1);
});
