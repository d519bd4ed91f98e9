import { AnswerAccumulator } from "../stream/accumulate.js";
import type { StreamChunk } from "../stream/chunk.js";
import { ChunkStream, type Delivered } from "../stream/chunk-stream.js";
import type { HttpResponse } from "../transport/http.js";
import { interruption, readWholeBody, truncated, withCallSignal, type ResolvedSettings } from "./common.js";
import type { CallOptions, CompletionResult, ContinuationForm, Provider, ProviderRequest } from "./provider.js";

/** Bytes → frames (SSE events, NDJSON values): `SSEDecoder` and `NDJSONDecoder` both fit. */
export interface FrameDecoder<F> {
  decode(bytes: Uint8Array): F[];
  flush(): F[];
}

/**
 * One protocol's transform, the only part that differs between adapters: it turns frames into chunks and
 * knows the protocol's end marker. State lives in the handler (one per stream), never per frame.
 */
export interface FrameHandler<F> {
  /** Pushes the chunks of one frame onto `out`; true when the frame is the end marker. Throws on an error frame. */
  frame(frame: F, out: StreamChunk[], now: number): boolean;
  /** After the end marker: pushes the closing chunks (calls left open, the final chunk). */
  finish(out: StreamChunk[]): void;
}

/** How long to wait for the server to end a response after the protocol's end marker before closing it. */
const DRAIN_GRACE_MS = 1_000;

/**
 * Reads a streamed response to its end marker: each network read is decoded, its frames become chunks, and
 * the chunks of one read are yielded together as one batch (a `ChunkStream` hands them out one by one).
 * Anything that stops the stream before the end marker becomes a `StreamInterruptedError` with exactly the
 * text delivered so far, after the chunks already decoded have been handed over. After the end marker the
 * rest of the body is read so the keep-alive socket returns to the pool; a connection closed early (error,
 * abort, `break`) is destroyed at once.
 */
export async function* driveStream<F>(options: {
  provider: string;
  response: HttpResponse;
  decoder: FrameDecoder<F>;
  handler: FrameHandler<F>;
  signal: AbortSignal;
  delivered: Delivered;
  /** Named in the error when the body ends without it, e.g. "data: [DONE]". */
  endMarker: string;
  /** The fold to continue (a resumed body adds to the answer its first part began); a fresh one by default. */
  answer?: AnswerAccumulator;
}): AsyncGenerator<StreamChunk[], CompletionResult> {
  const { provider, decoder, handler, signal, delivered } = options;
  const body = options.response.body;
  const reader = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  let batch: StreamChunk[] = [];
  // The answer is the fold of the chunks (src/stream/accumulate.ts), the same for every protocol.
  const answer = options.answer ?? new AnswerAccumulator();
  let ended = false;
  let eof = false;
  try {
    try {
      while (!ended && !eof) {
        const read = await reader.next();
        eof = read.done === true;
        const frames = eof ? decoder.flush() : decoder.decode(read.value as Uint8Array);
        const now = Date.now(); // the chunks of one read arrived together
        for (let i = 0; i < frames.length && !ended; i++) ended = handler.frame(frames[i]!, batch, now);
        if (ended) handler.finish(batch);
        if (batch.length > 0) {
          const out = batch;
          batch = [];
          answer.addAll(out);
          yield out;
        }
      }
      if (!ended) throw truncated(provider, options.endMarker);
    } catch (error) {
      // Chunks decoded before the failure are not lost: hand them over first (unless the consumer aborted).
      if (batch.length > 0 && !signal.aborted) {
        const pending = batch;
        batch = [];
        answer.addAll(pending);
        yield pending;
      }
      throw interruption(provider, error, signal, delivered.text);
    }
    if (!eof) eof = await drain(reader, () => body.destroy());
    return answer.result();
  } finally {
    if (!eof) body.destroy();
  }
}

/** Reads and drops what follows the end marker until EOF; true if EOF came within the grace period. */
async function drain(reader: AsyncIterator<Uint8Array>, close: () => void): Promise<boolean> {
  const timer = setTimeout(close, DRAIN_GRACE_MS);
  try {
    while ((await reader.next()).done !== true) {
      // the answer is whole; trailing bytes change nothing
    }
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** What makes an HTTP provider: how to call it, and how to read its streamed and whole answers. */
export interface HttpProviderSpec<F> {
  name: string;
  settings: ResolvedSettings;
  /** Sends the request; resolves with a 2xx response whose body is unread (see `openResponse`). */
  call(request: ProviderRequest, stream: boolean, signal: AbortSignal): Promise<HttpResponse>;
  /** A fresh decoder for one streamed body. */
  decoder(): FrameDecoder<F>;
  /** A fresh transform for one streamed answer. */
  frames(request: ProviderRequest): FrameHandler<F>;
  endMarker: string;
  /** The non-streaming body → a completion. */
  parseCompletion(bodyText: string, request: ProviderRequest): CompletionResult;
  /** How the API continues a broken answer (default "instruction"). */
  continuation?: ContinuationForm;
}

/** Builds a `Provider` from its spec; the three adapters differ only in their specs. */
export function httpProvider<F>(spec: HttpProviderSpec<F>): Provider {
  const { name, settings } = spec;
  return {
    name,
    supportsStreaming: true,
    supportsTools: true,
    supportsThinking: true,
    // A view without the key itself; hasApiKey stays live (the key variable is read per request).
    settings: {
      timeout: settings.timeout,
      maxRetries: settings.maxRetries,
      baseUrl: settings.baseUrl,
      get hasApiKey() {
        return settings.hasApiKey;
      },
      apiKeyRequired: settings.apiKeyRequired,
      apiKeyEnv: settings.apiKeyEnv,
    },
    continuation: spec.continuation ?? "instruction",
    stream(request, callOptions: CallOptions = {}) {
      return new ChunkStream<CompletionResult>(async function* (signal, delivered) {
        const response = await spec.call(request, true, signal);
        const handler = spec.frames(request);
        return yield* driveStream({ provider: name, response, decoder: spec.decoder(), handler, signal, delivered, endMarker: spec.endMarker });
      }, callOptions.signal);
    },
    complete(request, callOptions: CallOptions = {}) {
      return withCallSignal(name, callOptions, async (signal) => {
        const response = await spec.call(request, false, signal);
        return spec.parseCompletion(await readWholeBody(name, response, signal), request);
      });
    },
  };
}
