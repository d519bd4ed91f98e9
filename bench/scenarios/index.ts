/** The scenario registry: adding a scenario = one module + one line (and, for a target, a line in targets.ts). */
import { concurrent } from "./concurrent.js";
import { cpu } from "./cpu.js";
import { heal } from "./heal.js";
import { memory } from "./memory.js";
import { sseServer } from "./sse-server.js";
import type { Scenario } from "./scenario.js";
import { tools } from "./tools.js";
import { ttft } from "./ttft.js";

export const SCENARIOS: readonly Scenario[] = [cpu, ttft, memory, concurrent, tools, sseServer, heal];

export function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  return scenario;
}
