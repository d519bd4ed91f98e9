/** The rows as tables (one per scenario and protocol), rendered as aligned text or Markdown. */
import type { Protocol, Row } from "../lib/types.js";
import { MEMORY_SIZES } from "../scenarios/memory.js";

export interface Table {
  title: string;
  head: string[];
  rows: string[][];
  note?: string;
}

const f = (value: number | undefined, digits = 2): string => (value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? "-" : `${(a / b).toFixed(2)}×`);
const signed = (value: number | undefined, digits = 2): string => (value === undefined ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`);
const status = (row: Row): string => (row.errors.length === 0 ? "" : ` FAILED ${row.errors.length}/${row.runs}`);
export const sizeName = (n: string): string => (Number(n) >= 1e6 ? `${Number(n) / 1e6}M` : Number(n) >= 1e3 ? `${Number(n) / 1e3}k` : n);

function byProtocol(rows: readonly Row[], scenario: string): Map<Protocol, Row[]> {
  const out = new Map<Protocol, Row[]>();
  for (const row of rows.filter((r) => r.scenario === scenario)) out.set(row.protocol, [...(out.get(row.protocol) ?? []), row]);
  return out;
}

const floorOf = (list: Row[]) => list.find((r) => r.role === "floor");
const agentOf = (list: Row[]) => list.find((r) => r.name === "agenticraft-agent");

function cpuTables(rows: readonly Row[]): Table[] {
  return [...byProtocol(rows, "cpu")].map(([protocol, list]) => {
    const floor = floorOf(list)?.metrics.cpuUsPerChunk;
    const agent = agentOf(list)?.metrics.cpuUsPerChunk;
    return {
      title: `CPU per chunk, ${protocol} format, ${sizeName(list[0]!.variant)} chunks (median of ${list[0]!.runs})`,
      head: ["client", "library", "µs/chunk", "× raw-fetch", "agent ÷ this", "CPU ms", "wall ms", "chunks/s"],
      rows: list.map((r) => [
        r.name + status(r),
        r.label,
        f(r.metrics.cpuUsPerChunk),
        ratio(r.metrics.cpuUsPerChunk, floor),
        ratio(agent, r.metrics.cpuUsPerChunk),
        f(r.metrics.cpuMs, 0),
        f(r.metrics.wallMs, 0),
        f(r.metrics.chunksPerSec, 0),
      ]),
      note: "CPU = process.cpuUsage() (user + system, all threads) around the consumption of one stream, after a warm-up stream.",
    };
  });
}

function ttftTables(rows: readonly Row[]): Table[] {
  return [...byProtocol(rows, "ttft")].map(([protocol, list]) => {
    const floor = floorOf(list)?.metrics.ttftMs;
    return {
      title: `Time to first text, ${protocol} format, ${list[0]!.variant} sequential requests (median of run medians, ${list[0]!.runs} runs)`,
      head: ["client", "library", "TTFT ms", "p10", "p90", "vs raw-fetch ms", "× raw-fetch", "whole stream ms"],
      rows: list.map((r) => [
        r.name + status(r),
        r.label,
        f(r.metrics.ttftMs, 3),
        f(r.metrics.ttftP10Ms, 3),
        f(r.metrics.ttftP90Ms, 3),
        floor === undefined ? "-" : signed(r.metrics.ttftMs! - floor, 3),
        ratio(r.metrics.ttftMs, floor),
        f(r.metrics.totalMs, 3),
      ]),
      note: "From the call that opens the stream to the first text piece; 10-chunk bench streams on a keep-alive connection.",
    };
  });
}

function memoryTables(rows: readonly Row[], quick: boolean): Table[] {
  const sizes = (quick ? MEMORY_SIZES.quick : MEMORY_SIZES.full).map(String);
  const small = sizes[0]!;
  const large = sizes[sizes.length - 1]!;
  return [...byProtocol(rows, "memory")].map(([protocol, list]) => {
    const clients = [...new Set(list.map((r) => r.client))];
    const get = (client: string, size: string) => list.find((r) => r.client === client && r.variant === size);
    return {
      title: `Memory growth, ${protocol} format, discarding consumer (MB, median of ${list[0]!.runs})`,
      head: [
        "client",
        ...sizes.map((s) => `RSS ${sizeName(s)}`),
        `RSS ${sizeName(small)}→${sizeName(large)}`,
        `heap ${sizeName(small)}→${sizeName(large)}`,
        `new space ${sizeName(small)}→${sizeName(large)}`,
        `native ${sizeName(small)}→${sizeName(large)}`,
        `heap ${sizeName(large)}`,
        `peak RSS ${sizeName(large)}`,
      ],
      rows: clients.map((client) => {
        const a = get(client, small);
        const b = get(client, large);
        const failed = list.filter((r) => r.client === client).some((r) => r.errors.length > 0);
        return [
          client.split("/")[1]! + (failed ? " FAILED" : ""),
          ...sizes.map((s) => f(get(client, s)?.metrics.rssGrowthMB, 1)),
          a && b ? f(b.metrics.rssGrowthMB! - a.metrics.rssGrowthMB!, 1) : "-",
          a && b ? f(b.metrics.heapGrowthMB! - a.metrics.heapGrowthMB!, 1) : "-",
          a && b ? f(b.metrics.newSpaceGrowthMB! - a.metrics.newSpaceGrowthMB!, 1) : "-",
          a && b ? f(b.metrics.nativeGrowthMB! - a.metrics.nativeGrowthMB!, 1) : "-",
          f(b?.metrics.heapGrowthMB, 1),
          f(b?.metrics.rssPeakGrowthMB, 1),
        ];
      }),
      note:
        "Growth from a collected heap before the stream to a collected heap after it, with the client's objects (agent and history, " +
        "SDK result) still held; heap = live objects; new space = V8's young generation, which it grows under a high allocation " +
        "rate and keeps; native = RSS outside the V8 heap (socket buffers, malloc); peak = highest RSS sampled every 5 ms. " +
        "1M bench chunks carry 4.8 MB of text.",
    };
  });
}

function concurrentTables(rows: readonly Row[]): Table[] {
  const list = rows.filter((r) => r.scenario === "concurrent");
  if (list.length === 0) return [];
  const floor = floorOf(list)?.metrics.cpuUsPerChunk;
  const agent = agentOf(list)?.metrics.cpuUsPerChunk;
  const [streams, words] = list[0]!.variant.split("x");
  return [
    {
      title: `${streams} concurrent streams × ${words} chunks, 5 ms apart (openai format, median of ${list[0]!.runs})`,
      head: ["client", "library", "wall ms", "µs/chunk", "× raw-fetch", "agent ÷ this", "peak RSS MB", "RSS growth MB", "failures", "TTFT p50 ms", "p99 ms"],
      rows: list.map((r) => [
        r.name + status(r),
        r.label,
        f(r.metrics.wallMs, 0),
        f(r.metrics.cpuUsPerChunk),
        ratio(r.metrics.cpuUsPerChunk, floor),
        ratio(agent, r.metrics.cpuUsPerChunk),
        f(r.metrics.peakRssMB, 0),
        f(r.metrics.rssGrowthMB, 0),
        String(r.samples.reduce((n, s) => n + (s.failures ?? 0), 0)),
        f(r.metrics.ttftP50Ms, 1),
        f(r.metrics.ttftP99Ms, 1),
      ]),
      note: "All streams opened at once; CPU is the client process's over the whole run divided by the chunks; TTFT from the common start.",
    },
  ];
}

function toolsTables(rows: readonly Row[]): Table[] {
  const list = rows.filter((r) => r.scenario === "tools");
  if (list.length === 0) return [];
  return [
    {
      title: `Tools (openai format, median of ${list[0]!.runs})`,
      head: ["client", "variant", "µs/chunk", "partial µs", "JSON.parse µs", "× JSON.parse", "run µs", "2 calls µs", "round ms"],
      rows: list.map((r) => [
        r.name + status(r),
        r.variant,
        f(r.metrics.cpuUsPerChunk),
        f(r.metrics.partialUs, 0),
        f(r.metrics.jsonParseUs, 0),
        f(r.metrics.ratio),
        f(r.metrics.agentRunUs, 0),
        f(r.metrics.twoCallsUs, 0),
        f(r.metrics.roundOverheadMs, 3),
      ]),
      note:
        "µs/chunk: a bench stream read by an agent without / with three tools that are never called. Partial: one 100 KB argument in " +
        "4,000 deltas through the incremental parser vs one JSON.parse of the whole. Round: an agent run with one tool round on the " +
        "in-process mock provider minus the same two model calls made directly (the tool returns at once).",
    },
  ];
}

function sseServerTables(rows: readonly Row[]): Table[] {
  const list = rows.filter((r) => r.scenario === "sse-server");
  if (list.length === 0) return [];
  return [
    {
      title: `agenticraft serve: ${f(list[0]!.samples[0]?.clients, 0)} concurrent SSE clients from one process (median of ${list[0]!.runs})`,
      head: ["store", "wall ms", "server µs/chunk", "raw parse µs/chunk", "server ÷ raw", "bulk raw µs/chunk", "failures", "resume p50 ms", "p99 ms"],
      rows: list.map((r) => [
        r.variant + status(r),
        f(r.metrics.wallMs, 0),
        f(r.metrics.serverUsPerChunk),
        f(r.metrics.rawUsPerChunk),
        ratio(r.metrics.serverUsPerChunk, r.metrics.rawUsPerChunk),
        f(r.metrics.rawBulkUsPerChunk),
        String(r.samples.reduce((n, s) => n + (s.failures ?? 0), 0)),
        f(r.metrics.resumeP50Ms, 1),
        f(r.metrics.resumeP99Ms, 1),
      ]),
      note:
        "Server CPU = the serve process's user+system time over the load ÷ text chunks delivered (each client has its own model call, " +
        "so it includes parsing the provider stream); raw parse = the floor client (fetch + eventsource-parser) reading as many streams " +
        "of the same reply at the same pace in the same run; bulk raw = the same client on one unpaced bench stream. Resume = reconnect with Last-Event-ID → first missed chunk.",
    },
  ];
}

function healTables(rows: readonly Row[]): Table[] {
  const list = rows.filter((r) => r.scenario === "heal");
  if (list.length === 0) return [];
  return [
    {
      title: `Streams that heal (median of ${list[0]!.runs} runs, each the median of its streams)`,
      head: ["protocol", "break", "fresh TTFT ms", "break → healed ms", "ratio", "overhead ms"],
      rows: list.map((r) => [r.protocol + status(r), r.variant, f(r.metrics.freshTtftMs, 1), f(r.metrics.breakToHealedMs, 1), f(r.metrics.ratio), f(r.metrics.overheadMs, 1)]),
      note: "The emulator answers each request after 30 ms, then without delay; the break comes after 20 chunks. Break → healed: from the step seeing the failed attempt to the first text chunk of the continuation.",
    },
  ];
}

export function buildTables(rows: readonly Row[], quick: boolean): Table[] {
  return [...cpuTables(rows), ...ttftTables(rows), ...memoryTables(rows, quick), ...concurrentTables(rows), ...toolsTables(rows), ...sseServerTables(rows), ...healTables(rows)];
}

/** Aligned plain text: text columns left, figures right. */
export function renderText(table: Table): string {
  const all = [table.head, ...table.rows];
  const widths = table.head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 2 && table.head[1] === "library" ? cell.padEnd(widths[i]!) : i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [table.title, line(table.head), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join("\n");
}

export function renderMarkdown(table: Table): string {
  const align = table.head.map((_, i) => (i === 0 || (i === 1 && table.head[1] === "library") ? ":--" : "--:"));
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [`### ${table.title}`, "", line(table.head), line(align), ...table.rows.map(line), "", table.note ?? ""].join("\n");
}
