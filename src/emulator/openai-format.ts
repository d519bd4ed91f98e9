/**
 * OpenAI Chat Completions wire format (see shared/protocols/openai-chat-stream.md): `data: {chunk}\n\n`
 * events ending with `data: [DONE]`, a usage chunk with `choices: []` only when `include_usage` was asked.
 */
import { badRequest, retryHeaders, type ErrorSpec } from "./errors.js";
import type { BenchFrames, ErrorResponse, Frame, ProtocolFormat, ResponseMeta } from "./protocol.js";
import { splitArguments, type Answer } from "./script.js";
import { randomId } from "./util.js";

const FINGERPRINT = "fp_emulator01";

const SERVER_ERROR =
  "The server had an error processing your request. Sorry about that! You can retry your request, or contact us " +
  "through our help center at help.openai.com if you keep seeing this error.";

function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function chunk(meta: ResponseMeta, choices: unknown[], usage: unknown = null): string {
  const payload: Record<string, unknown> = {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    system_fingerprint: FINGERPRINT,
    choices,
  };
  // Like the real API: the `usage` key exists on every chunk only when include_usage was requested.
  if (meta.includeUsage) payload.usage = usage;
  return event(payload);
}

function deltaChunk(meta: ResponseMeta, delta: Record<string, unknown>, finishReason: string | null = null): string {
  return chunk(meta, [{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
}

function usageOf(answer: Answer): Record<string, unknown> {
  return {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: answer.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Scripted ids, else fresh `call_…` ids. */
function toolCallIds(answer: Answer): string[] {
  return answer.toolCalls.map((c) => c.id ?? randomId("call_", 24));
}

function streamFrames(answer: Answer, meta: ResponseMeta): Frame[] {
  const frames: Frame[] = [];
  const startsWithTools = answer.textPieces.length === 0 && answer.toolCalls.length > 0;
  const head = { role: "assistant", content: startsWithTools ? null : "", refusal: null };
  frames.push({ data: deltaChunk(meta, head), content: false });
  // reasoning_content is the DeepSeek/xAI extension; the official API never streams reasoning text.
  for (const piece of answer.thinkingPieces) {
    frames.push({ data: deltaChunk(meta, { reasoning_content: piece }), content: true });
  }
  for (const piece of answer.textPieces) frames.push({ data: deltaChunk(meta, { content: piece }), content: true });
  const ids = toolCallIds(answer);
  answer.toolCalls.forEach((call, index) => {
    const start = { index, id: ids[index], type: "function", function: { name: call.name, arguments: "" } };
    frames.push({ data: deltaChunk(meta, { tool_calls: [start] }), content: true });
    for (const fragment of splitArguments(JSON.stringify(call.arguments))) {
      const delta = { tool_calls: [{ index, function: { arguments: fragment } }] };
      frames.push({ data: deltaChunk(meta, delta), content: true });
    }
  });
  // The emulator's finish reasons already use OpenAI's names.
  frames.push({ data: deltaChunk(meta, {}, answer.finishReason), content: false });
  if (meta.includeUsage) frames.push({ data: chunk(meta, [], usageOf(answer)), content: false });
  frames.push({ data: "data: [DONE]\n\n", content: false });
  return frames;
}

function body(answer: Answer, meta: ResponseMeta): unknown {
  const ids = toolCallIds(answer);
  const message: Record<string, unknown> = {
    role: "assistant",
    content: answer.text === "" && answer.toolCalls.length > 0 ? null : answer.text,
    refusal: null,
    annotations: [],
  };
  if (answer.thinking !== undefined) message.reasoning_content = answer.thinking;
  if (answer.toolCalls.length > 0) {
    message.tool_calls = answer.toolCalls.map((call, i) => ({
      id: ids[i],
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
  }
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finishReason }],
    usage: usageOf(answer),
    service_tier: "default",
    system_fingerprint: FINGERPRINT,
  };
}

/** Shows a key the way OpenAI does in its 401 message: first and last characters only. */
function maskKey(key: string): string {
  return key.length <= 8 ? "*".repeat(key.length) : `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}`;
}

function errorFields(spec: ErrorSpec): { message: string; type: string; code: string | null } {
  switch (spec.status) {
    case 401:
      return spec.presentedKey === undefined
        ? {
            message:
              "You didn't provide an API key. You need to provide your API key in an Authorization header using " +
              "Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            type: "invalid_request_error",
            code: null,
          }
        : {
            message: `Incorrect API key provided: ${maskKey(spec.presentedKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: "invalid_request_error",
            code: "invalid_api_key",
          };
    case 429:
      return {
        message: "Rate limit reached for requests (emulated). Please try again later.",
        type: "requests",
        code: "rate_limit_exceeded",
      };
    case 503:
      return { message: "The engine is currently overloaded, please try again later.", type: "server_error", code: null };
    default:
      return spec.status >= 500
        ? { message: SERVER_ERROR, type: "server_error", code: null }
        : { message: `Request failed with status ${spec.status} (emulated).`, type: "invalid_request_error", code: null };
  }
}

function errorResponse(spec: ErrorSpec): ErrorResponse {
  const fields = errorFields(spec);
  const error = {
    message: spec.message ?? fields.message,
    type: fields.type,
    param: spec.param ?? null,
    code: spec.code ?? fields.code,
  };
  const retry = retryHeaders(spec);
  // OpenAI sends both hints; derive the ms one from the seconds when only those were asked for.
  if (retry["retry-after"] !== undefined) retry["retry-after-ms"] ??= String(Number(retry["retry-after"]) * 1000);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", ...retry };
  if (spec.status === 429) {
    Object.assign(headers, {
      "x-ratelimit-limit-requests": "5000",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": `${(spec.retryAfterSeconds ?? 1) * 1000}ms`,
    });
  }
  // OpenAI pretty-prints its error bodies with four spaces (see the .http fixtures).
  return { headers, body: JSON.stringify({ error }, null, 4) };
}

function validate(body: Record<string, unknown>): void {
  if (typeof body.model !== "string" || body.model === "") throw badRequest("you must provide a model parameter");
  if (body.messages === undefined) {
    throw badRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  }
  if (!Array.isArray(body.messages)) {
    throw badRequest("Invalid type for 'messages': expected an array of objects.", "messages", "invalid_type");
  }
  if (body.messages.length === 0) {
    throw badRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages", "empty_array");
  }
}

function benchFrames(meta: ResponseMeta, pieces: readonly string[], chunks: number): BenchFrames {
  const usage = {
    prompt_tokens: 1,
    completion_tokens: chunks,
    total_tokens: chunks + 1,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  return {
    head: deltaChunk(meta, { role: "assistant", content: "", refusal: null }),
    pieces: pieces.map((p) => deltaChunk(meta, { content: p })),
    tail:
      deltaChunk(meta, {}, "stop") + (meta.includeUsage ? chunk(meta, [], usage) : "") + "data: [DONE]\n\n",
  };
}

/** The OpenAI Chat Completions format. */
export const openaiFormat: ProtocolFormat = {
  protocol: "openai",
  streamContentType: "text/event-stream; charset=utf-8",
  newResponseId: () => randomId("chatcmpl-", 29),
  commonHeaders: () => ({ "x-request-id": randomId("req_", 32), "openai-processing-ms": "1" }),
  validate,
  streamFrames,
  body,
  errorResponse,
  streamError: () => event({ error: { message: SERVER_ERROR, type: "server_error", param: null, code: null } }),
  wrongShape: (meta) => `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","choices":[null]}\n\n`,
  malformed: (meta) => `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"\n\n`,
  benchFrames,
};
