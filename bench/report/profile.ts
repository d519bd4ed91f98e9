/**
 * `--profile`: for each MISS, one more child of the missing client runs the same job under the V8 sampling
 * profiler (around the measured section only), and the profile is summarized: top self-time functions with
 * file:line (dist/ lines mapped back to src/ through the source maps) and the share of our code vs the rest.
 *
 *     node .build/report/profile.js bench/profiles/x.cpuprofile     summarizes an existing profile
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findClient } from "../clients/index.js";
import { BENCH_ROOT, REPO_ROOT } from "../lib/paths.js";
import { runChild } from "../lib/processes.js";
import type { TargetResult } from "../lib/types.js";
import { findScenario } from "../scenarios/index.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Who owns a frame: the share of each is what the summary reports. */
function category(url: string, name: string): string {
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (path.startsWith(resolve(REPO_ROOT, "dist"))) return "agenticraft (dist/)";
  if (path.includes("/node_modules/eventsource-parser/")) return "eventsource-parser";
  if (path.includes("/node_modules/")) return "other packages";
  if (path.startsWith(BENCH_ROOT)) return "bench harness";
  if (url.startsWith("node:")) return "node internals (JS)";
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)" || name === "(idle)") return "(program / idle)";
  return "V8 builtins and native (JSON.parse, TextDecoder, …)";
}

const maps = new Map<string, SourceMap | undefined>();
/** `file:line` of a frame, through dist/'s source map to src/ when there is one. */
function where(url: string, line: number, column: number): string {
  if (url === "") return "(native)";
  if (!url.startsWith("file://")) return `${url}:${line + 1}`;
  const path = fileURLToPath(url);
  if (!maps.has(path)) {
    const mapPath = `${path}.map`;
    maps.set(path, existsSync(mapPath) ? new SourceMap(JSON.parse(readFileSync(mapPath, "utf8"))) : undefined);
  }
  const entry = maps.get(path)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
    const source = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : resolve(path, "..", entry.originalSource);
    return `${relative(REPO_ROOT, source)}:${entry.originalLine + 1}`;
  }
  return `${relative(REPO_ROOT, path)}:${line + 1}`;
}

export function summarize(profilePath: string, top = 15): string {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; at: string; cat: string; us: number }>();
  const cats = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    const cat = category(url, name);
    if (cat === "(program / idle)" && name === "(idle)") continue;
    const at = where(url, lineNumber, columnNumber);
    const key = `${name} ${at}`;
    const entry = self.get(key) ?? { name, at, cat, us: 0 };
    entry.us += us;
    self.set(key, entry);
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    total += us;
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${relative(BENCH_ROOT, profilePath)}: ${(total / 1000).toFixed(0)} ms sampled (idle excluded)`, "", "Self time by owner:"];
  for (const [cat, us] of [...cats].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(us)}  ${cat}`);
  lines.push("", `Top ${top} functions by self time:`);
  for (const e of [...self.values()].sort((a, b) => b.us - a.us).slice(0, top)) {
    lines.push(`  ${pct(e.us)}  ${e.name}  ${e.at}  [${e.cat}]`);
  }
  return lines.join("\n");
}

/** Profiles the client of every MISS on its scenario and prints (and saves) the summaries. */
export async function profileMisses(
  targets: readonly TargetResult[],
  url: string,
  quick: boolean,
  expectedChars: (chunks: number) => number,
): Promise<void> {
  const dir = resolve(BENCH_ROOT, "profiles");
  await mkdir(dir, { recursive: true });
  const done = new Set<string>();
  for (const target of targets) {
    if (target.status !== "MISS" || target.profile === undefined) continue;
    const { scenario: name, client, variant } = target.profile;
    const key = `${name}-${variant}-${client.replace("/", "-")}`;
    if (done.has(key)) continue;
    done.add(key);
    const scenario = findScenario(name);
    const job = scenario.jobs({ quick }, expectedChars).find((j) => j.variant === variant && j.client === findClient(client));
    if (job === undefined) continue;
    const path = resolve(dir, `${key}.cpuprofile`);
    const report = await runChild({ scenario: name, client, url, params: job.params, profile: path });
    if (!report.ok) {
      console.log(`\nprofile of ${key} failed: ${report.error}`);
      continue;
    }
    const text = `MISS: ${target.text}\n${summarize(path)}`;
    await writeFile(resolve(dir, `${key}.txt`), `${text}\n`);
    console.log(`\n${text}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!) && process.argv[2] !== undefined) {
  console.log(summarize(resolve(process.argv[2])));
}
