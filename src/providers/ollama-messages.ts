/**
 * Pure conversions between the provider-neutral request/answer types and Ollama's native `/api/chat` wire
 * format (see shared/protocols/ollama-chat-stream.md). Nothing here does I/O.
 */
import type { FinishReason, ProviderTimings, ToolCall, Usage } from "../stream/chunk.js";
import type { ChatMessage, ProviderRequest, ToolDefinition } from "./provider.js";
import { normalizeFinishReason, requireToolCallId, toolCallFromText, unknownRole } from "./common.js";

/** One message in Ollama's chat format. */
export interface OllamaMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  thinking?: string;
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

/** A whole tool call as Ollama sends and takes it: `arguments` is an object, never a string. */
export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

/** A tool offered to the model, in the OpenAI shape Ollama accepts. */
export interface OllamaTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The body of `POST /api/chat`. */
export interface OllamaChatBody {
  model: string;
  messages: OllamaMessage[];
  /** Always sent: the REST API streams when it is absent. */
  stream: boolean;
  options?: { temperature?: number; num_predict?: number };
  tools?: OllamaTool[];
  think?: boolean;
}

/**
 * One NDJSON line of a streamed answer, or the whole non-streaming answer (same fields). Every field may be
 * missing: metrics are `omitempty` on the server, some versions send a done line without `message`.
 */
export interface OllamaChatLine {
  model?: string;
  message?: {
    role?: string;
    content?: string;
    thinking?: string;
    tool_calls?: unknown[] | null;
  } | null;
  done?: boolean;
  done_reason?: string;
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
  /** An error reported inside a 200 stream (then no done line follows). */
  error?: unknown;
}

/** Removes the `ollama/` routing prefix an agent may leave on a model name. */
export function ollamaModelName(model: string): string {
  return model.startsWith("ollama/") ? model.slice("ollama/".length) : model;
}

/** Builds the body of `POST /api/chat`; `options` and `tools` only carry what the request sets. */
export function buildOllamaBody(request: ProviderRequest, stream: boolean): OllamaChatBody {
  const body: OllamaChatBody = { model: ollamaModelName(request.model), messages: request.messages.map(toOllamaMessage), stream };
  if (request.temperature !== undefined || request.maxTokens !== undefined) {
    const options: NonNullable<OllamaChatBody["options"]> = {};
    if (request.temperature !== undefined) options.temperature = request.temperature;
    if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
    body.options = options;
  }
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools.map(toOllamaTool);
  // A token budget (Anthropic's) has no Ollama equivalent: any request for reasoning is `think: true`.
  // An explicit `false` is sent too, since it turns thinking off on models that think by default.
  if (request.thinking !== undefined) body.think = request.thinking !== false;
  return body;
}

/** Converts one provider-neutral message. */
export function toOllamaMessage(message: ChatMessage): OllamaMessage {
  switch (message.role) {
    case "system":
    case "user":
      return { role: message.role, content: message.content };
    case "assistant": {
      // Sent back as received: its reasoning as `thinking`, its calls whole with object arguments.
      const out: OllamaMessage = { role: "assistant", content: message.content };
      if (message.thinking !== undefined && message.thinking.text !== "") out.thinking = message.thinking.text;
      if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
        out.tool_calls = message.toolCalls.map((call) => ({ id: call.id, function: { name: call.name, arguments: call.arguments } }));
      }
      return out;
    }
    case "tool": {
      const out: OllamaMessage = { role: "tool", content: message.content };
      if (message.toolName !== undefined) out.tool_name = message.toolName;
      out.tool_call_id = requireToolCallId(message);
      return out;
    }
    default: {
      const never: never = message.role;
      throw unknownRole(never);
    }
  }
}

/** Converts a tool definition to the OpenAI-shaped tool Ollama takes. */
export function toOllamaTool(tool: ToolDefinition): OllamaTool {
  const fn: OllamaTool["function"] = { name: tool.name, parameters: tool.parameters };
  if (tool.description !== undefined) fn.description = tool.description;
  return { type: "function", function: fn };
}

const FINISH_REASONS: Record<string, FinishReason> = { stop: "stop", length: "length", load: "stop", unload: "stop" };

/**
 * Ollama's `done_reason` → the normalized reason. Ollama says `stop` after tool calls too (it has no
 * `tool_calls` reason), so tool use is told from the calls themselves. `load` and `unload` count as "stop",
 * unknown values as "other".
 */
export function mapOllamaFinishReason(raw: string | null | undefined, sawToolCalls: boolean): FinishReason {
  if (sawToolCalls) return "tool_calls";
  return normalizeFinishReason(raw, FINISH_REASONS);
}

/** Token counts of a done line, or undefined when it carries neither count (both are `omitempty`). */
export function convertOllamaUsage(line: OllamaChatLine): Usage | undefined {
  const input = line.prompt_eval_count;
  const output = line.eval_count;
  if (typeof input !== "number" && typeof output !== "number") return undefined;
  const inputTokens = typeof input === "number" ? input : 0;
  const outputTokens = typeof output === "number" ? output : 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

const NS_PER_MS = 1e6;

/** The done line's durations, nanoseconds → milliseconds; only those present; undefined when none is. */
export function convertOllamaTimings(line: OllamaChatLine): ProviderTimings | undefined {
  let timings: ProviderTimings | undefined;
  if (typeof line.total_duration === "number") (timings ??= {}).totalDurationMs = line.total_duration / NS_PER_MS;
  if (typeof line.load_duration === "number") (timings ??= {}).loadDurationMs = line.load_duration / NS_PER_MS;
  if (typeof line.prompt_eval_duration === "number") (timings ??= {}).promptEvalDurationMs = line.prompt_eval_duration / NS_PER_MS;
  if (typeof line.eval_duration === "number") (timings ??= {}).evalDurationMs = line.eval_duration / NS_PER_MS;
  return timings;
}

/**
 * One wire tool call → a `ToolCall`. Older servers send no `id`: then it is `call_<position>`, the call's
 * position among this answer's calls. `arguments` is already an object; a string (seen from some proxies) is
 * parsed, a missing one is `{}`.
 */
export function convertOllamaToolCall(raw: unknown, position: number): ToolCall {
  const call = (typeof raw === "object" && raw !== null ? raw : {}) as { id?: unknown; function?: { name?: unknown; arguments?: unknown } | null };
  const fn = call.function ?? {};
  const name = typeof fn.name === "string" ? fn.name : "";
  const id = typeof call.id === "string" && call.id !== "" ? call.id : `call_${position}`;
  const value = fn.arguments;
  if (value === undefined || value === null) return { id, name, arguments: {} };
  if (typeof value === "string") return toolCallFromText(id, name, value);
  if (typeof value !== "object" || Array.isArray(value)) {
    // Not an object: the agent tells the model rather than failing the stream.
    return { id, name, arguments: {}, argumentsText: JSON.stringify(value), argumentsError: `Tool call "${name}" arguments are not a JSON object` };
  }
  return { id, name, arguments: value as Record<string, unknown> };
}

/** The message of an `{"error": …}` line or body: a string as sent, else the object's `message`, else its JSON. */
export function ollamaErrorMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  return JSON.stringify(error) ?? String(error);
}
