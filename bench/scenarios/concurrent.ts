/**
 * Many concurrent paced streams: the emulator's normal mode with a scripted reply of N words (one chunk per
 * word), no time to first token and `tps` tokens per second per stream, all streams opened at once.
 */
import { clientId, CLIENTS } from "../clients/index.js";
import { peakSampler, profiled, timed } from "../lib/probe.js";
import { MB, quantile } from "../lib/stats.js";
import type { StreamOutcome } from "../lib/types.js";
import { noop, param, wrongCount, type Scenario } from "./scenario.js";

const CLIENT_IDS = ["openai/raw-fetch", "openai/raw-http", "openai/agenticraft-agent", "openai/openai-sdk", "openai/ai-sdk"];
const WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"];

/** `words` words; the emulator splits a reply into one chunk per word (leading space kept). */
export function replyText(words: number): string {
  return Array.from({ length: words }, (_, i) => WORDS[i % WORDS.length]).join(" ");
}

function headers(words: number, tps: number): Record<string, string> {
  return { "x-emulator-reply": JSON.stringify({ text: replyText(words) }), "x-emulator-tps": String(tps), "x-emulator-ttft-ms": "0" };
}

export const concurrent: Scenario = {
  name: "concurrent",
  title: "Concurrent streams",
  jobs({ quick }) {
    const params = quick ? { streams: 100, words: 50, tps: 200 } : { streams: 1_000, words: 200, tps: 200 };
    return CLIENTS.filter((c) => CLIENT_IDS.includes(clientId(c))).map((client) => ({
      client,
      variant: `${params.streams}x${params.words}`,
      params,
    }));
  },
  async measure(client, spec) {
    const streams = param(spec, "streams");
    const words = param(spec, "words");
    const chars = replyText(words).length;
    // Warm up unpaced, so the measured streams start with loaded modules and an optimized parser.
    const warm = await client.setup({ url: spec.url, headers: headers(words, 0) });
    await warm(noop);
    const run = await client.setup({ url: spec.url, headers: headers(words, param(spec, "tps")) });
    const rss0 = process.memoryUsage().rss;
    const sampler = peakSampler(10);
    const firsts: number[] = [];
    const problems: string[] = [];
    const { cpuUs, wallMs } = await profiled(spec.profile, () =>
      timed(() => {
        const start = performance.now();
        const one = (): Promise<void> =>
          run(() => firsts.push(performance.now() - start)).then(
            (outcome: StreamOutcome) => {
              const problem = wrongCount(outcome, words, chars);
              if (problem !== undefined) problems.push(problem);
            },
            (error: unknown) => void problems.push(String(error)),
          );
        return Promise.all(Array.from({ length: streams }, one));
      }),
    );
    const peak = sampler.stop();
    const metrics = {
      wallMs,
      cpuUsPerChunk: cpuUs / (streams * words),
      peakRssMB: peak.rss / MB,
      rssGrowthMB: (peak.rss - rss0) / MB,
      failures: problems.length,
      ttftP50Ms: quantile(firsts, 0.5),
      ttftP99Ms: quantile(firsts, 0.99),
    };
    if (problems.length === 0) return { ok: true, metrics };
    const distinct = [...new Set(problems)].slice(0, 3).join("; ");
    return { ok: false, error: `${problems.length}/${streams} streams failed: ${distinct}`, metrics };
  },
};
