import { setTimeout as sleep } from "node:timers/promises";
import { makeChunk, type FinishReason, type ToolCall, type Usage } from "../stream/chunk.js";
import { ChunkStream, type Delivered } from "../stream/chunk-stream.js";
import { ConfigurationError, ProviderError, StreamInterruptedError } from "../stream/errors.js";
import { streamFromCompletion } from "./fallback.js";
import type { CallOptions, CompletionResult, Provider, ProviderRequest } from "./provider.js";

/** One scripted answer of the mock provider. */
export interface MockTurn {
  text?: string;
  thinking?: string;
  /** Tool calls to make; ids default to `call_mock_<n>`. */
  toolCalls?: Array<{ id?: string; name: string; arguments: Record<string, unknown> }>;
  /** Overrides the counted usage. */
  usage?: Partial<Usage>;
  /** Defaults to "tool_calls" when there are tool calls, else "stop". */
  finishReason?: FinishReason;
  /** Fail before any chunk with a `ProviderError` of this HTTP status. */
  httpError?: { status: number; message?: string; retryAfterMs?: number };
  /** After `afterChunks` text chunks, stop: "provider" as an error event would, "network" as a dropped connection. */
  interrupt?: { afterChunks: number; reason: "provider" | "network"; message?: string };
}

/** A script: answers in order (the last one repeats), or a function of the request. */
export type MockScript =
  | Array<MockTurn | string>
  | ((request: ProviderRequest, callIndex: number) => MockTurn | string);

/** Options of the mock provider. */
export interface MockProviderOptions {
  /** What to answer; with none, a short deterministic text derived from the prompt. */
  responses?: MockScript;
  /** Characters per text chunk; by default one word (with its leading space) per chunk. */
  chunkSize?: number;
  /** Milliseconds before each chunk after the first. */
  latencyMs?: number;
  /** Milliseconds before the first chunk (defaults to `latencyMs`). */
  firstChunkLatencyMs?: number;
  /** false makes it a provider that cannot stream (`supportsStreaming: false`). */
  streaming?: boolean;
  /** Reported by `supportsTools` (default true). */
  supportsTools?: boolean;
  /** Accepted and ignored, so agent options pass through unchanged. */
  apiKey?: string;
  baseUrl?: string;
  timeout?: number;
  maxRetries?: number;
}

/** The mock provider: a scriptable test double that records every request it gets. */
export interface MockProvider extends Provider {
  /** Every request received, in order. */
  readonly calls: ProviderRequest[];
}

/** Creates the scriptable offline provider. */
export function createMockProvider(options: MockProviderOptions = {}): MockProvider {
  validate(options);
  const calls: ProviderRequest[] = [];
  const streaming = options.streaming ?? true;

  const nextTurn = (request: ProviderRequest): MockTurn => {
    const index = calls.length;
    calls.push(request);
    const script = options.responses;
    let turn: MockTurn | string;
    if (script === undefined) turn = defaultAnswer(request);
    else if (typeof script === "function") turn = script(request, index);
    else turn = script[Math.min(index, script.length - 1)] ?? defaultAnswer(request);
    return typeof turn === "string" ? { text: turn } : turn;
  };

  const provider: MockProvider = {
    name: "mock",
    supportsStreaming: streaming,
    supportsTools: options.supportsTools ?? true,
    supportsThinking: true,
    settings: { timeout: options.timeout ?? 0, maxRetries: options.maxRetries ?? 0 },
    calls,
    stream(request: ProviderRequest, callOptions: CallOptions = {}): ChunkStream<CompletionResult> {
      if (!streaming) return streamFromCompletion(provider, request, callOptions);
      const turn = nextTurn(request);
      return new ChunkStream<CompletionResult>((signal, delivered) => streamTurn(turn, request, options, signal, delivered), callOptions.signal);
    },
    async complete(request: ProviderRequest, callOptions: CallOptions = {}): Promise<CompletionResult> {
      const turn = nextTurn(request);
      const delay = options.firstChunkLatencyMs ?? options.latencyMs ?? 0;
      try {
        if (delay > 0) await sleep(delay, undefined, { signal: callOptions.signal });
        callOptions.signal?.throwIfAborted();
      } catch (error) {
        // As the HTTP providers report it: an abort is an interruption with reason "aborted", never a DOMException.
        throw new StreamInterruptedError("mock: request aborted", { reason: "aborted", partialResponse: "", cause: error });
      }
      throwHttpError(turn);
      const text = turn.text ?? "";
      return {
        content: text,
        ...(turn.thinking === undefined ? {} : { thinking: turn.thinking }),
        toolCalls: toolCallsOf(turn),
        usage: usageOf(turn, request, text),
        finishReason: finishReasonOf(turn),
        provider: "mock",
        model: request.model,
      };
    },
  };
  return provider;
}

async function* streamTurn(turn: MockTurn, request: ProviderRequest, options: MockProviderOptions, signal: AbortSignal, delivered: Delivered) {
  const text = turn.text ?? "";
  const base = { provider: "mock", model: request.model };
  let chunkIndex = 0;
  const pause = async () => {
    const ms = chunkIndex === 0 ? (options.firstChunkLatencyMs ?? options.latencyMs ?? 0) : (options.latencyMs ?? 0);
    if (ms > 0) await sleep(ms, undefined, { signal });
    else if (signal.aborted) throw signal.reason;
  };
  try {
    throwHttpError(turn);
    if (turn.thinking !== undefined) {
      await pause();
      yield makeChunk("thinking", "", { ...base, thinking: turn.thinking, chunkIndex: chunkIndex++ });
    }
    let textChunks = 0;
    for (const piece of splitText(text, options.chunkSize)) {
      if (turn.interrupt !== undefined && textChunks === turn.interrupt.afterChunks) break;
      await pause();
      textChunks++;
      yield makeChunk("text", piece, { ...base, chunkIndex: chunkIndex++ });
    }
    if (turn.interrupt !== undefined && textChunks === turn.interrupt.afterChunks) {
      const { reason } = turn.interrupt;
      const message = turn.interrupt.message ?? (reason === "network" ? "Connection dropped" : "Provider error event");
      // As a real provider reports them: an error event carries a ProviderError, a drop a network error.
      const cause =
        reason === "provider"
          ? new ProviderError(`mock stream error: ${message}`, { provider: "mock", status: 200, providerMessage: message, retryable: false })
          : Object.assign(new Error(message), { code: "ECONNRESET" });
      throw new StreamInterruptedError(`mock: ${message}`, { reason, partialResponse: delivered.text, cause });
    }
    const toolCalls = toolCallsOf(turn);
    for (const [index, toolCall] of toolCalls.entries()) {
      await pause();
      const argumentsDelta = JSON.stringify(toolCall.arguments);
      yield makeChunk("tool_call_delta", "", {
        ...base,
        toolCall: { index, id: toolCall.id, name: toolCall.name, argumentsDelta },
        chunkIndex: chunkIndex++,
      });
      yield makeChunk("tool_call", "", { ...base, toolCall, chunkIndex: chunkIndex++ });
    }
    const usage = usageOf(turn, request, text);
    const finishReason = finishReasonOf(turn);
    yield makeChunk("final", "", { ...base, usage, finishReason, providerFinishReason: finishReason, chunkIndex });
    const result: CompletionResult = { content: text, toolCalls, usage, finishReason, provider: "mock", model: request.model };
    if (turn.thinking !== undefined) result.thinking = turn.thinking;
    return result;
  } catch (error) {
    if (signal.aborted && !(error instanceof StreamInterruptedError)) {
      throw new StreamInterruptedError("Mock stream aborted", { reason: "aborted", partialResponse: delivered.text, cause: error });
    }
    throw error;
  }
}

function throwHttpError(turn: MockTurn): void {
  if (turn.httpError === undefined) return;
  const { status, message = `Mock HTTP ${status}`, retryAfterMs } = turn.httpError;
  throw new ProviderError(`mock: ${status} ${message}`, {
    provider: "mock",
    status,
    providerMessage: message,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** Word by word (a word keeps its leading space), or fixed-size pieces. */
function splitText(text: string, chunkSize: number | undefined): string[] {
  if (chunkSize !== undefined) {
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += chunkSize) pieces.push(text.slice(i, i + chunkSize));
    return pieces;
  }
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function toolCallsOf(turn: MockTurn): ToolCall[] {
  return (turn.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? `call_mock_${i}`,
    name: call.name,
    arguments: call.arguments,
    argumentsText: JSON.stringify(call.arguments),
  }));
}

function finishReasonOf(turn: MockTurn): FinishReason {
  return turn.finishReason ?? ((turn.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop");
}

function usageOf(turn: MockTurn, request: ProviderRequest, text: string): Usage {
  const inputTokens = turn.usage?.inputTokens ?? countWords(request.messages.map((m) => m.content).join(" "));
  const outputTokens = turn.usage?.outputTokens ?? countWords(text);
  return { inputTokens, outputTokens, totalTokens: turn.usage?.totalTokens ?? inputTokens + outputTokens };
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The answer when nothing is scripted: short, deterministic, and about the prompt. */
function defaultAnswer(request: ProviderRequest): MockTurn {
  const lastUser = [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const topic = lastUser.trim().replace(/\s+/g, " ").slice(0, 60);
  return { text: `This is a mock answer to "${topic}". It streams one word at a time.` };
}

function validate(options: MockProviderOptions): void {
  for (const key of ["latencyMs", "firstChunkLatencyMs"] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0 && Number.isFinite(v))) {
      throw new ConfigurationError(key, `must be a non-negative number of ms, got ${String(v)}`);
    }
  }
  if (options.chunkSize !== undefined && !(Number.isInteger(options.chunkSize) && options.chunkSize > 0)) {
    throw new ConfigurationError("chunkSize", `must be a positive integer, got ${String(options.chunkSize)}`);
  }
  const r = options.responses;
  if (r !== undefined && typeof r !== "function" && (!Array.isArray(r) || r.length === 0)) {
    throw new ConfigurationError("responses", "must be a non-empty array of answers or a function");
  }
}
