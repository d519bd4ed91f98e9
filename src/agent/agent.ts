import type { ChunkStream } from "../stream/chunk-stream.js";
import { ConfigurationError } from "../stream/errors.js";
import type { ChatMessage, Provider, ProviderRequest, ToolDefinition } from "../providers/provider.js";
import {
  createProvider,
  DEFAULT_MODEL,
  defaultModelFor,
  detectProvider,
  listProviders,
  stripProviderPrefix,
} from "../providers/registry.js";
import { missingApiKeyMessage } from "../providers/common.js";
import { ConversationHistory } from "./history.js";
import { validateAgentOptions, validateCallSettings, type AgentOptions, type CallSettings, type FallbackOptions } from "./options.js";
import { runAgent, type RunResult, type StepHealing } from "./run.js";
import { toAgentTools, toDefinition, type AgentTool } from "./tools.js";

/**
 * What `agent.arun` returns and what a finished `agent.stream` holds in `result`: the last model call's answer
 * (its `usage` summed over the run), every step the run took, and the turn it added to the history.
 */
export type AgentResponse = RunResult;

/** Default of `maxSteps`: model calls per run. */
export const DEFAULT_MAX_STEPS = 5;

/** What `agent.getProviderInfo()` reports. */
export interface ProviderInfo {
  provider: string;
  model: string;
  supportsStreaming: boolean;
  supportsTools: boolean;
  supportsThinking: boolean;
  timeout: number;
  maxRetries: number;
  temperature: number | undefined;
  maxTokens: number | undefined;
  baseUrl: string | undefined;
  /** Whether a request will carry an API key (the `apiKey` option or the provider's variable, read now). */
  hasApiKey: boolean;
  /** Whether the provider refuses a request without a key (the official OpenAI and Anthropic APIs). */
  apiKeyRequired: boolean;
  /** The failover chain after this provider, in order ([] without `fallbacks`). */
  fallbacks: Array<{ provider: string; model: string }>;
  /** Whether a broken stream is continued by default. */
  recover: "continue" | "off";
}

/** Options of `agent.setProvider`. */
export type SetProviderOptions = Omit<AgentOptions, "provider" | "name" | "instructions" | "tools">;

/** An LLM agent whose answers stream as typed chunks. */
export class Agent {
  readonly name: string;
  #options: AgentOptions;
  #provider: Provider;
  #model: string;
  /** The resolved `fallbacks`, in order. */
  #fallbacks: Array<{ provider: Provider; model: string }>;
  readonly #history = new ConversationHistory();
  readonly #tools: Map<string, AgentTool>;
  readonly #toolDefinitions: ToolDefinition[];

  constructor(options: AgentOptions = {}) {
    validateAgentOptions(options);
    this.name = options.name ?? "Agent";
    this.#options = { ...options };
    this.#tools = new Map(toAgentTools(options.tools ?? []).map((t) => [t.name, t]));
    this.#toolDefinitions = [...this.#tools.values()].map(toDefinition);
    const { provider, model } = resolveProvider(options);
    this.#provider = provider;
    this.#model = model;
    this.#fallbacks = resolveFallbacks(options);
    // A warning, not an error: an agent is often built before the environment is loaded (at import, before a
    // dotenv call), and the key is read again at each request; the request itself fails clearly if it is still missing.
    for (const p of [provider, ...this.#fallbacks.map((f) => f.provider)]) {
      const missing = missingKey(p);
      if (missing !== undefined) warnOnce(missing);
    }
  }

  /**
   * Streams the answer to `prompt` as one run: model calls and the tools they ask for, one stream of chunks
   * (each with `metadata.step`) ending in one `final` chunk. The plain loop over `chunk.content` prints exactly
   * the answer text. The turn joins the history when the run completes; a broken run leaves it as it was.
   */
  stream(prompt: string, settings: CallSettings = {}): ChunkStream<AgentResponse> {
    return this.#run(prompt, settings, true);
  }

  /** Runs the same loop without streaming (each model call a plain completion) and returns the final answer with its steps. */
  async arun(prompt: string, settings: CallSettings = {}): Promise<AgentResponse> {
    const run = this.#run(prompt, settings, false);
    for await (const _ of run) {
      // the chunks of a completion-based run are only its answer taken apart; the result is what counts
    }
    return run.result!;
  }

  #run(prompt: string, settings: CallSettings, streaming: boolean): ChunkStream<AgentResponse> {
    const request = this.#prepare(prompt, settings);
    const history = this.#history;
    const run = runAgent({
      provider: this.#provider,
      request,
      tools: this.#tools,
      maxSteps: this.#options.maxSteps ?? DEFAULT_MAX_STEPS,
      streaming,
      ...(settings.signal === undefined ? {} : { signal: settings.signal }),
      ...this.#healing(settings),
    });
    return run.onComplete((result) => history.addTurn(result.turn));
  }

  /** Healing of each model call when `recover` or `fallbacks` asks for it; nothing (the plain path) otherwise. */
  #healing(settings: CallSettings): { heal?: StepHealing } {
    const o = this.#options;
    const continueBroken = (settings.recover ?? o.recover) === "continue";
    if (!continueBroken && this.#fallbacks.length === 0) return {};
    const heal: StepHealing = { fallbacks: this.#fallbacks, continueBroken };
    if (o.maxRecoveryAttempts !== undefined) heal.maxAttempts = o.maxRecoveryAttempts + 1;
    if (o.maxRecoveryMs !== undefined) heal.maxRecoveryMs = o.maxRecoveryMs;
    return { heal };
  }

  /** The provider, the model and what they can do. */
  getProviderInfo(): ProviderInfo {
    const p = this.#provider;
    return {
      provider: p.name,
      model: this.#model,
      supportsStreaming: p.supportsStreaming,
      supportsTools: p.supportsTools,
      supportsThinking: p.supportsThinking,
      timeout: p.settings.timeout,
      maxRetries: p.settings.maxRetries,
      temperature: this.#options.temperature,
      maxTokens: this.#options.maxTokens,
      baseUrl: p.settings.baseUrl,
      hasApiKey: p.settings.hasApiKey === true,
      apiKeyRequired: p.settings.apiKeyRequired === true,
      fallbacks: this.#fallbacks.map((f) => ({ provider: f.provider.name, model: f.model })),
      recover: this.#options.recover ?? "off",
    };
  }

  /**
   * Switches provider; on any error the agent keeps its previous provider. What it keeps and resets:
   * - kept unless given: instructions, tools, history, temperature, maxTokens, thinking, timeout, maxRetries;
   * - the same provider again (same name, or the same object): model, apiKey, baseUrl and providerOptions are kept too;
   * - another provider: model, apiKey, baseUrl and providerOptions reset to the new provider's own defaults (its
   *   default model, its key and base-URL variables) unless given, since the old ones belong to the old provider.
   * A provider that needs a key and has none is an error here (`ConfigurationError` naming apiKey), unlike at
   * construction: the switch happens at run time, where failing now keeps a working agent.
   */
  setProvider(provider: string | Provider, options: SetProviderOptions = {}): void {
    const next: AgentOptions = { ...this.#options, ...options, provider };
    const same = typeof provider === "string" ? provider === this.#provider.name : provider === this.#provider;
    if (!same) {
      for (const key of ["model", "apiKey", "baseUrl", "providerOptions"] as const) if (options[key] === undefined) delete next[key];
    } else if (options.model === undefined) {
      next.model = this.#model;
    }
    validateAgentOptions(next);
    const resolved = resolveProvider(next); // throws before anything changes
    const fallbacks = resolveFallbacks(next);
    const missing = missingKey(resolved.provider);
    if (missing !== undefined) throw new ConfigurationError("apiKey", `${missing}; the agent keeps ${this.#provider.name}`);
    this.#options = next;
    this.#provider = resolved.provider;
    this.#model = resolved.model;
    this.#fallbacks = fallbacks;
  }

  /** Names of the providers an agent can use. */
  listAvailableProviders(): string[] {
    return listProviders();
  }

  /** The conversation so far (system instructions are not part of it). */
  get history(): readonly ChatMessage[] {
    return this.#history.messages;
  }

  /** Forgets the conversation; the instructions stay. */
  clearHistory(): void {
    this.#history.clear();
  }

  #prepare(prompt: string, settings: CallSettings): ProviderRequest {
    if (typeof prompt !== "string" || prompt.trim().length === 0) {
      throw new ConfigurationError("prompt", `must be a non-blank string, got ${typeof prompt === "string" ? JSON.stringify(prompt.slice(0, 40)) : typeof prompt}`);
    }
    validateCallSettings(settings);
    const o = this.#options;
    const messages: ChatMessage[] = [];
    if (o.instructions) messages.push({ role: "system", content: o.instructions });
    messages.push(...this.#history.messages, { role: "user", content: prompt });
    const request: ProviderRequest = { model: this.#model, messages };
    const temperature = settings.temperature ?? o.temperature;
    const maxTokens = settings.maxTokens ?? o.maxTokens;
    const thinking = settings.thinking ?? o.thinking;
    if (temperature !== undefined) request.temperature = temperature;
    if (maxTokens !== undefined) request.maxTokens = maxTokens;
    if (thinking !== undefined) request.thinking = thinking;
    if (this.#toolDefinitions.length > 0) request.tools = this.#toolDefinitions;
    return request;
  }
}

function resolveProvider(options: AgentOptions): { provider: Provider; model: string } {
  if (typeof options.provider === "object") {
    return { provider: options.provider, model: options.model ?? DEFAULT_MODEL };
  }
  let name = options.provider;
  if (name === undefined) {
    const model = options.model ?? DEFAULT_MODEL;
    name = detectProvider(model);
    if (name === undefined) {
      throw new ConfigurationError(
        "model",
        `cannot tell which provider serves "${model}"; pass provider (one of: ${listProviders().join(", ")})`,
      );
    }
  }
  const model = stripProviderPrefix(options.model ?? defaultModelFor(name) ?? DEFAULT_MODEL);
  const factoryOptions: Record<string, unknown> = { ...options.providerOptions };
  for (const key of ["apiKey", "baseUrl", "timeout", "maxRetries"] as const) {
    if (options[key] !== undefined) factoryOptions[key] = options[key];
  }
  return { provider: createProvider(name, factoryOptions), model };
}

/** Each fallback resolved with the registry, with the agent's timeout and maxRetries; a bad one is a ConfigurationError naming `fallbacks[i]`. */
function resolveFallbacks(options: AgentOptions): Array<{ provider: Provider; model: string }> {
  return (options.fallbacks ?? []).map((entry: FallbackOptions, i) => {
    const own: AgentOptions = { provider: entry.provider };
    for (const key of ["model", "apiKey", "baseUrl", "providerOptions"] as const) if (entry[key] !== undefined) (own as Record<string, unknown>)[key] = entry[key];
    for (const key of ["timeout", "maxRetries"] as const) if (options[key] !== undefined) own[key] = options[key];
    try {
      return resolveProvider(own);
    } catch (error) {
      const problem = error instanceof ConfigurationError ? `${error.option}: ${error.message.replace(/^Invalid option "[^"]*": /, "")}` : (error as Error).message;
      throw new ConfigurationError(`fallbacks[${i}]`, problem, { cause: error });
    }
  });
}

/** The missing-key message for a provider that needs a key and has none, else undefined. */
function missingKey(provider: Provider): string | undefined {
  const { apiKeyRequired, hasApiKey, apiKeyEnv } = provider.settings;
  return apiKeyRequired === true && hasApiKey !== true ? missingApiKeyMessage(provider.name, apiKeyEnv) : undefined;
}

const warned = new Set<string>();

/** One process warning per message (code AGENTICRAFT_NO_API_KEY), so many agents do not repeat it. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`${message} (the first request will fail without it)`, { code: "AGENTICRAFT_NO_API_KEY" });
}
