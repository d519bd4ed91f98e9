import { AnswerAccumulator } from "../stream/accumulate.js";
import type { StreamChunk } from "../stream/chunk.js";
import { ChunkStream, type ChunkSource, type Delivered } from "../stream/chunk-stream.js";
import type { HttpResponse } from "../transport/http.js";
import { interruption, readWholeBody, truncated, withCallSignal, type ResolvedSettings } from "./common.js";
import type { CallOptions, CompletionResult, ContinuationForm, Provider, ProviderRequest } from "./provider.js";

/** Bytes → frames (SSE events, NDJSON values): `SSEDecoder` and `NDJSONDecoder` both fit. */
export interface FrameDecoder<F> {
  decode(bytes: Uint8Array): readonly F[];
  flush(): readonly F[];
}

/**
 * One protocol's transform, the only part that differs between adapters: it turns frames into chunks and
 * knows the protocol's end marker. State lives in the handler (one per stream), never per frame. `frame` is
 * called lazily, when the consumer asks for a chunk and the previous frame's chunks are all taken, so it must
 * build the frame's chunks then and keep nothing of the frame once it returns.
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
 * Bytes decoded at a time. A whole read (up to 64 KiB) decoded at once holds all its frames, and the read's
 * text, alive while the consumer takes them one by one; V8 counts those survivors of its young-generation
 * collections and grows the young generation for them (32 MB against 8 MB in slices, measured).
 */
const DECODE_SLICE = 4 * 1024;
const NO_BYTES = new Uint8Array(0);

/**
 * One network read, decoded a slice at a time and turned into chunks only as the consumer asks for them: a
 * read of a few hundred frames never holds a few hundred finished chunks (parsed JSON, chunk, metadata) or
 * frames. One per stream, refilled for each read.
 */
class FrameBatch<F> implements ChunkSource {
  /** When the read arrived: the timestamp of its chunks. */
  now = 0;
  /** The handler saw the end marker (and has pushed the closing chunks). */
  ended = false;
  /** What the decoder or handler threw (an error frame, undecodable data); the rest of the read is dropped. */
  failure: unknown = undefined;
  #bytes: Uint8Array = NO_BYTES;
  #offset = 0;
  #frames: readonly F[] = [];
  #index = 0;
  readonly #decoder: FrameDecoder<F>;
  readonly #handler: FrameHandler<F>;
  /** The chunks of the current frame (usually one), reused for every frame. */
  readonly #pending: StreamChunk[] = [];
  #taken = 0;

  readonly #answer: AnswerAccumulator;

  constructor(decoder: FrameDecoder<F>, handler: FrameHandler<F>, answer: AnswerAccumulator) {
    this.#decoder = decoder;
    this.#handler = handler;
    this.#answer = answer;
  }

  /** Starts on a read's bytes, or, with `frames`, on the last frames the decoder gave at EOF. */
  fill(bytes: Uint8Array, frames: readonly F[] = []): void {
    this.#bytes = bytes;
    this.#offset = 0;
    this.#frames = frames;
    this.#index = 0;
    this.now = Date.now(); // the chunks of one read arrived together
  }

  nextChunk(): StreamChunk | undefined {
    const pending = this.#pending;
    if (this.#taken < pending.length) return pending[this.#taken++];
    if (this.#taken > 0) {
      pending.length = 0;
      this.#taken = 0;
    }
    try {
      for (;;) {
        const frames = this.#frames;
        while (this.#index < frames.length && !this.ended) {
          this.ended = this.#handler.frame(frames[this.#index++]!, pending, this.now);
          if (this.ended) this.#handler.finish(pending);
          if (pending.length > 0) {
            this.#answer.addAll(pending);
            this.#taken = 1;
            return pending[0];
          }
        }
        const bytes = this.#bytes;
        if (this.ended || this.#offset >= bytes.length) return undefined;
        const end = Math.min(this.#offset + DECODE_SLICE, bytes.length);
        this.#frames = this.#decoder.decode(this.#offset === 0 && end === bytes.length ? bytes : bytes.subarray(this.#offset, end));
        this.#index = 0;
        this.#offset = end;
      }
    } catch (error) {
      this.failure = error;
      this.#frames = [];
      this.#bytes = NO_BYTES;
      return undefined;
    }
  }
}

/**
 * Reads a streamed response to its end marker: each network read is handed to the `ChunkStream`, which decodes
 * it a slice at a time and turns each frame into its chunks only when the consumer asks for the next chunk. Anything that stops the stream before the end marker becomes a `StreamInterruptedError`
 * with exactly the text delivered so far, after the chunks of the frames before it have been handed over. After
 * the end marker the rest of the body is read so the keep-alive socket returns to the pool; a connection
 * closed early (error, abort, `break`) is destroyed at once.
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
}): AsyncGenerator<ChunkSource, CompletionResult> {
  const { provider, decoder, handler, signal, delivered } = options;
  const body = options.response.body;
  const reader = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  // The answer is the fold of the chunks (src/stream/accumulate.ts), the same for every protocol.
  // Its text is read from the stream that delivered it, which keeps it anyway.
  const answer = options.answer ?? new AnswerAccumulator(undefined, { text: delivered });
  const batch = new FrameBatch(decoder, handler, answer);
  let eof = false;
  try {
    try {
      while (!batch.ended && !eof) {
        const read = await reader.next();
        eof = read.done === true;
        if (eof) batch.fill(NO_BYTES, decoder.flush());
        else batch.fill(read.value as Uint8Array);
        // Resumed once the consumer has taken every chunk of this read (or decoding it failed).
        yield batch;
        if (batch.failure !== undefined) throw batch.failure;
      }
      if (!batch.ended) throw truncated(provider, options.endMarker);
    } catch (error) {
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
