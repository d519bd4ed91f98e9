import { ChunkStream } from "../../stream/chunk-stream.js";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigurationError, ProviderError, StreamInterruptedError, WireFormatError } from "../../stream/errors.js";
import { accumulate, AnswerAccumulator } from "../../stream/accumulate.js";
import { makeChunk, type StreamChunk } from "../../stream/chunk.js";
import { SSEDecoder } from "../../wire/sse.js";
import {
  jsonCall, readWholeBody, toolCallFromText, requireApiKey, resolveSettings, withCallSignal, type ResolvedSettings,
} from "../common.js";
import { joinUrl, openResponse, type ProviderCall } from "../http-call.js";
import { driveStream, httpProvider } from "../stream-driver.js";
import type { CallOptions, CompletionResult, Provider, ProviderOptions, ProviderRequest } from "../provider.js";
import {
  buildResponsesBody, convertResponsesUsage, isRecord, mapResponsesFinishReason, type ResponsesReasoningEffort, type ResponsesReasoningSummary,
} from "./convert-messages.js";
import { meta, PROVIDER, responsesFrames, responsesStreamError } from "./frames.js";

const API_KEY_ENV = "OPENAI_API_KEY";
/** How many resumes in a row may fail to advance the stream before the break is reported. */
const DEFAULT_MAX_RESUMES = 3;
/** A cancel that gets no answer within this is left to the server's own expiry. */
const CANCEL_TIMEOUT_MS = 5_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** Statuses after which a response changes no more. */
const TERMINAL = new Set(["completed", "incomplete", "failed", "cancelled"]);

/** Options of the OpenAI Responses provider (`POST {baseUrl}/responses`). */
export interface OpenAIResponsesProviderOptions extends ProviderOptions {
  /** Sent as `OpenAI-Organization`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. */
  project?: string;
  /**
   * Run streamed responses with `background: true`: a stream that breaks is resumed from its last
   * `sequence_number` (`GET /responses/{id}?stream=true&starting_after=N`), and an abort cancels the response.
   */
  background?: boolean;
  /** `store`; the API's default (true) when omitted. Background mode needs it true. */
  store?: boolean;
  /** `reasoning` sent as is, instead of what the `thinking` option maps to. */
  reasoning?: { effort?: ResponsesReasoningEffort; summary?: ResponsesReasoningSummary };
  /** Resumes in a row that may bring no new event before the break is reported (default 3). */
  maxResumes?: number;
  /** Background `complete()`: milliseconds between two polls of `GET /responses/{id}` (default 1000). */
  pollIntervalMs?: number;
}

/** Creates the OpenAI Responses API provider; its name is "openai" (same key, host and models as Chat Completions). */
export function createOpenAIResponsesProvider(options: OpenAIResponsesProviderOptions = {}): Provider {
  const settings = resolveSettings(options, { baseUrl: "https://api.openai.com/v1", apiKeyEnv: API_KEY_ENV });
  const keyRequired = options.baseUrl === undefined;
  const background = options.background === true;
  if (background && options.store === false) {
    throw new ConfigurationError("store", "must not be false with background: true (the API keeps background responses to stream them)");
  }
  const maxResumes = options.maxResumes ?? DEFAULT_MAX_RESUMES;
  if (!(Number.isInteger(maxResumes) && maxResumes >= 0)) {
    throw new ConfigurationError("maxResumes", `must be a non-negative integer, got ${String(maxResumes)}`);
  }
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(typeof pollIntervalMs === "number" && pollIntervalMs > 0 && Number.isFinite(pollIntervalMs))) {
    throw new ConfigurationError("pollIntervalMs", `must be a positive number of milliseconds, got ${String(pollIntervalMs)}`);
  }
  const orgHeaders: Record<string, string> = {};
  if (options.organization !== undefined) orgHeaders["openai-organization"] = options.organization;
  if (options.project !== undefined) orgHeaders["openai-project"] = options.project;

  const common = (signal: AbortSignal, accept: string, maxRetries = settings.maxRetries) => {
    const apiKey = keyRequired ? requireApiKey(settings, PROVIDER, API_KEY_ENV) : settings.apiKey;
    const headers = apiKey ? { ...orgHeaders, authorization: `Bearer ${apiKey}` } : orgHeaders;
    return jsonCall(PROVIDER, { ...settings, maxRetries }, signal, { accept, headers, apiKey });
  };

  const call = (request: ProviderRequest, stream: boolean, signal: AbortSignal) =>
    openResponse({
      ...common(signal, stream ? "text/event-stream" : "application/json"),
      url: joinUrl(settings.baseUrl, "/responses"),
      body: JSON.stringify(
        buildResponsesBody(request, {
          stream,
          background,
          ...(options.store === undefined ? {} : { store: options.store }),
          ...(options.reasoning === undefined ? {} : { reasoning: options.reasoning }),
        }),
      ),
    });

  const base = httpProvider({
    name: PROVIDER,
    settings,
    call,
    decoder: () => new SSEDecoder(),
    frames: responsesFrames,
    endMarker: "response.completed",
    parseCompletion: parseResponsesCompletion,
  });
  if (!background) return base;

  const resume = (id: string, after: number, signal: AbortSignal) =>
    openResponse({
      ...common(signal, "text/event-stream"),
      method: "GET",
      url: joinUrl(settings.baseUrl, `/responses/${encodeURIComponent(id)}?stream=true&starting_after=${after}`),
    });
  const cancel = (id: string) => cancelResponse(settings, common, id);
  const retrieve = (id: string, signal: AbortSignal) =>
    openResponse({ ...common(signal, "application/json"), method: "GET", url: joinUrl(settings.baseUrl, `/responses/${encodeURIComponent(id)}`) });

  return {
    ...base,
    // Background without a stream answers "queued" at once: poll until the response is final; an abort cancels it.
    complete(request: ProviderRequest, callOptions: CallOptions = {}) {
      return withCallSignal(PROVIDER, callOptions, async (signal) => {
        let bodyText = await readWholeBody(PROVIDER, await call(request, false, signal), signal);
        let id: string | undefined;
        const onAbort = () => {
          if (id !== undefined) cancel(id);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          for (;;) {
            const { id: current, status } = peekResponse(bodyText);
            id ??= current;
            if (id === undefined || status === undefined || TERMINAL.has(status)) break;
            await sleep(pollIntervalMs, undefined, { signal });
            bodyText = await readWholeBody(PROVIDER, await retrieve(id, signal), signal);
          }
          if (peekResponse(bodyText).status === "cancelled") {
            throw new ProviderError(`${PROVIDER}: background response ${id ?? ""} was cancelled`, { provider: PROVIDER, status: 200, retryable: false, code: "cancelled" });
          }
          return parseResponsesCompletion(bodyText, request);
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      });
    },
    stream(request: ProviderRequest, callOptions: CallOptions = {}) {
      return new ChunkStream<CompletionResult>(async function* (signal, delivered) {
        const handler = responsesFrames(request);
        // One answer across the original stream and its resumed tails.
        const answer = new AnswerAccumulator(undefined, { text: delivered });
        // An abort (the caller's, `stream.abort()`, or a `break`) stops the model too, not just the socket.
        let finished = false;
        const onAbort = () => {
          if (!finished && handler.responseId !== undefined) cancel(handler.responseId);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          let response = await call(request, true, signal);
          let stalled = 0;
          for (;;) {
            const before = handler.lastSequence;
            try {
              const result = yield* driveStream({
                provider: PROVIDER, response, decoder: new SSEDecoder(), handler, signal, delivered, endMarker: "response.completed", answer,
              });
              finished = true;
              return result;
            } catch (error) {
              if (!resumable(error, signal) || handler.responseId === undefined) throw error;
              stalled = handler.lastSequence > before ? 0 : stalled + 1;
              if (stalled > maxResumes) throw error;
              try {
                response = await resume(handler.responseId, handler.lastSequence, signal);
              } catch (resumeError) {
                throw new StreamInterruptedError(`${error.message}; resuming it failed: ${(resumeError as Error).message}`, {
                  reason: signal.aborted ? "aborted" : error.reason,
                  partialResponse: delivered.text,
                  cause: resumeError,
                });
              }
            }
          }
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      }, callOptions.signal);
    },
  };
}

/** A break the provider can heal: the connection, not the model, failed. */
function resumable(error: unknown, signal: AbortSignal): error is StreamInterruptedError {
  return error instanceof StreamInterruptedError && !signal.aborted && (error.reason === "network" || error.reason === "timeout");
}

/** `POST /responses/{id}/cancel`, fire and forget: the caller has already stopped reading. */
function cancelResponse(
  settings: ResolvedSettings,
  common: (signal: AbortSignal, accept: string, maxRetries?: number) => Omit<ProviderCall, "url">,
  id: string,
): void {
  const signal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
  openResponse({ ...common(signal, "application/json", 0), url: joinUrl(settings.baseUrl, `/responses/${encodeURIComponent(id)}/cancel`) })
    .then((response) => response.body.resume())
    .catch(() => {
      // Best effort: an unanswered cancel leaves the response to finish or expire on the server.
    });
}

/** The id and status of a Response body, without judging the rest (a poll only needs these). */
function peekResponse(bodyText: string): { id: string | undefined; status: string | undefined } {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (!isRecord(body)) return { id: undefined, status: undefined };
    return { id: typeof body["id"] === "string" ? body["id"] : undefined, status: typeof body["status"] === "string" ? body["status"] : undefined };
  } catch {
    // Not JSON: parseResponsesCompletion reports it with the text.
    return { id: undefined, status: undefined };
  }
}

/** The non-streaming body (a whole Response object; `output_text` is not on the wire) → a completion. */
export function parseResponsesCompletion(bodyText: string, request: ProviderRequest): CompletionResult {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    throw new WireFormatError("OpenAI Responses sent a response that is not JSON", { type: "invalid-json", excerpt: bodyText, cause: error });
  }
  if (!isRecord(body)) throw new WireFormatError("OpenAI Responses sent a response that is not a JSON object", { type: "invalid-json", excerpt: bodyText });
  if (body["status"] === "failed" && isRecord(body["error"])) throw responsesStreamError(body["error"], undefined);
  // The whole response as the chunks a stream of it would carry, folded by the one accumulator.
  const model = typeof body["model"] === "string" ? body["model"] : request.model;
  const chunks: StreamChunk[] = [];
  const summaries: string[] = [];
  let calls = 0;
  for (const item of Array.isArray(body["output"]) ? body["output"] : []) {
    if (!isRecord(item)) continue;
    if (item["type"] === "message" && Array.isArray(item["content"])) {
      for (const part of item["content"]) {
        if (isRecord(part) && part["type"] === "output_text" && typeof part["text"] === "string") chunks.push(makeChunk("text", part["text"], meta(model, "response", chunks.length)));
      }
    } else if (item["type"] === "function_call") {
      const name = typeof item["name"] === "string" ? item["name"] : "";
      const argumentsText = typeof item["arguments"] === "string" ? item["arguments"] : "";
      const m = meta(model, "response", chunks.length);
      m.toolCall = toolCallFromText(typeof item["call_id"] === "string" ? item["call_id"] : `call_${calls}`, name, argumentsText);
      calls++;
      chunks.push(makeChunk("tool_call", "", m));
    } else if (item["type"] === "reasoning" && Array.isArray(item["summary"])) {
      for (const part of item["summary"]) if (isRecord(part) && typeof part["text"] === "string") summaries.push(part["text"]);
    }
  }
  if (summaries.length > 0) {
    const m = meta(model, "response", chunks.length);
    m.thinking = summaries.join("\n\n");
    chunks.unshift(makeChunk("thinking", "", m));
  }
  const status = typeof body["status"] === "string" ? body["status"] : undefined;
  const incompleteReason = isRecord(body["incomplete_details"]) && typeof body["incomplete_details"]["reason"] === "string" ? body["incomplete_details"]["reason"] : undefined;
  const final = meta(model, "response", chunks.length);
  final.finishReason = mapResponsesFinishReason(status, incompleteReason, calls > 0);
  if (status !== undefined) final.providerFinishReason = status;
  const usage = convertResponsesUsage(body["usage"]);
  if (usage !== undefined) final.usage = usage;
  if (typeof body["id"] === "string") final.responseId = body["id"];
  chunks.push(makeChunk("final", "", final));
  return accumulate(chunks);
}
