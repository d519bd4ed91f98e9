import { makeChunk, type ChunkMetadata, type StreamChunk, type ToolCall, type Usage } from "../stream/chunk.js";
import { ChunkStream, type Delivered } from "../stream/chunk-stream.js";
import { WireFormatError } from "../stream/errors.js";
import { TextBuffer } from "../stream/text-buffer.js";
import { SSEDecoder } from "../wire/sse.js";
import { interruption, parseToolArguments, readWholeBody, withCallSignal, requireApiKey, resolveSettings, streamErrorEvent, truncated } from "./common.js";
import { joinUrl, openResponse } from "./http-call.js";
import {
  buildOpenAIBody,
  convertOpenAIUsage,
  mapOpenAIFinishReason,
  ToolCallAssembler,
  type OpenAIUsage,
} from "./openai-messages.js";
import type { CallOptions, CompletionResult, Provider, ProviderOptions, ProviderRequest } from "./provider.js";

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

/** Creates the OpenAI Chat Completions provider (`POST {baseUrl}/chat/completions`). */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const settings = resolveSettings(options, { baseUrl: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY" });
  const keyRequired = options.baseUrl === undefined;
  const extraHeaders: Record<string, string> = { ...settings.headers };
  if (options.organization !== undefined) extraHeaders["openai-organization"] = options.organization;
  if (options.project !== undefined) extraHeaders["openai-project"] = options.project;

  const call = (request: ProviderRequest, stream: boolean, signal: AbortSignal) => {
    const headers: Record<string, string> = { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...extraHeaders };
    const apiKey = keyRequired ? requireApiKey(settings, PROVIDER, "OPENAI_API_KEY") : settings.apiKey;
    if (apiKey) headers["authorization"] = `Bearer ${apiKey}`;
    return openResponse({
      provider: PROVIDER,
      url: joinUrl(settings.baseUrl, "/chat/completions"),
      headers,
      body: JSON.stringify(buildOpenAIBody(request, stream)),
      signal,
      timeout: settings.timeout,
      maxRetries: settings.maxRetries,
      secrets: apiKey ? [apiKey] : [],
    });
  };

  return {
    name: PROVIDER,
    supportsStreaming: true,
    supportsTools: true,
    supportsThinking: true,
    settings: { timeout: settings.timeout, maxRetries: settings.maxRetries, baseUrl: settings.baseUrl },
    stream(request, callOptions: CallOptions = {}) {
      return new ChunkStream<CompletionResult>((signal, delivered) => streamOpenAI(request, signal, delivered, call), callOptions.signal);
    },
    async complete(request, callOptions: CallOptions = {}) {
      return withCallSignal(PROVIDER, callOptions, async (signal) => {
        const response = await call(request, false, signal);
        return parseCompletion(await readWholeBody(PROVIDER, response, signal), request);
      });
    },
  };
}

type Caller = (request: ProviderRequest, stream: boolean, signal: AbortSignal) => ReturnType<typeof openResponse>;

/**
 * The stream: post, then one pass over the SSE events. The chunks one network read completes are yielded
 * together as a batch; the `ChunkStream` hands them out one by one.
 */
async function* streamOpenAI(
  request: ProviderRequest,
  signal: AbortSignal,
  delivered: Delivered,
  call: Caller,
): AsyncGenerator<StreamChunk[], CompletionResult> {
  const response = await call(request, true, signal);
  const decoder = new SSEDecoder();
  const thinking = new TextBuffer();
  let batch: StreamChunk[] = [];
  const tools = new ToolCallAssembler();
  const toolCalls: ToolCall[] = [];
  let model = request.model;
  let id: string | undefined;
  let usage: Usage | undefined;
  let rawFinish: string | undefined;
  let chunkIndex = 0;
  let done = false;
  try {
    read: for await (const bytes of response.body as AsyncIterable<Buffer>) {
      const events = decoder.decode(bytes);
      const now = Date.now(); // the chunks of one read arrived together
      for (let e = 0; e < events.length; e++) {
        const event = events[e]!;
        const data = event.data;
        if (data === "[DONE]") {
          done = true;
          break read;
        }
        const json = parseEvent(data);
        if (json.error) throw errorEvent(json.error);
        if (event.type === "error") throw errorEvent(data);
        if (id === undefined) {
          id = json.id;
          if (json.model) model = json.model;
        }
        if (json.usage) usage = convertOpenAIUsage(json.usage);
        const choice = json.choices?.[0];
        if (choice === undefined) continue;
        const delta = choice.delta;
        if (delta) {
          const content = delta.content;
          if (content) batch.push(makeChunk("text", content, meta(model, chunkIndex++), now));
          const reasoning = delta.reasoning_content ?? delta.reasoning;
          if (reasoning) {
            thinking.append(reasoning);
            const m = meta(model, chunkIndex++);
            m.thinking = reasoning;
            batch.push(makeChunk("thinking", "", m));
          }
          if (delta.refusal) {
            const m = meta(model, chunkIndex++);
            m.refusal = delta.refusal;
            batch.push(makeChunk("text", "", m));
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
              batch.push(makeChunk("tool_call_delta", "", m));
            }
          }
        }
        if (choice.finish_reason) {
          rawFinish = choice.finish_reason;
          // The calls are whole once their choice finishes; hand them over before the usage chunk arrives.
          for (const toolCall of tools.complete()) batch.push(toolCallChunk(toolCall, model, chunkIndex++, toolCalls));
        }
      }
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    if (!done) {
      decoder.flush();
      throw truncated(PROVIDER, "data: [DONE]");
    }
    for (const toolCall of tools.complete()) batch.push(toolCallChunk(toolCall, model, chunkIndex++, toolCalls));
    const finishReason = toolCalls.length > 0 && rawFinish === "stop" ? "tool_calls" : mapOpenAIFinishReason(rawFinish);
    const final = meta(model, chunkIndex);
    final.finishReason = finishReason;
    if (rawFinish !== undefined) final.providerFinishReason = rawFinish;
    if (usage !== undefined) final.usage = usage;
    if (id !== undefined) final.responseId = id;
    batch.push(makeChunk("final", "", final));
    yield batch;
    batch = [];
    // Resumed only once the consumer has taken every chunk, so the delivered text is the whole answer.
    const result: CompletionResult = { content: delivered.text, toolCalls, finishReason, provider: PROVIDER, model };
    if (thinking.length > 0) result.thinking = thinking.toString();
    if (usage !== undefined) result.usage = usage;
    if (rawFinish !== undefined) result.providerFinishReason = rawFinish;
    if (id !== undefined) result.id = id;
    return result;
  } catch (error) {
    // Chunks decoded before the failure are not lost: hand them over first (unless the consumer aborted).
    if (batch.length > 0 && !signal.aborted) {
      const pending = batch;
      batch = [];
      yield pending;
    }
    throw interruption(PROVIDER, error, signal, delivered.text);
  } finally {
    // Not read to the end (error, abort, early break): close the socket now rather than drain it.
    if (!done) response.body.destroy();
  }
}

/** The per-chunk metadata; one literal so every chunk's metadata has the same shape. */
function meta(model: string, chunkIndex: number): ChunkMetadata {
  return { provider: PROVIDER, model, chunkIndex };
}

function toolCallChunk(toolCall: ToolCall, model: string, chunkIndex: number, into: ToolCall[]): StreamChunk {
  into.push(toolCall);
  const m = meta(model, chunkIndex);
  m.toolCall = toolCall;
  return makeChunk("tool_call", "", m);
}

function parseEvent(data: string): OpenAIChunk {
  try {
    return JSON.parse(data) as OpenAIChunk;
  } catch (error) {
    throw new WireFormatError("OpenAI sent a data line that is not JSON", { type: "invalid-json", excerpt: data, cause: error });
  }
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
  const choice = body.choices?.[0];
  const message = choice?.message;
  const toolCalls: ToolCall[] = (message?.tool_calls ?? []).map((call) => ({
    id: call.id,
    name: call.function.name,
    arguments: parseToolArguments(call.function.arguments, call.function.name),
    argumentsText: call.function.arguments,
  }));
  const raw = choice?.finish_reason ?? undefined;
  const result: CompletionResult = {
    content: message?.content ?? "",
    toolCalls,
    finishReason: toolCalls.length > 0 && raw === "stop" ? "tool_calls" : mapOpenAIFinishReason(raw),
    provider: PROVIDER,
    model: body.model ?? request.model,
  };
  if (message?.reasoning_content) result.thinking = message.reasoning_content;
  if (body.usage !== undefined) result.usage = convertOpenAIUsage(body.usage);
  if (raw !== undefined) result.providerFinishReason = raw;
  if (body.id !== undefined) result.id = body.id;
  return result;
}
