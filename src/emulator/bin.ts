/**
 * Runs the emulator as its own process (e.g. for a bench harness):
 *
 *     node --import tsx src/emulator/bin.ts [--port 0] [--host 127.0.0.1] [--ttft-ms 30] [--tps 200] [--bench-chunks N]
 *                                           [--fault ITEMS] [--require-key KEY] [--help]
 *
 * Prints exactly one line, `listening on http://HOST:PORT`, once it accepts connections (port 0 = a free
 * port), and stops cleanly on SIGTERM or SIGINT. Bad arguments: a message on stderr and exit code 2.
 */
import { parseArgs } from "node:util";
import { ConfigurationError } from "../stream/errors.js";
import { startEmulator } from "./server.js";
import type { EmulatorOptions, EmulatorServer } from "./types.js";

function numberArg(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^(inf|infinity)$/i.test(text) ? Infinity : Number(text);
  if (text.trim() === "" || Number.isNaN(value)) throw new TypeError(`--${name} must be a number, got "${text}"`);
  return value;
}

/** Options from the command line (throws a TypeError naming the bad argument). */
function optionsFromArgv(argv: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "ttft-ms": { type: "string" },
      tps: { type: "string" },
      "bench-chunks": { type: "string" },
      fault: { type: "string" },
      "require-key": { type: "string" },
    },
    strict: true,
  });
  const options: EmulatorOptions = {};
  const port = numberArg("port", values.port);
  const ttftMs = numberArg("ttft-ms", values["ttft-ms"]);
  const tps = numberArg("tps", values.tps);
  const benchChunks = numberArg("bench-chunks", values["bench-chunks"]);
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;
  if (ttftMs !== undefined) options.ttftMs = ttftMs;
  if (tps !== undefined) options.tps = tps;
  if (benchChunks !== undefined) options.benchChunks = benchChunks;
  if (values.fault !== undefined) options.fault = values.fault;
  if (values["require-key"] !== undefined) options.requireApiKey = values["require-key"];
  return options;
}

const USAGE = `Usage: emulator [--port 0] [--host 127.0.0.1] [--ttft-ms 30] [--tps 200] [--bench-chunks N]
                [--fault ITEMS] [--require-key KEY]
  --fault ITEMS      a fault for every chat request in x-emulator-fault's grammar (e.g. status=429,fail-first=1)
  --require-key KEY  answer 401 unless a request carries this key
Per-request headers (x-emulator-fault, x-emulator-reply, x-emulator-ttft-ms, x-emulator-tps, x-emulator-bench):
see \`agenticraft emulator --help\` and the README's "Emulator" section.
`;

async function main(): Promise<void> {
  if (process.argv.slice(2).some((arg) => arg === "--help" || arg === "-h")) {
    process.stdout.write(USAGE);
    return;
  }
  let options: EmulatorOptions;
  try {
    options = optionsFromArgv(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`emulator: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  let server: EmulatorServer;
  try {
    server = await startEmulator(options);
  } catch (error) {
    process.stderr.write(`emulator: ${(error as Error).message}\n`);
    process.exitCode = ConfigurationError.isInstance(error) ? 2 : 1;
    return;
  }
  const stop = () => {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    // close() ends active streams too, so the event loop empties and the process exits by itself.
    void server.close();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`listening on ${server.url}\n`);
}

await main();
