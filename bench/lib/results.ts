/** Folding a job's runs into one row of medians. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { clientId } from "../clients/index.js";
import type { Job } from "../scenarios/scenario.js";
import { BENCH_ROOT } from "./paths.js";
import { median } from "./stats.js";
import type { ChildReport, Row } from "./types.js";

/** The installed version of a package of bench/node_modules (agenticraft: the repo's own). */
export function versionOf(pkg: string): string {
  try {
    const json = JSON.parse(readFileSync(resolve(BENCH_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string };
    return json.version;
  } catch {
    return "?";
  }
}

export function aggregate(scenario: string, job: Job, reports: ChildReport[]): Row {
  const good = reports.filter((r) => r.ok);
  const names = new Set(good.flatMap((r) => Object.keys(r.metrics)));
  const metrics: Record<string, number> = {};
  for (const name of names) metrics[name] = median(good.map((r) => r.metrics[name]!).filter((v) => v !== undefined));
  const { client } = job;
  return {
    scenario,
    variant: job.variant,
    client: clientId(client),
    protocol: client.protocol,
    name: client.name,
    role: client.role,
    label: client.pkg === undefined ? "node:http" : `${client.pkg} ${versionOf(client.pkg)}`,
    runs: reports.length,
    errors: reports.filter((r) => !r.ok).map((r) => r.error ?? "failed"),
    metrics,
    samples: reports.map((r) => r.metrics),
  };
}
