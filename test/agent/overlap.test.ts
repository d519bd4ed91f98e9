import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OverlapRemover, removeOverlap } from "../../src/agent/overlap.js";

/** Feeds `chunks` one by one; returns what was emitted at each push and at the end. */
function run(partial: string, chunks: string[], maxOverlap?: number): { emitted: string[]; remover: OverlapRemover } {
  const remover = new OverlapRemover(partial, maxOverlap === undefined ? {} : { maxOverlap });
  const emitted = chunks.map((c) => remover.push(c));
  emitted.push(remover.finish());
  return { emitted, remover };
}

describe("removeOverlap", () => {
  test("a continuation that does not restart passes through unchanged", () => {
    assert.equal(removeOverlap("The cat sat", " on the mat."), " on the mat.");
  });

  test("the model restarting its last words: they are dropped", () => {
    assert.equal(removeOverlap("The cat sat on", "sat on the mat."), " the mat.");
  });

  test("the model restarting the whole sentence", () => {
    const partial = "First sentence. The second one is cut";
    assert.equal(removeOverlap(partial, "The second one is cut short."), " short.");
  });

  test("the model restarting the whole partial answer", () => {
    assert.equal(removeOverlap("Hello wor", "Hello world!"), "ld!");
  });

  test("a restart of the last word cut in the middle", () => {
    assert.equal(removeOverlap("Hello wor", "world!"), "ld!");
  });

  test("whitespace before a restart is dropped with it", () => {
    assert.equal(removeOverlap("one two", "\n\ntwo three"), " three");
    assert.equal(removeOverlap("one two", " two three"), " three");
  });

  test("leading whitespace without a restart is kept", () => {
    assert.equal(removeOverlap("one two", " three"), " three");
    assert.equal(removeOverlap("one two", "\n\nthree"), "\n\nthree");
  });

  test("a continuation of only whitespace is kept", () => {
    assert.equal(removeOverlap("one two", "  "), "  ");
  });

  test("a partial answer ending with whitespace: the restart includes it", () => {
    assert.equal(removeOverlap("Hello world. ", "world. Next."), "Next.");
    assert.equal(removeOverlap("Hello world. ", "Next."), "Next.");
  });

  test("the longest restart wins over a shorter one inside it", () => {
    // "b a" and "a" are both suffixes at word starts; the continuation repeats "b a".
    assert.equal(removeOverlap("a b a", "b a c"), " c");
    assert.equal(removeOverlap("a b a", "a c"), " c");
  });

  test("a restart that arrives only in part is not dropped", () => {
    assert.equal(removeOverlap("alpha beta gamma", "beta gam"), "beta gam");
  });

  test("a restart that starts mid-word is not one (restarts begin at word starts)", () => {
    assert.equal(removeOverlap("Hello world", "orld peace"), "orld peace");
  });

  test("an empty partial answer or continuation", () => {
    assert.equal(removeOverlap("", "abc"), "abc");
    assert.equal(removeOverlap("abc", ""), "");
    assert.equal(removeOverlap("   ", "x"), "x");
  });

  test("the ambiguous case reads as a restart (documented limit)", () => {
    // Unbroken text "it is very very good", broken after the first "very": the text cannot tell.
    assert.equal(removeOverlap("it is very", " very good"), " good");
  });

  test("surrogate pairs: an emoji restart is dropped whole and nothing is split", () => {
    assert.equal(removeOverlap("I 😀 you 😀", "😀 too"), " too");
    assert.equal(removeOverlap("I 😀", "😁 too"), "😁 too"); // same high surrogate, different emoji
    assert.equal(removeOverlap("naïve café", "café au lait"), " au lait");
  });

  test("restarts further back than maxOverlap are not looked for", () => {
    assert.equal(removeOverlap("one two three", "one two three four", { maxOverlap: 5 }), "one two three four");
    assert.equal(removeOverlap("one two three", "three four", { maxOverlap: 5 }), " four");
  });
});

describe("OverlapRemover streaming", () => {
  test("a chunk that cannot start any restart is emitted at once", () => {
    const remover = new OverlapRemover("The cat sat");
    assert.equal(remover.push(" on"), " on");
    assert.equal(remover.decided, true);
    assert.equal(remover.push(" the mat"), " the mat");
    assert.equal(remover.finish(), "");
  });

  test("holds back only while the text can still be a restart", () => {
    const { emitted, remover } = run("The cat sat on", ["s", "at", " o", "n the", " mat."]);
    assert.deepEqual(emitted, ["", "", "", " the", " mat.", ""]);
    assert.equal(remover.dropped, "sat on");
  });

  test("a mismatch releases all held text in one piece", () => {
    const { emitted } = run("The cat sat on", ["sat", " in", " the box"]);
    assert.deepEqual(emitted, ["", "sat in", " the box", ""]);
  });

  test("held text is reported while undecided", () => {
    const remover = new OverlapRemover("one two");
    assert.equal(remover.push("\n"), "");
    assert.equal(remover.push("tw"), "");
    assert.equal(remover.held, "\ntw");
    assert.equal(remover.push("o!"), "!");
    assert.equal(remover.dropped, "\ntwo");
  });

  test("the end of the stream releases a held partial restart", () => {
    const { emitted } = run("one two three", ["two th"]);
    assert.deepEqual(emitted, ["", "two th"]);
  });

  test("a whole restart with nothing after it: all is dropped at the end", () => {
    const { emitted, remover } = run("one two", ["two"]);
    assert.deepEqual(emitted, ["", ""]);
    assert.equal(remover.dropped, "two");
  });

  test("a longer restart is awaited even when a shorter one is complete", () => {
    const remover = new OverlapRemover("x a b a");
    assert.equal(remover.push("a"), ""); // "a" is complete, but "a b a" may follow
    assert.equal(remover.push(" b"), "");
    assert.equal(remover.push(" a"), "");
    assert.equal(remover.push(" c"), " c");
  });
});
