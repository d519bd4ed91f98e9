/** The issue's targets, each PASS or MISS (or n/a when its scenario was not run). Reported, never asserted. */
import { MEMORY_SIZES } from "../scenarios/memory.js";
import type { Protocol, Row, TargetResult } from "../lib/types.js";

/** Live-heap growth allowed beyond the answer's text (10k → 1M chunks): the text is kept once, nothing else grows. */
export const HEAP_SLACK_MB = 1;
/** CPU per chunk allowed against node:http with a hand line split, the real limit on this machine. */
export const RAW_HTTP_FACTOR = 1.3;
const MB = 1024 * 1024;
/** The peer library each protocol's memory is compared with (it keeps no text). */
const SDK: Record<Protocol, string> = { openai: "openai-sdk", anthropic: "anthropic-sdk", "openai-responses": "openai-sdk" };

const usable = (row: Row | undefined): row is Row => row !== undefined && row.errors.length === 0;

export function findRow(rows: readonly Row[], scenario: string, client: string, variant?: string): Row | undefined {
  return rows.find((r) => r.scenario === scenario && r.client === client && (variant === undefined || r.variant === variant));
}

function fastestPeer(rows: readonly Row[], scenario: string, protocol: Protocol, metric: string): Row | undefined {
  const peers = rows.filter((r) => r.scenario === scenario && r.protocol === protocol && r.role === "peer" && usable(r));
  return peers.sort((a, b) => a.metrics[metric]! - b.metrics[metric]!)[0];
}

/** `ours <= factor × reference` on one metric. */
function atMost(id: string, text: string, ours: Row | undefined, reference: Row | undefined, metric: string, unit: string, factor = 1): TargetResult {
  if (!usable(ours) || !usable(reference)) return { id, text, actual: "-", goal: "-", status: "n/a" };
  const a = ours.metrics[metric]!;
  const b = reference.metrics[metric]!;
  return {
    id,
    text,
    actual: `${a.toFixed(2)} ${unit} (${(a / b).toFixed(2)}×)`,
    goal: `≤ ${(factor * b).toFixed(2)} ${unit} (${factor === 1 ? "" : `${factor} × `}${reference.name})`,
    status: a <= factor * b ? "PASS" : "MISS",
    profile: { scenario: ours.scenario, client: ours.client, variant: ours.variant },
  };
}

/** `textChars(chunks)`: characters of the bench answer of that many chunks (one byte each in V8). */
export function evaluateTargets(rows: readonly Row[], quick: boolean, textChars: (chunks: number) => number): TargetResult[] {
  const out: TargetResult[] = [];
  for (const protocol of ["openai", "anthropic"] as const) {
    const agent = findRow(rows, "cpu", `${protocol}/agenticraft-agent`);
    if (protocol === "openai") {
      out.push(atMost("cpu-floor-openai", "CPU/chunk, openai: agent ≤ 1.0 × raw-fetch", agent, findRow(rows, "cpu", "openai/raw-fetch"), "cpuUsPerChunk", "µs"));
      out.push(
        atMost("cpu-raw-openai", `CPU/chunk, openai: agent ≤ ${RAW_HTTP_FACTOR} × raw-http`, agent, findRow(rows, "cpu", "openai/raw-http"), "cpuUsPerChunk", "µs", RAW_HTTP_FACTOR),
      );
    }
    const peer = fastestPeer(rows, "cpu", protocol, "cpuUsPerChunk");
    out.push(atMost(`cpu-peer-${protocol}`, `CPU/chunk, ${protocol}: agent ≤ fastest peer`, agent, peer, "cpuUsPerChunk", "µs"));
  }
  {
    // The Responses format: agent ≤ its own fetch + eventsource-parser floor and ≤ the openai SDK's responses stream.
    const agent = findRow(rows, "cpu", "openai-responses/agenticraft-agent");
    const floor = findRow(rows, "cpu", "openai-responses/raw-fetch");
    out.push(atMost("cpu-floor-openai-responses", "CPU/chunk, openai-responses: agent ≤ 1.0 × raw-fetch", agent, floor, "cpuUsPerChunk", "µs"));
    const sdk = findRow(rows, "cpu", "openai-responses/openai-sdk");
    out.push(atMost("cpu-peer-openai-responses", "CPU/chunk, openai-responses: agent ≤ openai SDK responses.create", agent, sdk, "cpuUsPerChunk", "µs"));
  }
  for (const protocol of ["openai", "anthropic"] as const) {
    const agent = findRow(rows, "ttft", `${protocol}/agenticraft-agent`);
    out.push(atMost(`ttft-${protocol}`, `TTFT median, ${protocol}: agent ≤ raw-fetch`, agent, findRow(rows, "ttft", `${protocol}/raw-fetch`), "ttftMs", "ms"));
  }
  out.push(...memoryTargets(rows, quick, textChars));
  const agent = rows.find((r) => r.scenario === "concurrent" && r.client === "openai/agenticraft-agent");
  const floor = rows.find((r) => r.scenario === "concurrent" && r.client === "openai/raw-fetch");
  if (agent === undefined) out.push({ id: "concurrent-failures", text: "Concurrent: agent has no failure", actual: "-", goal: "-", status: "n/a" });
  else {
    const failures = agent.samples.reduce((n, s) => n + (s.failures ?? 0), 0) + agent.errors.length;
    out.push({
      id: "concurrent-failures",
      text: `Concurrent ${agent.variant}: agent has no failure`,
      actual: `${failures} failed stream(s) or run(s)`,
      goal: "0",
      status: failures === 0 ? "PASS" : "MISS",
      profile: { scenario: "concurrent", client: agent.client, variant: agent.variant },
    });
  }
  out.push(atMost("concurrent-cpu", "Concurrent: agent CPU/chunk ≤ 1.0 × raw-fetch", agent, floor, "cpuUsPerChunk", "µs"));
  out.push(...toolTargets(rows));
  return out;
}

/** Issue 8: (a) unused tools cost ≤ 2 % CPU per chunk; (b) partial arguments ≤ 5 × one JSON.parse; (c) a round ≤ 1 ms. */
function toolTargets(rows: readonly Row[]): TargetResult[] {
  const tools = rows.filter((r) => r.scenario === "tools");
  const streamed = (client: string) => tools.find((r) => r.client === client && /^\d+$/.test(r.variant));
  const out = [
    atMost("tools-unused", "Tools configured, not called: agent CPU/chunk ≤ 1.02 × agent without tools", streamed("openai/agenticraft-agent-tools"), streamed("openai/agenticraft-agent"), "cpuUsPerChunk", "µs", 1.02),
  ];
  const bound = (id: string, text: string, variant: string, metric: string, limit: number, unit: string): TargetResult => {
    const row = tools.find((r) => r.variant === variant);
    if (!usable(row)) return { id, text, actual: "-", goal: "-", status: "n/a" };
    const value = row.metrics[metric]!;
    return { id, text, actual: `${value.toFixed(2)}${unit}`, goal: `≤ ${limit}${unit}`, status: value <= limit ? "PASS" : "MISS", profile: { scenario: "tools", client: row.client, variant } };
  };
  out.push(bound("tools-partial", "Partial arguments, 100 KB in 4,000 deltas ≤ 5 × one JSON.parse", "partial-arguments", "ratio", 5, "×"));
  out.push(bound("tools-round", "A tool round adds ≤ 1 ms CPU beyond the tool's own work", "tool-round", "roundOverheadMs", 1, " ms"));
  return out;
}

/**
 * RSS growth from the smallest to the largest memory size, for `agent.stream` and `collectStream` with
 * `keepChunks: false`, on both formats: ≤ the fetch + eventsource-parser floor's growth plus the growth of the
 * answer's text (which we keep, once), ≤ the SDK's growth plus that text (the SDK keeps none), and live-heap
 * growth ≤ that text + 1 MB. All figures from the same run.
 */
function memoryTargets(rows: readonly Row[], quick: boolean, textChars: (chunks: number) => number): TargetResult[] {
  const out: TargetResult[] = [];
  const sizes = quick ? MEMORY_SIZES.quick : MEMORY_SIZES.full;
  const small = String(sizes[0]);
  const large = String(sizes[sizes.length - 1]);
  const textMB = (textChars(sizes[sizes.length - 1]!) - textChars(sizes[0]!)) / MB;
  const growth = (client: string, metric: string): { row: Row; value: number } | undefined => {
    const a = findRow(rows, "memory", client, small);
    const b = findRow(rows, "memory", client, large);
    if (!usable(a) || !usable(b)) return undefined;
    return { row: b, value: b.metrics[metric]! - a.metrics[metric]! };
  };
  for (const protocol of ["openai", "anthropic"] as const) {
    for (const name of ["agenticraft-agent", "agenticraft-collect"]) {
      const client = `${protocol}/${name}`;
      const ours = growth(client, "rssGrowthMB");
      const heap = growth(client, "heapGrowthMB");
      const references: Array<[string, string, string]> = [
        ["floor", `${protocol}/raw-fetch`, "rssGrowthMB"],
        ["sdk", `${protocol}/${SDK[protocol]}`, "rssGrowthMB"],
      ];
      for (const [kind, reference, metric] of references) {
        const id = `memory-${kind}-${client}`;
        const text = `RSS growth ${small}→${large} chunks, ${client} ≤ ${reference.split("/")[1]} + text`;
        const ref = growth(reference, metric);
        if (ours === undefined || ref === undefined) {
          out.push({ id, text, actual: "-", goal: "-", status: "n/a" });
          continue;
        }
        const goal = ref.value + textMB;
        out.push({
          id,
          text,
          actual: `${ours.value.toFixed(1)} MB`,
          goal: `≤ ${goal.toFixed(1)} MB (${ref.value.toFixed(1)} + ${textMB.toFixed(1)} text)`,
          status: ours.value <= goal ? "PASS" : "MISS",
          profile: { scenario: "memory", client, variant: large },
        });
      }
      const id = `memory-heap-${client}`;
      const text = `Live-heap growth ${small}→${large} chunks, ${client} ≤ text + ${HEAP_SLACK_MB} MB`;
      if (heap === undefined) {
        out.push({ id, text, actual: "-", goal: "-", status: "n/a" });
        continue;
      }
      const goal = textMB + HEAP_SLACK_MB;
      out.push({
        id,
        text,
        actual: `${heap.value.toFixed(1)} MB`,
        goal: `≤ ${goal.toFixed(1)} MB (${textMB.toFixed(1)} text + ${HEAP_SLACK_MB})`,
        status: heap.value <= goal ? "PASS" : "MISS",
        profile: { scenario: "memory", client, variant: large },
      });
    }
  }
  return out;
}
