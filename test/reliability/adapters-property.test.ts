/**
 * Property tests (fast-check) of each provider adapter, through a loopback server: any split of a recorded
 * transcript gives identical chunks and result; arbitrary bytes or arbitrary JSON frames after a valid start
 * end only as a StreamInterruptedError (never a TypeError, never a hang) whose partial text is exactly what was
 * delivered; a transcript cut at any byte yields exactly the text of the frames completed before the cut.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ProviderError, StreamInterruptedError, WireFormatError, type StreamChunk } from "../../src/index.js";
import { startFixtureServer, type FixtureReply } from "../support/fixture-server.js";
import { fixtureNames, readFixture, splitAt } from "../support/split.js";
import { drainStream } from "../support/sources.js";
import { PROTOCOLS, bytes, request, type Protocol } from "./protocols.js";

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 60);

let current: FixtureReply = { pieces: [] };
let server: Awaited<ReturnType<typeof startFixtureServer>>;
before(async () => {
  server = await startFixtureServer(() => current);
});
after(() => server.close());

async function serve(p: Protocol, pieces: Uint8Array[]) {
  current = { headers: { "content-type": p.contentType }, pieces };
  const stream = p.provider(server.url, { maxRetries: 0, timeout: 5_000 }).stream(request);
  return { ...(await drainStream(stream)), result: stream.result };
}

/** Chunks without their arrival time, which is the only thing a split may change. */
const timeless = (chunks: StreamChunk[]) => chunks.map(({ timestamp: _t, ...rest }) => rest);
const textOf = (chunks: StreamChunk[]) => chunks.map((c) => c.content).join("");

/** The only ways a stream that began may end: whole, or an interruption carrying exactly the delivered text. */
function assertWellEnded(outcome: { chunks: StreamChunk[]; error: unknown }, what: string) {
  if (outcome.error === undefined) {
    assert.equal(outcome.chunks.at(-1)?.type, "final", what);
    return;
  }
  assert.ok(outcome.error instanceof StreamInterruptedError, `${what}: ${String(outcome.error)}`);
  assert.equal(outcome.error.partialResponse, textOf(outcome.chunks), what);
  assert.ok(outcome.error.reason === "provider" || outcome.error.reason === "network", `${what}: ${outcome.error.reason}`);
  const cause = outcome.error.cause;
  if (outcome.error.reason === "provider") {
    assert.ok(cause instanceof WireFormatError || cause instanceof ProviderError, `${what}: the cause is ours and named: ${String(cause)}`);
  }
  assert.doesNotMatch(outcome.error.message, /unexpected error|Cannot read|is not a function|undefined/, what);
}

const FIXTURE_EXT: Record<Protocol["name"], string> = { openai: ".sse", anthropic: ".sse", ollama: ".ndjson" };

for (const p of PROTOCOLS) {
  const transcripts = fixtureNames(p.name, FIXTURE_EXT[p.name]).map((name) => ({ name, body: readFixture(name) }));

  test(`${p.name}: any split of a recorded transcript gives identical chunks and result`, async () => {
    const wholes = new Map<string, Awaited<ReturnType<typeof serve>>>();
    for (const t of transcripts) wholes.set(t.name, await serve(p, [t.body]));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...transcripts).chain((t) =>
          fc.tuple(fc.constant(t), fc.uniqueArray(fc.integer({ min: 0, max: t.body.length }), { maxLength: 30 }).map((c) => c.sort((a, b) => a - b))),
        ),
        async ([t, cuts]) => {
          const whole = wholes.get(t.name)!;
          const split = await serve(p, splitAt(t.body, cuts));
          assert.deepEqual(timeless(split.chunks), timeless(whole.chunks), t.name);
          assert.equal(String(split.error), String(whole.error), t.name);
          assert.deepEqual(split.result, whole.result, t.name);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test(`${p.name}: arbitrary bytes after a valid start end as a named interruption with the exact delivered text`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (junk, withEnd) => {
        const body = [bytes(p.start + p.text("Hel")), junk, ...(withEnd ? [bytes(p.end)] : [])];
        const outcome = await serve(p, body);
        assertWellEnded(outcome, `${Buffer.from(junk).toString("hex")}`);
        assert.ok(textOf(outcome.chunks).startsWith("Hel"));
      }),
      { numRuns: RUNS },
    );
  });

  test(`${p.name}: an arbitrary JSON value as a frame is either read or refused as the provider's fault, never a TypeError`, async () => {
    const frame = (value: unknown) => (p.name === "ollama" ? `${JSON.stringify(value)}\n` : `data: ${JSON.stringify(value)}\n\n`);
    // Values shaped like the protocol's frames, with any JSON in any field, find the narrow places.
    const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.constant(null));
    const shaped =
      p.name === "openai"
        ? fc.record({ id: leaf, choices: fc.oneof(leaf, fc.array(fc.oneof(leaf, fc.record({ delta: fc.oneof(leaf, fc.record({ content: leaf, tool_calls: fc.oneof(leaf, fc.array(fc.record({ index: leaf, id: leaf, function: fc.oneof(leaf, fc.record({ name: leaf, arguments: leaf })) }))) })), finish_reason: leaf })))), usage: leaf })
        : p.name === "anthropic"
          ? fc.record({
              type: fc.constantFrom("content_block_delta", "content_block_start", "content_block_stop", "message_start", "message_delta", "ping", "error"),
              index: leaf,
              delta: fc.oneof(leaf, fc.record({ type: fc.oneof(leaf, fc.constantFrom("text_delta", "input_json_delta", "thinking_delta")), text: leaf, partial_json: leaf, stop_reason: leaf })),
              content_block: fc.oneof(leaf, fc.record({ type: fc.oneof(leaf, fc.constantFrom("text", "tool_use", "thinking")), id: leaf, name: leaf, text: leaf })),
              message: leaf,
              usage: leaf,
            })
          : fc.record({ model: leaf, message: fc.oneof(leaf, fc.record({ content: leaf, thinking: leaf, tool_calls: fc.oneof(leaf, fc.array(fc.record({ function: fc.oneof(leaf, fc.record({ name: leaf, arguments: leaf })) }))) })), done: fc.oneof(leaf, fc.boolean()), done_reason: leaf, eval_count: leaf });
      await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }), shaped), async (value) => {
        const outcome = await serve(p, [bytes(p.start + p.text("Hel") + frame(value) + p.text("lo") + p.end)]);
        assertWellEnded(outcome, JSON.stringify(value));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  test(`${p.name}: a transcript cut at any byte yields exactly the text of the frames completed before the cut`, async () => {
    const pieces = ["Hé", "llo ", "wörld", " 🌍", "!"];
    const frames = [p.start, ...pieces.map(p.text)];
    const offsets: Array<{ end: number; text: string }> = [];
    let at = 0;
    for (let i = 0; i < frames.length; i++) {
      at += bytes(frames[i]!).length;
      offsets.push({ end: at, text: i === 0 ? "" : pieces[i - 1]! });
    }
    const body = bytes(frames.join("") + p.end);
    // A frame counts once complete: SSE at its blank line; an NDJSON line once its JSON is whole (the last line
    // needs no newline at EOF).
    const slack = p.name === "ollama" ? 1 : 0;
    const expected = (cut: number) => offsets.filter((o) => cut >= o.end - slack).map((o) => o.text).join("");
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: body.length - 1 }), async (cut) => {
        const outcome = await serve(p, [body.subarray(0, cut)]);
        const text = textOf(outcome.chunks);
        if (outcome.error === undefined) {
          // Only possible when the cut falls after the end marker's JSON (Ollama's done line without newline).
          assert.equal(text, pieces.join(""), `cut ${cut}`);
          return;
        }
        assertWellEnded(outcome, `cut ${cut}`);
        assert.equal((outcome.error as StreamInterruptedError).partialResponse, expected(cut), `cut ${cut}`);
      }),
      { numRuns: RUNS * 2 },
    );
    // And every cut inside the text frames, not just a sample.
    for (let cut = 0; cut < offsets.at(-1)!.end; cut++) {
      const outcome = await serve(p, [body.subarray(0, cut)]);
      assert.equal((outcome.error as StreamInterruptedError).partialResponse, expected(cut), `cut ${cut}`);
    }
  });
}
