/**
 * Anthropic Messages wire format (see shared/protocols/anthropic-messages-stream.md): named SSE events,
 * message_start, a ping, one content block at a time (thinking → text → tool_use), message_delta with the
 * cumulative usage, message_stop.
 */
import { badRequest, retryHeaders, type ErrorSpec } from "./errors.js";
import type { BenchFrames, ErrorResponse, Frame, ProtocolFormat, ResponseMeta } from "./protocol.js";
import { splitArguments, type Answer } from "./script.js";
import type { EmulatorFinishReason } from "./types.js";
import { fakeSignature, randomId } from "./util.js";

const STOP_REASONS: Record<EmulatorFinishReason, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

function event(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

function messageStart(meta: ResponseMeta, inputTokens: number): string {
  const usage = {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 1,
    service_tier: "standard",
  };
  const message = {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  };
  return event("message_start", { message });
}

function messageEnd(stopReason: string, inputTokens: number, outputTokens: number): string {
  const usage = {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };
  return (
    event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage }) +
    event("message_stop", {})
  );
}

const blockDelta = (index: number, delta: Record<string, unknown>): string =>
  event("content_block_delta", { index, delta });

function streamFrames(answer: Answer, meta: ResponseMeta): Frame[] {
  const frames: Frame[] = [
    { data: messageStart(meta, answer.inputTokens), content: false },
    { data: event("ping", {}), content: false },
  ];
  const add = (data: string, content = false) => frames.push({ data, content });
  let index = 0;
  if (answer.thinking !== undefined) {
    add(event("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } }));
    for (const piece of answer.thinkingPieces) add(blockDelta(index, { type: "thinking_delta", thinking: piece }), true);
    // The signature arrives once, right before the block stops; clients must send it back unchanged.
    add(blockDelta(index, { type: "signature_delta", signature: fakeSignature(answer.thinking) }));
    add(event("content_block_stop", { index }));
    index++;
  }
  if (answer.textPieces.length > 0) {
    add(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
    for (const piece of answer.textPieces) add(blockDelta(index, { type: "text_delta", text: piece }), true);
    add(event("content_block_stop", { index }));
    index++;
  }
  for (const call of answer.toolCalls) {
    const block = { type: "tool_use", id: call.id ?? randomId("toolu_01", 22), name: call.name, input: {} };
    add(event("content_block_start", { index, content_block: block }));
    add(blockDelta(index, { type: "input_json_delta", partial_json: "" }));
    for (const fragment of splitArguments(JSON.stringify(call.arguments))) {
      add(blockDelta(index, { type: "input_json_delta", partial_json: fragment }), true);
    }
    add(event("content_block_stop", { index }));
    index++;
  }
  add(messageEnd(STOP_REASONS[answer.finishReason], answer.inputTokens, answer.outputTokens));
  return frames;
}

function body(answer: Answer, meta: ResponseMeta): unknown {
  const content: unknown[] = [];
  if (answer.thinking !== undefined) {
    content.push({ type: "thinking", thinking: answer.thinking, signature: fakeSignature(answer.thinking) });
  }
  if (answer.text !== "") content.push({ type: "text", text: answer.text });
  for (const call of answer.toolCalls) {
    content.push({ type: "tool_use", id: call.id ?? randomId("toolu_01", 22), name: call.name, input: call.arguments });
  }
  return {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content,
    stop_reason: STOP_REASONS[answer.finishReason],
    stop_sequence: null,
    usage: {
      input_tokens: answer.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: answer.outputTokens,
      service_tier: "standard",
    },
  };
}

const ERROR_TYPES: Record<number, [string, string]> = {
  400: ["invalid_request_error", "Invalid request (emulated)."],
  401: ["authentication_error", "invalid x-api-key"],
  402: ["billing_error", "Your credit balance is too low (emulated)."],
  403: ["permission_error", "Your API key does not have permission to use the specified resource (emulated)."],
  404: ["not_found_error", "Not found (emulated)."],
  413: ["request_too_large", "Request exceeds the maximum allowed number of bytes."],
  429: ["rate_limit_error", "This request would exceed the rate limit for your organization (emulated)."],
  500: ["api_error", "Internal server error"],
  503: ["overloaded_error", "Overloaded"],
  504: ["timeout_error", "Request timed out (emulated)."],
  529: ["overloaded_error", "Overloaded"],
};

function errorResponse(spec: ErrorSpec): ErrorResponse {
  const [type, message] =
    ERROR_TYPES[spec.status] ?? (spec.status >= 500 ? ["api_error", "Internal server error"] : ["invalid_request_error", "Invalid request (emulated)."]);
  const requestId = randomId("req_011C", 20);
  const retryable = spec.status === 408 || spec.status === 409 || spec.status === 429 || spec.status >= 500;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "request-id": requestId,
    // The SDK obeys this header over its own retry rules.
    "x-should-retry": String(retryable),
    ...retryHeaders(spec),
  };
  const missingKey = spec.status === 401 && spec.presentedKey === undefined;
  const error = { type, message: spec.message ?? (missingKey ? "x-api-key header is required" : message) };
  return { headers, body: JSON.stringify({ type: "error", error, request_id: requestId }) };
}

function validate(body: Record<string, unknown>): void {
  if (typeof body.model !== "string" || body.model === "") throw badRequest("model: Field required", "model");
  if (body.max_tokens === undefined) throw badRequest("max_tokens: Field required", "max_tokens");
  if (!Number.isSafeInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
    throw badRequest("max_tokens: Input should be a valid integer greater than or equal to 1", "max_tokens");
  }
  if (!Array.isArray(body.messages)) throw badRequest("messages: Field required", "messages");
}

function benchFrames(meta: ResponseMeta, pieces: readonly string[], chunks: number): BenchFrames {
  return {
    head:
      messageStart(meta, 1) +
      event("ping", {}) +
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    pieces: pieces.map((p) => blockDelta(0, { type: "text_delta", text: p })),
    tail: event("content_block_stop", { index: 0 }) + messageEnd("end_turn", 1, chunks),
  };
}

/** The Anthropic Messages format. */
export const anthropicFormat: ProtocolFormat = {
  protocol: "anthropic",
  streamContentType: "text/event-stream; charset=utf-8",
  newResponseId: () => randomId("msg_01", 22),
  commonHeaders: () => ({ "request-id": randomId("req_011C", 20) }),
  validate,
  streamFrames,
  body,
  errorResponse,
  streamError: () => event("error", { error: { type: "overloaded_error", message: "Overloaded" } }),
  wrongShape: () => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":null}\n\n`,
  malformed: () => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_del\n\n`,
  benchFrames,
};
