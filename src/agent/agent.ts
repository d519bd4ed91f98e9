import type { ChunkStream } from "../stream/chunk-stream.js";
import { ConfigurationError } from "../stream/errors.js";
import { streamFromCompletion } from "../providers/fallback.js";
import type { ChatMessage, CompletionResult, Provider, ProviderRequest } from "../providers/provider.js";
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

/** What `agent.arun` returns and what a finished `agent.stream` holds in `result`. */
export type AgentResponse = CompletionResult;

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

  constructor(options: AgentOptions = {}) {
    validateAgentOptions(options);
    this.name = options.name ?? "Agent";
    this.#options = { ...options };
    const { provider, model } = resolveProvider(options);
    this.#provider = provider;
    this.#model = model;
  }

  /**
   * Streams the answer to `prompt`; the plain loop over `chunk.content` prints exactly the answer text.
   * It is the provider's own stream (no extra layer per chunk); the turn joins the history when it completes.
   */
  stream(prompt: string, settings: CallSettings = {}): ChunkStream<AgentResponse> {
    const request = this.#prepare(prompt, settings);
    const provider = this.#provider;
    const options = settings.signal === undefined ? {} : { signal: settings.signal };
    const stream = provider.supportsStreaming ? provider.stream(request, options) : streamFromCompletion(provider, request, options);
    const history = this.#history;
    return stream.onComplete((result) => history.addTurn([lastMessage(request), assistantMessage(result)]));
  }

  /** Returns the whole answer to `prompt` at once (a plain completion, no streaming). */
  async arun(prompt: string, settings: CallSettings = {}): Promise<AgentResponse> {
    const request = this.#prepare(prompt, settings);
    const result = await this.#provider.complete(request, settings.signal === undefined ? {} : { signal: settings.signal });
    this.#history.addTurn([lastMessage(request), assistantMessage(result)]);
    return result;
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
    if (o.tools !== undefined && o.tools.length > 0) request.tools = o.tools;
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

function lastMessage(request: ProviderRequest): ChatMessage {
  const message = request.messages[request.messages.length - 1];
  if (message === undefined) throw new ConfigurationError("messages", "a request has at least one message");
  return message;
}

function assistantMessage(result: CompletionResult): ChatMessage {
  const message: ChatMessage = { role: "assistant", content: result.content };
  if (result.toolCalls.length > 0) message.toolCalls = result.toolCalls;
  if (result.thinking !== undefined || result.redactedThinking !== undefined) {
    message.thinking = { text: result.thinking ?? "" };
    if (result.thinkingSignature !== undefined) message.thinking.signature = result.thinkingSignature;
    if (result.redactedThinking !== undefined) message.thinking.redacted = result.redactedThinking;
  }
  return message;
}
