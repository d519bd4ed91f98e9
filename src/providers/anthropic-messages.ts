import type { FinishReason, Usage } from "../stream/chunk.js";
import { ConfigurationError } from "../stream/errors.js";
import { normalizeFinishReason, requireToolCallId, unknownRole } from "./common.js";
import type { ChatMessage, ProviderRequest } from "./provider.js";

/** A content block we send in a message of Anthropic's Messages API. */
export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string; is_error?: true };

/** One message in Anthropic's format: there is no system role, only user and assistant turns. */
export interface AnthropicMessage {
  role: "user" | "assistant";
  content: string | AnthropicContentBlock[];
}

/** The body of `POST /v1/messages` (only the fields we send). */
export interface AnthropicRequestBody {
  model: string;
  /** Required by the API, so always sent. */
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  temperature?: number;
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  thinking?: { type: "enabled"; budget_tokens: number };
  stream?: true;
}

/** Budget used when `request.thinking` is `true` (the API's minimum). */
export const DEFAULT_THINKING_BUDGET = 1024;

/**
 * Builds the body of `POST /v1/messages`. `max_tokens` is always sent (`request.maxTokens ?? defaultMaxTokens`).
 * With thinking on, `max_tokens` must exceed the budget, since it counts thinking too: when it does not, the
 * budget is added to it, so the answer keeps the room that was asked for.
 */
export function buildAnthropicBody(request: ProviderRequest, stream: boolean, defaultMaxTokens: number): AnthropicRequestBody {
  const { system, messages } = toAnthropicMessages(request.messages);
  const body: AnthropicRequestBody = { model: request.model, max_tokens: request.maxTokens ?? defaultMaxTokens, messages };
  if (system !== undefined) body.system = system;
  if (stream) body.stream = true;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) =>
      tool.description === undefined
        ? { name: tool.name, input_schema: tool.parameters }
        : { name: tool.name, description: tool.description, input_schema: tool.parameters },
    );
  }
  const budget = thinkingBudget(request.thinking);
  if (budget !== undefined) {
    body.thinking = { type: "enabled", budget_tokens: budget };
    if (body.max_tokens <= budget) body.max_tokens += budget;
  }
  return body;
}

/** The thinking budget a request asks for, or undefined when thinking is off. */
export function thinkingBudget(thinking: ProviderRequest["thinking"]): number | undefined {
  if (thinking === undefined || thinking === false) return undefined;
  if (thinking === true) return DEFAULT_THINKING_BUDGET;
  const budget = thinking.budgetTokens;
  if (!(Number.isInteger(budget) && budget > 0)) {
    throw new ConfigurationError("thinking", `budgetTokens must be a positive integer, got ${String(budget)}`);
  }
  return budget;
}

/**
 * Converts a provider-neutral conversation: system messages are joined into the top-level `system`; an
 * assistant turn with tool calls or signed thinking becomes blocks (thinking first, as the API wants it back);
 * `tool` messages become `tool_result` blocks of a user message, consecutive ones merged into one message.
 * Thinking without a signature is dropped: the API refuses an unsigned thinking block.
 */
export function toAnthropicMessages(input: readonly ChatMessage[]): { system: string | undefined; messages: AnthropicMessage[] } {
  const systemParts: string[] = [];
  const messages: AnthropicMessage[] = [];
  /** The user message holding the latest run of tool results, while that run lasts. */
  let toolResults: AnthropicContentBlock[] | undefined;
  for (const message of input) {
    // A system message has no place in `messages`, so it does not end a run of tool results.
    if (message.role === "user" || message.role === "assistant") toolResults = undefined;
    switch (message.role) {
      case "system":
        if (message.content !== "") systemParts.push(message.content);
        break;
      case "user":
        messages.push({ role: "user", content: message.content });
        break;
      case "assistant":
        messages.push(toAssistantMessage(message));
        break;
      case "tool": {
        const toolUseId = requireToolCallId(message);
        const block: AnthropicContentBlock =
          message.isError === true
            ? { type: "tool_result", tool_use_id: toolUseId, content: message.content, is_error: true }
            : { type: "tool_result", tool_use_id: toolUseId, content: message.content };
        if (toolResults === undefined) {
          toolResults = [block];
          messages.push({ role: "user", content: toolResults });
        } else toolResults.push(block);
        break;
      }
      default: {
        const never: never = message.role;
        throw unknownRole(never);
      }
    }
  }
  return { system: systemParts.length > 0 ? systemParts.join("\n\n") : undefined, messages };
}

function toAssistantMessage(message: ChatMessage): AnthropicMessage {
  const blocks: AnthropicContentBlock[] = [];
  const thinking = message.thinking;
  if (thinking !== undefined) {
    if (thinking.signature !== undefined && thinking.signature !== "") {
      blocks.push({ type: "thinking", thinking: thinking.text, signature: thinking.signature });
    }
    for (const data of thinking.redacted ?? []) blocks.push({ type: "redacted_thinking", data });
  }
  const toolCalls = message.toolCalls ?? [];
  if (blocks.length === 0 && toolCalls.length === 0) return { role: "assistant", content: message.content };
  // The API refuses an empty text block.
  if (message.content !== "") blocks.push({ type: "text", text: message.content });
  for (const call of toolCalls) blocks.push({ type: "tool_use", id: call.id, name: call.name, input: call.arguments });
  return { role: "assistant", content: blocks };
}

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** Anthropic's stop_reason → the normalized finish reason (unknown values are "other"). */
export function mapAnthropicFinishReason(raw: string | null | undefined): FinishReason {
  return normalizeFinishReason(raw, FINISH_REASONS);
}

/** Anthropic's wire usage object (in `message_start.message.usage`, `message_delta.usage` and a whole message). */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/**
 * Anthropic usage → normalized usage. Counters are cumulative: a value present (non-null) in `wire` replaces
 * the one in `previous`, an absent or null one keeps it; nothing is ever added up. `totalTokens` is
 * input + output.
 */
export function convertAnthropicUsage(wire: AnthropicUsage, previous?: Usage): Usage {
  const inputTokens = wire.input_tokens ?? previous?.inputTokens ?? 0;
  const outputTokens = wire.output_tokens ?? previous?.outputTokens ?? 0;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const cacheCreation = wire.cache_creation_input_tokens ?? previous?.cacheCreationInputTokens;
  const cacheRead = wire.cache_read_input_tokens ?? previous?.cacheReadInputTokens;
  if (cacheCreation !== undefined) usage.cacheCreationInputTokens = cacheCreation;
  if (cacheRead !== undefined) usage.cacheReadInputTokens = cacheRead;
  return usage;
}
