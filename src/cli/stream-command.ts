import { Agent } from "../agent/agent.js";
import { validateAgentOptions, type AgentOptions } from "../agent/options.js";
import { apiKeyEnvFor, baseUrlEnvFor, detectProvider, listProviders, providerFromEnvironment } from "../providers/registry.js";
import { ConfigurationError, StreamInterruptedError } from "../stream/errors.js";
import { DEFAULT_PROMPT, type ProviderArgs, type StreamArgs } from "./args.js";
import { demoTools } from "./demo-tools.js";
import { ChunkRenderer, formatStatus, type Output, type StreamStats } from "./render.js";
import { isListening, startLocalEmulator, type LocalEmulator } from "./local-emulator.js";

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

const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** Streams one answer to stdout, with a status line on stderr. */
export async function runStream(args: StreamArgs, io: CliIO): Promise<number> {
  const call: AgentOptions = {};
  if (args.system !== undefined) call.instructions = args.system;
  if (args.temperature !== undefined) call.temperature = args.temperature;
  if (args.maxTokens !== undefined) call.maxTokens = args.maxTokens;
  if (args.thinking) call.thinking = true;
  if (args.tools === true) call.tools = demoTools();
  if (args.recover === true) call.recover = "continue";
  const { agentOptions, emulator } = await resolveAgentOptions(args, io, call);
  try {
    const agent = new Agent(agentOptions);
    // The built-in prompt is not on the command line: show it, so the answer has its question.
    if (args.prompt === DEFAULT_PROMPT) io.stderr.write(dim(io.stderr, `> ${args.prompt}`));
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
      if (!interruptedByUser) failure = failureMessage(error, agent.getProviderInfo());
    }
    stats.endedAt = performance.now();
    renderer.finish();
    if (failure !== undefined) io.stderr.write(`agenticraft: ${failure}\n`);
    io.stderr.write(dim(io.stderr, formatStatus(stats)));
    return code;
  } finally {
    await emulator?.close();
  }
}

/** Where a command's answers come from: the agent's options, and whether the built-in emulator serves them. */
export interface ProviderPlan {
  agentOptions: AgentOptions;
  provider: string;
  /** Why the built-in emulator serves the answers and how to reach a real provider instead; undefined: it does not. */
  emulatorHint: string | undefined;
}

/**
 * Works out the provider and whether the built-in emulator stands in for it, validating every option first, so
 * a usage error comes before anything is printed or started. The emulator serves when `--offline` is given, when
 * OpenAI or Anthropic have no key and no base URL (flag or variable), and when Ollama has no OLLAMA_HOST, no
 * `--base-url`, and nothing answers on its default port.
 */
export async function planProvider(args: ProviderArgs, env: NodeJS.ProcessEnv, extra: AgentOptions = {}): Promise<ProviderPlan> {
  let provider = args.provider;
  if (provider === undefined && args.model !== undefined) {
    provider = detectProvider(args.model);
    if (provider === undefined) {
      // As the library does for a model name no provider claims.
      throw new ConfigurationError("model", `${JSON.stringify(args.model)} names no provider agenticraft knows; pass --provider (one of: ${listProviders().join(", ")})`);
    }
  }
  provider ??= providerFromEnvironment(env);
  if (!listProviders().includes(provider)) {
    throw new ConfigurationError("provider", `unknown provider "${provider}"; choose one of: ${listProviders().join(", ")}`);
  }
  const agentOptions: AgentOptions = { ...extra, provider };
  if (args.model !== undefined) agentOptions.model = args.model;
  if (args.timeout !== undefined) agentOptions.timeout = args.timeout;
  if (args.baseUrl !== undefined) agentOptions.baseUrl = args.baseUrl;
  if (args.api !== undefined) {
    if (provider !== "openai") throw new ConfigurationError("--api", `only the openai provider has more than one API, not ${provider}`);
    agentOptions.providerOptions = { ...agentOptions.providerOptions, api: args.api };
  }
  if (args.fallback !== undefined) agentOptions.fallbacks = args.fallback.map(parseFallback);
  validateAgentOptions(agentOptions);
  return { agentOptions, provider, emulatorHint: await emulatorHint(provider, args, env) };
}

/** `--fallback provider:model` (the model may hold colons, e.g. llama3.2:1b; without one, the provider's default). */
function parseFallback(value: string): { provider: string; model?: string } {
  const colon = value.indexOf(":");
  const provider = colon < 0 ? value : value.slice(0, colon);
  const model = colon < 0 ? "" : value.slice(colon + 1);
  if (!listProviders().includes(provider)) {
    throw new ConfigurationError("--fallback", `${JSON.stringify(value)} names no provider agenticraft knows; use provider:model with one of: ${listProviders().join(", ")}`);
  }
  return model === "" ? { provider } : { provider, model };
}

async function emulatorHint(provider: string, args: ProviderArgs, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (args.offline) return "drop --offline to use a real provider";
  if (args.baseUrl !== undefined) return undefined;
  const baseUrlEnv = baseUrlEnvFor(provider);
  if (baseUrlEnv !== undefined && env[baseUrlEnv]) return undefined;
  const keyEnv = apiKeyEnvFor(provider);
  if (keyEnv !== undefined) return env[keyEnv] ? undefined : `set ${keyEnv} or pass --base-url to use a real provider`;
  if (provider === "ollama" && !(await isListening("127.0.0.1", OLLAMA_PORT))) {
    return `nothing answers on 127.0.0.1:${OLLAMA_PORT}; to use a real Ollama, start it (ollama serve) or set OLLAMA_HOST or --base-url`;
  }
  return undefined;
}

const OLLAMA_PORT = 11434;

/**
 * Plans the provider (see {@link planProvider}) and starts the built-in emulator when it stands in, saying so on
 * stderr. `extra` holds the command's own agent options (instructions, temperature, …), validated with the rest.
 */
export async function resolveAgentOptions(
  args: ProviderArgs,
  io: Pick<CliIO, "env" | "stderr">,
  extra: AgentOptions = {},
): Promise<{ agentOptions: AgentOptions; emulator: LocalEmulator | undefined; mainOnEmulator: boolean }> {
  const plan = await planProvider(args, io.env, extra);
  const fallbacks = await fallbacksOnEmulator(plan.agentOptions, args, io.env);
  const mainOnEmulator = plan.emulatorHint !== undefined;
  if (!mainOnEmulator && fallbacks === undefined) return { agentOptions: plan.agentOptions, emulator: undefined, mainOnEmulator };
  const emulator = await startLocalEmulator();
  const agentOptions: AgentOptions = { ...plan.agentOptions };
  if (fallbacks !== undefined) {
    agentOptions.fallbacks = fallbacks.map(({ entry, onEmulator }) => (onEmulator ? { ...entry, baseUrl: emulator.baseUrlFor(entry.provider as string), apiKey: "emulator" } : entry));
  }
  if (plan.emulatorHint === undefined) return { agentOptions, emulator, mainOnEmulator };
  Object.assign(agentOptions, { baseUrl: emulator.baseUrlFor(plan.provider), apiKey: "emulator" });
  io.stderr.write(`agenticraft: streaming from the built-in emulator at ${emulator.url} (${plan.provider} protocol, no network); ${plan.emulatorHint}\n`);
  return { agentOptions, emulator, mainOnEmulator };
}

/** Each `--fallback` and whether the built-in emulator stands in for it (by the same rules as the provider's); undefined when none does. */
async function fallbacksOnEmulator(options: AgentOptions, args: ProviderArgs, env: NodeJS.ProcessEnv) {
  const entries = options.fallbacks ?? [];
  const planned = await Promise.all(
    entries.map(async (entry) => ({ entry, onEmulator: (await emulatorHint(entry.provider as string, { offline: args.offline }, env)) !== undefined })),
  );
  return planned.some((p) => p.onEmulator) ? planned : undefined;
}

/** The error's message, with what to do when nothing answers at the provider's address. */
function failureMessage(error: unknown, info: { provider: string; baseUrl: string | undefined }): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!isConnectionFailure(error)) return message;
  const where = info.baseUrl ?? "its address";
  const fix =
    info.provider === "ollama"
      ? "start Ollama (ollama serve), set OLLAMA_HOST or --base-url to where it runs, or pass --offline for the built-in emulator"
      : `check --base-url${baseUrlEnvFor(info.provider) === undefined ? "" : ` and ${baseUrlEnvFor(info.provider)}`}, or pass --offline for the built-in emulator`;
  return `${message}\n  nothing answers at ${where}: ${fix}`;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

function isConnectionFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  }
  return false;
}

function dim(out: Output, line: string): string {
  return out.isTTY ? `${DIM}${line}${RESET}\n` : `${line}\n`;
}
