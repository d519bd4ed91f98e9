import { ConfigurationError } from "../../stream/errors.js";
import { createOpenAIProvider, type OpenAIProviderOptions } from "../openai.js";
import type { Provider } from "../provider.js";
import { isResponsesOnlyModel } from "./convert-messages.js";
import { createOpenAIResponsesProvider, type OpenAIResponsesProviderOptions } from "./provider.js";

/** Which OpenAI API a provider speaks: Chat Completions, Responses, or (default) by model. */
export type OpenAIApi = "chat" | "responses" | "auto";

/** Options of the "openai" provider as the registry builds it: `api` picks the protocol. */
export type OpenAIApiOptions = OpenAIProviderOptions & OpenAIResponsesProviderOptions & { api?: OpenAIApi };

/**
 * The "openai" provider: `api: "responses"` speaks the Responses API for every model, `api: "chat"` Chat
 * Completions; by default each request goes to Chat Completions unless its model is served only by Responses.
 */
export function createOpenAIProviderFor(options: OpenAIApiOptions = {}): Provider {
  const { api = "auto", ...rest } = options;
  if (api === "responses") return createOpenAIResponsesProvider(rest);
  if (api === "chat") return createOpenAIProvider(rest);
  if (api !== "auto") throw new ConfigurationError("api", `must be "chat", "responses" or "auto", got ${JSON.stringify(api)}`);
  const chat = createOpenAIProvider(rest);
  const responses = createOpenAIResponsesProvider(rest);
  const pick = (model: string): Provider => (isResponsesOnlyModel(model) ? responses : chat);
  return {
    name: chat.name,
    supportsStreaming: true,
    supportsTools: true,
    supportsThinking: true,
    settings: chat.settings,
    stream: (request, callOptions) => pick(request.model).stream(request, callOptions),
    complete: (request, callOptions) => pick(request.model).complete(request, callOptions),
  };
}
