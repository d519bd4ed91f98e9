import { accumulate } from "../stream/accumulate.js";
import { makeChunk, type StreamChunk, type ChunkMetadata, type ToolCall } from "../stream/chunk.js";
import { WireFormatError } from "../stream/errors.js";
import { TextBuffer } from "../stream/text-buffer.js";
import { NDJSONDecoder } from "../wire/ndjson.js";
import { httpProvider, type FrameHandler } from "./stream-driver.js";
import { jsonCall, readWholeBody, resolveSettings, streamErrorEvent, withCallSignal, type ResolvedSettings } from "./common.js";
import { joinUrl, openResponse } from "./http-call.js";
import { checkOllamaLine } from "./frame-shapes.js";
import {
  buildOllamaBody,
  convertOllamaTimings,
  convertOllamaToolCall,
  convertOllamaUsage,
  mapOllamaFinishReason,
  ollamaErrorMessage,
  ollamaModelName,
  type OllamaChatLine,
} from "./ollama-messages.js";
import type { CallOptions, CompletionResult, Provider, ProviderOptions, ProviderRequest } from "./provider.js";

const PROVIDER = "ollama";
const DEFAULTS = { baseUrl: "http://127.0.0.1:11434", baseUrlEnv: "OLLAMA_HOST" };

/**
 * Creates the Ollama provider (native `POST {baseUrl}/api/chat`, NDJSON). The base URL defaults to
 * `OLLAMA_HOST`, then `http://127.0.0.1:11434`. No key is needed locally; an `apiKey` (ollama.com) is sent as
 * `Authorization: Bearer`.
 */
export function createOllamaProvider(options: ProviderOptions = {}): Provider {
  const settings = resolveSettings(options, DEFAULTS);

  const call = (request: ProviderRequest, stream: boolean, signal: AbortSignal) =>
    openResponse({
      ...callBase(settings, stream ? "application/x-ndjson" : "application/json", signal),
      url: joinUrl(settings.baseUrl, "/api/chat"),
      body: JSON.stringify(buildOllamaBody(request, stream)),
    });

  return httpProvider({
    name: PROVIDER,
    settings,
    call,
    decoder: () => new NDJSONDecoder(),
    frames: ollamaFrames,
    endMarker: 'the "done": true line',
    parseCompletion,
    continuation: "instruction",
  });
}

/**
 * Ollama's transform: each NDJSON line becomes its thinking, text and tool-call chunks; the `done: true` line
 * (which may carry a last fragment) is the end marker and gives usage and timings.
 */
function ollamaFrames(request: ProviderRequest): FrameHandler<unknown> {
  const thinking = new TextBuffer();
  const toolCalls: ToolCall[] = [];
  let model = ollamaModelName(request.model);
  let modelSeen = false;
  let chunkIndex = 0;
  let doneLine: OllamaChatLine | undefined;
  return {
    frame(value, out, now) {
      const line = asLine(value);
      if (line.error !== undefined) throw streamErrorEvent(PROVIDER, ollamaErrorMessage(line.error));
      checkOllamaLine(line as Record<string, unknown>, () => JSON.stringify(value));
      if (!modelSeen) {
        modelSeen = true;
        if (typeof line.model === "string" && line.model !== "") model = line.model;
      }
      const message = line.message;
      if (message) {
        const reasoning = message.thinking;
        if (typeof reasoning === "string" && reasoning.length > 0) {
          thinking.append(reasoning);
          const m = meta(model, chunkIndex++);
          m.thinking = reasoning;
          out.push(makeChunk("thinking", "", m, now));
        }
        // Also on the done line, which may carry the last fragment.
        const content = message.content;
        if (typeof content === "string" && content.length > 0) out.push(makeChunk("text", content, meta(model, chunkIndex++), now));
        const calls = message.tool_calls;
        if (Array.isArray(calls)) {
          // Ollama sends each call whole: one delta (for UIs that render deltas) and the call itself.
          for (let c = 0; c < calls.length; c++) {
            const index = toolCalls.length;
            const toolCall = convertOllamaToolCall(calls[c], index);
            toolCalls.push(toolCall);
            const d = meta(model, chunkIndex++);
            d.toolCall = { index, id: toolCall.id, name: toolCall.name, argumentsDelta: JSON.stringify(toolCall.arguments) };
            out.push(makeChunk("tool_call_delta", "", d, now));
            const m = meta(model, chunkIndex++);
            m.toolCall = toolCall;
            out.push(makeChunk("tool_call", "", m, now));
          }
        }
      }
      if (line.done !== true) return false;
      doneLine = line;
      return true;
    },
    finish(out) {
      const line = doneLine as OllamaChatLine;
      const summary = completion(line, model, "", thinking, toolCalls);
      const final = meta(model, chunkIndex++);
      final.finishReason = summary.finishReason;
      if (summary.providerFinishReason !== undefined) final.providerFinishReason = summary.providerFinishReason;
      if (summary.usage !== undefined) final.usage = summary.usage;
      const timings = convertOllamaTimings(line);
      if (timings !== undefined) final.timings = timings;
      out.push(makeChunk("final", "", final));
    },
  };
}

/** The per-chunk metadata; one literal so every chunk's metadata has the same shape. */
function meta(model: string, chunkIndex: number): ChunkMetadata {
  return { provider: PROVIDER, model, chunkIndex, step: 0 };
}

function asLine(value: unknown): OllamaChatLine {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireFormatError("Ollama sent a line that is not a JSON object", { type: "unexpected-shape", excerpt: JSON.stringify(value) });
  }
  return value as OllamaChatLine;
}

/** The whole answer, from the done line (or the non-streaming body) and what was accumulated. */
function completion(line: OllamaChatLine, model: string, content: string, thinking: TextBuffer, toolCalls: ToolCall[]): CompletionResult {
  const raw = typeof line.done_reason === "string" ? line.done_reason : undefined;
  const result: CompletionResult = {
    content,
    toolCalls,
    finishReason: mapOllamaFinishReason(raw, toolCalls.length > 0),
    provider: PROVIDER,
    model,
  };
  if (thinking.length > 0) result.thinking = thinking.toString();
  const usage = convertOllamaUsage(line);
  if (usage !== undefined) result.usage = usage;
  if (raw !== undefined) result.providerFinishReason = raw;
  return result;
}

/** The non-streaming (`stream: false`) body: one JSON object, the done line's fields plus the whole message. */
function parseCompletion(bodyText: string, request: ProviderRequest): CompletionResult {
  const line = asLine(parseJson(bodyText));
  if (line.error !== undefined) throw streamErrorEvent(PROVIDER, ollamaErrorMessage(line.error));
  const message = line.message ?? {};
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.map((raw, index) => convertOllamaToolCall(raw, index)) : [];
  const model = typeof line.model === "string" && line.model !== "" ? line.model : ollamaModelName(request.model);
  // The whole message as the chunks a stream of it would carry, folded by the one accumulator.
  const chunks: StreamChunk[] = [];
  if (typeof message.thinking === "string" && message.thinking !== "") {
    const m = meta(model, chunks.length);
    m.thinking = message.thinking;
    chunks.push(makeChunk("thinking", "", m));
  }
  if (typeof message.content === "string" && message.content !== "") chunks.push(makeChunk("text", message.content, meta(model, chunks.length)));
  for (const toolCall of toolCalls) {
    const m = meta(model, chunks.length);
    m.toolCall = toolCall;
    chunks.push(makeChunk("tool_call", "", m));
  }
  const summary = completion(line, model, "", new TextBuffer(), toolCalls);
  const final = meta(model, chunks.length);
  final.finishReason = summary.finishReason;
  if (summary.providerFinishReason !== undefined) final.providerFinishReason = summary.providerFinishReason;
  if (summary.usage !== undefined) final.usage = summary.usage;
  chunks.push(makeChunk("final", "", final));
  return accumulate(chunks);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WireFormatError("Ollama sent a response that is not JSON", { type: "invalid-json", excerpt: text, cause: error });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The other endpoints: local models, model details, server version.

/** Details of a local model, as `/api/tags` and `/api/show` report them. */
export interface OllamaModelDetails {
  format?: string;
  family?: string;
  families?: string[];
  /** E.g. `"8.2B"`. */
  parameterSize?: string;
  /** E.g. `"Q4_K_M"`. */
  quantizationLevel?: string;
  parentModel?: string;
}

/** One model of `GET /api/tags`. */
export interface OllamaModel {
  /** `name:tag`, e.g. `"llama3.2:latest"`. */
  name: string;
  model: string;
  modifiedAt?: string;
  /** Bytes on disk. */
  size?: number;
  digest?: string;
  details?: OllamaModelDetails;
}

/** What `POST /api/show` tells about one model. */
export interface OllamaModelInfo {
  /** E.g. `["completion", "tools", "thinking"]`. */
  capabilities: string[];
  /** From `model_info["<general.architecture>.context_length"]`, when the server reports it. */
  contextLength?: number;
  details?: OllamaModelDetails;
  /** The Modelfile's parameters, as text. */
  parameters?: string;
}

/** Lists the models the Ollama server has (`GET /api/tags`). */
export async function listOllamaModels(options: ProviderOptions = {}, callOptions: CallOptions = {}): Promise<OllamaModel[]> {
  const body = await requestJson(options, callOptions, "GET", "/api/tags");
  const models = Array.isArray(body["models"]) ? (body["models"] as unknown[]) : [];
  const out: OllamaModel[] = [];
  for (const entry of models) {
    if (typeof entry !== "object" || entry === null) continue;
    const m = entry as Record<string, unknown>;
    const name = str(m["name"]) ?? str(m["model"]);
    if (name === undefined) continue;
    const model: OllamaModel = { name, model: str(m["model"]) ?? name };
    const modifiedAt = str(m["modified_at"]);
    if (modifiedAt !== undefined) model.modifiedAt = modifiedAt;
    if (typeof m["size"] === "number") model.size = m["size"];
    const digest = str(m["digest"]);
    if (digest !== undefined) model.digest = digest;
    const details = convertDetails(m["details"]);
    if (details !== undefined) model.details = details;
    out.push(model);
  }
  return out;
}

/** Describes one model (`POST /api/show`): capabilities and context length. */
export async function showOllamaModel(model: string, options: ProviderOptions = {}, callOptions: CallOptions = {}): Promise<OllamaModelInfo> {
  const body = await requestJson(options, callOptions, "POST", "/api/show", { model: ollamaModelName(model) });
  const capabilities = Array.isArray(body["capabilities"]) ? (body["capabilities"] as unknown[]).filter((c): c is string => typeof c === "string") : [];
  const info: OllamaModelInfo = { capabilities };
  const modelInfo = body["model_info"];
  if (typeof modelInfo === "object" && modelInfo !== null) {
    const fields = modelInfo as Record<string, unknown>;
    const architecture = str(fields["general.architecture"]);
    const contextLength = architecture === undefined ? undefined : fields[`${architecture}.context_length`];
    if (typeof contextLength === "number") info.contextLength = contextLength;
  }
  const details = convertDetails(body["details"]);
  if (details !== undefined) info.details = details;
  const parameters = str(body["parameters"]);
  if (parameters !== undefined) info.parameters = parameters;
  return info;
}

/** The Ollama server's version (`GET /api/version`), e.g. `"0.12.3"`. */
export async function ollamaVersion(options: ProviderOptions = {}, callOptions: CallOptions = {}): Promise<string> {
  const body = await requestJson(options, callOptions, "GET", "/api/version");
  const version = str(body["version"]);
  if (version === undefined) {
    throw new WireFormatError("Ollama's /api/version answer has no version string", { type: "invalid-json", excerpt: JSON.stringify(body) });
  }
  return version;
}

/** One plain JSON call with the provider's settings, retries and error mapping. */
async function requestJson(
  options: ProviderOptions,
  callOptions: CallOptions,
  method: "GET" | "POST",
  path: string,
  payload?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const settings = resolveSettings(options, DEFAULTS);
  return withCallSignal(PROVIDER, callOptions, async (signal) => {
    const response = await openResponse({
      ...callBase(settings, "application/json", signal),
      url: joinUrl(settings.baseUrl, path),
      method,
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const value = parseJson(await readWholeBody(PROVIDER, response, signal));
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new WireFormatError(`Ollama's ${path} answer is not a JSON object`, { type: "invalid-json", excerpt: JSON.stringify(value) });
    }
    return value as Record<string, unknown>;
  });
}

/** What every Ollama call shares; the key (ollama.com) goes as a bearer token when there is one. */
function callBase(settings: ResolvedSettings, accept: string, signal: AbortSignal) {
  const apiKey = settings.apiKey;
  return jsonCall(PROVIDER, settings, signal, { accept, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, apiKey });
}

function convertDetails(value: unknown): OllamaModelDetails | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const d = value as Record<string, unknown>;
  const details: OllamaModelDetails = {};
  const format = str(d["format"]);
  if (format !== undefined) details.format = format;
  const family = str(d["family"]);
  if (family !== undefined) details.family = family;
  if (Array.isArray(d["families"])) details.families = (d["families"] as unknown[]).filter((f): f is string => typeof f === "string");
  const parameterSize = str(d["parameter_size"]);
  if (parameterSize !== undefined) details.parameterSize = parameterSize;
  const quantizationLevel = str(d["quantization_level"]);
  if (quantizationLevel !== undefined) details.quantizationLevel = quantizationLevel;
  const parentModel = str(d["parent_model"]);
  if (parentModel !== undefined && parentModel !== "") details.parentModel = parentModel;
  return details;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
