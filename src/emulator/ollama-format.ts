/**
 * Ollama native `/api/chat` format (see shared/protocols/ollama-chat-stream.md): NDJSON lines, thinking
 * then content fragments, whole tool calls, and a last `done:true` line with `done_reason` and metrics in
 * nanoseconds (zero metrics omitted, as Ollama's `omitempty` does).
 */
import { badRequest, retryHeaders, type ErrorSpec } from "./errors.js";
import { tokenIntervalMs } from "./pacing.js";
import type { BenchFrames, ErrorResponse, Frame, ProtocolFormat, ResponseMeta } from "./protocol.js";
import type { Answer } from "./script.js";
import { randomId } from "./util.js";

const RUN_ERROR = "an error was encountered while running the model";

function line(payload: unknown): string {
  return `${JSON.stringify(payload)}\n`;
}

function createdAt(meta: ResponseMeta, offsetMs: number): string {
  return new Date(meta.startedAt + offsetMs).toISOString();
}

function progress(meta: ResponseMeta, offsetMs: number, message: Record<string, unknown>): string {
  const payload = { model: meta.model, created_at: createdAt(meta, offsetMs), message: { role: "assistant", content: "", ...message }, done: false };
  return line(payload);
}

/** Planned durations from the pacing settings, so the same request reports the same metrics. */
function metrics(meta: ResponseMeta, inputTokens: number, outputTokens: number): Record<string, number> {
  const interval = tokenIntervalMs(meta.pacing);
  const promptEvalNs = Math.round(meta.pacing.ttftMs > 0 ? meta.pacing.ttftMs * 1e6 : 1e6 + inputTokens * 1e4);
  const evalNs = Math.round(outputTokens * (interval > 0 ? interval * 1e6 : 1e5));
  const out: Record<string, number> = { total_duration: promptEvalNs + evalNs + 250_000 };
  if (inputTokens > 0) out.prompt_eval_count = inputTokens;
  out.prompt_eval_duration = promptEvalNs;
  if (outputTokens > 0) out.eval_count = outputTokens;
  if (evalNs > 0) out.eval_duration = evalNs;
  return out;
}

function finalLine(meta: ResponseMeta, offsetMs: number, doneReason: string, m: Record<string, number>): string {
  const message = { role: "assistant", content: "" };
  return line({ model: meta.model, created_at: createdAt(meta, offsetMs), message, done_reason: doneReason, done: true, ...m });
}

function toolCallsOf(answer: Answer): Array<Record<string, unknown>> {
  return answer.toolCalls.map((call, index) => ({
    id: call.id ?? randomId("call_", 8).toLowerCase(),
    function: { index, name: call.name, arguments: call.arguments },
  }));
}

const doneReason = (answer: Answer): string => (answer.finishReason === "length" ? "length" : "stop");

function streamFrames(answer: Answer, meta: ResponseMeta): Frame[] {
  const interval = tokenIntervalMs(meta.pacing);
  let k = 0;
  const at = () => meta.pacing.ttftMs + k++ * interval;
  const frames: Frame[] = [];
  for (const piece of answer.thinkingPieces) frames.push({ data: progress(meta, at(), { thinking: piece }), content: true });
  for (const piece of answer.textPieces) frames.push({ data: progress(meta, at(), { content: piece }), content: true });
  // Ollama sends tool calls whole, never as fragments; one call per line, like its parallel-call output.
  for (const call of toolCallsOf(answer)) frames.push({ data: progress(meta, at(), { tool_calls: [call] }), content: true });
  frames.push({ data: finalLine(meta, at(), doneReason(answer), metrics(meta, answer.inputTokens, answer.outputTokens)), content: false });
  return frames;
}

function body(answer: Answer, meta: ResponseMeta): unknown {
  const message: Record<string, unknown> = { role: "assistant", content: answer.text };
  if (answer.thinking !== undefined) message.thinking = answer.thinking;
  if (answer.toolCalls.length > 0) message.tool_calls = toolCallsOf(answer);
  const done = { done_reason: doneReason(answer), done: true, ...metrics(meta, answer.inputTokens, answer.outputTokens) };
  return { model: meta.model, created_at: createdAt(meta, 0), message, ...done };
}

/** The reply to a chat request without messages: Ollama just loads the model. */
export function ollamaLoadBody(meta: ResponseMeta): Record<string, unknown> {
  return { model: meta.model, created_at: createdAt(meta, 0), message: { role: "assistant", content: "" }, done_reason: "load", done: true };
}

const MESSAGES: Record<number, string> = {
  401: "unauthorized",
  404: "not found",
  429: "rate limit exceeded, please try again later",
  500: RUN_ERROR,
  // Two spaces, as Ollama's scheduler writes it.
  503: "server busy, please try again.  maximum pending requests exceeded",
};

function errorResponse(spec: ErrorSpec): ErrorResponse {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", ...retryHeaders(spec) };
  const message = spec.message ?? MESSAGES[spec.status] ?? (spec.status >= 500 ? RUN_ERROR : `request failed with status ${spec.status}`);
  return { headers, body: JSON.stringify({ error: message }) };
}

function validate(body: Record<string, unknown>): void {
  if (typeof body.model !== "string" || body.model === "") throw badRequest("model is required", "model");
  if (body.messages !== undefined && body.messages !== null && !Array.isArray(body.messages)) {
    throw badRequest("json: cannot unmarshal messages: expected an array", "messages");
  }
}

function benchFrames(meta: ResponseMeta, pieces: readonly string[], chunks: number): BenchFrames {
  const m = { total_duration: chunks * 1000 + 1_000_000, prompt_eval_count: 1, prompt_eval_duration: 1_000_000, eval_count: chunks, eval_duration: chunks * 1000 };
  return {
    head: "",
    pieces: pieces.map((p) => progress(meta, 0, { content: p })),
    tail: finalLine(meta, 0, "stop", m),
  };
}

/** The Ollama `/api/chat` format. */
export const ollamaFormat: ProtocolFormat = {
  protocol: "ollama",
  streamContentType: "application/x-ndjson",
  newResponseId: () => "",
  commonHeaders: () => ({}),
  validate,
  streamFrames,
  body,
  errorResponse,
  streamError: () => line({ error: RUN_ERROR }),
  wrongShape: (meta) => `{"model":${JSON.stringify(meta.model)},"created_at":"${createdAt(meta, 0)}","message":"not an object","done":false}\n`,
  malformed: (meta) => `{"model":${JSON.stringify(meta.model)},"created_at":"${createdAt(meta, 0)}","message":{"role":"assistant","content":"\n`,
  benchFrames,
};
