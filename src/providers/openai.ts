import { accumulate } from "../stream/accumulate.js";
import { makeChunk, type ChunkMetadata, type FinishReason, type StreamChunk, type ToolCall, type Usage } from "../stream/chunk.js";
import { WireFormatError } from "../stream/errors.js";
import { SSEDecoder, type SSEEvent } from "../wire/sse.js";
import { httpProvider, type FrameHandler } from "./stream-driver.js";
import { TextFrameTemplate } from "./text-frame.js";
import { jsonCall, toolCallFromText, requireApiKey, resolveSettings, streamErrorEvent } from "./common.js";
import { joinUrl, openResponse } from "./http-call.js";
import { checkOpenAIChunk, shapeError } from "./frame-shapes.js";
import {
  buildOpenAIBody,
  convertOpenAIUsage,
  mapOpenAIFinishReason,
  ToolCallAssembler,
  type OpenAIUsage,
} from "./openai-messages.js";
import type { CompletionResult, Provider, ProviderOptions, ProviderRequest } from "./provider.js";

const PROVIDER = "openai";

/** Options of the OpenAI provider; `baseUrl` may point at any OpenAI-compatible server. */
export interface OpenAIProviderOptions extends ProviderOptions {
  /** Sent as `OpenAI-Organization`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. */
  project?: string;
}

/** The wire shape of one `chat.completion.chunk` (only what we read). */
interface OpenAIChunk {
  id?: string;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>;
    } | null;
    finish_reason?: string | null;
  }>;
  usage?: OpenAIUsage | null;
  error?: { message?: string; type?: string; code?: string | null } | string;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** Creates the OpenAI Chat Completions provider (`POST {baseUrl}/chat/completions`). */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  // OPENAI_BASE_URL as the official SDK reads it; an explicit baseUrl wins. Only the official API needs a key.
  const settings = resolveSettings(options, { baseUrl: OPENAI_BASE_URL, apiKeyEnv: "OPENAI_API_KEY", baseUrlEnv: "OPENAI_BASE_URL", keyRequiredByDefaultUrl: true });
  const orgHeaders: Record<string, string> = {};
  if (options.organization !== undefined) orgHeaders["openai-organization"] = options.organization;
  if (options.project !== undefined) orgHeaders["openai-project"] = options.project;

  const call = (request: ProviderRequest, stream: boolean, signal: AbortSignal) => {
    const apiKey = settings.apiKeyRequired ? requireApiKey(settings, PROVIDER, "OPENAI_API_KEY") : settings.apiKey;
    const headers = apiKey ? { ...orgHeaders, authorization: `Bearer ${apiKey}` } : orgHeaders;
    return openResponse({
      ...jsonCall(PROVIDER, settings, signal, { accept: stream ? "text/event-stream" : "application/json", headers, apiKey }),
      url: joinUrl(settings.baseUrl, "/chat/completions"),
      body: JSON.stringify(buildOpenAIBody(request, stream)),
    });
  };

  return httpProvider({
    name: PROVIDER,
    settings,
    call,
    decoder: () => new SSEDecoder(),
    frames: openAIFrames,
    endMarker: "data: [DONE]",
    parseCompletion,
    continuation: "instruction",
  });
}


/** OpenAI's transform: `chat.completion.chunk` events → chunks, `[DONE]` the end marker. */
function openAIFrames(request: ProviderRequest): FrameHandler<SSEEvent> {
  const tools = new ToolCallAssembler();
  const toolCalls: ToolCall[] = [];
  let model = request.model;
  let id: string | undefined;
  let usage: Usage | undefined;
  let rawFinish: string | undefined;
  let finishReason: FinishReason = "stop";
  let chunkIndex = 0;
  const textFrames = new TextFrameTemplate('"content":"', plainText); // issue 13
  return {
    frame(event, out, now) {
      const data = event.data;
      // issue 13: a text delta that is the same JSON as an earlier one around its text is read without parsing.
      const fast = event.type === "message" ? textFrames.match(data) : undefined;
      if (fast !== undefined) {
        out.push(makeChunk("text", fast, meta(model, chunkIndex++), now));
        return false;
      }
      if (data === "[DONE]") return true;
      if (event.type === "error") throw errorEvent(data);
      const json = parseEvent(data);
      if (json.error) throw errorEvent(json.error);
      checkOpenAIChunk(json, data);
      if (id === undefined) {
        id = json.id;
        if (json.model) model = json.model;
      }
      if (json.usage) usage = convertOpenAIUsage(json.usage);
      const choice = json.choices?.[0];
      if (choice === undefined) return false;
      const delta = choice.delta;
      if (delta) {
        const content = delta.content;
        if (content) {
          out.push(makeChunk("text", content, meta(model, chunkIndex++), now));
          textFrames.learn(data, content); // issue 13
        }
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) {
          const m = meta(model, chunkIndex++);
          m.thinking = reasoning;
          out.push(makeChunk("thinking", "", m, now));
        }
        if (delta.refusal) {
          const m = meta(model, chunkIndex++);
          m.refusal = delta.refusal;
          out.push(makeChunk("text", "", m, now));
        }
        const fragments = delta.tool_calls;
        if (fragments) {
          for (let t = 0; t < fragments.length; t++) {
            const f = fragments[t]!;
            const index = f.index ?? 0;
            const argumentsDelta = f.function?.arguments ?? "";
            tools.add(index, f.id, f.function?.name, argumentsDelta);
            const m = meta(model, chunkIndex++);
            m.toolCall = { index, argumentsDelta, ...(f.id ? { id: f.id } : {}), ...(f.function?.name ? { name: f.function.name } : {}) };
            out.push(makeChunk("tool_call_delta", "", m, now));
          }
        }
      }
      if (choice.finish_reason) {
        rawFinish = choice.finish_reason;
        // The calls are whole once their choice finishes; hand them over before the usage chunk arrives.
        for (const toolCall of tools.complete()) out.push(toolCallChunk(toolCall, model, chunkIndex++, toolCalls));
      }
      return false;
    },
    finish(out) {
      for (const toolCall of tools.complete()) out.push(toolCallChunk(toolCall, model, chunkIndex++, toolCalls));
      // A forced tool_choice can end with "stop": what was called decides.
      finishReason = toolCalls.length > 0 && rawFinish === "stop" ? "tool_calls" : mapOpenAIFinishReason(rawFinish);
      const final = meta(model, chunkIndex);
      final.finishReason = finishReason;
      if (rawFinish !== undefined) final.providerFinishReason = rawFinish;
      if (usage !== undefined) final.usage = usage;
      if (id !== undefined) final.responseId = id;
      out.push(makeChunk("final", "", final));
    },
  };
}

/** issue 13: the text of a chunk that is a plain text delta and nothing else (no usage, finish, tool call, error). */
function plainText(value: unknown): string | undefined {
  const json = value as OpenAIChunk;
  if (typeof json !== "object" || json === null || json.error !== undefined || (json.usage !== undefined && json.usage !== null)) return undefined;
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice = choices[0]!;
  if (choice.finish_reason !== undefined && choice.finish_reason !== null) return undefined;
  const delta = choice.delta;
  if (typeof delta !== "object" || delta === null || typeof delta.content !== "string") return undefined;
  for (const key in delta) if (key !== "content") return undefined;
  return delta.content;
}

/** The per-chunk metadata; one literal so every chunk's metadata has the same shape. */
function meta(model: string, chunkIndex: number): ChunkMetadata {
  return { provider: PROVIDER, model, chunkIndex, step: 0 };
}

function toolCallChunk(toolCall: ToolCall, model: string, chunkIndex: number, into: ToolCall[]): StreamChunk {
  into.push(toolCall);
  const m = meta(model, chunkIndex);
  m.toolCall = toolCall;
  return makeChunk("tool_call", "", m);
}

function parseEvent(data: string): OpenAIChunk {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    throw new WireFormatError("OpenAI sent a data line that is not JSON", { type: "invalid-json", excerpt: data, cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw shapeError(PROVIDER, "the chunk", "must be a JSON object", data);
  return value as OpenAIChunk;
}

function errorEvent(error: unknown): Error {
  if (typeof error === "string") {
    try {
      const parsed = JSON.parse(error) as { error?: unknown };
      if (parsed.error !== undefined) return errorEvent(parsed.error);
    } catch {
      // not JSON: the text is the message
    }
    return streamErrorEvent(PROVIDER, error);
  }
  const e = error as { message?: unknown; type?: unknown; code?: unknown };
  return streamErrorEvent(
    PROVIDER,
    typeof e.message === "string" ? e.message : JSON.stringify(error),
    typeof e.type === "string" ? e.type : undefined,
    typeof e.code === "string" ? e.code : undefined,
  );
}

/** The non-streaming response body → a completion. */
function parseCompletion(bodyText: string, request: ProviderRequest): CompletionResult {
  let body: {
    id?: string;
    model?: string;
    choices?: Array<{
      message?: { content?: string | null; refusal?: string | null; reasoning_content?: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };
      finish_reason?: string | null;
    }>;
    usage?: OpenAIUsage;
  };
  try {
    body = JSON.parse(bodyText) as typeof body;
  } catch (error) {
    throw new WireFormatError("OpenAI sent a response that is not JSON", { type: "invalid-json", excerpt: bodyText, cause: error });
  }
  // The whole message as the chunks a stream of it would carry, folded by the one accumulator.
  const choice = body.choices?.[0];
  const message = choice?.message;
  const model = body.model ?? request.model;
  const chunks: StreamChunk[] = [];
  if (message?.reasoning_content) {
    const m = meta(model, chunks.length);
    m.thinking = message.reasoning_content;
    chunks.push(makeChunk("thinking", "", m));
  }
  if (message?.content) chunks.push(makeChunk("text", message.content, meta(model, chunks.length)));
  const calls = message?.tool_calls ?? [];
  for (const call of calls) {
    const m = meta(model, chunks.length);
    m.toolCall = toolCallFromText(call.id, call.function.name, call.function.arguments);
    chunks.push(makeChunk("tool_call", "", m));
  }
  const raw = choice?.finish_reason ?? undefined;
  const final = meta(model, chunks.length);
  final.finishReason = calls.length > 0 && raw === "stop" ? "tool_calls" : mapOpenAIFinishReason(raw);
  if (raw !== undefined) final.providerFinishReason = raw;
  if (body.usage !== undefined) final.usage = convertOpenAIUsage(body.usage);
  if (body.id !== undefined) final.responseId = body.id;
  chunks.push(makeChunk("final", "", final));
  return accumulate(chunks);
}
