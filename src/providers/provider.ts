import type { FinishReason, StreamChunk, ToolCall, Usage } from "../stream/chunk.js";
import type { ChunkStream } from "../stream/chunk-stream.js";
import type { HttpTransport } from "../transport/http.js";

/** One message of a conversation, in the provider-neutral form. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Tool calls the assistant made in this turn. */
  toolCalls?: ToolCall[];
  /** On a `tool` message: the id of the call this result answers. */
  toolCallId?: string;
  /** On a `tool` message: the name of the tool that ran. */
  toolName?: string;
  /** On a `tool` message: the result reports a failure (Anthropic's `is_error`). */
  isError?: boolean;
  /** Reasoning the assistant produced in this turn, with Anthropic's opaque signature when there is one. */
  thinking?: { text: string; signature?: string; redacted?: string[] };
}

/** A JSON Schema object describing a tool's parameters. */
export type JsonSchema = Record<string, unknown>;

/** A tool the model may call. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: JsonSchema;
}

/** What a provider is asked to do. */
export interface ProviderRequest {
  model: string;
  /** The conversation; `system` messages become the provider's system prompt. */
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  tools?: ToolDefinition[];
  /** Ask for reasoning: `true`, or a token budget (Anthropic's `budget_tokens`). */
  thinking?: boolean | { budgetTokens: number };
}

/** Per-call options of a provider. */
export interface CallOptions {
  /** Aborts the request and closes its connection. */
  signal?: AbortSignal;
}

/** A whole answer, as `complete()` returns it and as a finished stream's `result` holds it. */
export interface CompletionResult {
  content: string;
  thinking?: string;
  /** Anthropic's opaque signature of the thinking, needed to send the turn back. */
  thinkingSignature?: string;
  /** Anthropic's opaque redacted thinking blocks, in order. */
  redactedThinking?: string[];
  toolCalls: ToolCall[];
  usage?: Usage;
  finishReason: FinishReason;
  providerFinishReason?: string;
  provider: string;
  model?: string;
  /** The provider's response id. */
  id?: string;
}

/** Options every provider accepts. */
export interface ProviderOptions {
  apiKey?: string;
  /** Where the API lives; any server speaking the same protocol works. */
  baseUrl?: string;
  /** Milliseconds to wait for the response to start (headers) before giving up. */
  timeout?: number;
  /** Retries before the first chunk on 408/409/429/5xx/529 and network failures. */
  maxRetries?: number;
  /** Extra HTTP headers sent with every request. */
  headers?: Record<string, string>;
  /** Keep-alive pools of its own (close them with `transport.close()`); the shared default when absent. */
  transport?: HttpTransport;
}

/**
 * How a provider continues a broken answer: "prefill" sends the partial answer as a trailing assistant
 * message that the API continues (Anthropic); "instruction" sends it as an assistant turn followed by a user
 * instruction to continue where it stopped (OpenAI, Ollama), whose restart the caller removes.
 */
export type ContinuationForm = "prefill" | "instruction";

/** A model API behind one interface: the agent and every consumer never branch on which one it is. */
export interface Provider {
  readonly name: string;
  readonly supportsStreaming: boolean;
  readonly supportsTools: boolean;
  /** Whether the provider can return reasoning text. */
  readonly supportsThinking: boolean;
  /** Resolved settings, for `getProviderInfo()`. */
  readonly settings: {
    timeout: number;
    maxRetries: number;
    baseUrl?: string;
    /** Whether a request will carry an API key. */
    readonly hasApiKey?: boolean;
    /** Whether a request without a key is refused before it is sent; `apiKeyEnv` names where the key is read. */
    apiKeyRequired?: boolean;
    apiKeyEnv?: string | undefined;
  };
  /** How the provider continues a broken answer; absent means "instruction", which every chat API accepts. */
  readonly continuation?: ContinuationForm;
  /** Streams the answer as typed chunks, ending with a `final` chunk; `result` holds the whole answer after. */
  stream(request: ProviderRequest, options?: CallOptions): ChunkStream<CompletionResult>;
  /** Returns the whole answer at once. */
  complete(request: ProviderRequest, options?: CallOptions): Promise<CompletionResult>;
}

/** Re-exported for provider implementations. */
export type { StreamChunk };
