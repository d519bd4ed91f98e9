import { ConfigurationError } from "../stream/errors.js";
import { createMockProvider, type MockProviderOptions } from "./mock.js";
import { createAnthropicProvider } from "./anthropic.js";
import { createOllamaProvider } from "./ollama.js";
import { createOpenAIProviderFor } from "./responses/select.js";
import { isResponsesOnlyModel } from "./responses/convert-messages.js";
import type { Provider, ProviderOptions } from "./provider.js";

/** Names of the built-in providers. */
export type ProviderName = "openai" | "anthropic" | "ollama" | "mock";

/** Makes a provider from its options. */
export type ProviderFactory = (options: ProviderOptions & Record<string, unknown>) => Provider;

const factories = new Map<string, ProviderFactory>();
const defaultModels = new Map<string, string>();

/** Adds (or replaces) a provider under `name`, so `createProvider(name)` and `new Agent({ provider: name })` find it. */
export function registerProvider(name: string, factory: ProviderFactory, options: { defaultModel?: string } = {}): void {
  if (typeof name !== "string" || name.length === 0) throw new ConfigurationError("name", "must be a non-empty string");
  factories.set(name, factory);
  if (options.defaultModel !== undefined) defaultModels.set(name, options.defaultModel);
}

const apiKeyEnvs = new Map<string, string>([
  ["openai", "OPENAI_API_KEY"],
  ["anthropic", "ANTHROPIC_API_KEY"],
]);

/** The environment variable holding a provider's API key, for providers that need one. */
export function apiKeyEnvFor(name: string): string | undefined {
  return apiKeyEnvs.get(name);
}

const baseUrlEnvs = new Map<string, string>([
  ["openai", "OPENAI_BASE_URL"],
  ["anthropic", "ANTHROPIC_BASE_URL"],
  ["ollama", "OLLAMA_HOST"],
]);

/** The environment variable a provider reads its base URL from (as the official clients do), if any. */
export function baseUrlEnvFor(name: string): string | undefined {
  return baseUrlEnvs.get(name);
}

/** With neither a provider nor a model: the first provider whose API key is set, else OpenAI. */
export function providerFromEnvironment(env: Record<string, string | undefined>): string {
  for (const [name, variable] of apiKeyEnvs) if (env[variable]) return name;
  return "openai";
}

/** The model an agent uses with this provider when none is given. */
export function defaultModelFor(name: string): string | undefined {
  return defaultModels.get(name);
}

/** The model an agent uses when neither a model nor a provider is given. */
export const DEFAULT_MODEL = "gpt-4o-mini";

/** Names of every registered provider. */
export function listProviders(): string[] {
  return [...factories.keys()];
}

/** Creates a registered provider by name. */
export function createProvider(name: "mock", options?: MockProviderOptions): Provider;
export function createProvider(name: string, options?: ProviderOptions & Record<string, unknown>): Provider;
export function createProvider(name: string, options: object = {}): Provider {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new ConfigurationError("provider", `unknown provider "${name}"; choose one of: ${listProviders().join(", ")}`);
  }
  return factory(options as ProviderOptions & Record<string, unknown>);
}

/** Model families served locally by Ollama. */
const LOCAL_FAMILIES =
  /^(llama|mistral|mixtral|qwen|gemma|phi|deepseek|codellama|llava|tinyllama|starcoder|granite|smollm|olmo|nemotron|command-r|wizard|vicuna|orca|neural-chat|dolphin|yi|falcon|gpt-oss)/i;

/**
 * The provider a model name belongs to, or undefined when the name says nothing.
 * An `ollama/` prefix is stripped by the caller via {@link stripProviderPrefix}.
 */
export function detectProvider(model: string): ProviderName | undefined {
  const name = model.trim().toLowerCase();
  if (name.startsWith("ollama/")) return "ollama";
  if (name.startsWith("mock")) return "mock";
  if (/^(gpt-|chatgpt-|o1($|-)|o3($|-)|o4)/.test(name)) return "openai";
  if (isResponsesOnlyModel(name)) return "openai"; // codex-mini-latest, computer-use-preview: Responses API only
  if (name.startsWith("claude-")) return "anthropic";
  if (LOCAL_FAMILIES.test(name)) return "ollama";
  return undefined;
}

/** Removes a routing prefix such as `ollama/` from a model name. */
export function stripProviderPrefix(model: string): string {
  return model.startsWith("ollama/") ? model.slice("ollama/".length) : model;
}

// `api: "responses"` (or a model served only there) selects the Responses API.
registerProvider("openai", (options) => createOpenAIProviderFor(options), { defaultModel: "gpt-4o-mini" });
registerProvider("anthropic", (options) => createAnthropicProvider(options), { defaultModel: "claude-3-5-sonnet-latest" });
registerProvider("ollama", (options) => createOllamaProvider(options), { defaultModel: "llama3.2" });
registerProvider("mock", (options) => createMockProvider(options as MockProviderOptions), { defaultModel: "mock-1" });
