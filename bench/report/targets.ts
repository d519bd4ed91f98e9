/** The issue's targets, each PASS or MISS (or n/a when its scenario was not run). Reported, never asserted. */
import { MEMORY_SIZES } from "../scenarios/memory.js";
import type { Protocol, Row, TargetResult } from "../lib/types.js";

export const MEMORY_BUDGET_MB = 5;

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

export function evaluateTargets(rows: readonly Row[], quick: boolean): TargetResult[] {
  const out: TargetResult[] = [];
  for (const protocol of ["openai", "anthropic"] as const) {
    const agent = findRow(rows, "cpu", `${protocol}/agenticraft-agent`);
    if (protocol === "openai") {
      out.push(atMost("cpu-floor-openai", "CPU/chunk, openai: agent ≤ 1.0 × raw-fetch", agent, findRow(rows, "cpu", "openai/raw-fetch"), "cpuUsPerChunk", "µs"));
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
  const sizes = quick ? MEMORY_SIZES.quick : MEMORY_SIZES.full;
  const small = String(sizes[0]);
  const large = String(sizes[sizes.length - 1]);
  for (const name of ["agenticraft-agent", "agenticraft-collect"]) {
    const id = `memory-${name}`;
    const text = `RSS growth ${small}→${large} chunks, openai/${name} ≤ ${MEMORY_BUDGET_MB} MB`;
    const a = findRow(rows, "memory", `openai/${name}`, small);
    const b = findRow(rows, "memory", `openai/${name}`, large);
    if (!usable(a) || !usable(b)) {
      out.push({ id, text, actual: "-", goal: "-", status: "n/a" });
      continue;
    }
    const growth = b.metrics.rssGrowthMB! - a.metrics.rssGrowthMB!;
    out.push({
      id,
      text,
      actual: `${growth.toFixed(1)} MB`,
      goal: `≤ ${MEMORY_BUDGET_MB} MB`,
      status: growth <= MEMORY_BUDGET_MB ? "PASS" : "MISS",
      profile: { scenario: "memory", client: b.client, variant: large },
    });
  }
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
  out.push(...healTargets(rows));
  return out;
}

/** Issue 11: from a break to the first healed chunk ≤ 1.5 × the time to first chunk of a fresh request. */
function healTargets(rows: readonly Row[]): TargetResult[] {
  return rows.filter((r) => r.scenario === "heal").map((row): TargetResult => {
    const id = `heal-${row.protocol}`;
    const text = `Break → first healed chunk ≤ 1.5 × fresh TTFT (${row.protocol}, ${row.variant})`;
    if (!usable(row)) return { id, text, actual: "-", goal: "-", status: "n/a" };
    const ratio = row.metrics.ratio!;
    return { id, text, actual: `${row.metrics.breakToHealedMs!.toFixed(1)} ms (${ratio.toFixed(2)}×)`, goal: `≤ 1.5 × ${row.metrics.freshTtftMs!.toFixed(1)} ms`, status: ratio <= 1.5 ? "PASS" : "MISS" };
  });
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
