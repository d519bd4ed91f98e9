/**
 * `--profile`: for each MISS, one more child of the missing client runs the same job under the V8 sampling
 * profiler (around the measured section only), and the profile is summarized: top self-time functions with
 * file:line (dist/ lines mapped back to src/ through the source maps) and the share of our code vs the rest.
 *
 * The memory scenario also writes a sampling heap profile (bytes allocated per function, collected or not).
 *
 *     npm run profile -- profiles/x.cpuprofile      summarizes an existing .cpuprofile or .heapprofile
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

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** Self cost per frame (with its caller): µs of CPU (.cpuprofile) or bytes allocated (.heapprofile). */
function selfCosts(path: string): Array<{ frame: CallFrame; caller: CallFrame | undefined; cost: number }> {
  const data = JSON.parse(readFileSync(path, "utf8")) as CpuProfile | { head: HeapNode };
  if ("head" in data) {
    const out: Array<{ frame: CallFrame; caller: CallFrame | undefined; cost: number }> = [];
    const walk = (node: HeapNode, caller: CallFrame | undefined) => {
      if (node.selfSize > 0) out.push({ frame: node.callFrame, caller, cost: node.selfSize });
      for (const child of node.children) walk(child, node.callFrame);
    };
    walk(data.head, undefined);
    return out;
  }
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, CallFrame>();
  for (const node of data.nodes) for (const child of node.children ?? []) parent.set(child, node.callFrame);
  // timeDeltas[i + 1] is the time from sample i to the next one: what sample i stands for.
  return data.samples.map((id, i) => ({ frame: byId.get(id)!.callFrame, caller: parent.get(id), cost: data.timeDeltas[i + 1] ?? 0 }));
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

export function summarize(path: string, top = 15): string {
  const heap = path.endsWith(".heapprofile");
  const self = new Map<string, { name: string; at: string; cat: string; cost: number }>();
  const cats = new Map<string, number>();
  let total = 0;
  for (const { frame, caller, cost } of selfCosts(path)) {
    const name = frame.functionName || "(anonymous)";
    if (name === "(idle)") continue;
    const cat = category(frame.url, name);
    // A native frame (join, decode, …) says little by itself: name the JS function that called it.
    const native = frame.url === "" && caller !== undefined && caller.url !== "" && !name.startsWith("(");
    const at = native ? `← ${caller.functionName || "(anonymous)"} ${where(caller.url, caller.lineNumber, caller.columnNumber)}` : where(frame.url, frame.lineNumber, frame.columnNumber);
    const key = `${name} ${at}`;
    const entry = self.get(key) ?? { name, at, cat, cost: 0 };
    entry.cost += cost;
    self.set(key, entry);
    cats.set(cat, (cats.get(cat) ?? 0) + cost);
    total += cost;
  }
  const pct = (cost: number) => `${((100 * cost) / total).toFixed(1).padStart(5)}%`;
  const what = heap ? `${(total / 2 ** 20).toFixed(0)} MB allocated (sampled, collected objects included)` : `${(total / 1000).toFixed(0)} ms of CPU sampled (idle excluded)`;
  const lines = [
    `${relative(BENCH_ROOT, path)}: ${what}`,
    "(V8 bills builtins it inlines, such as JSON.parse and object literals, to the calling function.)",
    "",
    `${heap ? "Allocations" : "Self time"} by owner:`,
  ];
  for (const [cat, cost] of [...cats].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(cost)}  ${cat}`);
  lines.push("", `Top ${top} functions by ${heap ? "bytes allocated" : "self time"}:`);
  for (const e of [...self.values()].sort((a, b) => b.cost - a.cost).slice(0, top)) {
    lines.push(`  ${pct(e.cost)}  ${e.name}  ${e.at}  [${e.cat}]`);
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
    const heapPath = path.replace(/\.cpuprofile$/, ".heapprofile");
    const text = [`MISS: ${target.text}`, summarize(path), ...(existsSync(heapPath) ? ["", summarize(heapPath)] : [])].join("\n");
    await writeFile(resolve(dir, `${key}.txt`), `${text}\n`);
    console.log(`\n${text}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!) && process.argv[2] !== undefined) {
  console.log(summarize(resolve(process.argv[2])));
}
