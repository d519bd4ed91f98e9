import { setTimeout as sleep } from "node:timers/promises";
import { makeChunk, type StreamChunk } from "./chunk.js";
import { ChunkStream } from "./chunk-stream.js";
import { ConfigurationError, StreamInterruptedError } from "./errors.js";

/** Options of {@link createMockStream}. */
export interface MockStreamOptions {
  /** Characters per chunk (default 5). */
  chunkSize?: number;
  /** Milliseconds to wait before each chunk (default 0). */
  delay?: number;
  /** Stops the stream with a `StreamInterruptedError` (reason "aborted"). */
  signal?: AbortSignal;
}

/**
 * A stream of text chunks for tests: `createMockStream("Test response text", { chunkSize: 5 })` yields
 * "Test ", "respo", "nse t", "ext". As in the AgentiCraft reference, the last text chunk itself carries
 * `isFinal: true`, so the stream has exactly one chunk per piece of text.
 */
export function createMockStream(text: string, options: MockStreamOptions = {}): ChunkStream<void> {
  const chunkSize = options.chunkSize ?? 5;
  const delay = options.delay ?? 0;
  if (typeof text !== "string") throw new ConfigurationError("text", "must be a string");
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ConfigurationError("chunkSize", `must be a positive integer, got ${String(options.chunkSize)}`);
  }
  if (!Number.isFinite(delay) || delay < 0) {
    throw new ConfigurationError("delay", `must be a non-negative number of ms, got ${String(options.delay)}`);
  }
  return new ChunkStream<void>(async function* (signal): AsyncGenerator<StreamChunk, undefined> {
    let sent = 0;
    let index = 0;
    try {
      while (sent < text.length || (text.length === 0 && index === 0)) {
        if (delay > 0) await sleep(delay, undefined, { signal });
        else if (signal.aborted) throw signal.reason;
        const piece = text.slice(sent, sent + chunkSize);
        sent += piece.length;
        const chunk = makeChunk("text", piece, { provider: "mock", chunkIndex: index++ });
        if (sent >= text.length) chunk.isFinal = true;
        yield chunk;
      }
    } catch (error) {
      if (signal.aborted) {
        throw new StreamInterruptedError("Mock stream aborted", {
          reason: "aborted",
          partialResponse: text.slice(0, sent),
          cause: error,
        });
      }
      throw error;
    }
    return undefined;
  }, options.signal);
}
