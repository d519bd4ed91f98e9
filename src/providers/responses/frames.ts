import { makeChunk, type ChunkMetadata, type StreamChunk, type ToolCall, type Usage } from "../../stream/chunk.js";
import { ProviderError, WireFormatError } from "../../stream/errors.js";
import { TextBuffer } from "../../stream/text-buffer.js";
import type { SSEEvent } from "../../wire/sse.js";
import { parseToolArguments } from "../common.js";
import type { FrameHandler } from "../stream-driver.js";
import type { ProviderRequest } from "../provider.js";
import { convertResponsesUsage, isRecord, mapResponsesFinishReason } from "./convert-messages.js";

export const PROVIDER = "openai";

/**
 * The Responses transform, plus what background resume needs: the last `sequence_number` handled and the
 * response id. One handler lives across a resume, so item state and text carry over to the tail.
 */
export interface ResponsesFrameHandler extends FrameHandler<SSEEvent> {
  /** The highest `sequence_number` handled (-1 before any): the `starting_after` of a resume. */
  readonly lastSequence: number;
  /** The `resp_…` id, once an event carrying the response object arrived. */
  readonly responseId: string | undefined;
}

/** A function_call item between `output_item.added` and `output_item.done`, keyed by its `item_id`. */
interface OpenCall {
  index: number;
  callId: string;
  name: string;
  args: string[];
  /** The whole argument string from `function_call_arguments.done` / `output_item.done`, preferred when sent. */
  whole: string | undefined;
  emitted: boolean;
}

/** What the stream of one response has gathered (the answer itself is the fold of its chunks). */
export interface ResponsesState {
  model: string;
  id: string | undefined;
  status: string | undefined;
  incompleteReason: string | undefined;
  usage: Usage | undefined;
  toolCalls: ToolCall[];
  thinking: TextBuffer;
}

/**
 * Responses events → chunks. Dispatches on the JSON `type` (proxies may drop `event:` lines); terminal
 * `response.completed` / `response.incomplete` are the end marker; `response.failed` and `error` throw.
 * Events at or below the last handled `sequence_number` are skipped, so a resumed body that repeats
 * events never repeats text. Events and items it does not know are ignored (their numbers still count).
 */
export function responsesFrames(request: ProviderRequest): ResponsesFrameHandler {
  const state: ResponsesState = {
    model: request.model, id: undefined, status: undefined, incompleteReason: undefined, usage: undefined, toolCalls: [], thinking: new TextBuffer(),
  };
  const calls = new Map<string, OpenCall>();
  let lastSequence = -1;
  let chunkIndex = 0;
  // The summary part the last thinking delta belonged to: a new part starts after "\n\n".
  let thinkingPart: string | undefined;

  const thinkingChunk = (type: string, part: string, piece: string, out: StreamChunk[], now: number) => {
    const text = thinkingPart !== undefined && thinkingPart !== part ? `\n\n${piece}` : piece;
    thinkingPart = part;
    state.thinking.append(text);
    const m = meta(state.model, type, chunkIndex++);
    m.thinking = text;
    out.push(makeChunk("thinking", "", m, now));
  };

  const callFor = (itemId: string, outputIndex: number): OpenCall => {
    let call = calls.get(itemId);
    if (call === undefined) {
      // A resumed tail may name an item whose `added` event came before the cursor: state on demand.
      call = { index: outputIndex, callId: "", name: "", args: [], whole: undefined, emitted: false };
      calls.set(itemId, call);
    }
    return call;
  };

  const completeCall = (call: OpenCall, type: string, out: StreamChunk[]) => {
    call.emitted = true;
    const argumentsText = call.whole ?? call.args.join("");
    const toolCall: ToolCall = { id: call.callId || `call_${call.index}`, name: call.name, arguments: parseToolArguments(argumentsText, call.name), argumentsText };
    state.toolCalls.push(toolCall);
    const m = meta(state.model, type, chunkIndex++);
    m.toolCall = toolCall;
    out.push(makeChunk("tool_call", "", m));
  };

  return {
    get lastSequence() {
      return lastSequence;
    },
    get responseId() {
      return state.id;
    },
    frame(event, out, now) {
      const data = event.data;
      if (data === "") return false;
      // Some compatible servers end with [DONE]; the official API ends after the terminal event.
      if (data === "[DONE]") return true;
      const json = parseEvent(data);
      const sequence = json["sequence_number"];
      if (typeof sequence === "number") {
        if (sequence <= lastSequence) return false;
        lastSequence = sequence;
      }
      const type = typeof json["type"] === "string" ? json["type"] : event.type;
      switch (type) {
        case "response.output_text.delta": {
          // The hot path (one event per token): the check of field() inlined.
          const delta = json["delta"];
          if (typeof delta !== "string") field(json, type, "delta", "string");
          else if (delta !== "") out.push(makeChunk("text", delta, meta(state.model, type, chunkIndex++), now));
          return false;
        }
        case "response.reasoning_summary_text.delta": {
          const delta = field(json, type, "delta", "string");
          if (delta !== "") thinkingChunk(type, `${String(json["item_id"])}:s${String(json["summary_index"])}`, delta, out, now);
          return false;
        }
        case "response.reasoning_text.delta": {
          const delta = field(json, type, "delta", "string");
          if (delta !== "") thinkingChunk(type, `${String(json["item_id"])}:r${String(json["content_index"])}`, delta, out, now);
          return false;
        }
        case "response.refusal.delta": {
          const delta = field(json, type, "delta", "string");
          if (delta !== "") {
            const m = meta(state.model, type, chunkIndex++);
            m.refusal = delta;
            out.push(makeChunk("text", "", m, now));
          }
          return false;
        }
        case "response.function_call_arguments.delta": {
          const delta = field(json, type, "delta", "string");
          const index = field(json, type, "output_index", "number");
          const call = callFor(field(json, type, "item_id", "string"), index);
          if (delta !== "" && !call.emitted) {
            call.args.push(delta);
            const m = meta(state.model, type, chunkIndex++);
            m.toolCall = { index, argumentsDelta: delta };
            out.push(makeChunk("tool_call_delta", "", m, now));
          }
          return false;
        }
        case "response.function_call_arguments.done": {
          const call = callFor(field(json, type, "item_id", "string"), field(json, type, "output_index", "number"));
          const whole = json["arguments"];
          if (typeof whole === "string") call.whole = whole;
          // `name` is in the types but absent on the wire; output_item.added/done carry it.
          if (typeof json["name"] === "string" && json["name"] !== "") call.name = json["name"];
          return false;
        }
        case "response.output_item.added":
        case "response.output_item.done": {
          const item = field(json, type, "item", "object");
          if (item["type"] !== "function_call") return false;
          const index = field(json, type, "output_index", "number");
          const itemId = typeof item["id"] === "string" ? item["id"] : `fc_${index}`;
          const known = calls.has(itemId);
          const call = callFor(itemId, index);
          if (typeof item["call_id"] === "string") call.callId = item["call_id"];
          if (typeof item["name"] === "string") call.name = item["name"];
          if (type === "response.output_item.added") {
            if (!known) {
              const m = meta(state.model, type, chunkIndex++);
              m.toolCall = { index, id: call.callId, name: call.name, argumentsDelta: "" };
              out.push(makeChunk("tool_call_delta", "", m, now));
            }
          } else {
            if (typeof item["arguments"] === "string" && item["arguments"] !== "") call.whole = item["arguments"];
            if (!call.emitted) completeCall(call, type, out);
          }
          return false;
        }
        case "response.created":
        case "response.queued":
        case "response.in_progress":
          readResponse(field(json, type, "response", "object"), state);
          return false;
        case "response.completed":
        case "response.incomplete": {
          const response = field(json, type, "response", "object");
          readResponse(response, state);
          state.usage = convertResponsesUsage(response["usage"]);
          const details = response["incomplete_details"];
          if (isRecord(details) && typeof details["reason"] === "string") state.incompleteReason = details["reason"];
          if (state.status === undefined || state.status === "in_progress" || state.status === "queued") {
            state.status = type === "response.completed" ? "completed" : "incomplete";
          }
          return true;
        }
        case "response.failed": {
          const response = field(json, type, "response", "object");
          readResponse(response, state);
          const error = response["error"];
          throw responsesStreamError(isRecord(error) ? error : {}, undefined);
        }
        case "error": {
          // The live API nests the fields under `error`; the reference and compatible servers send them flat.
          const nested = json["error"];
          throw responsesStreamError(isRecord(nested) ? nested : {}, json);
        }
        // keepalive, content_part.*, *.done repeats, annotations, built-in tool events: nothing to hand over.
      }
      return false;
    },
    finish(out) {
      // Calls whose output_item.done never came (the terminal event closes them all the same), in index order.
      const open = [...calls.values()].filter((call) => !call.emitted).sort((a, b) => a.index - b.index);
      for (const call of open) completeCall(call, "response.completed", out);
      const final = meta(state.model, state.status === "incomplete" ? "response.incomplete" : "response.completed", chunkIndex);
      final.finishReason = mapResponsesFinishReason(state.status, state.incompleteReason, state.toolCalls.length > 0);
      if (state.status !== undefined) final.providerFinishReason = state.status;
      if (state.usage !== undefined) final.usage = state.usage;
      if (state.id !== undefined) final.responseId = state.id;
      out.push(makeChunk("final", "", final));
    },
  };
}

/** Takes the id, model and status of an event's `response` object. */
function readResponse(response: Record<string, unknown>, state: ResponsesState): void {
  if (typeof response["id"] === "string" && state.id === undefined) state.id = response["id"];
  if (typeof response["model"] === "string" && response["model"] !== "") state.model = response["model"];
  if (typeof response["status"] === "string") state.status = response["status"];
}

/** The per-chunk metadata; one literal so every chunk's metadata has the same shape. */
export function meta(model: string, eventType: string, chunkIndex: number): ChunkMetadata {
  return { provider: PROVIDER, model, eventType, chunkIndex };
}

function parseEvent(data: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    throw new WireFormatError("OpenAI Responses sent a data line that is not JSON", { type: "invalid-json", excerpt: data, cause: error });
  }
  if (!isRecord(value)) {
    throw new WireFormatError("OpenAI Responses sent a data line that is not a JSON object", { type: "unexpected-shape", excerpt: data });
  }
  return value;
}

type FieldKind = { string: string; number: number; object: Record<string, unknown> };

/** A field the event's type requires; a missing or wrong-typed one is a malformed frame (reason "provider"). */
function field<K extends keyof FieldKind>(json: Record<string, unknown>, type: string, name: string, kind: K): FieldKind[K] {
  const value = json[name];
  if (kind === "object" ? isRecord(value) : typeof value === kind) return value as FieldKind[K];
  throw new WireFormatError(`OpenAI Responses sent a ${type} event whose "${name}" is not a ${kind}`, {
    type: "unexpected-shape",
    excerpt: JSON.stringify(json),
  });
}

/** Codes that say "try again later" although they arrive inside a 200 stream. */
const RETRYABLE_CODES = new Set(["rate_limit_exceeded", "server_error", "server_is_overloaded", "slow_down"]);

/**
 * An `error` event or a `response.failed` error → the `ProviderError` cause of the interruption. Nested fields
 * are read first, flat ones second, field by field; in the flat shape the top-level `type` is the event name.
 */
export function responsesStreamError(nested: Record<string, unknown>, flat: Record<string, unknown> | undefined): ProviderError {
  const pick = (name: string): string | undefined => {
    const inner = nested[name];
    if (typeof inner === "string") return inner;
    if (flat === undefined || name === "type") return undefined;
    const outer = flat[name];
    return typeof outer === "string" ? outer : undefined;
  };
  const message = pick("message") ?? "unknown error";
  const type = pick("type");
  const code = pick("code");
  return new ProviderError(`${PROVIDER} stream error${type ? ` (${type})` : code ? ` (${code})` : ""}: ${message}`, {
    provider: PROVIDER,
    status: 200,
    providerMessage: message,
    retryable: (code !== undefined && RETRYABLE_CODES.has(code)) || type === "tokens",
    ...(type === undefined ? {} : { type }),
    ...(code === undefined ? {} : { code }),
  });
}
