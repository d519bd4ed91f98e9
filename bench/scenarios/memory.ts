/**
 * Memory: one bench stream of 10k, 100k or 1M chunks read by a consumer that discards the text. Growth is
 * measured from a collected heap before the stream to a collected heap after it while the client's objects
 * (an agent with its history, an SDK's result) are still held, plus the peak sampled during the stream.
 */
import { clientId, CLIENTS } from "../clients/index.js";
import { collect, footprint, peakSampler, profiled } from "../lib/probe.js";
import { MB } from "../lib/stats.js";
import type { StreamOutcome } from "../lib/types.js";
import { benchHeaders, check, noop, param, type Scenario } from "./scenario.js";

const WARMUP_CHUNKS = 1_000;
export const MEMORY_SIZES = { full: [10_000, 100_000, 1_000_000], quick: [10_000, 50_000] };
const QUICK_CLIENTS = ["openai/raw-fetch", "openai/agenticraft-agent", "openai/agenticraft-collect"];

/** Module-level, so the optimizer cannot drop what the client holds before memory is read. */
let held: StreamOutcome | undefined;

export const memory: Scenario = {
  name: "memory",
  title: "Memory growth",
  jobs({ quick }, expectedChars) {
    const sizes = quick ? MEMORY_SIZES.quick : MEMORY_SIZES.full;
    // Quick (CI) keeps within its minute by measuring only what the targets compare; the code path is the same for all.
    const clients = quick ? CLIENTS.filter((c) => QUICK_CLIENTS.includes(clientId(c))) : CLIENTS;
    return sizes.flatMap((chunks) =>
      clients.map((client) => ({ client, variant: String(chunks), params: { chunks, chars: expectedChars(chunks) } })),
    );
  },
  async measure(client, spec) {
    const chunks = param(spec, "chunks");
    // A warm-up stream on its own instance loads what the client imports lazily before the baseline.
    const warm = await client.setup({ url: spec.url, headers: benchHeaders(WARMUP_CHUNKS) });
    await warm(noop);
    const run = await client.setup({ url: spec.url, headers: benchHeaders(chunks) });
    collect();
    const before = footprint();
    const sampler = peakSampler();
    held = await profiled(spec.profile, () => run(noop), { heap: true });
    const peak = sampler.stop();
    collect();
    const after = footprint();
    check(held, chunks, param(spec, "chars"));
    held = undefined;
    return {
      ok: true,
      metrics: {
        rssGrowthMB: (after.rss - before.rss) / MB,
        heapGrowthMB: (after.heapUsed - before.heapUsed) / MB,
        rssPeakGrowthMB: (peak.rss - before.rss) / MB,
        heapPeakGrowthMB: (peak.heapUsed - before.heapUsed) / MB,
        // Where RSS went besides live objects: V8 keeps a young generation it grew under a high allocation rate
        // (new space, up to 2 × 16 MB) and the rest of the committed heap; native memory (sockets, malloc) is the rest.
        newSpaceGrowthMB: (after.newSpace - before.newSpace) / MB,
        heapTotalGrowthMB: (after.heapTotal - before.heapTotal) / MB,
        nativeGrowthMB: (after.rss - after.heapTotal - (before.rss - before.heapTotal)) / MB,
      },
    };
  },
};
