/**
 * Abort storm: 1,000 streams over the three protocols, each stopped at a random point by abort(), a `break`
 * or the caller's signal. The emulator must see every response end (none left active, no socket left on either
 * side), nothing but 'aborted' may come out, and the heap after a forced GC must return to its baseline.
 * The storm runs in a child started with --expose-gc (programs/abort-storm.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

interface StormReport {
  streams: number;
  requests: number;
  stats: { requests: number; completed: number; aborted: number; dropped: number; active: number; internalErrors: number };
  outcomes: { aborted: number; broke: number; signalled: number; completed: number; otherErrors: string[] };
  sockets: number;
  heapBefore: number;
  heapAfter: number;
}

/** More than this after 1,000 streams would be a leak of about 1 KB per stream. */
const HEAP_BAND = 1 << 20;

test("1,000 streams aborted at random points: every connection closed, only 'aborted' errors, heap back to baseline", { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "test/reliability/programs/abort-storm.ts", "1000"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout) as StormReport;
  const o = report.outcomes;
  assert.deepEqual(o.otherErrors, []);
  assert.equal(o.aborted + o.broke + o.signalled + o.completed, 1000);
  assert.ok(o.aborted > 100 && o.broke > 100 && o.signalled > 100, JSON.stringify(o));
  // Every request the emulator received ended, either written to its end or left by the client.
  assert.equal(report.stats.active, 0);
  assert.equal(report.stats.internalErrors, 0);
  assert.equal(report.stats.completed + report.stats.aborted, report.stats.requests, JSON.stringify(report.stats));
  assert.ok(report.stats.aborted > 200, "the storm really cut responses short");
  assert.equal(report.sockets, 0, "no socket left on either side once the pools are closed");
  const growth = report.heapAfter - report.heapBefore;
  assert.ok(growth < HEAP_BAND, `heap grew by ${growth} bytes over the storm (band ${HEAP_BAND})`);
});
