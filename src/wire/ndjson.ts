/**
 * Bytes → JSON values, one per line (NDJSON, Ollama's streaming format).
 * Lines end with LF; a CR before it is JSON whitespace, so `\r\n` needs no special case. Blank lines are skipped
 * and a last line without its newline is parsed at `flush`, as ollama-js does.
 */
import { ConfigurationError, WireFormatError } from "../stream/errors.js";

/** Options of {@link NDJSONDecoder} and {@link ndjsonValues}. */
export interface NDJSONDecoderOptions {
  /** Most characters of one unfinished line kept between reads; default 16 MiB. */
  maxBufferSize?: number;
}

const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024;
const STREAM: TextDecodeOptions = { stream: true };
/** Returned when a call completes no line; frozen because every caller shares it. */
const NO_VALUES = Object.freeze([]) as unknown as unknown[];

/** Incremental NDJSON decoder: `decode` each read, then `flush` once at end of input. */
export class NDJSONDecoder {
  private readonly utf8 = new TextDecoder();
  private readonly maxBufferSize: number;
  /** Fragments of the unfinished last line, joined once its newline arrives (no quadratic concatenation). */
  private readonly tail: string[] = [];
  private tailLength = 0;
  private failure: WireFormatError | undefined;

  constructor(options?: NDJSONDecoderOptions) {
    const max = options?.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    if (!(max > 0)) throw new ConfigurationError("maxBufferSize", `must be a positive number, got ${max}`);
    this.maxBufferSize = max;
  }

  /** Decodes one read; returns the values of the lines it completed (a shared frozen empty array when none). */
  decode(bytes: Uint8Array): unknown[] {
    if (this.failure !== undefined) throw this.failure;
    return this.push(this.utf8.decode(bytes, STREAM));
  }

  /** Ends the input: parses a last line that lacks its newline, and resets for a new stream. */
  flush(): unknown[] {
    if (this.failure !== undefined) throw this.failure;
    // The final decode turns a character cut off by EOF into U+FFFD.
    const out = this.push(this.utf8.decode());
    if (this.tail.length === 0) return out;
    const line = this.tail.join("");
    this.tail.length = 0;
    this.tailLength = 0;
    const values = out === NO_VALUES ? [] : out;
    if (!this.parseLine(line, values) && values.length === 0) throw this.failure;
    return values.length === 0 ? NO_VALUES : values;
  }

  /**
   * Parses the lines `text` completes. A bad line stops the stream, but the good lines before it in the same
   * read are still returned (so no text that arrived is lost); the error is thrown by this call when there are
   * none, else by the next `decode` or `flush`.
   */
  private push(text: string): unknown[] {
    let nl = text.indexOf("\n");
    if (nl === -1) {
      if (text.length > 0) this.buffer(text);
      return NO_VALUES;
    }
    const out: unknown[] = [];
    let ok: boolean;
    if (this.tail.length === 0) {
      ok = this.parseLine(text.slice(0, nl), out);
    } else {
      this.tail.push(text.slice(0, nl));
      const line = this.tail.join("");
      this.tail.length = 0;
      this.tailLength = 0;
      ok = this.parseLine(line, out);
    }
    let start = nl + 1;
    while (ok && (nl = text.indexOf("\n", start)) !== -1) {
      ok = this.parseLine(text.slice(start, nl), out);
      start = nl + 1;
    }
    if (!ok) {
      if (out.length === 0) throw this.failure;
      return out;
    }
    if (start < text.length) this.buffer(text.slice(start));
    return out.length === 0 ? NO_VALUES : out;
  }

  private buffer(fragment: string): void {
    this.tail.push(fragment);
    this.tailLength += fragment.length;
    if (this.tailLength > this.maxBufferSize) {
      this.tail.length = 0;
      this.failure = new WireFormatError(
        `NDJSON line exceeded maxBufferSize (${this.maxBufferSize} characters) without a newline`,
        { type: "buffer-overflow" },
      );
      throw this.failure;
    }
  }

  /** Appends the line's value to `out`; false (with `failure` set) when the line is not JSON. */
  private parseLine(line: string, out: unknown[]): boolean {
    if (isBlank(line)) return true;
    try {
      out.push(JSON.parse(line));
      return true;
    } catch (cause) {
      this.failure = new WireFormatError(`NDJSON line is not valid JSON: ${(cause as Error).message}`, {
        type: "invalid-json",
        excerpt: line,
        cause,
      });
      return false;
    }
  }
}

/** True for a line of only JSON whitespace; a JSON line fails the first check, so this costs one char read. */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Decodes a byte stream into one JSON value per line; breaking out of the loop early closes `body`'s iterator. */
export async function* ndjsonValues(
  body: AsyncIterable<Uint8Array>,
  options?: NDJSONDecoderOptions,
): AsyncGenerator<unknown, void, undefined> {
  const decoder = new NDJSONDecoder(options);
  // `for await` calls body's return() when this generator is returned (consumer break) or throws.
  for await (const bytes of body) {
    for (const value of decoder.decode(bytes)) yield value;
  }
  for (const value of decoder.flush()) yield value;
}
