/**
 * Property: for random texts, break points and restarts, partial + emitted === the whole text.
 * The restart is the model repeating the partial answer from some word start on, possibly after
 * extra whitespace; chunks are cut at random code-point boundaries. A case where the text itself allows
 * a longer restart than the one the model made cannot be told apart from that longer restart, so such
 * inputs are excluded with `fc.pre` (and the rate is checked, so the property does not go vacuous).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { OverlapRemover } from "../../src/agent/overlap.js";

const LETTERS = ["a", "b", "c", "d", "e", "f", "g", "h", "é", "ß", "中", "文", "😀", "🎉", "𝒜", "-", ".", ","];
const SEPARATORS = [" ", " ", " ", "\n", "  ", ". ", "\n\n", "\t"];
const word = fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 7 }).map((cs) => cs.join(""));
const isSpace = (ch: string) => /\s/.test(ch);

/** Code-unit offsets that are code point boundaries of `text`. */
function boundaries(text: string): number[] {
  const out = [0];
  let i = 0;
  for (const ch of text) out.push((i += ch.length));
  return out;
}

function wordStarts(text: string, upTo: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < upTo; i++) if (!isSpace(text[i]!) && (i === 0 || isSpace(text[i - 1]!))) out.push(i);
  return out;
}

const scenario = fc
  .record({
    words: fc.array(word, { minLength: 1, maxLength: 40 }),
    separators: fc.array(fc.constantFrom(...SEPARATORS), { minLength: 40, maxLength: 40 }),
    leading: fc.constantFrom("", " ", "\n"),
    breakAt: fc.nat(),
    restartPick: fc.nat(),
    restart: fc.boolean(),
    extraSpace: fc.constantFrom("", "", " ", "\n", "\n\n"),
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
  })
  .map((s) => {
    const full = s.leading + s.words.map((w, i) => (i === 0 ? w : s.separators[i]! + w)).join("");
    const points = boundaries(full);
    const b = points[s.breakAt % points.length]!;
    const starts = wordStarts(full, b);
    const restartAt = s.restart && starts.length > 0 ? starts[s.restartPick % starts.length]! : b;
    const continuation = (restartAt < b ? s.extraSpace : "") + full.slice(restartAt);
    const cPoints = boundaries(continuation);
    const cutAt = [...new Set(s.cuts.map((c) => cPoints[c % cPoints.length]!))].sort((x, y) => x - y);
    const chunks: string[] = [];
    let from = 0;
    for (const c of [...cutAt, continuation.length]) {
      chunks.push(continuation.slice(from, c));
      from = c;
    }
    return { full, b, restartAt, continuation, chunks, starts };
  });

/** True when some word start before the model's restart would also match: the text allows a longer restart. */
function longerRestartFits(full: string, b: number, restartAt: number, continuation: string, starts: number[]): boolean {
  const body = continuation.replace(/^\s+/, "");
  return starts.some((s) => s < restartAt && body.startsWith(full.slice(s, b)));
}

test("partial + emitted === the whole text, for random restarts and chunkings", () => {
  let checked = 0;
  let excluded = 0;
  fc.assert(
    fc.property(scenario, ({ full, b, restartAt, continuation, chunks, starts }) => {
      if (longerRestartFits(full, b, restartAt, continuation, starts)) {
        excluded++;
        fc.pre(false);
      }
      checked++;
      const partial = full.slice(0, b);
      const remover = new OverlapRemover(partial);
      const out: string[] = chunks.map((c) => remover.push(c));
      out.push(remover.finish());
      assert.equal(partial + out.join(""), full);
      // Nothing emitted splits a surrogate pair when the input chunks did not.
      for (const piece of out) assert.doesNotMatch(piece, /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
      // Held back no more than the restart itself plus what proved it was one.
      assert.ok(remover.held === "");
    }),
    { numRuns: 3000 },
  );
  assert.ok(checked > 2 * excluded, `too many ambiguous cases excluded: ${excluded} of ${checked + excluded}`);
});

test("text is emitted as soon as it cannot be a restart any more", () => {
  fc.assert(
    fc.property(scenario, ({ full, b }) => {
      // No restart: the continuation is the rest of the text. The first chunk that begins with a character
      // that starts no word of the partial answer's tail comes out whole and at once.
      const partial = full.slice(0, b);
      const rest = full.slice(b);
      const body = rest.replace(/^\s+/, "");
      fc.pre(body.length > 0);
      const first = body[0]!;
      fc.pre(!wordStarts(full, b).some((s) => full[s] === first));
      const remover = new OverlapRemover(partial);
      assert.equal(remover.push(rest), rest);
    }),
    { numRuns: 1000 },
  );
});
