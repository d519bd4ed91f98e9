/**
 * Soak (`npm run test:stress`): streams continuously through the emulator over the three protocols, each
 * stream with a random fault, for SOAK_SECONDS (default 150). Every outcome must be the one its fault calls
 * for, RSS (sampled after a forced GC) must stay in a band once warm, and no socket, timer or handle may be
 * left at the end. Exits 1 naming what failed.
 */
import { startEmulator } from "../../src/emulator/index.js";
import { HttpTransport, StreamInterruptedError, ProviderError } from "../../src/index.js";
import { mulberry32 } from "../support/split.js";
import { PROTOCOLS } from "./protocols.js";

const SECONDS = Number(process.env["SOAK_SECONDS"] ?? 150);
const WARMUP_SECONDS = Math.min(20, SECONDS / 5);
const PARALLEL = 20;
/** RSS may move this much between samples once warm (V8 and the allocator keep some slack). */
const RSS_BAND = 32 << 20;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc (npm run test:stress)");

const words = Array.from({ length: 40 }, (_, i) => `w${i}é`);
const TEXT = words.map((w, i) => (i === 0 ? w : ` ${w}`)).join("");
const emulator = await startEmulator({ ttftMs: 0, tps: 1000, script: { default: { text: TEXT } }, maxRecordedRequests: 10 });
const transport = new HttpTransport();
const rng = mulberry32(2026);

/** Each fault and the outcome it must give (reason, or "ok", or a ProviderError). */
const FAULTS: Array<{ header: string; expect: "ok" | "provider-error" | StreamInterruptedError["reason"] | ((protocol: string) => string) }> = [
  { header: "", expect: "ok" },
  { header: "drop-after=5", expect: "network" },
  { header: "stall-after=3", expect: "timeout" },
  { header: "error-after=7", expect: "provider" },
  { header: "malformed-after=2", expect: "provider" },
  { header: "wrong-shape-after=4", expect: "provider" },
  { header: "cut-utf8-after=6", expect: (p) => (p === "ollama" ? "provider" : "network") },
  { header: "status=503,retry-after-ms=5,fail-first=1", expect: "ok" },
  { header: "status=400", expect: "provider-error" },
];

const failures: string[] = [];
const counts = { streams: 0, ok: 0, interrupted: 0, providerErrors: 0 };

async function one(n: number): Promise<void> {
  const p = PROTOCOLS[n % PROTOCOLS.length]!;
  const fault = FAULTS[Math.floor(rng() * FAULTS.length)]!;
  const headers: Record<string, string> = { "x-emulator-fault": `${fault.header}${fault.header ? "," : ""}key=soak-${n}` };
  if (fault.header === "") headers["x-emulator-fault"] = `key=soak-${n}`;
  const provider = p.provider(emulator.url, { maxRetries: 1, timeout: 1_000, headers, transport });
  const expected = typeof fault.expect === "function" ? fault.expect(p.name) : fault.expect;
  let text = "";
  try {
    for await (const chunk of provider.stream({ model: "m", messages: [{ role: "user", content: "soak" }] })) text += chunk.content;
    if (expected !== "ok") failures.push(`${p.name} ${fault.header}: completed, expected ${expected}`);
    else if (text !== TEXT) failures.push(`${p.name} ${fault.header}: wrong text ${JSON.stringify(text)}`);
    counts.ok++;
  } catch (error) {
    if (error instanceof StreamInterruptedError) {
      counts.interrupted++;
      if (error.reason !== expected) failures.push(`${p.name} ${fault.header}: reason ${error.reason}, expected ${expected}: ${error.message}`);
      if (error.partialResponse !== text || !TEXT.startsWith(text)) failures.push(`${p.name} ${fault.header}: partial text ${JSON.stringify(error.partialResponse)} vs ${JSON.stringify(text)}`);
    } else if (error instanceof ProviderError) {
      counts.providerErrors++;
      if (expected !== "provider-error") failures.push(`${p.name} ${fault.header}: ProviderError ${error.message}, expected ${expected}`);
    } else failures.push(`${p.name} ${fault.header}: ${String(error)}`);
  }
  counts.streams++;
}

const baseline = process.getActiveResourcesInfo().filter((t) => t !== "Immediate").sort();
const started = Date.now();
const samples: Array<{ at: number; rss: number }> = [];
let stop = false;
const sampler = (async () => {
  while (!stop) {
    await new Promise((r) => setTimeout(r, 5_000));
    gc();
    samples.push({ at: Math.round((Date.now() - started) / 1000), rss: process.memoryUsage().rss });
  }
})();
let next = 0;
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    while (Date.now() - started < SECONDS * 1000 && failures.length < 20) await one(next++);
  }),
);
stop = true;
await sampler;

// Nothing left: close the pools, let the emulator see every connection go, then compare with the start.
transport.close();
const deadline = Date.now() + 5_000;
const now = () => process.getActiveResourcesInfo().filter((t) => t !== "Immediate").sort();
while (Date.now() < deadline && (emulator.stats.active > 0 || now().join() !== baseline.join())) await new Promise((r) => setTimeout(r, 20));
if (emulator.stats.active > 0) failures.push(`the emulator still has ${emulator.stats.active} active request(s)`);
if (now().join() !== baseline.join()) failures.push(`handles left: ${now().join(",")} (baseline ${baseline.join(",")})`);
if (emulator.stats.internalErrors > 0) failures.push(`emulator internal errors: ${emulator.stats.internalErrors}`);

const warm = samples.filter((s) => s.at >= WARMUP_SECONDS);
const mb = (n: number) => (n / (1 << 20)).toFixed(1);
if (warm.length >= 2) {
  const rss = warm.map((s) => s.rss);
  const band = Math.max(...rss) - Math.min(...rss);
  if (band > RSS_BAND) failures.push(`RSS moved ${mb(band)} MB once warm (band ${mb(RSS_BAND)} MB): ${rss.map(mb).join(", ")}`);
}
await emulator.close();
const summary = {
  seconds: Math.round((Date.now() - started) / 1000),
  ...counts,
  emulator: emulator.stats,
  rssMB: samples.map((s) => `${s.at}s:${mb(s.rss)}`).join(" "),
};
process.stdout.write(`soak: ${JSON.stringify(summary)}\n`);
if (counts.streams < 100) failures.push(`only ${counts.streams} streams ran`);
if (failures.length > 0) {
  process.stderr.write(`soak FAILED:\n  ${failures.slice(0, 20).join("\n  ")}\n`);
  process.exitCode = 1;
} else process.stdout.write("soak passed: every outcome as its fault requires, RSS in its band, no handle left\n");
