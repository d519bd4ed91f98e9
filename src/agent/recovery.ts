/**
 * The pure parts of healing a broken step: which failures are worth recovering from, what the partial
 * answer of a broken step is, and the request that asks a provider to continue it. No I/O here: the step
 * helper (heal.ts) and the run call these.
 */
import { AnswerAccumulator } from "../stream/accumulate.js";
import type { StreamChunk, ToolCall, Usage } from "../stream/chunk.js";
import { AgentError, ConfigurationError, ProviderError, StreamInterruptedError } from "../stream/errors.js";
import type { ChatMessage, ContinuationForm, Provider, ProviderRequest } from "../providers/provider.js";

/**
 * What to do after a step failed:
 * - "continue": the stream broke (error event, dropped connection, idle timeout); ask again with the partial
 *   answer (a plain retry when nothing was received yet), on the next provider of the chain if there is one.
 * - "failover": the provider refused before the first chunk, after its own retries, with a status worth
 *   retrying elsewhere (429, 5xx, 529, network); hand over to the next provider, or give up when none is left.
 * - "stop": never recover (an abort by the caller, a `ConfigurationError`, a 4xx that is not a rate limit,
 *   anything that is not an agenticraft error).
 */
export type RecoveryAction = "continue" | "failover" | "stop";

/** In-stream error types that say the request itself is wrong: sending it again cannot help. */
const HOPELESS_STREAM_ERRORS = new Set(["invalid_request_error", "authentication_error", "permission_error", "not_found_error"]);

/** Classifies a step's failure (see {@link RecoveryAction}). */
export function recoveryAction(error: unknown): RecoveryAction {
  if (!AgentError.isInstance(error) || error instanceof ConfigurationError) return "stop";
  if (error instanceof StreamInterruptedError) {
    if (error.reason === "aborted") return "stop";
    const cause = error.cause;
    if (cause instanceof ProviderError) {
      // An error event inside a 200 stream carries status 200; a real 4xx here came from a whole-body read.
      if (isHopelessStatus(cause.status)) return "stop";
      if (cause.type !== undefined && HOPELESS_STREAM_ERRORS.has(cause.type)) return "stop";
    }
    return "continue";
  }
  if (error instanceof ProviderError) return error.retryable && !isHopelessStatus(error.status) ? "failover" : "stop";
  return "stop";
}

/** A 4xx other than 408/409/429: the request is wrong, and will be wrong on any provider. */
function isHopelessStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
}

/** What a broken step had produced that the user has seen and that is kept. */
export interface PartialAnswer {
  /** Every text character handed on, exactly. */
  text: string;
  /** A finished reasoning block (its signature arrived, or output followed it); a cut one is not kept. */
  thinking: { text: string; signature?: string; redacted?: string[] } | undefined;
  /** Tool calls whose arguments arrived whole; one cut mid-arguments is not here. */
  toolCalls: ToolCall[];
}

/**
 * Folds a step's chunks into its {@link PartialAnswer}, plus the usage reported so far, so a broken step
 * knows what to keep. The answer itself is the run's one fold ({@link AnswerAccumulator}); this adds what only
 * recovery needs: whether the reasoning block was finished, whether anything was handed on, and usage that a
 * broken stream reported before its final chunk.
 */
export class PartialAnswerTracker {
  readonly #answer = new AnswerAccumulator();
  #thinkingDone = false;
  /** Whether reasoning text or a redacted block arrived (the block a later chunk closes). */
  #sawThinking = false;
  #usage: Usage | undefined;
  /** Chunks observed, of any type but `final`. */
  #chunks = 0;

  /** Takes one chunk as it is handed on to the consumer. */
  observe(chunk: StreamChunk): void {
    const meta = chunk.metadata;
    if (meta.usage !== undefined) this.#usage = meta.usage;
    switch (chunk.type) {
      case "text":
        this.#chunks++;
        if (chunk.content !== "") this.#closeThinking();
        break;
      case "thinking":
        this.#chunks++;
        if (meta.thinking || meta.redactedThinking !== undefined) this.#sawThinking = true;
        if (meta.signature !== undefined) this.#thinkingDone = true;
        break;
      case "tool_call_delta":
      case "tool_call":
        this.#chunks++;
        this.#closeThinking();
        break;
      default:
        return; // final and tool_result chunks are not part of the partial answer
    }
    this.#answer.add(chunk);
  }

  #closeThinking(): void {
    if (this.#sawThinking) this.#thinkingDone = true;
  }

  /** True once any chunk of the answer (text, thinking or tool call) was handed on. */
  get hasOutput(): boolean {
    return this.#chunks > 0;
  }

  /** The text handed on so far. */
  get text(): string {
    return this.#answer.text;
  }

  /** The latest usage a chunk reported (a broken stream's usage so far, when its provider sent any). */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** The partial answer to keep. */
  partial(): PartialAnswer {
    const answer = this.#answer.result();
    const has = answer.thinking !== undefined || answer.redactedThinking !== undefined;
    const thinking: PartialAnswer["thinking"] = this.#thinkingDone && has ? { text: answer.thinking ?? "" } : undefined;
    if (thinking !== undefined && answer.thinkingSignature !== undefined) thinking.signature = answer.thinkingSignature;
    if (thinking !== undefined && answer.redactedThinking !== undefined) thinking.redacted = answer.redactedThinking;
    return { text: answer.content, thinking, toolCalls: answer.toolCalls };
  }

  /** Forgets the usage seen (after it was added to the step's total). */
  takeUsage(): Usage | undefined {
    const usage = this.#usage;
    this.#usage = undefined;
    return usage;
  }
}

/**
 * The user turn of the instruction form. The emulator recognises a trailing user message that starts with
 * "Continue" and says "where … stopped" after an assistant message (see src/emulator/continuation.ts).
 */
export const CONTINUE_INSTRUCTION =
  "Continue your previous answer exactly where it stopped, mid-word if it stopped mid-word. " +
  "Do not repeat anything you already wrote and do not add a preamble: reply with the rest only.";

/** The form to use for `provider` and `request`: the provider's own, but never a prefill with thinking on. */
export function continuationForm(provider: Pick<Provider, "continuation">, request: ProviderRequest): ContinuationForm {
  const form = provider.continuation ?? "instruction";
  // Anthropic refuses a prefilled assistant turn when extended thinking is on.
  const thinkingOn = request.thinking !== undefined && request.thinking !== false;
  return form === "prefill" && thinkingOn ? "instruction" : form;
}

/** How to go on after a broken step. */
export type RecoveryPlan =
  /** Send `request`; with the prefill form, drop `trimmedWhitespace` from the continuation's head (see below). */
  | { kind: "continue"; form: ContinuationForm; request: ProviderRequest; trimmedWhitespace: string }
  /** Nothing kept that a continuation could build on: send the original request again. */
  | { kind: "restart"; request: ProviderRequest }
  /** Whole tool calls arrived before the break: end the step with them; the model asks for the rest next step. */
  | { kind: "finish-with-tool-calls"; toolCalls: ToolCall[] };

/**
 * The request that continues a broken step. Finished tool calls cannot be followed by anything but their
 * results on any of the three APIs, so a step that broke after one ends with its finished calls (a call cut
 * mid-arguments is dropped: the model asks for it again). An answer with neither text nor finished, signed
 * thinking is simply asked again. Otherwise:
 * - prefill: the conversation plus a trailing assistant message with the partial text, which the API
 *   continues. Anthropic refuses a final assistant message that ends in whitespace, so trailing whitespace
 *   is cut from the prefill and reported as `trimmedWhitespace`, to drop from the head of the continuation.
 * - instruction: the partial answer (text and finished thinking) as an assistant message, then
 *   {@link CONTINUE_INSTRUCTION} as a user message; the caller removes the model's restart (overlap.ts).
 */
export function planRecovery(request: ProviderRequest, partial: PartialAnswer, form: ContinuationForm): RecoveryPlan {
  if (partial.toolCalls.length > 0) return { kind: "finish-with-tool-calls", toolCalls: partial.toolCalls };
  // Only signed reasoning (Anthropic) can stand as an assistant turn with no text; OpenAI refuses an empty one.
  const signedThinking = partial.thinking?.signature !== undefined;
  if (partial.text === "" && !(signedThinking && form === "instruction")) return { kind: "restart", request };
  if (form === "prefill") {
    const prefill = partial.text.trimEnd();
    if (prefill === "") return { kind: "restart", request };
    const assistant: ChatMessage = { role: "assistant", content: prefill };
    return {
      kind: "continue",
      form,
      request: { ...request, messages: [...request.messages, assistant] },
      trimmedWhitespace: partial.text.slice(prefill.length),
    };
  }
  const assistant: ChatMessage = { role: "assistant", content: partial.text };
  if (partial.thinking !== undefined) assistant.thinking = partial.thinking;
  const instruction: ChatMessage = { role: "user", content: CONTINUE_INSTRUCTION };
  return {
    kind: "continue",
    form,
    request: { ...request, messages: [...request.messages, assistant, instruction] },
    trimmedWhitespace: "",
  };
}

/**
 * Joins a prefill continuation to text whose trailing whitespace was cut from the prefill: the model's
 * continuation starts with its own whitespace, and the delivered whitespace must not appear twice. Leading
 * whitespace is held until the first other character; then the delivered whitespace is dropped when the
 * continuation repeats it, else the continuation's whole leading run is (the delivered break stands).
 */
export class WhitespaceJoin {
  readonly #delivered: string;
  #held = "";
  #done: boolean;

  constructor(deliveredWhitespace: string) {
    this.#delivered = deliveredWhitespace;
    this.#done = deliveredWhitespace === "";
  }

  /** Takes one chunk; returns the text to emit now. */
  push(text: string): string {
    if (this.#done) return text;
    this.#held += text;
    const lead = /^\s*/.exec(this.#held)?.[0].length ?? 0;
    if (lead === this.#held.length) return "";
    return this.#release(lead);
  }

  /** The continuation ended; returns what is still held. */
  finish(): string {
    return this.#done ? "" : this.#release(this.#held.length);
  }

  #release(lead: number): string {
    this.#done = true;
    const held = this.#held;
    this.#held = "";
    if (held.startsWith(this.#delivered)) return held.slice(this.#delivered.length);
    return held.slice(lead);
  }
}
