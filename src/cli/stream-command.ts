import { Agent } from "../agent/agent.js";
import type { AgentOptions } from "../agent/options.js";
import { apiKeyEnvFor, detectProvider, providerFromEnvironment } from "../providers/registry.js";
import { StreamInterruptedError } from "../stream/errors.js";
import type { StreamArgs } from "./args.js";
import { demoTools } from "./demo-tools.js";
import { ChunkRenderer, formatStatus, type Output, type StreamStats } from "./render.js";
import { startLocalEmulator, type LocalEmulator } from "./local-emulator.js";

/** What a command reads and writes; main.ts passes the process's, tests may pass their own. */
export interface CliIO {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** Exit codes: 0 done, 1 provider or stream failure, 2 bad usage, 130 interrupted by Ctrl-C (128 + SIGINT). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Streams one answer to stdout, with a status line on stderr. */
export async function runStream(args: StreamArgs, io: CliIO): Promise<number> {
  const { agentOptions, emulator } = await resolveAgentOptions(args, io);
  try {
    const agent = new Agent({
      ...agentOptions,
      ...(args.system === undefined ? {} : { instructions: args.system }),
      ...(args.temperature === undefined ? {} : { temperature: args.temperature }),
      ...(args.maxTokens === undefined ? {} : { maxTokens: args.maxTokens }),
      ...(args.thinking ? { thinking: true } : {}),
      ...(args.tools === true ? { tools: demoTools() } : {}),
    });
    const renderer = new ChunkRenderer(io.stdout, args.json);
    const stats: StreamStats = { startedAt: performance.now(), firstChunkAt: undefined, endedAt: 0, chunks: 0, usage: undefined, outcome: "done" };
    let code: number = EXIT.ok;
    let failure: string | undefined;
    try {
      for await (const chunk of agent.stream(args.prompt, { signal: io.signal })) {
        stats.firstChunkAt ??= performance.now();
        stats.chunks++;
        if (chunk.isFinal && chunk.metadata.usage !== undefined) stats.usage = chunk.metadata.usage;
        renderer.render(chunk);
      }
    } catch (error) {
      const interruptedByUser = io.signal.aborted && error instanceof StreamInterruptedError && error.reason === "aborted";
      stats.outcome = interruptedByUser ? "interrupted" : "failed";
      code = interruptedByUser ? EXIT.interrupted : EXIT.failure;
      if (!interruptedByUser) failure = error instanceof Error ? error.message : String(error);
    }
    stats.endedAt = performance.now();
    renderer.finish();
    if (failure !== undefined) io.stderr.write(`agenticraft: ${failure}\n`);
    io.stderr.write(`${io.stderr.isTTY ? "\x1b[2m" : ""}${formatStatus(stats)}${io.stderr.isTTY ? "\x1b[0m" : ""}\n`);
    return code;
  } finally {
    await emulator?.close();
  }
}

/**
 * Picks the provider, and the built-in emulator when there is no key and no --base-url (or with --offline).
 * The emulator speaks each provider's real protocol, so the same provider code runs either way.
 */
export async function resolveAgentOptions(
  args: Omit<StreamArgs, "prompt" | "json" | "thinking">,
  io: Pick<CliIO, "env" | "stderr">,
): Promise<{ agentOptions: AgentOptions; emulator: LocalEmulator | undefined }> {
  const provider = args.provider ?? (args.model === undefined ? undefined : detectProvider(args.model)) ?? providerFromEnvironment(io.env);
  const options: AgentOptions = { provider };
  if (args.model !== undefined) options.model = args.model;
  if (args.timeout !== undefined) options.timeout = args.timeout;
  if (args.baseUrl !== undefined) options.baseUrl = args.baseUrl;
  const keyEnv = apiKeyEnvFor(provider);
  const hasKey = keyEnv !== undefined && Boolean(io.env[keyEnv]);
  const useEmulator = args.offline || (args.baseUrl === undefined && keyEnv !== undefined && !hasKey);
  if (!useEmulator) return { agentOptions: options, emulator: undefined };
  const emulator = await startLocalEmulator();
  options.baseUrl = emulator.baseUrlFor(provider);
  options.apiKey = "emulator";
  const hint = args.offline ? "drop --offline" : `set ${keyEnv ?? "an API key"} or pass --base-url`;
  io.stderr.write(`agenticraft: streaming from the built-in emulator at ${emulator.url} (${provider} protocol, no network); ${hint} to use a real provider\n`);
  return { agentOptions: options, emulator };
}
