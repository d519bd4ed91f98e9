/**
 * OpenAI Responses wire format (see shared/protocols/openai-responses-stream.md): `event: <type>` +
 * `data: {…,"sequence_number":n}` events, no `[DONE]`, the terminal event carrying the whole Response with
 * usage. Pure: an answer and its metadata in, events and objects out. `output_text` is never sent (the SDK
 * computes it), as on the real wire.
 */
import type { ResponseMeta } from "./protocol.js";
import type { ResponsesConversation } from "./responses-request.js";
import { splitArguments, type Answer } from "./script.js";
import { randomId } from "./util.js";

/** One event before numbering; `content` marks the paced ones that faults count. */
export interface ResponsesEvent {
  payload: Record<string, unknown>;
  content: boolean;
}

/** Per-response ids and flags. */
export interface ResponsesMeta extends ResponseMeta {
  background: boolean;
  store: boolean;
  summaryRequested: boolean;
  instructions: string | null;
}

export const SERVER_ERROR =
  "The server had an error processing your request. Sorry about that! You can retry your request, or contact us " +
  "through our help center at help.openai.com if you keep seeing this error.";

/** Metadata of a new response for this conversation. */
export function responsesMeta(conversation: ResponsesConversation, body: Record<string, unknown>, pacing: ResponseMeta["pacing"]): ResponsesMeta {
  return {
    id: randomId("resp_", 48),
    model: conversation.model,
    created: Math.floor(Date.now() / 1000),
    startedAt: Date.now(),
    includeUsage: true,
    pacing,
    background: conversation.background,
    store: conversation.store,
    summaryRequested: conversation.summaryRequested,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
  };
}

/** `event:` + `data:` of one payload with its sequence number. */
export function encodeEvent(payload: Record<string, unknown>, sequence: number): string {
  const json = JSON.stringify(payload);
  return `event: ${String(payload.type)}\ndata: ${json.slice(0, -1)},"sequence_number":${sequence}}\n\n`;
}

function usageOf(answer: Answer): Record<string, unknown> {
  return {
    input_tokens: answer.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: answer.outputTokens,
    output_tokens_details: { reasoning_tokens: answer.reasoningTokens },
    total_tokens: answer.inputTokens + answer.outputTokens,
  };
}

/** The Response object in a given state (the `response` of lifecycle events, the JSON body, GET's answer). */
export function responseObject(
  meta: ResponsesMeta,
  status: string,
  output: unknown[],
  answer: Answer | undefined,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const terminal = status === "completed" || status === "incomplete";
  return {
    id: meta.id,
    object: "response",
    created_at: meta.created,
    status,
    background: meta.background,
    completed_at: terminal ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: null,
    instructions: meta.instructions,
    max_output_tokens: null,
    model: meta.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: meta.store,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: terminal && answer !== undefined ? usageOf(answer) : null,
    metadata: {},
    ...extra,
  };
}

/** Scripted ids, else fresh `call_…` ids; item ids are always fresh. */
interface Ids {
  reasoning: string;
  message: string;
  calls: Array<{ item: string; call: string }>;
}

function idsFor(answer: Answer): Ids {
  return {
    reasoning: randomId("rs_", 48),
    message: randomId("msg_", 48),
    calls: answer.toolCalls.map((c) => ({ item: randomId("fc_", 48), call: c.id ?? randomId("call_", 24) })),
  };
}

/** A short padding string, as the real API adds to delta events (`stream_options.include_obfuscation`). */
function obfuscation(piece: string): string {
  return "AbCdEfGhIjKlMnOp".slice(0, Math.max(1, 16 - piece.length));
}

/** The output items of the finished response, in `output` order. */
function outputItems(answer: Answer, meta: ResponsesMeta, ids: Ids): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  if (answer.thinking !== undefined) {
    const summary = meta.summaryRequested && answer.thinking !== "" ? [{ type: "summary_text", text: answer.thinking }] : [];
    items.push({ id: ids.reasoning, type: "reasoning", summary });
  }
  if (answer.textPieces.length > 0 || answer.toolCalls.length === 0) {
    const status = answer.finishReason === "length" ? "incomplete" : "completed";
    items.push({ id: ids.message, type: "message", status, content: [{ type: "output_text", annotations: [], logprobs: [], text: answer.text }], role: "assistant" });
  }
  answer.toolCalls.forEach((call, i) => {
    items.push({ id: ids.calls[i]!.item, type: "function_call", status: "completed", arguments: JSON.stringify(call.arguments), call_id: ids.calls[i]!.call, name: call.name });
  });
  return items;
}

/** The terminal status and its `incomplete_details`. */
function terminalOf(answer: Answer): { status: "completed" | "incomplete"; extra: Record<string, unknown> } {
  if (answer.finishReason === "length") return { status: "incomplete", extra: { incomplete_details: { reason: "max_output_tokens" } } };
  if (answer.finishReason === "content_filter") return { status: "incomplete", extra: { incomplete_details: { reason: "content_filter" } } };
  return { status: "completed", extra: {} };
}

/** Every event of a streamed answer, in the order the real API sends them (§4 of the reference). */
export function responsesEvents(answer: Answer, meta: ResponsesMeta): { events: ResponsesEvent[]; final: Record<string, unknown> } {
  const ids = idsFor(answer);
  const items = outputItems(answer, meta, ids);
  const events: ResponsesEvent[] = [];
  const add = (payload: Record<string, unknown>, content = false) => events.push({ payload, content });
  const first = meta.background ? "queued" : "in_progress";
  add({ type: "response.created", response: responseObject(meta, first, [], undefined) });
  if (meta.background) add({ type: "response.queued", response: responseObject(meta, "queued", [], undefined) });
  add({ type: "response.in_progress", response: responseObject(meta, "in_progress", [], undefined) });
  let outputIndex = 0;
  for (const item of items) {
    const oi = outputIndex++;
    const id = item.id as string;
    if (item.type === "reasoning") {
      add({ type: "response.output_item.added", item: { id, type: "reasoning", summary: [] }, output_index: oi });
      if (meta.summaryRequested && answer.thinkingPieces.length > 0) {
        const part = { item_id: id, output_index: oi, summary_index: 0 };
        add({ type: "response.reasoning_summary_part.added", ...part, part: { type: "summary_text", text: "" } });
        for (const piece of answer.thinkingPieces) add({ type: "response.reasoning_summary_text.delta", ...part, delta: piece, obfuscation: obfuscation(piece) }, true);
        add({ type: "response.reasoning_summary_text.done", ...part, text: answer.thinking });
        add({ type: "response.reasoning_summary_part.done", ...part, part: { type: "summary_text", text: answer.thinking } });
      }
      add({ type: "response.output_item.done", item, output_index: oi });
    } else if (item.type === "message") {
      add({ type: "response.output_item.added", item: { id, type: "message", status: "in_progress", content: [], role: "assistant" }, output_index: oi });
      const at = { content_index: 0, item_id: id, output_index: oi };
      add({ type: "response.content_part.added", ...at, part: { type: "output_text", annotations: [], logprobs: [], text: "" } });
      for (const piece of answer.textPieces) add({ type: "response.output_text.delta", ...at, delta: piece, logprobs: [], obfuscation: obfuscation(piece) }, true);
      add({ type: "response.output_text.done", ...at, logprobs: [], text: answer.text });
      add({ type: "response.content_part.done", ...at, part: { type: "output_text", annotations: [], logprobs: [], text: answer.text } });
      add({ type: "response.output_item.done", item, output_index: oi });
    } else {
      add({ type: "response.output_item.added", item: { ...item, status: "in_progress", arguments: "" }, output_index: oi });
      for (const fragment of splitArguments(item.arguments as string)) {
        add({ type: "response.function_call_arguments.delta", delta: fragment, item_id: id, obfuscation: obfuscation(fragment), output_index: oi }, true);
      }
      add({ type: "response.function_call_arguments.done", arguments: item.arguments, item_id: id, output_index: oi });
      add({ type: "response.output_item.done", item, output_index: oi });
    }
  }
  const { status, extra } = terminalOf(answer);
  const final = responseObject(meta, status, items, answer, extra);
  add({ type: status === "completed" ? "response.completed" : "response.incomplete", response: final });
  return { events, final };
}

/** The `stream:false` body: the finished Response (or, in background mode, the queued one). */
export function responsesBody(answer: Answer, meta: ResponsesMeta): Record<string, unknown> {
  if (meta.background) return responseObject(meta, "queued", [], undefined);
  const { status, extra } = terminalOf(answer);
  return responseObject(meta, status, outputItems(answer, meta, idsFor(answer)), answer, extra);
}

/** The in-stream failure the live API sends: a nested `error` event, then `response.failed`. */
export function responsesErrorEvents(meta: ResponsesMeta, sequence: number): string {
  const error = { type: "server_error", code: "server_error", message: SERVER_ERROR, param: null };
  const failed = responseObject(meta, "failed", [], undefined, { error: { code: "server_error", message: SERVER_ERROR } });
  return encodeEvent({ type: "error", error }, sequence) + encodeEvent({ type: "response.failed", response: failed }, sequence + 1);
}

/** A frame that breaks the format (truncated JSON), for `malformed-after`. */
export function responsesMalformed(meta: ResponsesMeta): string {
  return `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":${JSON.stringify(meta.id)},"delta":"\n\n`;
}

/** A frame of valid JSON but the wrong shape: a text delta whose `delta` is not a string. */
export function responsesWrongShape(meta: ResponsesMeta): string {
  return `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":${JSON.stringify(meta.id)},"delta":null}\n\n`;
}

/** A text delta carrying "€" (3 bytes in UTF-8), cut after the character's second byte. */
export function responsesCutUtf8(meta: ResponsesMeta): Buffer {
  const bytes = Buffer.from(`event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":${JSON.stringify(meta.id)},"delta":"€"}\n\n`, "utf8");
  return bytes.subarray(0, bytes.indexOf(0xe2) + 2);
}

/** The head, per-chunk text delta and tail of a bench stream; deltas get their sequence numbers when written. */
export function responsesBenchParts(meta: ResponsesMeta, chunks: number): { head: string; delta: (piece: string) => string; tail: (sequence: number) => string } {
  const messageId = randomId("msg_", 48);
  const head =
    encodeEvent({ type: "response.created", response: responseObject(meta, "in_progress", [], undefined) }, 0) +
    encodeEvent({ type: "response.in_progress", response: responseObject(meta, "in_progress", [], undefined) }, 1) +
    encodeEvent({ type: "response.output_item.added", item: { id: messageId, type: "message", status: "in_progress", content: [], role: "assistant" }, output_index: 0 }, 2) +
    encodeEvent({ type: "response.content_part.added", content_index: 0, item_id: messageId, output_index: 0, part: { type: "output_text", annotations: [], logprobs: [], text: "" } }, 3);
  const deltaPrefix = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","content_index":0,"delta":`;
  const deltaMiddle = `,"item_id":"${messageId}","logprobs":[],"obfuscation":"AbCdEfGhIjK","output_index":0,"sequence_number":`;
  return {
    head,
    delta: (piece) => `${deltaPrefix}${JSON.stringify(piece)}${deltaMiddle}`,
    tail: (sequence) => {
      const answer = { inputTokens: 1, outputTokens: chunks, reasoningTokens: 0 } as Answer;
      const item = { id: messageId, type: "message", status: "completed", content: [{ type: "output_text", annotations: [], logprobs: [], text: "" }], role: "assistant" };
      return (
        encodeEvent({ type: "response.output_item.done", item, output_index: 0 }, sequence) +
        encodeEvent({ type: "response.completed", response: responseObject(meta, "completed", [item], answer) }, sequence + 1)
      );
    },
  };
}
