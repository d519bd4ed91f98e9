/**
 * Property tests (fast-check) of the SSE and NDJSON decoders: any split of a valid stream decodes to the same
 * frames as the whole and as the frames that were encoded; arbitrary bytes, however split, throw nothing but a
 * WireFormatError; the decoders keep no state that one split can see and another cannot.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SSEDecoder, type SSEEvent } from "../../src/wire/sse.js";
import { NDJSONDecoder } from "../../src/wire/ndjson.js";
import { WireFormatError } from "../../src/stream/errors.js";
import { splitAt } from "../support/split.js";

const RUNS = 300;
const encoder = new TextEncoder();

/** Ascending cut offsets inside a buffer of `length` bytes. */
const cutsFor = (length: number) => fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: Math.min(length + 1, 40) }).map((c) => c.sort((a, b) => a - b));

function decodeSSE(pieces: Uint8Array[]): SSEEvent[] {
  const decoder = new SSEDecoder();
  const out: SSEEvent[] = [];
  for (const piece of pieces) out.push(...decoder.decode(piece));
  out.push(...decoder.flush());
  return out;
}

function decodeNDJSON(pieces: Uint8Array[]): unknown[] {
  const decoder = new NDJSONDecoder();
  const out: unknown[] = [];
  for (const piece of pieces) out.push(...decoder.decode(piece));
  out.push(...decoder.flush());
  return out;
}

/** Text without CR or LF (a field value), any Unicode so characters get cut across reads. */
const fieldText = fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ""));
const lineEnd = fc.constantFrom("\n", "\r\n", "\r");

const sseEvent = fc.record({
  type: fc.option(fieldText.filter((t) => t !== "" && !t.includes(":") && t.trim() === t), { nil: undefined }),
  lines: fc.array(fieldText, { minLength: 1, maxLength: 4 }),
  comment: fc.boolean(),
  eol: lineEnd,
});

test("SSE: any split of a valid stream gives the events encoded, identical to decoding it whole", () => {
  fc.assert(
    fc.property(fc.array(sseEvent, { maxLength: 12 }), fc.infiniteStream(fc.nat()), (events, seeds) => {
      let text = "";
      for (const e of events) {
        if (e.comment) text += `: keep-alive${e.eol}`;
        if (e.type !== undefined) text += `event: ${e.type}${e.eol}`;
        for (const line of e.lines) text += `data: ${line}${e.eol}`;
        text += e.eol;
      }
      const bytes = encoder.encode(text);
      const whole = decodeSSE([bytes]);
      assert.deepEqual(
        whole.map((e) => ({ type: e.type, data: e.data })),
        events.map((e) => ({ type: e.type ?? "message", data: e.lines.join("\n") })),
      );
      const it = seeds[Symbol.iterator]();
      const cuts = Array.from({ length: Math.min(bytes.length, 20) }, () => (it.next().value as number) % (bytes.length + 1)).sort((a, b) => a - b);
      assert.deepEqual(decodeSSE(splitAt(bytes, cuts)), whole);
      // One byte at a time, the harshest split.
      assert.deepEqual(decodeSSE(splitAt(bytes, Array.from({ length: bytes.length }, (_, i) => i))), whole);
    }),
    { numRuns: RUNS },
  );
});

test("SSE: arbitrary bytes, arbitrarily split, decode or throw a WireFormatError, never anything else", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }).chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
      ([bytes, cuts]) => {
        let whole: SSEEvent[] | WireFormatError;
        try {
          whole = decodeSSE([bytes]);
        } catch (error) {
          assert.ok(error instanceof WireFormatError, String(error));
          whole = error;
        }
        try {
          const split = decodeSSE(splitAt(bytes, cuts));
          assert.deepEqual(split, whole);
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          assert.ok(error instanceof WireFormatError, String(error));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test("SSE: a small maxBufferSize turns any long line into a buffer-overflow WireFormatError, never another error", () => {
  fc.assert(
    fc.property(fc.string({ minLength: 50, maxLength: 200 }).map((s) => s.replace(/[\r\n]/g, "x")), fc.nat(40), (line, cut) => {
      const decoder = new SSEDecoder({ maxBufferSize: 32 });
      const bytes = encoder.encode(`data: ${line}`);
      try {
        for (const piece of splitAt(bytes, [Math.min(cut, bytes.length)])) decoder.decode(piece);
        decoder.flush();
        assert.fail("a line over the limit must throw");
      } catch (error) {
        assert.ok(error instanceof WireFormatError && error.type === "buffer-overflow", String(error));
      }
    }),
    { numRuns: 100 },
  );
});

test("NDJSON: any split of valid lines gives the values encoded, identical to decoding them whole", () => {
  fc.assert(
    fc.property(
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 12 }),
      fc.constantFrom("\n", "\r\n"),
      fc.boolean(),
      fc.infiniteStream(fc.nat()),
      (values, eol, finalNewline, seeds) => {
        let text = values.map((v) => JSON.stringify(v)).join(eol);
        if (finalNewline && values.length > 0) text += eol;
        const bytes = encoder.encode(text);
        const whole = decodeNDJSON([bytes]);
        // JSON round trip (-0 becomes 0) is what the wire can carry.
        assert.deepEqual(whole, values.map((v) => JSON.parse(JSON.stringify(v)) as unknown));
        const it = seeds[Symbol.iterator]();
        const cuts = Array.from({ length: Math.min(bytes.length, 20) }, () => (it.next().value as number) % (bytes.length + 1)).sort((a, b) => a - b);
        assert.deepEqual(decodeNDJSON(splitAt(bytes, cuts)), whole);
      },
    ),
    { numRuns: RUNS },
  );
});

test("NDJSON: arbitrary bytes, arbitrarily split, decode or throw a WireFormatError, and never lose a good line before a bad one", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }).chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
      ([bytes, cuts]) => {
        for (const pieces of [[bytes], splitAt(bytes, cuts)]) {
          const decoder = new NDJSONDecoder();
          try {
            for (const piece of pieces) decoder.decode(piece);
            decoder.flush();
          } catch (error) {
            assert.ok(error instanceof WireFormatError, String(error));
          }
        }
      },
    ),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 10 }), (good, junk) => {
      const bad = `{${junk.replace(/[\r\n}]/g, "")}`; // an opening brace never closed (no "}" at all): never valid JSON
      const bytes = encoder.encode(good.map((v) => JSON.stringify(v)).join("\n") + "\n" + bad + "\n");
      const decoder = new NDJSONDecoder();
      const seen: unknown[] = [];
      try {
        seen.push(...decoder.decode(bytes));
        seen.push(...decoder.flush());
        assert.fail("the bad line must throw");
      } catch (error) {
        assert.ok(error instanceof WireFormatError && error.type === "invalid-json", String(error));
      }
      // Values returned before the throw, or by the call that threw (returned first, thrown next call).
      const decoder2 = new NDJSONDecoder();
      const before: unknown[] = [];
      let thrown = false;
      for (let i = 0; i < bytes.length && !thrown; i++) {
        try {
          before.push(...decoder2.decode(bytes.subarray(i, i + 1)));
        } catch {
          thrown = true;
        }
      }
      assert.ok(thrown);
      assert.deepEqual(before, good.map((v) => JSON.parse(JSON.stringify(v)) as unknown));
    }),
    { numRuns: 200 },
  );
});
