/**
 * The events a served stream is made of, and the conversion of a chunk stream into them: one event per chunk
 * (`event` = the chunk type, `data` = the chunk as JSON), then `done`, or `error` with the partial text.
 */
import type { ChunkType, StreamChunk } from "../stream/chunk.js";
import { isChunkStream } from "../stream/chunk-stream.js";
import { AgentError, ProviderError, StreamInterruptedError, isAbortError, type InterruptReason } from "../stream/errors.js";

/** One server-sent event of a stream: `id` unique and ordered within the stream, `data` JSON. */
export interface StreamEvent {
  id: string;
  event: ChunkType | "done" | "error";
  data: string;
}

/** The `data` of an `error` event. */
export interface StreamErrorData {
  reason: InterruptReason;
  message: string;
  partialResponse: string;
}

/** The `data` of a `done` event (the usage of the final chunk, when it had one). */
export interface StreamDoneData {
  usage?: NonNullable<StreamChunk["metadata"]["usage"]>;
}

/** True for an event that ends its stream (`done` or `error`). */
export function isEndEvent(event: { event: string }): boolean {
  return event.event === "done" || event.event === "error";
}

/** The `done` event's data after the given final chunk (or none). */
export function doneData(final: StreamChunk | undefined): string {
  const usage = final?.metadata.usage;
  return usage === undefined ? "{}" : JSON.stringify({ usage } satisfies StreamDoneData);
}

/** The `error` event's data for an error a stream threw, with the exact text delivered before it. */
export function errorData(error: unknown, partialResponse: string): string {
  return JSON.stringify(errorFields(error, partialResponse));
}

/** Reason, message and partial text of an error a stream threw. */
export function errorFields(error: unknown, partialResponse: string): StreamErrorData {
  let reason: InterruptReason = "network";
  if (error instanceof StreamInterruptedError) reason = error.reason;
  else if (error instanceof ProviderError) reason = "provider";
  else if (isAbortError(error)) reason = "aborted";
  else if (!AgentError.isInstance(error)) reason = "provider";
  const message = error instanceof Error ? error.message : String(error);
  return { reason, message, partialResponse };
}

/** True when `value` looks like a {@link StreamEvent} rather than a `StreamChunk`. */
export function isStreamEvent(value: unknown): value is StreamEvent {
  return typeof value === "object" && value !== null && typeof (value as StreamEvent).event === "string" &&
    typeof (value as StreamEvent).data === "string" && typeof (value as StreamEvent).id === "string";
}

/**
 * Turns a chunk stream (or an already-followed event stream, passed through) into events. Chunk events get the
 * ids "0", "1", …; a thrown error becomes an `error` event with the text delivered so far. Ending this
 * iterator early ends the source (which, for a `ChunkStream`, aborts the model call).
 */
export async function* toStreamEvents(
  source: AsyncIterable<StreamChunk> | AsyncIterable<StreamEvent>,
): AsyncGenerator<StreamEvent, void, undefined> {
  let seq = 0;
  // A ChunkStream keeps its delivered text; any other source gets it kept here.
  const keepsText = typeof (source as { text?: unknown }).text === "string";
  let text = "";
  let final: StreamChunk | undefined;
  try {
    for await (const item of source as AsyncIterable<StreamChunk | StreamEvent>) {
      if (isStreamEvent(item)) {
        yield item;
        if (isEndEvent(item)) return;
        continue;
      }
      if (!keepsText && item.content.length > 0) text += item.content;
      if (item.isFinal) final = item;
      yield { id: String(seq++), event: item.type, data: JSON.stringify(item) };
    }
  } catch (error) {
    const partial = keepsText ? (source as unknown as { text: string }).text : text;
    yield { id: String(seq++), event: "error", data: errorData(error, partial) };
    return;
  }
  yield { id: String(seq), event: "done", data: doneData(final) };
}

/** The events of a source, and how to end the source at once even while a read is pending. */
export interface OpenedEvents {
  /** The next events ready together (one or more), up to and including the end event; undefined after it. */
  nextBatch(): Promise<StreamEvent[] | undefined>;
  /** Ends the iteration normally (after the end event). */
  close(): void;
  /** Ends the source now: aborts a `ChunkStream` (the model call) or ends a followed stream (following only). */
  abort(): void;
}

/** Opens a source for writing as SSE (shared by `toSSEResponse` and `pipeSSE`). */
export function openEvents(source: AsyncIterable<StreamChunk> | AsyncIterable<StreamEvent>): OpenedEvents {
  const iterator = (source as AsyncIterable<StreamChunk | StreamEvent>)[Symbol.asyncIterator]() as AsyncIterator<StreamChunk | StreamEvent> & {
    abort?: (reason?: unknown) => void;
    text?: string;
  };
  // Keep the source's own `text` visible to toStreamEvents (a ChunkStream's iterator is the stream itself).
  const view = { [Symbol.asyncIterator]: () => iterator, get text() { return iterator.text; } };
  if (typeof iterator.text !== "string") delete (view as { text?: unknown }).text;
  let aborted = false;
  let ended = false;
  let nextBatch: () => Promise<StreamEvent[] | undefined>;
  let close: () => void;
  const batches = iterator as { nextBatch?: () => Promise<StreamEvent[] | undefined> };
  if (!isChunkStream(iterator) && typeof batches.nextBatch === "function") {
    // A followed resumable stream: whole store reads at once (a ChunkStream's nextBatch yields chunks, not events).
    nextBatch = async () => {
      if (ended) return undefined;
      const batch = await batches.nextBatch!();
      if (batch === undefined || isEndEvent(batch[batch.length - 1]!)) ended = true;
      return batch;
    };
    close = () => void iterator.return?.()?.catch(() => undefined);
  } else {
    const events = toStreamEvents(view as AsyncIterable<StreamChunk>);
    nextBatch = async () => {
      const step = await events.next();
      return step.done === true ? undefined : [step.value];
    };
    close = () => void events.return(undefined).catch(() => undefined);
  }
  return {
    nextBatch,
    close,
    abort() {
      if (aborted) return;
      aborted = true;
      // A generator queues return() behind a pending next(); abort() (ChunkStream) cuts the pending read itself.
      if (typeof iterator.abort === "function") iterator.abort();
      iterator.return?.().catch(() => undefined);
    },
  };
}

/** Sends a comment whenever a whole interval passed with nothing written (so the gap is between ms and 2·ms). */
export class KeepAlive {
  #written = true;
  readonly #timer: ReturnType<typeof setInterval> | undefined;

  constructor(ms: number, send: () => void) {
    if (ms > 0) {
      this.#timer = setInterval(() => {
        if (!this.#written) send();
        this.#written = false;
      }, ms);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** Something was written: no comment due for this interval. */
  wrote(): void {
    this.#written = true;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}
