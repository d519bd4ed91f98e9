/** The kinds of chunk a stream yields. */
export type ChunkType = "text" | "thinking" | "tool_call_delta" | "tool_call" | "tool_result" | "final";

/** Normalized reason a model stopped; "other" is a reason this library does not know (see `providerFinishReason`). */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "error" | "other";

/** Token counts, normalized across providers. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** As the provider sent it when it sends one (OpenAI-compatible servers may not make it the sum). */
  totalTokens: number;
  /** OpenAI `prompt_tokens_details.cached_tokens`. */
  cachedInputTokens?: number;
  /** OpenAI `completion_tokens_details.reasoning_tokens`. */
  reasoningTokens?: number;
  /** Anthropic cache counters. */
  cacheCreationInputTokens?: number;
  cacheReadInputTokens?: number;
}

/** A complete tool call with parsed arguments. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** The exact argument text as streamed (OpenAI, Anthropic). */
  argumentsText?: string;
  /** Set when the argument text is not a JSON object (`arguments` is then `{}`): the agent tells the model. */
  argumentsError?: string;
}

/** A fragment of a tool call as it streams. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  argumentsDelta: string;
  /** The arguments parsed so far (set by the agent's run): complete values, and a string value as far as it came. */
  partialArguments?: Record<string, unknown>;
}

/** The outcome of running a tool. */
export interface ToolResult {
  id: string;
  name: string;
  result: unknown;
  isError?: boolean;
}

/** Timings a provider reports (Ollama's durations, converted to ms). */
export interface ProviderTimings {
  totalDurationMs?: number;
  loadDurationMs?: number;
  promptEvalDurationMs?: number;
  evalDurationMs?: number;
}

/** Typed payload of a chunk; each field is present where the provider gives it. */
export interface ChunkMetadata {
  provider?: string;
  model?: string;
  /** The provider's own event name, e.g. Anthropic's `"content_block_delta"`. */
  eventType?: string;
  /** Reasoning text of a `thinking` chunk. */
  thinking?: string;
  /** Anthropic's opaque thinking signature (a `thinking` chunk with `signature_delta`). */
  signature?: string;
  /** Anthropic's opaque `redacted_thinking` data. */
  redactedThinking?: string;
  /** OpenAI refusal text fragment (on a `text` chunk with empty content). */
  refusal?: string;
  usage?: Usage;
  finishReason?: FinishReason;
  /** The provider's raw finish reason, e.g. `"end_turn"`. */
  providerFinishReason?: string;
  toolCall?: ToolCall | ToolCallDelta;
  toolResult?: ToolResult;
  chunkIndex?: number;
  /** Which model call of a multi-step tool loop produced the chunk (0-based). */
  step?: number;
  /** On a final chunk: false when the provider could not stream and the answer came whole. */
  streamed?: boolean;
  timings?: ProviderTimings;
  /** The provider's response id (e.g. `chatcmpl-…`, `msg_…`). */
  responseId?: string;
  /** On chunks after a broken stream was healed: the attempt that produced the chunk (2 = first recovery). */
  recovered?: number;
}

/** One piece of a streamed answer. */
export interface StreamChunk {
  type: ChunkType;
  /** Text for type "text"; "" for every other type. */
  content: string;
  /** The token this chunk carries, when the provider streams one token per chunk. */
  token?: string;
  metadata: ChunkMetadata;
  /** True only on the last chunk of a stream (type "final"). */
  isFinal: boolean;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/**
 * Builds a chunk; the one place chunk objects are shaped, so every chunk has the same hidden class.
 * `timestamp` defaults to now; providers pass the time the network read arrived, shared by its chunks.
 */
export function makeChunk(type: ChunkType, content: string, metadata: ChunkMetadata, timestamp: number = Date.now()): StreamChunk {
  return { type, content, metadata, isFinal: type === "final", timestamp };
}
