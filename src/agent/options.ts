import { ConfigurationError } from "../stream/errors.js";
import type { Provider, ToolDefinition } from "../providers/provider.js";
import { toAgentTools, type AgentTool } from "./tools.js";

/** Options of `new Agent(options)`. */
export interface AgentOptions {
  /** A name for logs and UIs. */
  name?: string;
  /** The system prompt. */
  instructions?: string;
  /** The model; when `provider` is omitted, the provider is detected from it. */
  model?: string;
  /** A registered provider name ("openai", "anthropic", "ollama", "mock", …) or a provider object. */
  provider?: string | Provider;
  apiKey?: string;
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  /** Milliseconds the provider waits for the response to start and for each read after it. */
  timeout?: number;
  maxRetries?: number;
  /** Tools made with `tool()` (run by the agent), or plain definitions (the stream ends at their call). */
  tools?: Array<AgentTool | ToolDefinition>;
  /** Most model calls one run makes (default 5); reaching it ends the run with finishReason "tool_calls". */
  maxSteps?: number;
  /** Ask the model for reasoning (Anthropic extended thinking, Ollama `think`). */
  thinking?: boolean | { budgetTokens: number };
  /** Extra options handed to the provider factory as they are (e.g. the mock provider's `responses`). */
  providerOptions?: Record<string, unknown>;
  /**
   * `"continue"`: a model call that breaks after some output (error event, dropped connection, idle timeout)
   * is continued from exactly the partial answer, on the next fallback if there is one. Default `"off"`.
   */
  recover?: RecoverMode;
  /** Providers to hand over to, in order, when a call fails before its first chunk (and, with `recover`, after it). */
  fallbacks?: FallbackOptions[];
  /** Most recoveries of one model call, failovers included (default 3). */
  maxRecoveryAttempts?: number;
  /** Most milliseconds from a call's first failure to the start of its last recovery (default 30 000). */
  maxRecoveryMs?: number;
}

/** Whether a broken stream is continued (`"continue"`) or ends the run (`"off"`). */
export type RecoverMode = "continue" | "off";

/** One provider of the failover chain; timeout and maxRetries are the agent's. */
export interface FallbackOptions {
  /** A registered provider name or a provider object. */
  provider: string | Provider;
  /** Default: the provider's default model. */
  model?: string;
  apiKey?: string;
  baseUrl?: string;
  providerOptions?: Record<string, unknown>;
}

/** Per-call options of `agent.stream` and `agent.arun`. */
export interface CallSettings {
  temperature?: number;
  maxTokens?: number;
  /** Aborts the call: the stream throws `StreamInterruptedError` with reason "aborted". */
  signal?: AbortSignal;
  thinking?: boolean | { budgetTokens: number };
  /** Overrides the agent's `recover` for this call. */
  recover?: RecoverMode;
}

const AGENT_KEYS = new Set<string>([
  "name", "instructions", "model", "provider", "apiKey", "baseUrl", "temperature", "maxTokens",
  "timeout", "maxRetries", "tools", "thinking", "providerOptions", "maxSteps",
  "recover", "fallbacks", "maxRecoveryAttempts", "maxRecoveryMs",
]);
const CALL_KEYS = new Set<string>(["temperature", "maxTokens", "signal", "thinking", "recover"]);
const FALLBACK_KEYS = new Set<string>(["provider", "model", "apiKey", "baseUrl", "providerOptions"]);

/** Throws a `ConfigurationError` naming the first bad option. */
export function validateAgentOptions(options: AgentOptions): void {
  if (typeof options !== "object" || options === null) throw new ConfigurationError("options", "must be an object");
  rejectUnknown(options, AGENT_KEYS);
  optionalString(options, "name");
  optionalString(options, "instructions");
  optionalString(options, "model", true);
  optionalString(options, "apiKey");
  if (options.baseUrl !== undefined) {
    if (typeof options.baseUrl !== "string" || !URL.canParse(options.baseUrl)) {
      throw new ConfigurationError("baseUrl", `must be an absolute URL, got ${describe(options.baseUrl)}`);
    }
  }
  if (options.provider !== undefined && typeof options.provider !== "string" && !isProvider(options.provider)) {
    throw new ConfigurationError("provider", "must be a provider name or an object with stream() and complete()");
  }
  validateSampling(options);
  if (options.timeout !== undefined && !(isFiniteNumber(options.timeout) && options.timeout > 0)) {
    throw new ConfigurationError("timeout", `must be a positive number of milliseconds, got ${describe(options.timeout)}`);
  }
  if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    throw new ConfigurationError("maxRetries", `must be a non-negative integer, got ${describe(options.maxRetries)}`);
  }
  if (options.tools !== undefined) validateTools(options.tools);
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps > 0)) {
    throw new ConfigurationError("maxSteps", `must be a positive integer, got ${describe(options.maxSteps)}`);
  }
  if (options.providerOptions !== undefined && (typeof options.providerOptions !== "object" || options.providerOptions === null)) {
    throw new ConfigurationError("providerOptions", "must be an object");
  }
  validateRecover(options.recover);
  if (options.fallbacks !== undefined) validateFallbacks(options.fallbacks);
  if (options.maxRecoveryAttempts !== undefined && !(Number.isInteger(options.maxRecoveryAttempts) && options.maxRecoveryAttempts >= 0)) {
    throw new ConfigurationError("maxRecoveryAttempts", `must be a non-negative integer, got ${describe(options.maxRecoveryAttempts)}`);
  }
  if (options.maxRecoveryMs !== undefined && !(isFiniteNumber(options.maxRecoveryMs) && options.maxRecoveryMs >= 0)) {
    throw new ConfigurationError("maxRecoveryMs", `must be a non-negative number of milliseconds, got ${describe(options.maxRecoveryMs)}`);
  }
}

function validateRecover(recover: unknown): void {
  if (recover !== undefined && recover !== "continue" && recover !== "off") {
    throw new ConfigurationError("recover", `must be "continue" or "off", got ${describe(recover)}`);
  }
}

/** The shape of each fallback; the registry checks the names when the agent resolves them. */
function validateFallbacks(fallbacks: unknown): void {
  if (!Array.isArray(fallbacks)) throw new ConfigurationError("fallbacks", "must be an array of { provider, model }");
  fallbacks.forEach((entry: unknown, i) => {
    const name = `fallbacks[${i}]`;
    if (typeof entry !== "object" || entry === null) throw new ConfigurationError(name, `must be an object { provider, model }, got ${describe(entry)}`);
    for (const key of Object.keys(entry)) {
      if (!FALLBACK_KEYS.has(key)) throw new ConfigurationError(`${name}.${key}`, `unknown option; known options are ${[...FALLBACK_KEYS].join(", ")}`);
    }
    const e = entry as Record<string, unknown>;
    if (!(typeof e.provider === "string" && e.provider !== "") && !isProvider(e.provider)) {
      throw new ConfigurationError(`${name}.provider`, `must be a provider name or a provider object, got ${describe(e.provider)}`);
    }
    optionalString(e, "model", true, `${name}.model`);
    optionalString(e, "apiKey", false, `${name}.apiKey`);
    if (e.baseUrl !== undefined && (typeof e.baseUrl !== "string" || !URL.canParse(e.baseUrl))) {
      throw new ConfigurationError(`${name}.baseUrl`, `must be an absolute URL, got ${describe(e.baseUrl)}`);
    }
    if (e.providerOptions !== undefined && (typeof e.providerOptions !== "object" || e.providerOptions === null)) {
      throw new ConfigurationError(`${name}.providerOptions`, "must be an object");
    }
  });
}

/** Throws a `ConfigurationError` naming the first bad per-call option. */
export function validateCallSettings(settings: CallSettings): void {
  if (typeof settings !== "object" || settings === null) throw new ConfigurationError("options", "must be an object");
  rejectUnknown(settings, CALL_KEYS);
  validateSampling(settings);
  if (settings.signal !== undefined && !(settings.signal instanceof AbortSignal)) {
    throw new ConfigurationError("signal", "must be an AbortSignal");
  }
  validateRecover(settings.recover);
}

function validateSampling(options: { temperature?: unknown; maxTokens?: unknown; thinking?: unknown }): void {
  if (options.temperature !== undefined && !(isFiniteNumber(options.temperature) && options.temperature >= 0 && options.temperature <= 2)) {
    throw new ConfigurationError("temperature", `must be a number from 0 to 2, got ${describe(options.temperature)}`);
  }
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && (options.maxTokens as number) > 0)) {
    throw new ConfigurationError("maxTokens", `must be a positive integer, got ${describe(options.maxTokens)}`);
  }
  const thinking = options.thinking;
  if (thinking !== undefined && typeof thinking !== "boolean") {
    const budget = (thinking as { budgetTokens?: unknown } | null)?.budgetTokens;
    if (!(Number.isInteger(budget) && (budget as number) > 0)) {
      throw new ConfigurationError("thinking", "must be a boolean or { budgetTokens: positive integer }");
    }
  }
}

function validateTools(tools: unknown): void {
  if (!Array.isArray(tools)) throw new ConfigurationError("tools", "must be an array of tool definitions");
  toAgentTools(tools as Array<AgentTool | ToolDefinition>); // throws a ConfigurationError naming the bad tool
}

function rejectUnknown(options: object, known: Set<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new ConfigurationError(key, `unknown option; known options are ${[...known].join(", ")}`);
    }
  }
}

function optionalString(options: object, key: string, nonEmpty = false, name = key): void {
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined) return;
  if (typeof value !== "string" || (nonEmpty && value.trim() === "")) {
    throw new ConfigurationError(name, `must be a ${nonEmpty ? "non-empty " : ""}string, got ${describe(value)}`);
  }
}

function isProvider(value: unknown): value is Provider {
  const p = value as Partial<Provider> | null;
  return typeof p === "object" && p !== null && typeof p.stream === "function" && typeof p.complete === "function";
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
