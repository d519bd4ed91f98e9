/**
 * Reads a `POST /v1/responses` body into the emulator's neutral {@link Conversation}: `instructions`, and
 * `input` as a string or items (messages, `function_call`, `function_call_output`). Every read is defensive.
 */
import { badRequest } from "./errors.js";
import { countTokens, type Conversation } from "./request.js";
import { readOfferedTools } from "./tool-arguments.js";
import type { EmulatorToolResult } from "./types.js";
import { asArray, asNumber, asRecord, asString } from "./util.js";

/** A Responses request as the emulator needs it. */
export interface ResponsesConversation extends Conversation {
  background: boolean;
  store: boolean;
  /** `reasoning.summary` was set: reasoning summaries stream. */
  summaryRequested: boolean;
}

/** Text of a string or of `[{type:"input_text"|"output_text"|"text", text}]` parts. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((part) => {
      const p = asRecord(part);
      return p !== undefined && typeof p.text === "string" ? p.text : "";
    })
    .join("");
}

/** Throws a 400 like the real API for a body it would refuse. */
export function validateResponsesBody(body: Record<string, unknown>): void {
  if (typeof body.model !== "string" || body.model === "") throw badRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
  if (body.input !== undefined && typeof body.input !== "string" && !Array.isArray(body.input)) {
    throw badRequest("Invalid type for 'input': expected a string or an array of input items.", "input", "invalid_type");
  }
  const max = body.max_output_tokens;
  if (max !== undefined && max !== null && !(typeof max === "number" && Number.isInteger(max) && max >= 16)) {
    throw badRequest(`Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${String(max)} instead.`, "max_output_tokens", "integer_below_min_value");
  }
  if (body.background === true && body.store === false) {
    throw badRequest("Background mode requires store=true.", "store", "invalid_value");
  }
}

/** Reads the body (already validated). */
export function readResponsesConversation(body: Record<string, unknown>): ResponsesConversation {
  const items = typeof body.input === "string" ? [{ role: "user", content: body.input }] : asArray(body.input).map((i) => asRecord(i) ?? {});
  let tokens = countTokens(asString(body.instructions) ?? "");
  let lastUser = -1;
  items.forEach((item, i) => {
    tokens += countTokens(textOf(item.content)) + countTokens(asString(item.output) ?? "");
    if (item.role === "user" && (item.type === undefined || item.type === "message")) lastUser = i;
  });
  const names = new Map<string, string>();
  const rounds: EmulatorToolResult[][] = [];
  let previousType: unknown;
  for (const item of items.slice(lastUser + 1)) {
    if (item.type === "function_call") {
      const id = asString(item.call_id);
      const name = asString(item.name);
      if (id !== undefined && name !== undefined) names.set(id, name);
    } else if (item.type === "function_call_output") {
      if (previousType !== "function_call_output") rounds.push([]);
      const id = asString(item.call_id);
      const result: EmulatorToolResult = { content: typeof item.output === "string" ? item.output : textOf(item.output) };
      if (id !== undefined) result.id = id;
      const name = id === undefined ? undefined : names.get(id);
      if (name !== undefined) result.name = name;
      rounds[rounds.length - 1]!.push(result);
    }
    previousType = item.type;
  }
  const reasoning = asRecord(body.reasoning);
  const effort = asString(reasoning?.effort);
  const summary = asString(reasoning?.summary);
  return {
    protocol: "openai",
    model: asString(body.model) ?? "",
    prompt: lastUser >= 0 ? textOf(items[lastUser]?.content) : "",
    toolRounds: items.at(-1)?.type === "function_call_output" ? rounds : [],
    tools: readOfferedTools("openai", body),
    promptTokens: tokens,
    thinkingRequested: summary !== undefined || (effort !== undefined && effort !== "none"),
    summaryRequested: summary !== undefined,
    maxTokens: asNumber(body.max_output_tokens),
    stream: body.stream === true,
    includeUsage: true,
    loadOnly: false,
    background: body.background === true,
    store: body.store !== false,
  };
}
