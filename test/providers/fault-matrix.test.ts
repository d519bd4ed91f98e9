/**
 * The fault matrix: every fault the emulator can inject, through each of the three protocols. Each case states
 * the error class and reason, the exact partial text, how many requests the emulator received (so nothing was
 * retried after the first chunk), how the emulator saw the response end, and that no timer, socket or handle
 * is left once it is over (`process.getActiveResourcesInfo()` back to its baseline).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../../src/emulator/index.js";
import type { EmulatorServer, EmulatorStats } from "../../src/emulator/types.js";
import { HttpTransport, ProviderError, StreamInterruptedError, WireFormatError, type InterruptReason } from "../../src/index.js";
import { drainStream, eventually } from "../support/sources.js";
import { PROTOCOLS } from "../reliability/protocols.js";

/** The scripted answer, as the emulator sends it: one content frame per word (leading space kept). */
const PIECES = ["Héllo", " wörld,", " this", " is", " a", " stream", " of", " twelve", " word", " pieces", " 🌍", " ok"];
const TEXT = PIECES.join("");
const upTo = (n: number) => PIECES.slice(0, n).join("");

interface Case {
  name: string;
  fault: string;
  /** Provider idle timeout (ms). */
  timeout?: number;
  expect:
    | { ok: true; requests: number; minElapsedMs?: number }
    | { ok: false; error: "interrupted"; reason: InterruptReason | ((protocol: string) => InterruptReason); partial: string; cause?: (e: unknown) => boolean }
    | { ok: false; error: "provider"; status: number; requests: number };
  /** What the emulator saw: the stat that must have grown by one. */
  server: keyof EmulatorStats;
}

const CASES: Case[] = [
  { name: "drop after 3 chunks", fault: "drop-after=3", expect: { ok: false, error: "interrupted", reason: "network", partial: upTo(3) }, server: "dropped" },
  { name: "stall after 2 chunks: the idle timeout fires", fault: "stall-after=2", timeout: 300, expect: { ok: false, error: "interrupted", reason: "timeout", partial: upTo(2) }, server: "aborted" },
  { name: "slow first byte: the timeout fires before any chunk", fault: "delay-first-byte=5000", timeout: 300, expect: { ok: false, error: "interrupted", reason: "timeout", partial: "" }, server: "aborted" },
  { name: "429 with retry-after then success: one retry, the delay honoured", fault: "status=429,retry-after=1,fail-first=1", expect: { ok: true, requests: 2, minElapsedMs: 950 }, server: "completed" },
  { name: "500 three times: ProviderError after maxRetries", fault: "status=500,retry-after-ms=5", expect: { ok: false, error: "provider", status: 500, requests: 3 }, server: "completed" },
  {
    name: "an error event mid-stream",
    fault: "error-after=4",
    expect: { ok: false, error: "interrupted", reason: "provider", partial: upTo(4), cause: (e) => e instanceof ProviderError && e.status === 200 },
    server: "completed",
  },
  {
    name: "a malformed line mid-stream",
    fault: "malformed-after=2",
    expect: { ok: false, error: "interrupted", reason: "provider", partial: upTo(2), cause: (e) => e instanceof WireFormatError && e.type === "invalid-json" },
    server: "aborted",
  },
  {
    name: "a frame of the wrong shape mid-stream",
    fault: "wrong-shape-after=5",
    expect: { ok: false, error: "interrupted", reason: "provider", partial: upTo(5), cause: (e) => e instanceof WireFormatError && e.type === "unexpected-shape" },
    server: "aborted",
  },
  {
    name: "truncated UTF-8 at the end",
    fault: "cut-utf8-after=3",
    // SSE drops an event cut before its blank line, so the body just ends early (network); NDJSON parses a last
    // line without newline at EOF, as ollama-js does, and that half line is not JSON (provider).
    expect: { ok: false, error: "interrupted", reason: (p) => (p === "ollama" ? "provider" : "network"), partial: upTo(3) },
    server: "completed",
  },
];

let emulator: EmulatorServer;
before(async () => {
  // 100 tokens/s: the stream is still being written when the client gives up, so the emulator sees it leave.
  emulator = await startEmulator({ ttftMs: 0, tps: 100, script: { default: { text: TEXT } } });
});
after(() => emulator.close());

/** Active resources by type, without the test runner's own immediates. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) if (type !== "Immediate") counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}
const same = (a: Map<string, number>, b: Map<string, number>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
const show = (m: Map<string, number>) => JSON.stringify(Object.fromEntries(m));

for (const p of PROTOCOLS) {
  for (const c of CASES) {
    test(`${p.name}: ${c.name}`, async () => {
      await eventually(() => emulator.stats.active === 0, "the emulator is idle before the case");
      emulator.resetAttempts();
      const baseline = resources();
      const statsBefore = { ...emulator.stats };
      const transport = new HttpTransport();
      const provider = p.provider(emulator.url, {
        maxRetries: 2,
        timeout: c.timeout ?? 10_000,
        headers: { "x-emulator-fault": c.fault },
        transport,
      });
      const started = Date.now();
      const stream = provider.stream({ model: "m", messages: [{ role: "user", content: "Tell me" }] });
      const { chunks, error } = await drainStream(stream);
      const elapsed = Date.now() - started;
      const text = chunks.map((chunk) => chunk.content).join("");
      const requests = emulator.stats.requests - statsBefore.requests;
      const e = c.expect;
      if (e.ok) {
        assert.equal(error, undefined, String(error));
        assert.equal(text, TEXT);
        assert.equal(stream.result?.content, TEXT);
        assert.equal(requests, e.requests);
        if (e.minElapsedMs !== undefined) assert.ok(elapsed >= e.minElapsedMs, `waited ${elapsed} ms, retry-after asked for ${e.minElapsedMs}+`);
      } else if (e.error === "provider") {
        assert.ok(error instanceof ProviderError, String(error));
        assert.equal(error.status, e.status);
        assert.equal(chunks.length, 0);
        assert.equal(requests, e.requests, "1 + maxRetries attempts");
      } else {
        assert.ok(error instanceof StreamInterruptedError, String(error));
        assert.equal(error.reason, typeof e.reason === "function" ? e.reason(p.name) : e.reason, error.message);
        assert.equal(error.partialResponse, e.partial);
        assert.equal(text, e.partial, "every chunk before the fault was handed over");
        if (e.cause !== undefined) assert.ok(e.cause(error.cause), `cause: ${String(error.cause)}`);
        assert.equal(requests, 1, "nothing was retried after the response began");
      }
      // The emulator saw the response end the expected way, and is done with it.
      await eventually(() => emulator.stats.active === 0, "the emulator finished the request", 5_000);
      assert.ok(emulator.stats[c.server] > statsBefore[c.server], `emulator ${c.server}: ${JSON.stringify(emulator.stats)}`);
      assert.equal(emulator.stats.internalErrors, 0);
      // No timer, socket or handle left on either side once the pools are closed.
      transport.close();
      await eventually(() => same(resources(), baseline), `resources back to baseline ${show(baseline)}`, 5_000).catch((err: Error) => {
        throw new Error(`${err.message}; now ${show(resources())}`);
      });
    });
  }
}

test("the emulator's wrong-shape and cut-utf8 faults parse from the header and refuse bad values", async () => {
  const { parseFaultHeader } = await import("../../src/emulator/index.js");
  assert.deepEqual(parseFaultHeader("wrong-shape-after=2, cut-utf8-after=0"), { wrongShapeAfter: 2, cutUtf8After: 0 });
  assert.throws(() => parseFaultHeader("wrong-shape-after=-1"), /wrong-shape-after/);
  assert.throws(() => parseFaultHeader("cut-utf8-after"), /cut-utf8-after needs a value/);
});
