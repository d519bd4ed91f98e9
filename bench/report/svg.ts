/** chart.svg, written by hand (no dependency): bars of CPU µs per chunk per client, and memory growth. */
import type { Role, Row } from "../lib/types.js";
import { MEMORY_SIZES } from "../scenarios/memory.js";
import { sizeName } from "./tables.js";

const WIDTH = 760;
const LABEL = 230;
const BAR_H = 16;
const GAP = 6;
const COLORS: Record<Role, string> = { floor: "#6b7280", raw: "#9ca3af", ours: "#2563eb", peer: "#f59e0b" };

interface Bar {
  label: string;
  value: number;
  role: Role;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One titled panel of horizontal bars starting at `top`; returns its markup and height. */
function panel(title: string, bars: Bar[], unit: string, top: number): { svg: string; height: number } {
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const span = WIDTH - LABEL - 90;
  let y = top + 28;
  const parts = [`<text x="10" y="${top + 16}" class="title">${esc(title)}</text>`];
  for (const bar of bars) {
    const w = Math.max(1, (Math.max(0, bar.value) / max) * span);
    parts.push(
      `<text x="${LABEL - 8}" y="${y + 12}" text-anchor="end">${esc(bar.label)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[bar.role]}"/>`,
      `<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 12}">${bar.value.toFixed(bar.value >= 100 ? 0 : 1)} ${unit}</text>`,
    );
    y += BAR_H + GAP;
  }
  return { svg: parts.join("\n"), height: y - top + 10 };
}

export function drawChart(rows: readonly Row[], quick: boolean): string {
  const panels: Array<(top: number) => { svg: string; height: number }> = [];
  const cpu = rows.filter((r) => r.scenario === "cpu" && r.errors.length === 0);
  if (cpu.length > 0) {
    const bars = cpu.map((r) => ({ label: `${r.protocol} · ${r.name}`, value: r.metrics.cpuUsPerChunk!, role: r.role }));
    panels.push((top) => panel(`CPU µs per chunk, ${sizeName(cpu[0]!.variant)}-chunk stream (lower is better)`, bars, "µs", top));
  }
  const sizes = (quick ? MEMORY_SIZES.quick : MEMORY_SIZES.full).map(String);
  const small = sizes[0]!;
  const large = sizes[sizes.length - 1]!;
  const mem = rows.filter((r) => r.scenario === "memory" && r.variant === large && r.errors.length === 0);
  const bars = mem.flatMap((b) => {
    const a = rows.find((r) => r.scenario === "memory" && r.client === b.client && r.variant === small && r.errors.length === 0);
    return a === undefined ? [] : [{ label: `${b.protocol} · ${b.name}`, value: b.metrics.rssGrowthMB! - a.metrics.rssGrowthMB!, role: b.role }];
  });
  if (bars.length > 0) {
    panels.push((top) => panel(`RSS growth from ${sizeName(small)} to ${sizeName(large)} chunks, MB (lower is better)`, bars, "MB", top));
  }
  let top = 0;
  const body: string[] = [];
  for (const draw of panels) {
    const { svg, height } = draw(top);
    body.push(svg);
    top += height + 10;
  }
  const legend = (Object.keys(COLORS) as Role[]).map(
    (role, i) => `<rect x="${10 + i * 110}" y="${top}" width="12" height="12" fill="${COLORS[role]}"/><text x="${28 + i * 110}" y="${top + 11}">${role === "ours" ? "agenticraft" : role}</text>`,
  );
  const height = top + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<style>text { fill: #111827 } .title { font-weight: 600; font-size: 13px }</style>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}
