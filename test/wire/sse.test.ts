import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SSEDecoder, sseEvents } from "../../src/wire/sse.js";
import type { SSEDecoderOptions, SSEEvent } from "../../src/wire/sse.js";
import { WireFormatError } from "../../src/stream/errors.js";
import {
  collect,
  fixtureNames,
  fromChunks,
  mulberry32,
  oneByteSplits,
  randomSplits,
  readFixture,
  recordedDir,
  splitAt,
} from "../support/split.js";

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

/** Decodes every chunk then flushes; returns all events and the `retry` values seen. */
function decodeAll(chunks: Uint8Array[], options?: SSEDecoderOptions): { events: SSEEvent[]; retry: number[] } {
  const retry: number[] = [];
  const decoder = new SSEDecoder({ maxBufferSize: options?.maxBufferSize, onRetry: (ms) => retry.push(ms) });
  const events: SSEEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.decode(chunk));
  events.push(...decoder.flush());
  return { events, retry };
}

/** Events returned by each call: one entry per chunk, then one for flush. */
function eventsPerCall(chunks: string[]): string[][] {
  const decoder = new SSEDecoder();
  const calls = chunks.map((chunk) => decoder.decode(bytes(chunk)).map((e) => e.data));
  calls.push(decoder.flush().map((e) => e.data));
  return calls;
}

/** Every way to feed `input`: whole, one byte at a time, and `patterns` seeded random splits. */
function splitPatterns(input: Uint8Array, patterns: number): Array<[string, Uint8Array[]]> {
  const out: Array<[string, Uint8Array[]]> = [
    ["whole", [input]],
    ["one byte at a time", oneByteSplits(input)],
  ];
  for (let seed = 1; seed <= patterns; seed++) out.push([`seed ${seed}`, randomSplits(input, mulberry32(seed))]);
  return out;
}

const msg = (data: string, lastEventId = "", type = "message"): SSEEvent => ({ type, data, lastEventId });

// --- Authored SSE fixtures: exact events and retry values ---

for (const name of fixtureNames("sse", ".sse")) {
  const expectedPath = `${name.slice(0, -".sse".length)}.expected.json`;
  const expected = JSON.parse(new TextDecoder().decode(readFixture(expectedPath))) as {
    events: SSEEvent[];
    retry: number[];
  };
  const input = readFixture(name);

  test(`${name} gives exactly its expected events and retry values when fed whole`, () => {
    assert.deepEqual(decodeAll([input]), { events: expected.events, retry: expected.retry });
  });

  test(`${name} gives exactly its expected events and retry values fed one byte at a time`, () => {
    assert.deepEqual(decodeAll(oneByteSplits(input)), { events: expected.events, retry: expected.retry });
  });

  test(`${name} gives exactly its expected events and retry values at 50 seeded random split patterns`, () => {
    for (let seed = 1; seed <= 50; seed++) {
      const result = decodeAll(randomSplits(input, mulberry32(seed)));
      assert.deepEqual(result, { events: expected.events, retry: expected.retry }, `seed ${seed}`);
    }
  });
}

// --- Provider SSE bodies: split-invariant, every data is JSON or [DONE] ---

function checkProviderBody(label: string, input: Uint8Array): void {
  const whole = decodeAll([input]).events;
  assert.ok(whole.length > 0, `${label} decodes to no event`);
  for (const event of whole) {
    if (event.data === "[DONE]") continue;
    assert.doesNotThrow(() => JSON.parse(event.data), `${label}: data is not JSON: ${event.data.slice(0, 80)}`);
  }
  for (const [pattern, chunks] of splitPatterns(input, 20)) {
    assert.deepEqual(decodeAll(chunks).events, whole, `${label}, ${pattern}`);
  }
}

for (const name of [...fixtureNames("openai", ".sse"), ...fixtureNames("anthropic", ".sse")]) {
  test(`${name} gives the same events at one-byte and seeded random splits as whole, each data JSON or [DONE]`, () => {
    checkProviderBody(name, readFixture(name));
  });
}

const recorded = recordedDir();
const recordedSse = recorded === undefined
  ? []
  : readdirSync(recorded, { recursive: true, encoding: "utf8" }).filter((p) => p.endsWith(".sse")).sort();
test(
  "recorded provider .sse bodies give the same events at one-byte and seeded random splits as whole",
  { skip: recorded === undefined ? "../shared/fixtures/wire/recorded not found on this machine" : false },
  () => {
    assert.ok(recordedSse.length > 0, "the recorded folder holds no .sse file");
    for (const rel of recordedSse) checkProviderBody(rel, new Uint8Array(readFileSync(join(recorded!, rel))));
  },
);

test("multi-byte characters cut mid-character at every byte offset decode intact", () => {
  const text = 'data: {"t":"café 日本 🎉 ok"}\n\nevent: é\ndata: 日本🎉\n\n';
  const input = bytes(text);
  const expected = [msg('{"t":"café 日本 🎉 ok"}'), msg("日本🎉", "", "é")];
  for (let cut = 1; cut < input.length; cut++) {
    assert.deepEqual(decodeAll(splitAt(input, [cut])).events, expected, `cut at byte ${cut}`);
  }
  assert.deepEqual(decodeAll(oneByteSplits(input)).events, expected);
});

test("a character cut off by the end of input becomes U+FFFD instead of vanishing", () => {
  const input = bytes("data: é\n\n");
  // Drop the second byte of "é" and end the block: the lone lead byte is replaced.
  const broken = new Uint8Array([...input.slice(0, 7), ...input.slice(8)]);
  assert.deepEqual(decodeAll([broken]).events, [msg("\uFFFD")]);
});

// --- Line endings ---

for (const [label, eol] of [["LF", "\n"], ["CR", "\r"], ["CRLF", "\r\n"]] as const) {
  const text = `: hi${eol}data: a${eol}data: b${eol}${eol}event: x${eol}data: c${eol}${eol}`;
  const expected = [msg("a\nb"), msg("c", "", "x")];

  test(`${label} line endings give the same events however the stream is split`, () => {
    for (const [pattern, chunks] of splitPatterns(bytes(text), 20)) {
      assert.deepEqual(decodeAll(chunks).events, expected, pattern);
    }
  });

  test(`${label}: an event is returned by the very read that completes it`, () => {
    assert.deepEqual(eventsPerCall([`data: a${eol}${eol}`, "data: b", `${eol}${eol}`]), [["a"], [], ["b"], []]);
  });
}

test("a CR/LF pair split across two reads is one line break: no early dispatch", () => {
  assert.deepEqual(eventsPerCall(["data: a\r", "\n", "\r\n"]), [[], [], ["a"], []]);
});

test("a CR/LF pair split across two reads is one line break: the next line joins the same event", () => {
  // Counting the LF as a second break would dispatch "a" and "b" separately.
  assert.deepEqual(eventsPerCall(["data: a\r", "\ndata: b\r\n\r\n"]), [[], ["a\nb"], []]);
});

test("a blank CRLF line split across reads dispatches once, at the CR", () => {
  assert.deepEqual(eventsPerCall(["data: a\r\n\r", "\ndata: b\r\n\r", "\n"]), [["a"], ["b"], [], []]);
});

test("an LF read alone after a CR read does not become an empty line later", () => {
  assert.deepEqual(eventsPerCall(["data: a\r", "", "\n", "data: b\n\n"]), [[], [], [], ["a\nb"], []]);
});

// --- BOM ---

test("a BOM at the very start is dropped, even when its bytes are split across reads", () => {
  const input = bytes("\uFEFFdata: a\n\n");
  for (const [pattern, chunks] of splitPatterns(input, 10)) {
    assert.deepEqual(decodeAll(chunks).events, [msg("a")], pattern);
  }
});

test("only one leading BOM is dropped: a second one makes the first line an unknown field", () => {
  assert.deepEqual(decodeAll([bytes("\uFEFF\uFEFFdata: a\n\ndata: b\n\n")]).events, [msg("b")]);
});

test("a BOM later in the stream is content, not stripped", () => {
  assert.deepEqual(decodeAll([bytes("data: a\n\n\uFEFFdata: b\n\ndata: \uFEFFc\n\n")]).events, [
    msg("a"),
    msg("\uFEFFc"),
  ]);
});

test('the Latin-1 look-alike of a BOM ("ï»¿") at the start is text, not a BOM', () => {
  assert.deepEqual(decodeAll([bytes("\u00EF\u00BB\u00BFdata: a\n\ndata: b\n\n")]).events, [msg("b")]);
});

// --- End of input ---

test("an unterminated block at end of input is discarded", () => {
  assert.deepEqual(decodeAll([bytes("data: a\n\ndata: b\n")]).events, [msg("a")]);
  assert.deepEqual(decodeAll([bytes("data: a\n\ndata: b")]).events, [msg("a")]);
  assert.deepEqual(decodeAll([bytes("data: a\r")]).events, []);
});

test("a CR as the very last byte ends its line, so a CR-only stream keeps its last event", () => {
  assert.deepEqual(decodeAll([bytes("data: a\r\rdata: b\r\r")]).events, [msg("a"), msg("b")]);
  assert.deepEqual(decodeAll([bytes("data: a\n\r")]).events, [msg("a")]);
  assert.deepEqual(decodeAll(oneByteSplits(bytes("data: a\r\rdata: b\r\r"))).events, [msg("a"), msg("b")]);
});

test("after flush the decoder starts a new stream: id reset and a new leading BOM dropped", () => {
  const decoder = new SSEDecoder();
  assert.deepEqual(decoder.decode(bytes("id: 1\ndata: a\n\ndata: cut")), [msg("a", "1")]);
  assert.deepEqual(decoder.flush(), []);
  assert.deepEqual(decoder.decode(bytes("\uFEFFdata: b\n\n")), [msg("b")]);
});

// --- Fields ---

test("comments are ignored before, between and inside events", () => {
  const text = ": open\n\ndata: a\n: inside\ndata: b\n\n:\n\n: ping\n\ndata: c\n\n";
  assert.deepEqual(decodeAll([bytes(text)]).events, [msg("a\nb"), msg("c")]);
});

test("data with no space, one space, two spaces, bare `data`, and twice-bare `data`", () => {
  const text = "data:x\n\ndata: x\n\ndata:  x\n\ndata\n\ndata\ndata\n\n";
  assert.deepEqual(decodeAll([bytes(text)]).events, [msg("x"), msg("x"), msg(" x"), msg(""), msg("\n")]);
});

test("unknown and miscased fields are ignored", () => {
  const text = "foo: bar\nData: no\n data: no\ndata: yes\n\n";
  assert.deepEqual(decodeAll([bytes(text)]).events, [msg("yes")]);
});

test("an event-only block dispatches nothing and its type does not leak into the next block", () => {
  assert.deepEqual(decodeAll([bytes("event: x\n\ndata: a\n\n")]).events, [msg("a")]);
});

test("retry calls onRetry only for all-digit values", () => {
  const text = "retry: 1000\nretry: 1x\nretry: -5\nretry:\nretry: 1.5\nretry:250\n\n";
  assert.deepEqual(decodeAll([bytes(text)]).retry, [1000, 250]);
});

// --- Sticky last event id ---

const idCases: Array<[string, string, SSEEvent[]]> = [
  ["is sticky across later events", "id: 1\ndata: a\n\ndata: b\n\n", [msg("a", "1"), msg("b", "1")]],
  ["is updated silently by an id-only block", "id: 7\n\ndata: a\n\n", [msg("a", "7")]],
  ["applies only to events dispatched after it", "data: a\n\nid: 2\n\ndata: b\n\n", [msg("a"), msg("b", "2")]],
  ["is cleared by an empty `id:`", "id: 1\ndata: a\n\nid:\n\ndata: b\n\n", [msg("a", "1"), msg("b")]],
  ["is cleared by a bare `id` line", "id: 1\ndata: a\n\nid\ndata: b\n\n", [msg("a", "1"), msg("b")]],
  ["ignores an id containing U+0000", "id: 1\n\nid: a\0b\ndata: x\n\n", [msg("x", "1")]],
  ["is the last id of a block", "id: 1\nid: 2\ndata: x\n\n", [msg("x", "2")]],
  ["keeps all but one leading space", "id:3\ndata: a\n\nid:  4\ndata: b\n\n", [msg("a", "3"), msg("b", " 4")]],
  ["is not set by idx, Id or indented id", "id: 1\n\nidx: 9\nId: 9\n id: 9\ndata: a\n\n", [msg("a", "1")]],
  ["is not set by id text inside data", 'data: id: 9\ndata: {"id":"x"}\n\n', [msg('id: 9\n{"id":"x"}')]],
  ["works with CR line endings", "id: 5\r\rdata: a\r\rid\rdata: b\r\r", [msg("a", "5"), msg("b")]],
  ["works with CRLF line endings", "id: 5\r\n\r\ndata: a\r\n\r\n", [msg("a", "5")]],
  ["survives a long id", `id: ${"z".repeat(100)}\n\ndata: a\n\n`, [msg("a", "z".repeat(100))]],
];

for (const [label, text, expected] of idCases) {
  test(`lastEventId ${label}, however the stream is split`, () => {
    const input = bytes(text);
    for (const [pattern, chunks] of splitPatterns(input, 20)) {
      assert.deepEqual(decodeAll(chunks).events, expected, pattern);
    }
    for (let cut = 1; cut < input.length; cut++) {
      assert.deepEqual(decodeAll(splitAt(input, [cut])).events, expected, `cut at byte ${cut}`);
    }
  });
}

// --- Differential check against the spec's own steps ---

/** The WHATWG parsing steps transcribed literally over a whole text: the oracle for the seeded streams below. */
function referenceParse(text: string): { events: SSEEvent[]; retry: number[] } {
  const events: SSEEvent[] = [];
  const retry: number[] = [];
  let data = "";
  let type = "";
  let id = "";
  let pos = text.startsWith("\uFEFF") ? 1 : 0;
  for (;;) {
    let end = pos;
    while (end < text.length && text[end] !== "\r" && text[end] !== "\n") end++;
    if (end === text.length) break; // an unterminated line at end of input is never processed
    const line = text.slice(pos, end);
    pos = text[end] === "\r" && text[end + 1] === "\n" ? end + 2 : end + 1;
    if (line === "") {
      if (data !== "") events.push({ type: type || "message", data: data.slice(0, -1), lastEventId: id });
      data = "";
      type = "";
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data += `${value}\n`;
    else if (field === "id" && !value.includes("\0")) id = value;
    else if (field === "retry" && /^[0-9]+$/.test(value)) retry.push(Number(value));
  }
  return { events, retry };
}

const fuzzLines = [
  "data: x", "data:y", "data", "data:  two", "data: é日🎉", 'data: {"id":"q"}', "data: \uFEFFb", "\uFEFFdata: z",
  "event: e1", "event:", "id: 1", "id:2", "id", "id:", "id:  3", "id: a\0b", "idx: 9", " id: 9", "Id: 9", "i",
  ": comment", ":", "retry: 10", "retry: 1x", "foo: bar", "", "", "", "",
];
const fuzzEols = ["\n", "\r", "\r\n"];

test("300 seeded random streams decode exactly as the spec's steps, at random splits", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rng = mulberry32(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(rng() * items.length)]!;
    let text = rng() < 0.2 ? "\uFEFF" : "";
    const lines = 1 + Math.floor(rng() * 30);
    for (let i = 0; i < lines; i++) text += pick(fuzzLines) + (i < lines - 1 || rng() < 0.7 ? pick(fuzzEols) : "");
    const expected = referenceParse(text);
    const input = bytes(text);
    assert.deepEqual(decodeAll([input]), expected, `seed ${seed}, whole: ${JSON.stringify(text)}`);
    assert.deepEqual(decodeAll(randomSplits(input, rng, 6)), expected, `seed ${seed}, split: ${JSON.stringify(text)}`);
  }
});

// --- Buffer bound ---

test("a line longer than maxBufferSize throws a buffer-overflow WireFormatError naming the limit", () => {
  const decoder = new SSEDecoder({ maxBufferSize: 64 });
  const chunks = randomSplits(bytes(`data: ${"x".repeat(100)}`), mulberry32(1));
  assert.throws(
    () => {
      for (const chunk of chunks) decoder.decode(chunk);
    },
    (error: unknown) =>
      error instanceof WireFormatError && error.type === "buffer-overflow" && error.message.includes("64"),
  );
  assert.throws(() => decoder.decode(bytes("\n\n")), WireFormatError, "a failed decoder keeps failing");
});

test("many data lines without a blank line overflow maxBufferSize too", () => {
  const decoder = new SSEDecoder({ maxBufferSize: 64 });
  assert.throws(
    () => {
      for (let i = 0; i < 20; i++) decoder.decode(bytes("data: 0123456789\n"));
    },
    (error: unknown) => error instanceof WireFormatError && error.type === "buffer-overflow",
  );
});

test("maxBufferSize bounds buffered text, not throughput: many small events pass", () => {
  const input = bytes("data: 0123456789\n\n".repeat(1000));
  assert.equal(decodeAll(randomSplits(input, mulberry32(3), 40), { maxBufferSize: 64 }).events.length, 1000);
});

test("an invalid maxBufferSize is refused", () => {
  assert.throws(() => new SSEDecoder({ maxBufferSize: 0 }), /maxBufferSize/);
  assert.throws(() => new SSEDecoder({ maxBufferSize: Number.NaN }), /maxBufferSize/);
});

// --- API shape ---

test("decode returns one shared, frozen empty array when a read completes no event", () => {
  const decoder = new SSEDecoder();
  const first = decoder.decode(bytes("data: a"));
  const second = decoder.decode(bytes("bc\n"));
  assert.equal(first.length, 0);
  assert.equal(first, second);
  assert.ok(Object.isFrozen(first));
});

test("sseEvents yields every event of a chunked body", async () => {
  const input = readFixture("sse/fields.sse");
  const events = await collect(sseEvents(fromChunks(randomSplits(input, mulberry32(9)))));
  assert.deepEqual(events, decodeAll([input]).events);
});

test("sseEvents passes onRetry through", async () => {
  const retry: number[] = [];
  await collect(sseEvents(fromChunks([bytes("retry: 42\n\n")]), { onRetry: (ms) => retry.push(ms) }));
  assert.deepEqual(retry, [42]);
});

test("breaking out of sseEvents early calls return() on the body's iterator and stops reading it", async () => {
  let reads = 0;
  let returned = false;
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        reads++;
        return { done: false, value: bytes(`data: ${reads}\n\n`) };
      },
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  for await (const event of sseEvents(body)) {
    assert.equal(event.data, "1");
    break;
  }
  assert.ok(returned, "body iterator's return() was not called");
  assert.equal(reads, 1);
});
