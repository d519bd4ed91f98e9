import type { StreamChunk, ToolCall, Usage, FinishReason } from "./chunk.js";
import { TextBuffer } from "./text-buffer.js";

/** Options of a {@link StreamingResponse}. */
export interface StreamingResponseOptions {
  /** Keep every chunk object in `chunks` (default true). With false, memory stays flat for any length. */
  keepChunks?: boolean;
  /** The id of the stream being collected; a random one when omitted. */
  streamId?: string;
  /**
   * Where to read the text from instead of keeping a copy: a `ChunkStream` already holds the text it handed
   * out (`collectStream` passes it, so the answer is kept once).
   */
  textSource?: { readonly text: string };
}

/**
 * Folds chunks, one at a time, into the complete answer. It knows nothing of transport:
 * feed it from any stream with `addChunk`.
 */
export class StreamingResponse {
  readonly streamId: string;
  /** The chunks added so far (empty when `keepChunks` is false). */
  readonly chunks: StreamChunk[] = [];
  #keepChunks: boolean;
  #text = new TextBuffer();
  #textSource: { readonly text: string } | undefined;
  #thinking = new TextBuffer();
  #chunkCount = 0;
  #startedAt: number | undefined;
  #endedAt: number | undefined;
  #firstChunkAt: number | undefined;
  #usage: Usage | undefined;
  #finishReason: FinishReason | undefined;
  #toolCalls: ToolCall[] = [];
  #complete = false;

  constructor(options: StreamingResponseOptions = {}) {
    this.#keepChunks = options.keepChunks ?? true;
    this.#textSource = options.textSource;
    this.streamId = options.streamId ?? randomStreamId();
  }

  /** Adds one chunk: appends its text, counts it, and takes usage and finish reason from the final chunk. */
  addChunk(chunk: StreamChunk): void {
    const now = performance.now();
    this.#startedAt ??= now;
    this.#firstChunkAt ??= now;
    this.#endedAt = now;
    this.#chunkCount++;
    if (this.#keepChunks) this.chunks.push(chunk);
    if (chunk.content.length > 0 && this.#textSource === undefined) this.#text.append(chunk.content);
    const meta = chunk.metadata;
    if (chunk.type === "thinking" && meta.thinking !== undefined) this.#thinking.append(meta.thinking);
    if (chunk.type === "tool_call" && meta.toolCall !== undefined && "arguments" in meta.toolCall) {
      this.#toolCalls.push(meta.toolCall);
    }
    if (chunk.isFinal) {
      this.#complete = true;
      if (meta.usage !== undefined) this.#usage = meta.usage;
      if (meta.finishReason !== undefined) this.#finishReason = meta.finishReason;
    }
  }

  /** Marks the moment collection started, so `duration` includes the wait for the first chunk. */
  start(): void {
    this.#startedAt ??= performance.now();
  }

  /** All text received so far. */
  get completeText(): string {
    return this.#textSource === undefined ? this.#text.toString() : this.#textSource.text;
  }

  /** All reasoning text received so far. */
  get thinking(): string {
    return this.#thinking.toString();
  }

  /** Number of chunks added. */
  get chunkCount(): number {
    return this.#chunkCount;
  }

  /** Milliseconds from the start (or the first chunk) to the last chunk. */
  get duration(): number {
    if (this.#startedAt === undefined || this.#endedAt === undefined) return 0;
    return this.#endedAt - this.#startedAt;
  }

  /** Milliseconds from `start()` to the first chunk, when `start()` was called. */
  get timeToFirstChunk(): number | undefined {
    if (this.#startedAt === undefined || this.#firstChunkAt === undefined) return undefined;
    return this.#firstChunkAt - this.#startedAt;
  }

  /** Total tokens from the final chunk's usage, when the provider reported it. */
  get totalTokens(): number | undefined {
    return this.#usage?.totalTokens;
  }

  /** Usage from the final chunk, when the provider reported it. */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** Normalized finish reason from the final chunk. */
  get finishReason(): FinishReason | undefined {
    return this.#finishReason;
  }

  /** Complete tool calls seen in the stream. */
  get toolCalls(): readonly ToolCall[] {
    return this.#toolCalls;
  }

  /** True once the final chunk was added. */
  get isComplete(): boolean {
    return this.#complete;
  }
}

let counter = 0;
/** A short unique id; `crypto.randomUUID` is unique enough across processes, the counter keeps it sortable here. */
export function randomStreamId(): string {
  counter = (counter + 1) % 0x100000;
  return `stream_${Date.now().toString(36)}${counter.toString(36).padStart(4, "0")}${crypto.randomUUID().slice(0, 8)}`;
}
