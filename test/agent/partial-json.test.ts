import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PartialJsonParser } from "../../src/agent/partial-json.js";

/**
 * `partial` is consistent with `whole` as a prefix: every key it has is in `whole`, with an equal value, or a
 * prefix of the string, or (objects, arrays) a value consistent in the same sense; an array may lack a tail.
 */
function prefixConsistent(partial: unknown, whole: unknown, path = "$"): void {
  if (typeof partial === "string" && typeof whole === "string") {
    assert.ok(whole.startsWith(partial), `${path}: ${JSON.stringify(partial)} is not a prefix of ${JSON.stringify(whole)}`);
    return;
  }
  if (Array.isArray(partial)) {
    assert.ok(Array.isArray(whole), `${path}: array where the whole has ${JSON.stringify(whole)}`);
    assert.ok(partial.length <= whole.length, `${path}: longer than the whole`);
    partial.forEach((v, i) => prefixConsistent(v, whole[i], `${path}[${i}]`));
    return;
  }
  if (typeof partial === "object" && partial !== null) {
    assert.ok(typeof whole === "object" && whole !== null && !Array.isArray(whole), `${path}: object where the whole has ${JSON.stringify(whole)}`);
    for (const [k, v] of Object.entries(partial)) {
      assert.ok(k in whole, `${path}: key ${k} is not in the whole`);
      prefixConsistent(v, (whole as Record<string, unknown>)[k], `${path}.${k}`);
    }
    return;
  }
  assert.deepEqual(partial, whole, path);
}

/** Cuts `text` at the given sorted positions. */
function cut(text: string, positions: number[]): string[] {
  const out: string[] = [];
  let last = 0;
  for (const p of [...new Set(positions)].sort((a, b) => a - b)) {
    out.push(text.slice(last, p));
    last = p;
  }
  out.push(text.slice(last));
  return out;
}

const argumentsObject = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

test("for random splits of tool-argument JSON, the last partialArguments is the parsed arguments, and each is prefix-consistent", () => {
  fc.assert(
    fc.property(
      argumentsObject,
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 40 }),
      (args, pretty, rawCuts) => {
        const text = JSON.stringify(args, null, pretty ? 2 : undefined);
        const whole = JSON.parse(text) as unknown; // as sent: JSON has no -0
        const parser = new PartialJsonParser();
        let previous: unknown = {};
        for (const delta of cut(text, rawCuts.map((c) => c % (text.length + 1)))) {
          const snapshot = parser.push(delta);
          prefixConsistent(snapshot, whole);
          // Each snapshot only grows: the previous one is consistent with it.
          prefixConsistent(previous, snapshot);
          previous = snapshot;
        }
        assert.deepEqual(parser.value, whole);
      },
    ),
    { numRuns: 500 },
  );
});

test("a snapshot already handed out does not change when more arguments arrive", () => {
  const parser = new PartialJsonParser();
  const first = parser.push('{"path": "a.txt", "content": "hel');
  assert.deepEqual(first, { path: "a.txt", content: "hel" });
  const second = parser.push('lo", "n": 12');
  assert.deepEqual(first, { path: "a.txt", content: "hel" });
  assert.deepEqual(second, { path: "a.txt", content: "hello" }, "a number shows once it is complete");
  assert.deepEqual(parser.push(", \"list\": [1, {\"x\": \"\\u00e9\\n\"}]}"), { path: "a.txt", content: "hello", n: 12, list: [1, { x: "é\n" }] });
});

test("text that is not JSON stops the parse and keeps the last good snapshot", () => {
  const parser = new PartialJsonParser();
  parser.push('{"a": 1, ');
  assert.deepEqual(parser.push("oops}"), { a: 1 });
  assert.deepEqual(parser.push('"b": 2}'), { a: 1 });
});

test("escapes split across deltas decode once whole", () => {
  const parser = new PartialJsonParser();
  assert.deepEqual(parser.push('{"s": "a\\'), { s: "a" });
  assert.deepEqual(parser.push("u00"), { s: "a" });
  assert.deepEqual(parser.push('41b"}'), { s: "aAb" });
});
