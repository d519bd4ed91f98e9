/**
 * One measurement in a fresh process (so no client's JIT state or heap affects another):
 *
 *     node --expose-gc child.js '<ChildSpec JSON>'
 *
 * Prints one line, REPORT_MARK + ChildReport JSON; anything else on stdout (a library's warning) is ignored.
 */
import { findClient } from "./clients/index.js";
import { EXT } from "./lib/paths.js";
import { REPORT_MARK, type ChildReport, type ChildSpec, type ClientModule } from "./lib/types.js";
import { findScenario } from "./scenarios/index.js";

async function main(): Promise<ChildReport> {
  const spec = JSON.parse(process.argv[2] ?? "") as ChildSpec;
  const entry = findClient(spec.client);
  const scenario = findScenario(spec.scenario);
  const client = (await import(new URL(`./clients/${entry.module.replace(/\.js$/, EXT)}`, import.meta.url).href)) as ClientModule;
  return scenario.measure(client, spec);
}

const report: ChildReport = await main().catch((error: unknown) => ({
  ok: false,
  error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  metrics: {},
}));
// Exit at once: an SDK's keep-alive sockets or timers must not keep the child alive.
process.stdout.write(`${REPORT_MARK}${JSON.stringify(report)}\n`, () => process.exit(0));
