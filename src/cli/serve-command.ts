/**
 * `agenticraft serve`: the SSE endpoints and the playground on one port.
 *
 * Provider flags work as for `stream` (no key and no --base-url: the built-in emulator). The store is in
 * memory, or Redis Streams when REDIS_URL is set, so several instances can resume and stop each other's
 * streams. Tuning without flags, for tests and operators: AGENTICRAFT_REDIS_PREFIX, AGENTICRAFT_ABANDON_AFTER_MS,
 * AGENTICRAFT_PRODUCER_GRACE_MS.
 */
import { Agent } from "../agent/agent.js";
import type { AgentOptions } from "../agent/options.js";
import { detectProvider } from "../providers/registry.js";
import type { StreamChunk } from "../stream/chunk.js";
import { ConfigurationError } from "../stream/errors.js";
import { createServeApp, type StreamRequest } from "../web/serve/app.js";
import { listen } from "../web/serve/listen.js";
import { createStreams } from "../web/serve/streams.js";
import type { ServeArgs } from "./args.js";
import { demoTools } from "./demo-tools.js";
import { EXIT, resolveAgentOptions, type CliIO } from "./stream-command.js";

/** Runs the server until Ctrl-C (the io signal); returns the exit code. */
export async function runServe(args: ServeArgs, io: CliIO): Promise<number> {
  const { agentOptions: resolved, emulator, mainOnEmulator } = await resolveAgentOptions(args, io);
  const agentOptions: AgentOptions = {
    ...resolved,
    ...(args.system === undefined ? {} : { instructions: args.system }),
    ...(args.temperature === undefined ? {} : { temperature: args.temperature }),
    ...(args.maxTokens === undefined ? {} : { maxTokens: args.maxTokens }),
    ...(args.thinking ? { thinking: true } : {}),
    ...(args.tools === true ? { tools: demoTools() } : {}),
    ...(args.recover === true ? { recover: "continue" as const } : {}),
  };
  const streams = await createStreams(io.env);
  try {
    const app = createServeApp({ streams: streams.streams, prepare: (request) => prepareCall(agentOptions, request, mainOnEmulator ? emulator : undefined) });
    const server = await listen(app.fetch, { port: args.port ?? 8787, host: args.host ?? "127.0.0.1" });
    io.stdout.write(
      `agenticraft serve listening on ${server.url}\n` +
        `  playground  ${server.url}/\n` +
        `  store       ${streams.description}\n` +
        `Press Ctrl-C to stop.\n`,
    );
    if (!io.signal.aborted) await new Promise<void>((resolve) => io.signal.addEventListener("abort", () => resolve(), { once: true }));
    await server.close();
    return EXIT.ok;
  } finally {
    await streams.close();
    await emulator?.close();
  }
}

/**
 * The agent for one request: the server's options, with the request's provider and model when given. On the
 * built-in emulator any of its protocols may be asked for; otherwise a different provider takes its key from
 * the environment as `stream` does, and --base-url applies only to the provider it was given for.
 */
export function prepareCall(
  base: AgentOptions,
  request: StreamRequest,
  emulator: { baseUrlFor(provider: string): string } | undefined,
): (signal: AbortSignal) => AsyncIterable<StreamChunk> {
  const provider = request.provider ?? (request.model === undefined ? undefined : detectProvider(request.model)) ?? base.provider;
  let options: AgentOptions;
  if (provider === base.provider) {
    options = { ...base, ...(request.model === undefined ? {} : { model: request.model }) };
  } else {
    if (typeof provider !== "string") throw new ConfigurationError("provider", "must be a provider name");
    const { provider: _provider, model: _model, baseUrl: _baseUrl, apiKey: _apiKey, ...settings } = base;
    options = { ...settings, provider, ...(request.model === undefined ? {} : { model: request.model }) };
    if (emulator !== undefined && provider !== "mock") {
      options.baseUrl = emulator.baseUrlFor(provider);
      options.apiKey = "emulator";
    }
  }
  // Built now so a bad provider or model is a 400 before any stream exists; one agent per request, no shared history.
  const agent = new Agent(options);
  return (signal) => agent.stream(request.prompt, { signal });
}
