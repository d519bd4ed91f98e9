import { accumulate } from "../stream/accumulate.js";
import { makeChunk, type ChunkMetadata, type StreamChunk, type ToolCall, type Usage } from "../stream/chunk.js";
import { ConfigurationError, WireFormatError } from "../stream/errors.js";
import { SSEDecoder, type SSEEvent } from "../wire/sse.js";
import { httpProvider, type FrameHandler } from "./stream-driver.js";
import { TextFrameTemplate } from "./text-frame.js";
import { jsonCall, toolCallFromText, requireApiKey, resolveSettings, streamErrorEvent } from "./common.js";
import { joinUrl, openResponse } from "./http-call.js";
import { checkAnthropicEvent } from "./frame-shapes.js";
import { buildAnthropicBody, convertAnthropicUsage, mapAnthropicFinishReason, type AnthropicUsage } from "./anthropic-messages.js";
import type { CompletionResult, Provider, ProviderOptions, ProviderRequest } from "./provider.js";

const PROVIDER = "anthropic";
const API_KEY_ENV = "ANTHROPIC_API_KEY";
/** The `anthropic-version` the current official SDKs send. */
export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";
/** `max_tokens` is required by the API; this is sent when a request gives none. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Options of the Anthropic provider; `baseUrl` may point at any server speaking the Messages API. */
export interface AnthropicProviderOptions extends ProviderOptions {
  /** Sent as `anthropic-version` (default "2023-06-01"). */
  apiVersion?: string;
  /** `max_tokens` of a request that gives no `maxTokens` (default 4096). */
  defaultMaxTokens?: number;
}

/** The wire shape of one streamed event (only what we read). */
interface AnthropicEvent {
  type?: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: AnthropicUsage | null } | null;
  content_block?: {
    type?: string;
    text?: string;
    thinking?: string;
    data?: string;
    id?: string;
    name?: string;
    input?: unknown;
  } | null;
  delta?: {
    type?: string;
    text?: string;
    thinking?: string;
    signature?: string;
    partial_json?: string;
    stop_reason?: string | null;
  } | null;
  usage?: AnthropicUsage | null;
  error?: { type?: string; message?: string } | null;
}

/** A `tool_use` block between its start and its stop. */
interface OpenToolBlock {
  id: string;
  name: string;
  /** The `input` of `content_block_start`: a placeholder `{}` normally, used only when no fragment follows. */
  input: unknown;
  args: string[];
}

const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/** Creates the Anthropic Messages provider (`POST {baseUrl}/v1/messages`). */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): Provider {
  // ANTHROPIC_BASE_URL as the official SDK reads it; an explicit baseUrl wins. Only the official API needs a key.
  const settings = resolveSettings(options, { baseUrl: ANTHROPIC_BASE_URL, apiKeyEnv: API_KEY_ENV, baseUrlEnv: "ANTHROPIC_BASE_URL", keyRequiredByDefaultUrl: true });
  const apiVersion = options.apiVersion ?? DEFAULT_ANTHROPIC_VERSION;
  if (typeof apiVersion !== "string" || apiVersion === "") {
    throw new ConfigurationError("apiVersion", `must be a non-empty string, got ${String(apiVersion)}`);
  }
  const defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  if (!(Number.isInteger(defaultMaxTokens) && defaultMaxTokens > 0)) {
    throw new ConfigurationError("defaultMaxTokens", `must be a positive integer, got ${String(defaultMaxTokens)}`);
  }

  const call = (request: ProviderRequest, stream: boolean, signal: AbortSignal) => {
    const apiKey = settings.apiKeyRequired ? requireApiKey(settings, PROVIDER, API_KEY_ENV) : settings.apiKey;
    const headers: Record<string, string> = { "anthropic-version": apiVersion };
    if (apiKey) headers["x-api-key"] = apiKey;
    return openResponse({
      ...jsonCall(PROVIDER, settings, signal, { accept: stream ? "text/event-stream" : "application/json", headers, apiKey }),
      url: joinUrl(settings.baseUrl, "/v1/messages"),
      body: JSON.stringify(buildAnthropicBody(request, stream, defaultMaxTokens)),
    });
  };

  return httpProvider({
    name: PROVIDER,
    settings,
    call,
    decoder: () => new SSEDecoder(),
    frames: anthropicFrames,
    endMarker: "message_stop",
    parseCompletion,
    continuation: "prefill",
  });
}

/**
 * Anthropic's transform: events dispatched on their JSON `type` (a proxy may drop the `event:` line) → chunks,
 * `message_stop` the end marker; `ping` and event, block and delta types added later are ignored.
 */
function anthropicFrames(request: ProviderRequest): FrameHandler<SSEEvent> {
  const toolBlocks = new Map<number, OpenToolBlock>();
  const toolCalls: ToolCall[] = [];
  let model = request.model;
  let id: string | undefined;
  let usage: Usage | undefined;
  let rawFinish: string | undefined;
  let chunkIndex = 0;
  const textFrames = new TextFrameTemplate('"text":"', plainText); // issue 13
  return {
    frame(event, out, now) {
      // issue 13: a text delta that is the same JSON as an earlier one around its text is read without parsing.
      const fast = textFrames.match(event.data);
      if (fast !== undefined) {
        out.push(makeChunk("text", fast, meta(model, "content_block_delta", chunkIndex++), now));
        return false;
      }
      if (event.data === "") return false;
      const json = parseEvent(event.data);
      const type = typeof json.type === "string" ? json.type : event.type;
      checkAnthropicEvent(json as Record<string, unknown>, type, event.data);
      switch (type) {
        case "content_block_delta": {
          const delta = json.delta;
          if (!delta) break;
          switch (delta.type) {
            case "text_delta": {
              const piece = delta.text;
              if (typeof piece === "string" && piece !== "") {
                out.push(makeChunk("text", piece, meta(model, type, chunkIndex++), now));
                textFrames.learn(event.data, piece); // issue 13
              }
              break;
            }
            case "thinking_delta": {
              const piece = delta.thinking;
              if (typeof piece === "string" && piece !== "") {
                const m = meta(model, type, chunkIndex++);
                m.thinking = piece;
                out.push(makeChunk("thinking", "", m, now));
              }
              break;
            }
            case "signature_delta": {
              if (typeof delta.signature === "string" && delta.signature !== "") {
                const m = meta(model, type, chunkIndex++);
                m.signature = delta.signature;
                out.push(makeChunk("thinking", "", m, now));
              }
              break;
            }
            case "input_json_delta": {
              const index = json.index ?? 0;
              const block = toolBlocks.get(index);
              const argumentsDelta = delta.partial_json;
              // No open block: a server_tool_use block, which is not the client's to run.
              if (block !== undefined && typeof argumentsDelta === "string" && argumentsDelta !== "") {
                block.args.push(argumentsDelta);
                const m = meta(model, type, chunkIndex++);
                m.toolCall = { index, argumentsDelta };
                out.push(makeChunk("tool_call_delta", "", m, now));
              }
              break;
            }
            // citations_delta and delta types added later: nothing for us.
          }
          break;
        }
        case "content_block_start": {
          const block = json.content_block;
          if (!block) break;
          const index = json.index ?? 0;
          switch (block.type) {
            case "text":
              // Normally "", but a block may start with text.
              if (typeof block.text === "string" && block.text !== "") {
                out.push(makeChunk("text", block.text, meta(model, type, chunkIndex++), now));
              }
              break;
            case "thinking":
              if (typeof block.thinking === "string" && block.thinking !== "") {
                const m = meta(model, type, chunkIndex++);
                m.thinking = block.thinking;
                out.push(makeChunk("thinking", "", m, now));
              }
              break;
            case "redacted_thinking":
              if (typeof block.data === "string") {
                const m = meta(model, type, chunkIndex++);
                m.redactedThinking = block.data;
                out.push(makeChunk("thinking", "", m, now));
              }
              break;
            case "tool_use": {
              const toolId = typeof block.id === "string" ? block.id : `toolu_${index}`;
              const name = typeof block.name === "string" ? block.name : "";
              toolBlocks.set(index, { id: toolId, name, input: block.input, args: [] });
              const m = meta(model, type, chunkIndex++);
              m.toolCall = { index, id: toolId, name, argumentsDelta: "" };
              out.push(makeChunk("tool_call_delta", "", m, now));
              break;
            }
            // server_tool_use, web_search_tool_result and block types added later: not client content.
          }
          break;
        }
        case "content_block_stop": {
          const index = json.index ?? 0;
          const block = toolBlocks.get(index);
          if (block !== undefined) {
            toolBlocks.delete(index);
            out.push(toolCallChunk(block, model, type, chunkIndex++, toolCalls));
          }
          break;
        }
        case "message_start": {
          const message = json.message;
          if (!message) break;
          if (typeof message.id === "string") id = message.id;
          if (typeof message.model === "string" && message.model !== "") model = message.model;
          if (message.usage) usage = convertAnthropicUsage(message.usage, usage);
          break;
        }
        case "message_delta": {
          const stopReason = json.delta?.stop_reason;
          if (typeof stopReason === "string") rawFinish = stopReason;
          if (json.usage) usage = convertAnthropicUsage(json.usage, usage);
          break;
        }
        case "message_stop":
          return true;
        case "error":
          throw errorEvent(json.error);
        // ping and event types added later: ignored.
      }
      return false;
    },
    finish(out) {
      // A block left open at message_stop is complete all the same.
      for (const index of [...toolBlocks.keys()].sort((x, y) => x - y)) {
        out.push(toolCallChunk(toolBlocks.get(index)!, model, "message_stop", chunkIndex++, toolCalls));
      }
      const final = meta(model, "message_stop", chunkIndex);
      final.usage = usage ?? convertAnthropicUsage({});
      final.finishReason = mapAnthropicFinishReason(rawFinish);
      if (rawFinish !== undefined) final.providerFinishReason = rawFinish;
      if (id !== undefined) final.responseId = id;
      out.push(makeChunk("final", "", final));
    },
  };
}

/** issue 13: the text of an event that is a `text_delta` and nothing else. */
function plainText(value: unknown): string | undefined {
  const json = value as AnthropicEvent;
  if (typeof json !== "object" || json === null || json.type !== "content_block_delta") return undefined;
  const delta = json.delta;
  if (typeof delta !== "object" || delta === null || delta.type !== "text_delta" || typeof delta.text !== "string") return undefined;
  return delta.text;
}

/** The per-chunk metadata; one literal so every chunk's metadata has the same shape. */
function meta(model: string, eventType: string, chunkIndex: number): ChunkMetadata {
  return { provider: PROVIDER, model, eventType, chunkIndex, step: 0 };
}

/** Completes a tool_use block: its fragments joined and parsed ("" is `{}`; bad JSON throws, keeping the text). */
function toolCallChunk(block: OpenToolBlock, model: string, eventType: string, chunkIndex: number, into: ToolCall[]): StreamChunk {
  let argumentsText = block.args.length === 1 ? block.args[0]! : block.args.join("");
  if (argumentsText === "" && isNonEmptyObject(block.input)) argumentsText = JSON.stringify(block.input);
  const toolCall: ToolCall = toolCallFromText(block.id, block.name, argumentsText);
  into.push(toolCall);
  const m = meta(model, eventType, chunkIndex);
  m.toolCall = toolCall;
  return makeChunk("tool_call", "", m);
}

function isNonEmptyObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const _ in value) return true;
  return false;
}

function parseEvent(data: string): AnthropicEvent {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    throw new WireFormatError("Anthropic sent a data line that is not JSON", { type: "invalid-json", excerpt: data, cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireFormatError("Anthropic sent a data line that is not a JSON object", { type: "unexpected-shape", excerpt: data });
  }
  return value as AnthropicEvent;
}

/** An `error` event (or an error body): `{"type":"error","error":{"type","message"}}`. */
function errorEvent(error: AnthropicEvent["error"]): Error {
  const message = typeof error?.message === "string" ? error.message : "unknown error";
  return streamErrorEvent(PROVIDER, message, typeof error?.type === "string" ? error.type : undefined);
}

/** The non-streaming response body (a whole Message) → a completion. */
function parseCompletion(bodyText: string, request: ProviderRequest): CompletionResult {
  let body: {
    type?: string;
    id?: string;
    model?: string;
    content?: Array<{ type?: string; text?: string; thinking?: string; signature?: string; data?: string; id?: string; name?: string; input?: unknown }>;
    stop_reason?: string | null;
    usage?: AnthropicUsage | null;
    error?: AnthropicEvent["error"];
  };
  try {
    body = JSON.parse(bodyText) as typeof body;
  } catch (error) {
    throw new WireFormatError("Anthropic sent a response that is not JSON", { type: "invalid-json", excerpt: bodyText, cause: error });
  }
  if (body.type === "error") throw errorEvent(body.error);
  // The whole message as the chunks a stream of it would carry, folded by the one accumulator.
  const model = body.model ?? request.model;
  const chunks: StreamChunk[] = [];
  let toolIndex = 0;
  for (const block of body.content ?? []) {
    const m = meta(model, "message", chunks.length);
    if (block.type === "text" && typeof block.text === "string") chunks.push(makeChunk("text", block.text, m));
    else if (block.type === "thinking" && typeof block.thinking === "string") {
      m.thinking = block.thinking;
      if (typeof block.signature === "string") m.signature = block.signature;
      chunks.push(makeChunk("thinking", "", m));
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      m.redactedThinking = block.data;
      chunks.push(makeChunk("thinking", "", m));
    } else if (block.type === "tool_use") {
      const input = isNonEmptyObject(block.input) ? block.input : {};
      m.toolCall = { id: block.id ?? `toolu_${toolIndex}`, name: block.name ?? "", arguments: input, argumentsText: JSON.stringify(input) };
      toolIndex++;
      chunks.push(makeChunk("tool_call", "", m));
    }
  }
  const raw = body.stop_reason ?? undefined;
  const final = meta(model, "message", chunks.length);
  final.usage = convertAnthropicUsage(body.usage ?? {});
  final.finishReason = mapAnthropicFinishReason(raw);
  if (raw !== undefined) final.providerFinishReason = raw;
  if (body.id !== undefined) final.responseId = body.id;
  chunks.push(makeChunk("final", "", final));
  return accumulate(chunks);
}
