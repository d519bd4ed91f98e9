import { readFileSync } from "node:fs";
import { Agent } from "../agent/agent.js";
import { apiKeyEnvFor } from "../providers/registry.js";
import { ConfigurationError } from "../stream/errors.js";
import { helpText, parseCommand, usageMessage, type Command, type ProviderArgs } from "./args.js";
import { EXIT, planProvider, runStream, type CliIO } from "./stream-command.js";

/** Runs one command line; returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    return usageError(error, io);
  }
  try {
    switch (command.name) {
      case "help":
        io.stdout.write(helpText(command.topic));
        return EXIT.ok;
      case "version":
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT.ok;
      case "stream":
        return await runStream(command.args, io);
      case "info":
        return await runInfo(command.args, io);
      case "emulator":
        return await runEmulator(command.args, io);
      case "serve":
        return await (await import("./serve-command.js")).runServe(command.args, io);
    }
  } catch (error) {
    // A ConfigurationError out of a command comes before it printed or started anything: bad usage.
    if (error instanceof ConfigurationError) return usageError(error, io);
    io.stderr.write(`agenticraft: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}

function usageError(error: unknown, io: CliIO): number {
  const message = error instanceof ConfigurationError ? usageMessage(error) : error instanceof Error ? error.message : String(error);
  io.stderr.write(`agenticraft: ${message}\nRun agenticraft --help for usage.\n`);
  return EXIT.usage;
}

/** What a stream would use, without starting anything: the built-in emulator is named, not started. */
async function runInfo(args: ProviderArgs, io: CliIO): Promise<number> {
  const plan = await planProvider(args, io.env);
  const emulated = plan.emulatorHint !== undefined;
  // A placeholder address and key, so the emulated case builds the same agent without a missing-key warning.
  const options = emulated ? { ...plan.agentOptions, baseUrl: "http://127.0.0.1/", apiKey: "emulator" } : plan.agentOptions;
  const info: Record<string, unknown> = { ...new Agent(options).getProviderInfo() };
  if (emulated) {
    info["baseUrl"] = `built-in emulator (${plan.emulatorHint})`;
    info["hasApiKey"] = false;
    info["apiKeyRequired"] = apiKeyEnvFor(plan.provider) !== undefined;
  }
  const rows = Object.entries(info).map(([key, value]) => `${key.padEnd(18)} ${value === undefined ? "-" : String(value)}`);
  io.stdout.write(`${rows.join("\n")}\n`);
  return EXIT.ok;
}

async function runEmulator(args: ProviderArgs, io: CliIO): Promise<number> {
  const { startEmulator } = await import("../emulator/index.js");
  const server = await startEmulator({
    host: args.host ?? "127.0.0.1",
    port: args.port ?? 4010,
    ...(args.ttftMs === undefined ? {} : { ttftMs: args.ttftMs }),
    ...(args.tps === undefined ? {} : { tps: args.tps }),
    ...(args.fault === undefined ? {} : { fault: args.fault }),
    ...(args.requireKey === undefined ? {} : { requireApiKey: args.requireKey }),
  });
  io.stdout.write(
    `agenticraft emulator listening on ${server.url}\n` +
      `  OpenAI     baseUrl ${server.openaiBaseUrl}\n` +
      `  Anthropic  baseUrl ${server.url}\n` +
      `  Ollama     baseUrl ${server.url}\n` +
      (args.fault === undefined ? "" : `  fault      ${args.fault} (every chat request; x-emulator-fault overrides it)\n`) +
      (args.requireKey === undefined ? "" : `  API key    required (401 without it)\n`) +
      `Faults, scripts and pacing per request: agenticraft emulator --help. Press Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => io.signal.addEventListener("abort", () => resolve(), { once: true }));
  await server.close();
  return EXIT.ok;
}

function packageVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** The process's own IO; Ctrl-C aborts the signal once, a second Ctrl-C exits at once. */
export function processIO(): CliIO {
  const controller = new AbortController();
  process.once("SIGINT", () => {
    controller.abort();
    process.once("SIGINT", () => process.exit(EXIT.interrupted));
  });
  process.once("SIGTERM", () => controller.abort());
  const stream = (s: NodeJS.WriteStream) => ({ write: (text: string) => void s.write(text), isTTY: s.isTTY === true });
  // A closed pipe (`agenticraft stream | head -1`) is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.ok);
  });
  return { stdout: stream(process.stdout), stderr: stream(process.stderr), env: process.env, signal: controller.signal };
}
