import type { FinishReason, Usage } from "../../stream/chunk.js";
import type { ChatMessage, ProviderRequest } from "../provider.js";

/** `reasoning.effort` values of the Responses API (not every model accepts every one). */
export type ResponsesReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";
/** `reasoning.summary` values: summaries stream only when this is set. */
export type ResponsesReasoningSummary = "auto" | "concise" | "detailed";

/** What the Responses body builder needs besides the request. */
export interface ResponsesBodyOptions {
  stream: boolean;
  background?: boolean;
  /** `store`; omitted (the API's default, true) when undefined. */
  store?: boolean;
  /** Overrides what the `thinking` option maps to. */
  reasoning?: { effort?: ResponsesReasoningEffort; summary?: ResponsesReasoningSummary };
}

/** One element of `input`. */
export type ResponsesInputItem =
  | { role: "user" | "system" | "developer"; content: string }
  | { type: "message"; role: "assistant"; content: Array<{ type: "output_text"; text: string; annotations: [] }> }
  | { type: "function_call"; call_id: string; name: string; arguments: string }
  | { type: "function_call_output"; call_id: string; output: string };

/** Builds the body of `POST /v1/responses`. System messages become `instructions` (sent on every turn). */
export function buildResponsesBody(request: ProviderRequest, options: ResponsesBodyOptions): Record<string, unknown> {
  const instructions: string[] = [];
  const input: ResponsesInputItem[] = [];
  for (const message of request.messages) {
    if (message.role === "system") instructions.push(message.content);
    else toInputItems(message, input);
  }
  const body: Record<string, unknown> = { model: request.model, input };
  if (instructions.length > 0) body["instructions"] = instructions.join("\n\n");
  if (options.stream) body["stream"] = true;
  if (options.background === true) body["background"] = true;
  if (options.store !== undefined) body["store"] = options.store;
  if (request.temperature !== undefined) body["temperature"] = request.temperature;
  // Caps visible plus reasoning tokens; the API rejects values below 16 with a clear 400.
  if (request.maxTokens !== undefined) body["max_output_tokens"] = request.maxTokens;
  if (request.tools !== undefined && request.tools.length > 0) {
    body["tools"] = request.tools.map((tool) => ({
      type: "function",
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.parameters,
      // Responses makes function tools strict by default, which rejects ordinary (non-closed) schemas.
      strict: false,
    }));
  }
  const reasoning = reasoningFor(request, options.reasoning);
  if (reasoning !== undefined) body["reasoning"] = reasoning;
  return body;
}

/** The `reasoning` object for the `thinking` option: reasoning models only (others reject the field). */
function reasoningFor(request: ProviderRequest, override: ResponsesBodyOptions["reasoning"]): Record<string, string> | undefined {
  const thinking = request.thinking;
  if (override !== undefined && (override.effort !== undefined || override.summary !== undefined)) {
    return { ...(override.effort === undefined ? {} : { effort: override.effort }), ...(override.summary === undefined ? {} : { summary: override.summary }) };
  }
  if (thinking === undefined || thinking === false || !isResponsesReasoningModel(request.model)) return undefined;
  // A token budget (Anthropic's notion) maps onto the nearest effort.
  const effort: ResponsesReasoningEffort =
    thinking === true ? "medium" : thinking.budgetTokens <= 2_048 ? "low" : thinking.budgetTokens <= 16_384 ? "medium" : "high";
  return { effort, summary: "auto" };
}

/** Reasoning models (o1, o3, o4, gpt-5, codex) accept `reasoning`. */
export function isResponsesReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|codex-)/.test(model.trim().toLowerCase());
}

/**
 * Models OpenAI serves only through the Responses API (Chat Completions answers them with a 404):
 * the `-pro` and deep-research reasoning models, the codex models and computer use.
 */
export function isResponsesOnlyModel(model: string): boolean {
  return /^(o\d+-pro|o\d+(-mini)?-deep-research|codex-|gpt-5(\.\d+)?-(codex|pro)|computer-use-preview)/.test(model.trim().toLowerCase());
}

/** Appends the input items of one provider-neutral message (not system). */
function toInputItems(message: ChatMessage, out: ResponsesInputItem[]): void {
  switch (message.role) {
    case "user":
      out.push({ role: "user", content: message.content });
      return;
    case "assistant":
      if (message.content !== "") {
        out.push({ type: "message", role: "assistant", content: [{ type: "output_text", text: message.content, annotations: [] }] });
      }
      // The calls the model made, replayed so each function_call_output has its call (no previous_response_id).
      for (const call of message.toolCalls ?? []) {
        out.push({ type: "function_call", call_id: call.id, name: call.name, arguments: call.argumentsText ?? JSON.stringify(call.arguments) });
      }
      return;
    case "tool":
      out.push({ type: "function_call_output", call_id: message.toolCallId ?? "", output: message.content });
      return;
    case "system":
      out.push({ role: "system", content: message.content });
      return;
    default: {
      const never: never = message.role;
      throw new TypeError(`Unknown message role ${String(never)}`);
    }
  }
}

/** The Responses usage object (`response.usage`). */
export interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

/** Narrows an unknown `usage` value; anything not an object is no usage. */
export function convertResponsesUsage(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const inputTokens = numberOr(value["input_tokens"], 0);
  const outputTokens = numberOr(value["output_tokens"], 0);
  const usage: Usage = { inputTokens, outputTokens, totalTokens: numberOr(value["total_tokens"], inputTokens + outputTokens) };
  const inputDetails = value["input_tokens_details"];
  const outputDetails = value["output_tokens_details"];
  if (isRecord(inputDetails) && typeof inputDetails["cached_tokens"] === "number") usage.cachedInputTokens = inputDetails["cached_tokens"];
  if (isRecord(outputDetails) && typeof outputDetails["reasoning_tokens"] === "number") usage.reasoningTokens = outputDetails["reasoning_tokens"];
  return usage;
}

/**
 * The terminal `response.status` (+ `incomplete_details.reason`) → the normalized finish reason.
 * There is no tool-call status: a completed response that holds function calls is "tool_calls".
 */
export function mapResponsesFinishReason(status: string | undefined, incompleteReason: string | undefined, hasToolCalls: boolean): FinishReason {
  switch (status) {
    case "completed":
      return hasToolCalls ? "tool_calls" : "stop";
    case "incomplete":
      return incompleteReason === "content_filter" ? "content_filter" : "length";
    case "failed":
    case "cancelled":
      return "error";
    default:
      return hasToolCalls ? "tool_calls" : "stop";
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
