/**
 * Time to first text: sequential small bench streams (the emulator adds no delay), each timed from the call
 * that opens it to the first text piece. Warm-up requests first, so connection set-up and lazy imports of the
 * first request are not what the median reports.
 */
import { CLIENTS } from "../clients/index.js";
import { profiled } from "../lib/probe.js";
import { median, quantile } from "../lib/stats.js";
import { benchHeaders, check, noop, param, type Scenario } from "./scenario.js";

const CHUNKS = 10;
const WARMUP = 5;

export const ttft: Scenario = {
  name: "ttft",
  title: "Time to first text",
  jobs({ quick }, expectedChars) {
    const requests = quick ? 10 : 50;
    return CLIENTS.map((client) => ({
      client,
      variant: String(requests),
      params: { requests, chunks: CHUNKS, chars: expectedChars(CHUNKS), warmup: WARMUP },
    }));
  },
  async measure(client, spec) {
    const chunks = param(spec, "chunks");
    const chars = param(spec, "chars");
    const run = await client.setup({ url: spec.url, headers: benchHeaders(chunks) });
    for (let i = 0; i < param(spec, "warmup"); i++) check(await run(noop), chunks, chars);
    const firsts: number[] = [];
    const totals: number[] = [];
    await profiled(spec.profile, async () => {
      for (let i = 0; i < param(spec, "requests"); i++) {
        let firstAt = Number.NaN;
        const start = performance.now();
        const outcome = await run(() => (firstAt = performance.now()));
        totals.push(performance.now() - start);
        firsts.push(firstAt - start);
        check(outcome, chunks, chars);
      }
    });
    return {
      ok: true,
      metrics: {
        ttftMs: median(firsts),
        ttftP10Ms: quantile(firsts, 0.1),
        ttftP90Ms: quantile(firsts, 0.9),
        totalMs: median(totals),
      },
    };
  },
};
