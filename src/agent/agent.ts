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
import { ConversationHistory } from "./history.js";
import { validateAgentOptions, validateCallSettings, type AgentOptions, type CallSettings } from "./options.js";
import { runAgent, type RunResult } from "./run.js";
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
}

/** Options of `agent.setProvider`. */
export type SetProviderOptions = Omit<AgentOptions, "provider" | "name" | "instructions" | "tools">;

/** An LLM agent whose answers stream as typed chunks. */
export class Agent {
  readonly name: string;
  #options: AgentOptions;
  #provider: Provider;
  #model: string;
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
    });
    return run.onComplete((result) => history.addTurn(result.turn));
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
    };
  }

  /** Switches provider (and model); on any error the agent keeps its previous provider. */
  setProvider(provider: string | Provider, options: SetProviderOptions = {}): void {
    const next: AgentOptions = { ...this.#options, ...options, provider };
    // A model that belonged to the old provider would be wrong for the new one unless given again.
    if (options.model === undefined) delete next.model;
    if (typeof provider === "string" && options.apiKey === undefined) delete next.apiKey;
    if (options.baseUrl === undefined) delete next.baseUrl;
    validateAgentOptions(next);
    const resolved = resolveProvider(next); // throws before anything changes
    this.#options = next;
    this.#provider = resolved.provider;
    this.#model = resolved.model;
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
    if (typeof prompt !== "string" || prompt.length === 0) {
      throw new ConfigurationError("prompt", "must be a non-empty string");
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
