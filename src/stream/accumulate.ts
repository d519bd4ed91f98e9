import type { FinishReason, StreamChunk, ToolCall, Usage } from "./chunk.js";
import { TextBuffer } from "./text-buffer.js";
import type { CompletionResult } from "../providers/provider.js";

/** Options of {@link AnswerAccumulator}. */
export interface AccumulatorOptions {
  /**
   * The stream that delivers the folded chunks (a `ChunkStream`'s `text`): the fold reads the answer text from
   * it instead of keeping a copy, so the text is stored once. Every folded text chunk must have been delivered
   * by the time the text is read (at the end of the stream, it is).
   */
  text?: { readonly text: string };
}

/**
 * The assistant's answer as a fold over its chunks: text, thinking (with Anthropic's signature and redacted
 * blocks), tool calls, usage, finish reason, provider, model and response id. It is the one place an answer is
 * assembled: the stream driver folds every provider's chunks with it, the run builds each step's answer and the
 * history from it, and anything holding stored chunks (a resumed stream, a continuation) can rebuild the answer
 * with it, starting from a partial answer when there is one.
 *
 * `tool_result` chunks are not part of a model's answer and are ignored; so is `metadata.step`.
 */
export class AnswerAccumulator {
  readonly #text = new TextBuffer();
  /** Where the text is read from instead of `#text` (see {@link AccumulatorOptions.text}). */
  readonly #textSource: { readonly text: string } | undefined;
  readonly #thinking = new TextBuffer();
  #signature = "";
  #redacted: string[] = [];
  #toolCalls: ToolCall[] = [];
  #usage: Usage | undefined;
  #finishReason: FinishReason | undefined;
  #providerFinishReason: string | undefined;
  #provider: string | undefined;
  #model: string | undefined;
  #id: string | undefined;

  /** Starts empty, or from a partial answer (e.g. what a broken step delivered before a continuation). */
  constructor(from?: Partial<CompletionResult>, options: AccumulatorOptions = {}) {
    this.#textSource = options.text;
    if (from === undefined) return;
    if (from.content) {
      if (this.#textSource !== undefined) throw new RangeError("AnswerAccumulator: a partial answer's content cannot be added to text read from its stream");
      this.#text.append(from.content);
    }
    if (from.thinking) this.#thinking.append(from.thinking);
    if (from.thinkingSignature) this.#signature = from.thinkingSignature;
    if (from.redactedThinking) this.#redacted = [...from.redactedThinking];
    if (from.toolCalls) this.#toolCalls = [...from.toolCalls];
    this.#usage = from.usage;
    this.#finishReason = from.finishReason;
    this.#providerFinishReason = from.providerFinishReason;
    this.#provider = from.provider;
    this.#model = from.model;
    this.#id = from.id;
  }

  /** Folds one chunk in. */
  add(chunk: StreamChunk): void {
    const m = chunk.metadata;
    if (this.#provider === undefined && m.provider !== undefined) {
      this.#provider = m.provider;
      if (m.model !== undefined) this.#model = m.model;
    }
    switch (chunk.type) {
      case "text":
        if (this.#textSource === undefined) this.#text.append(chunk.content);
        return;
      case "thinking":
        if (m.thinking) this.#thinking.append(m.thinking);
        if (m.signature) this.#signature += m.signature;
        if (m.redactedThinking) this.#redacted.push(m.redactedThinking);
        return;
      case "tool_call":
        if (m.toolCall !== undefined && "arguments" in m.toolCall) this.#toolCalls.push(m.toolCall);
        return;
      case "final":
        if (m.usage !== undefined) this.#usage = m.usage;
        if (m.finishReason !== undefined) this.#finishReason = m.finishReason;
        if (m.providerFinishReason !== undefined) this.#providerFinishReason = m.providerFinishReason;
        if (m.responseId !== undefined) this.#id = m.responseId;
        if (m.model !== undefined) this.#model = m.model;
        if (m.provider !== undefined) this.#provider = m.provider;
        return;
      default:
        return;
    }
  }

  /** Folds several chunks in, in order. */
  addAll(chunks: readonly StreamChunk[]): void {
    for (let i = 0; i < chunks.length; i++) this.add(chunks[i]!);
  }

  /** True once a `final` chunk was folded in: the answer is whole. */
  get finished(): boolean {
    return this.#finishReason !== undefined;
  }

  /** The text so far. */
  get text(): string {
    return this.#textSource === undefined ? this.#text.toString() : this.#textSource.text;
  }

  /** The answer so far; before a `final` chunk its finish reason is "error" (the answer is not whole). */
  result(): CompletionResult {
    const result: CompletionResult = {
      content: this.text,
      toolCalls: [...this.#toolCalls],
      finishReason: this.#finishReason ?? "error",
      provider: this.#provider ?? "unknown",
    };
    if (this.#thinking.length > 0) result.thinking = this.#thinking.toString();
    if (this.#signature !== "") result.thinkingSignature = this.#signature;
    if (this.#redacted.length > 0) result.redactedThinking = [...this.#redacted];
    if (this.#usage !== undefined) result.usage = this.#usage;
    if (this.#providerFinishReason !== undefined) result.providerFinishReason = this.#providerFinishReason;
    if (this.#model !== undefined) result.model = this.#model;
    if (this.#id !== undefined) result.id = this.#id;
    return result;
  }
}

/** The answer the chunks make, optionally continuing a partial answer: the pure form of {@link AnswerAccumulator}. */
export function accumulate(chunks: Iterable<StreamChunk>, from?: Partial<CompletionResult>): CompletionResult {
  const acc = new AnswerAccumulator(from);
  for (const chunk of chunks) acc.add(chunk);
  return acc.result();
}

/** Sums usage over the steps of a run; undefined when no step reported any. */
export function sumUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const out: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
  for (const key of ["cachedInputTokens", "reasoningTokens", "cacheCreationInputTokens", "cacheReadInputTokens"] as const) {
    if (a[key] !== undefined || b[key] !== undefined) out[key] = (a[key] ?? 0) + (b[key] ?? 0);
  }
  return out;
}
