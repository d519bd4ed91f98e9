import type { FinishReason, ToolCall, Usage } from "../stream/chunk.js";
import type { ChatMessage, ProviderRequest } from "./provider.js";
import { normalizeFinishReason, requireToolCallId, toolCallFromText, unknownRole } from "./common.js";

/** One message in OpenAI's chat format. */
export interface OpenAIMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string | null;
  tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** Builds the body of `POST /chat/completions`. */
export function buildOpenAIBody(request: ProviderRequest, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model: request.model, messages: request.messages.map(toOpenAIMessage) };
  if (stream) {
    body["stream"] = true;
    // Without this OpenAI sends no token counts at all.
    body["stream_options"] = { include_usage: true };
  }
  if (request.temperature !== undefined) body["temperature"] = request.temperature;
  if (request.maxTokens !== undefined) body[maxTokensField(request.model)] = request.maxTokens;
  if (request.tools !== undefined && request.tools.length > 0) {
    body["tools"] = request.tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
  }
  if (request.thinking !== undefined && request.thinking !== false && isReasoningModel(request.model)) {
    body["reasoning_effort"] = "medium";
  }
  return body;
}

/** Reasoning models (o1, o3, o4, gpt-5) reject `max_tokens` and take `max_completion_tokens`. */
export function maxTokensField(model: string): "max_tokens" | "max_completion_tokens" {
  return isReasoningModel(model) ? "max_completion_tokens" : "max_tokens";
}

function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

/** Converts one provider-neutral message. */
export function toOpenAIMessage(message: ChatMessage): OpenAIMessage {
  switch (message.role) {
    case "system":
    case "user":
      return { role: message.role, content: message.content };
    case "assistant": {
      const out: OpenAIMessage = { role: "assistant", content: message.content === "" ? null : message.content };
      if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
        out.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.argumentsText ?? JSON.stringify(call.arguments) },
        }));
      }
      return out;
    }
    case "tool":
      return { role: "tool", content: message.content, tool_call_id: requireToolCallId(message) };
    default: {
      const never: never = message.role;
      throw unknownRole(never);
    }
  }
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
};

/** OpenAI's finish_reason → the normalized one (unknown values are "other"). */
export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason {
  return normalizeFinishReason(raw, FINISH_REASONS);
}

/** OpenAI's wire usage object. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** OpenAI usage → normalized usage; `total_tokens` is taken as sent (compatible servers may not sum it). */
export function convertOpenAIUsage(usage: OpenAIUsage): Usage {
  const inputTokens = usage.prompt_tokens ?? 0;
  const outputTokens = usage.completion_tokens ?? 0;
  const out: Usage = { inputTokens, outputTokens, totalTokens: usage.total_tokens ?? inputTokens + outputTokens };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (cached !== undefined) out.cachedInputTokens = cached;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

/** Accumulates streamed tool-call fragments by `index`: id and name are assigned, arguments appended. */
export class ToolCallAssembler {
  readonly #calls = new Map<number, { id: string; name: string; args: string[]; emitted: boolean }>();

  /** Adds one fragment. */
  add(index: number, id: string | undefined, name: string | undefined, argumentsDelta: string): void {
    let call = this.#calls.get(index);
    if (call === undefined) {
      call = { id: "", name: "", args: [], emitted: false };
      this.#calls.set(index, call);
    }
    if (id) call.id = id;
    if (name) call.name = name;
    if (argumentsDelta) call.args.push(argumentsDelta);
  }

  /** True when any call was seen. */
  get size(): number {
    return this.#calls.size;
  }

  /** Completes every call not yet completed, in index order, parsing its arguments (see `toolCallFromText`). */
  complete(): ToolCall[] {
    const out: ToolCall[] = [];
    for (const index of [...this.#calls.keys()].sort((a, b) => a - b)) {
      const call = this.#calls.get(index);
      if (call === undefined || call.emitted) continue;
      call.emitted = true;
      out.push(toolCallFromText(call.id || `call_${index}`, call.name, call.args.join("")));
    }
    return out;
  }
}
