/** The console report, and the files a full run leaves: results.json, RESULTS.md, chart.svg. */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { resolve } from "node:path";
import { BENCH_ROOT, REPO_ROOT } from "../lib/paths.js";
import type { Row, TargetResult } from "../lib/types.js";
import { drawChart } from "./svg.js";
import { buildTables, renderMarkdown, renderText } from "./tables.js";

export interface RunInfo {
  quick: boolean;
  runs: number;
  argv: string[];
  seconds: number;
}

function targetLines(targets: readonly TargetResult[]): string[] {
  return targets.map((t) => `${t.status.padEnd(4)}  ${t.text}: ${t.actual}, target ${t.goal}`);
}

export function printReport(rows: readonly Row[], targets: readonly TargetResult[], quick: boolean): void {
  for (const table of buildTables(rows, quick)) console.log(`\n${renderText(table)}`);
  console.log(`\nTargets${quick ? " (quick sizes: indicative only)" : ""}`);
  for (const line of targetLines(targets)) console.log(line);
}

export function machine() {
  const cpus = os.cpus();
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    if (dirty !== "") commit += " (src/ modified)";
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit,
    date: new Date().toISOString(),
  };
}

/** Full runs write next to package.json (committed); quick runs into .build/quick so CI leaves no diff. */
export async function writeOutputs(rows: readonly Row[], targets: readonly TargetResult[], host: ReturnType<typeof machine>, info: RunInfo): Promise<void> {
  const dir = info.quick ? resolve(BENCH_ROOT, ".build/quick") : BENCH_ROOT;
  await mkdir(dir, { recursive: true });
  const command = `npm run bench${info.argv.length > 0 ? ` -- ${info.argv.join(" ")}` : ""}`;
  await writeFile(resolve(dir, "results.json"), `${JSON.stringify({ command, machine: host, ...info, targets, rows }, null, 2)}\n`);
  await writeFile(resolve(dir, "chart.svg"), drawChart(rows, info.quick));
  const md = [
    "# Streaming client benchmark",
    "",
    `Reproduce: \`${command}\` at the repository root (it builds the library first), or \`npm --prefix bench run bench${info.argv.length > 0 ? ` -- ${info.argv.join(" ")}` : ""}\` after \`npm run build\`.`,
    "",
    `Machine: Node ${host.node}, ${host.cpu}, ${host.cores} cores, ${host.memoryGB} GB, ${host.os}. Commit ${host.commit}, ${host.date}, ` +
      `${Math.round(info.seconds)} s, median of ${info.runs} runs per figure${info.quick ? " (quick sizes)" : ""}.`,
    "",
    "The emulator (`dist/emulator/bin.js`) serves every stream from its own process; each measurement runs in a fresh",
    "`node --expose-gc` child that loads one client, so only that client's CPU and memory are counted. Bench streams are",
    "~5-byte text chunks written with no delay (`x-emulator-bench: chunks=N`). Every client must report exactly the pieces",
    "and characters sent, or the run fails.",
    "",
    "![CPU per chunk and memory growth](chart.svg)",
    "",
    "## Targets",
    "",
    "| status | target | measured | goal |",
    "| :-- | :-- | --: | --: |",
    ...targets.map((t) => `| ${t.status} | ${t.text} | ${t.actual} | ${t.goal} |`),
    "",
    "## Figures",
    "",
    ...buildTables(rows, info.quick).map((t) => `${renderMarkdown(t)}\n`),
  ];
  const failed = rows.filter((r) => r.errors.length > 0);
  if (failed.length > 0) md.push("## Failures", "", ...failed.map((r) => `- ${r.scenario} ${r.variant} ${r.client}: ${r.errors[0]?.split("\n")[0]}`), "");
  await writeFile(resolve(dir, "RESULTS.md"), md.join("\n"));
  console.error(`wrote ${dir}/results.json, RESULTS.md, chart.svg`);
}
