import assert from "node:assert/strict";
import { test } from "node:test";
import { TextBuffer } from "../../src/stream/text-buffer.js";

function fill(pieces: string[]): TextBuffer {
  const buffer = new TextBuffer();
  for (const piece of pieces) buffer.append(piece);
  return buffer;
}

test("TextBuffer keeps a million short ASCII pieces exactly, across blocks", () => {
  const pieces = ["Lorem", " ipsu", "m dol", "or si", "t ame", "t. "];
  const all: string[] = [];
  for (let i = 0; i < 1_000_000; i++) all.push(pieces[i % pieces.length]!);
  const buffer = fill(all);
  const expected = all.join("");
  assert.equal(buffer.length, expected.length);
  assert.equal(buffer.toString(), expected);
  assert.equal(buffer.toString(), expected, "a second read gives the same text");
});

test("TextBuffer keeps non-ASCII text, long pieces, and appends after a read", () => {
  const pieces = ["héllo ", "日本語", "😀", "", "x".repeat(20_000), "ü".repeat(5000), "end"];
  const buffer = new TextBuffer();
  let expected = "";
  for (const piece of pieces) {
    buffer.append(piece);
    expected += piece;
    assert.equal(buffer.toString(), expected);
    assert.equal(buffer.length, expected.length);
  }
  for (let i = 0; i < 100_000; i++) buffer.append("ß€a");
  expected += "ß€a".repeat(100_000);
  assert.equal(buffer.toString(), expected);
});

test("TextBuffer keeps a surrogate pair split between two pieces, and lone surrogates, unchanged", () => {
  const pair = "😀";
  const pieces = ["a", pair[0]!, pair[1]!, "b", "\udc00 lone", "c\ud800"];
  const buffer = fill(pieces);
  assert.equal(buffer.toString(), pieces.join(""));
  assert.equal(buffer.length, pieces.join("").length);
});

test("TextBuffer.clear forgets everything", () => {
  const buffer = fill(["abc", "def"]);
  buffer.clear();
  assert.equal(buffer.toString(), "");
  assert.equal(buffer.length, 0);
  buffer.append("x");
  assert.equal(buffer.toString(), "x");
});
