import { readFileSync } from "node:fs";
import { Agent } from "../agent/agent.js";
import { ConfigurationError } from "../stream/errors.js";
import { HELP, parseCommand, type Command } from "./args.js";
import { EXIT, resolveAgentOptions, runStream, type CliIO } from "./stream-command.js";

/** Runs one command line; returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.stderr.write(`agenticraft: ${error instanceof Error ? error.message : String(error)}\nRun agenticraft --help for usage.\n`);
    return EXIT.usage;
  }
  try {
    switch (command.name) {
      case "help":
        io.stdout.write(HELP);
        return EXIT.ok;
      case "version":
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT.ok;
      case "stream":
        return await runStream(command.args, io);
      case "info":
        return await runInfo(command.args, io);
      case "emulator":
        return await runEmulator(command, io);
      case "serve":
        return await (await import("./serve-command.js")).runServe(command.args, io);
    }
  } catch (error) {
    io.stderr.write(`agenticraft: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof ConfigurationError ? EXIT.usage : EXIT.failure;
  }
}

async function runInfo(args: Extract<Command, { name: "info" }>["args"], io: CliIO): Promise<number> {
  const { agentOptions, emulator } = await resolveAgentOptions(args, io);
  try {
    const info = new Agent(agentOptions).getProviderInfo();
    const rows = Object.entries(info).map(([key, value]) => `${key.padEnd(18)} ${value === undefined ? "-" : String(value)}`);
    io.stdout.write(`${rows.join("\n")}\n`);
    return EXIT.ok;
  } finally {
    await emulator?.close();
  }
}

async function runEmulator(command: Extract<Command, { name: "emulator" }>, io: CliIO): Promise<number> {
  const { startEmulator } = await import("../emulator/index.js");
  const server = await startEmulator({
    host: command.host,
    port: command.port,
    ...(command.ttftMs === undefined ? {} : { ttftMs: command.ttftMs }),
    ...(command.tps === undefined ? {} : { tps: command.tps }),
  });
  io.stdout.write(
    `agenticraft emulator listening on ${server.url}\n` +
      `  OpenAI     baseUrl ${server.openaiBaseUrl}\n` +
      `  Anthropic  baseUrl ${server.url}\n` +
      `  Ollama     baseUrl ${server.url}\n` +
      `Press Ctrl-C to stop.\n`,
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
