/**
 * The bench: starts the emulator in its own process, runs every scenario × client × run in fresh child
 * processes, prints the tables and targets, and writes results.json, RESULTS.md and chart.svg.
 *
 *     npm run bench [-- --quick] [--runs N] [--only cpu,ttft] [--clients agenticraft,raw] [--profile]
 *
 * Exits 1 when any run failed or a client read a wrong count; a MISS never fails it (speed is reported).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { benchText } from "agenticraft/emulator";
import { clientId } from "./clients/index.js";
import { REPO_ROOT } from "./lib/paths.js";
import { runChild, startEmulatorProcess } from "./lib/processes.js";
import { aggregate } from "./lib/results.js";
import type { ChildReport, Row } from "./lib/types.js";
import { machine, printReport, writeOutputs } from "./report/output.js";
import { profileMisses } from "./report/profile.js";
import { evaluateTargets } from "./report/targets.js";
import { SCENARIOS } from "./scenarios/index.js";
import type { Job } from "./scenarios/scenario.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    only: { type: "string" },
    clients: { type: "string" },
    profile: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
  strict: true,
});
const quick = values.quick!;
const runs = values.runs === undefined ? (quick ? 3 : 5) : Number(values.runs);
if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const only = values.only?.split(",");
const clientFilter = values.clients?.split(",");
const scenarios = SCENARIOS.filter((s) => only === undefined || only.includes(s.name));

if (!existsSync(resolve(REPO_ROOT, "dist/index.js"))) {
  console.error("agenticraft is not built: run `npm run build` at the repository root first (the root's `npm run bench` does).");
  process.exit(2);
}

const started = Date.now();
// Taken now: other work may land (and the commit move) while a long run goes on.
const host = machine();
const emulator = await startEmulatorProcess();
const rows: Row[] = [];
try {
  const chars = new Map<number, number>();
  const expectedChars = (chunks: number) => chars.get(chunks) ?? chars.set(chunks, benchText(chunks).length).get(chunks)!;
  for (const scenario of scenarios) {
    const jobs = scenario
      .jobs({ quick }, expectedChars)
      .filter((job) => clientFilter === undefined || clientFilter.some((f) => clientId(job.client).includes(f)));
    const reports = new Map<Job, ChildReport[]>(jobs.map((job) => [job, []]));
    // Runs are interleaved (every job once, then again) so a slow drift of the machine hits all clients alike.
    for (let run = 1; run <= runs; run++) {
      for (const job of jobs) {
        const report = await runChild({ scenario: scenario.name, client: clientId(job.client), url: emulator.url, params: job.params });
        reports.get(job)!.push(report);
        const mark = report.ok ? "ok" : `FAILED: ${report.error?.split("\n")[0]}`;
        console.error(`[${elapsed(started)}] ${scenario.name} ${job.variant} ${clientId(job.client)} run ${run}/${runs} ${mark}`);
      }
    }
    for (const [job, list] of reports) rows.push(aggregate(scenario.name, job, list));
  }
  const targets = evaluateTargets(rows, quick, expectedChars);
  printReport(rows, targets, quick);
  if (!values["no-write"]) await writeOutputs(rows, targets, host, { quick, runs, argv: process.argv.slice(2), seconds: (Date.now() - started) / 1000 });
  if (values.profile) await profileMisses(targets, emulator.url, quick, expectedChars);
} finally {
  await emulator.stop();
}

const failed = rows.filter((r) => r.errors.length > 0);
for (const row of failed) console.error(`FAILED ${row.scenario} ${row.variant} ${row.client}: ${row.errors[0]}`);
console.error(`done in ${elapsed(started)}; ${failed.length === 0 ? "every client read every stream correctly" : `${failed.length} job(s) failed`}`);
process.exitCode = failed.length === 0 ? 0 : 1;

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
