/** CPU per chunk: one long bench stream (no delay), after a short warm-up stream so the JIT is settled. */
import { CLIENTS } from "../clients/index.js";
import { collect, profiled, timed } from "../lib/probe.js";
import { benchHeaders, check, noop, param, type Scenario } from "./scenario.js";

const WARMUP_CHUNKS = 2_000;

export const cpu: Scenario = {
  name: "cpu",
  title: "CPU per chunk",
  jobs({ quick }, expectedChars) {
    const chunks = quick ? 10_000 : 100_000;
    return CLIENTS.map((client) => ({
      client,
      variant: String(chunks),
      params: { chunks, chars: expectedChars(chunks), warmup: WARMUP_CHUNKS, warmupChars: expectedChars(WARMUP_CHUNKS) },
    }));
  },
  async measure(client, spec) {
    const chunks = param(spec, "chunks");
    const warm = await client.setup({ url: spec.url, headers: benchHeaders(param(spec, "warmup")) });
    check(await warm(noop), param(spec, "warmup"), param(spec, "warmupChars"));
    const run = await client.setup({ url: spec.url, headers: benchHeaders(chunks) });
    // Start from a clean heap, so garbage left by the warm-up is not collected on the measured stream's bill.
    collect();
    const { value, cpuUs, wallMs } = await profiled(spec.profile, () => timed(() => run(noop)));
    check(value, chunks, param(spec, "chars"));
    return { ok: true, metrics: { cpuUsPerChunk: cpuUs / chunks, cpuMs: cpuUs / 1000, wallMs, chunksPerSec: chunks / (wallMs / 1000) } };
  },
};
