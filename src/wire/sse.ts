/**
 * Bytes → Server-Sent Events, with no provider knowledge.
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * Line splitting and field parsing are eventsource-parser's (`createParser`, 3.1.1). This module adds what it
 * lacks or gets wrong, measured against the spec:
 * - it resets `id` after each block and drops a block that has no `data`, so the spec's *sticky* last event id
 *   (and an id-only block that silently updates it) is invisible; we track `id` lines ourselves (see `feed`);
 * - it holds back a CR at the end of a chunk until the next terminator-bearing chunk, delaying an event that a
 *   lone CR already completed, and losing it at EOF; we complete it at once (see `push`);
 * - it strips a BOM written as three Latin-1 chars "ï»¿" (never a real decoded BOM); the TextDecoder drops the
 *   real U+FEFF, so we disarm the parser's check by feeding it an empty first chunk.
 * This is the hot path (one event per LLM token): no per-event closures, spreads or regexes.
 */
import { createParser } from "eventsource-parser";
import type { EventSourceMessage, EventSourceParser, ParseError } from "eventsource-parser";
import { ConfigurationError, WireFormatError } from "../stream/errors.js";

/** One dispatched event: `type` is the `event:` name or "message"; `lastEventId` is the sticky last event id. */
export interface SSEEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/** Options of {@link SSEDecoder} and {@link sseEvents}. */
export interface SSEDecoderOptions {
  /** Most characters buffered without completing an event (partial line plus pending data); default 16 MiB. */
  maxBufferSize?: number;
  /** Called with each valid `retry:` value (milliseconds). */
  onRetry?: (ms: number) => void;
}

const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024;
const STREAM: TextDecodeOptions = { stream: true };
/** Returned when a call completes no event; frozen because every caller shares it. */
const NO_EVENTS = Object.freeze([]) as unknown as SSEEvent[];

const LF = 10;
const CR = 13;
const SPACE = 32;
const COLON = 58;
const LOWER_I = 105;
const LOWER_D = 100;

// Where the id-line tracker stands at the end of the text fed so far.
/** Inside a line that is not an `id` field. */
const OTHER = 0;
/** At a line whose first `headLen` chars are a prefix of "id". */
const HEAD = 1;
/** Inside an `id` field's value; `idParts` holds what arrived so far. */
const VALUE = 2;

/** Incremental SSE decoder: `decode` each read, then `flush` once at end of input. */
export class SSEDecoder {
  private readonly utf8 = new TextDecoder();
  private readonly parser: EventSourceParser;
  private readonly maxBufferSize: number;
  /** Events completed by the current call; allocated on the first one. */
  private out: SSEEvent[] | undefined;
  private lastId = "";
  private overflowed = false;
  private failure: WireFormatError | undefined;
  /** The previous text ended with CR that we already treated as a terminator: a leading LF belongs to it. */
  private skipLF = false;
  private mode = HEAD;
  private headLen = 0;
  private readonly idParts: string[] = [];
  /** Within one `feed`: how much of the text the parser has, and cached next LF/CR positions (-2: unknown). */
  private fed = 0;
  private lfAt = -2;
  private crAt = -2;

  constructor(options?: SSEDecoderOptions) {
    const max = options?.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    if (!(max > 0)) throw new ConfigurationError("maxBufferSize", `must be a positive number, got ${max}`);
    this.maxBufferSize = max;
    this.parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        // The parser leaves `event` undefined for the default type; its `id` is ignored (not sticky, see above).
        const event: SSEEvent = { type: message.event ?? "message", data: message.data, lastEventId: this.lastId };
        if (this.out === undefined) this.out = [event];
        else this.out.push(event);
      },
      onRetry: options?.onRetry,
      onError: (error: ParseError) => {
        // Unknown fields and invalid `retry` values are ignored, as the spec says; only overflow is fatal.
        if (error.type === "max-buffer-size-exceeded") this.overflowed = true;
      },
      maxBufferSize: max,
    });
    this.parser.feed("");
  }

  /** Decodes one read; returns the events it completed, in order (a shared frozen empty array when none). */
  decode(bytes: Uint8Array): SSEEvent[] {
    if (this.failure !== undefined) throw this.failure;
    return this.push(this.utf8.decode(bytes, STREAM));
  }

  /** Ends the input: returns the last completed events, discards an unterminated block, and resets for a new stream. */
  flush(): SSEEvent[] {
    if (this.failure !== undefined) throw this.failure;
    // The final decode turns a character cut off by EOF into U+FFFD.
    const events = this.push(this.utf8.decode());
    this.parser.reset();
    this.parser.feed("");
    this.lastId = "";
    this.skipLF = false;
    this.mode = HEAD;
    this.headLen = 0;
    this.idParts.length = 0;
    return events;
  }

  private push(text: string): SSEEvent[] {
    if (this.skipLF && text.length > 0) {
      this.skipLF = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    if (text.length > 0) {
      this.feed(text);
      // A CR ends its line whatever follows; the parser would wait for the next chunk to rule out CRLF. Give it
      // the LF now (CRLF is one terminator) and drop a real LF if it starts the next read.
      if (text.charCodeAt(text.length - 1) === CR) {
        this.feedParser("\n");
        this.skipLF = true;
      }
    }
    const out = this.out;
    if (out === undefined) return NO_EVENTS;
    this.out = undefined;
    return out;
  }

  /**
   * Feeds `text` to the parser while recording every `id` field at its place in the stream. A line is an id
   * field only if it is exactly "id", or starts with "id:", so one native search finds the candidates: for "\nid"
   * when the text has no CR (every provider's stream), since JSON data is full of `"id"` that are no line start;
   * for "id" otherwise.
   * Before recording an id, the parser gets the text up to the end of that line, so events completed before it
   * still carry the previous id and events after it the new one: the sticky value the spec defines.
   */
  private feed(text: string): void {
    const n = text.length;
    this.fed = 0;
    this.lfAt = -2;
    this.crAt = -2;
    let from = this.mode === OTHER ? 0 : this.continueLine(text, 0);
    if (from < n) {
      const lfOnly = text.indexOf("\r") === -1;
      let j = lfOnly ? idAfterLF(text, from) : text.indexOf("id", from);
      while (j !== -1) {
        const prev = text.charCodeAt(j - 1);
        if (j > from && (prev === LF || prev === CR)) {
          this.mode = HEAD;
          this.headLen = 0;
          from = this.continueLine(text, j);
          if (from === n) break;
          j = lfOnly ? idAfterLF(text, from) : text.indexOf("id", from);
        } else {
          j = text.indexOf("id", j + 1);
        }
      }
      if (this.mode === OTHER) {
        // A line that starts at the very end of this text may still become an id field.
        const last = text.charCodeAt(n - 1);
        if (n - 1 >= from && (last === LF || last === CR)) {
          this.mode = HEAD;
          this.headLen = 0;
        } else if (last === LOWER_I && n - 2 >= from) {
          const before = text.charCodeAt(n - 2);
          if (before === LF || before === CR) {
            this.mode = HEAD;
            this.headLen = 1;
          }
        }
      }
    }
    if (this.fed < n) this.feedParser(this.fed === 0 ? text : text.slice(this.fed));
  }

  /** Follows the possible id line at `pos` (state in `mode`); returns where to resume looking for line starts. */
  private continueLine(text: string, pos: number): number {
    const n = text.length;
    if (this.mode === HEAD) {
      while (this.headLen < 2) {
        if (pos === n) return n;
        if (text.charCodeAt(pos) !== (this.headLen === 0 ? LOWER_I : LOWER_D)) {
          this.mode = OTHER;
          return pos;
        }
        this.headLen++;
        pos++;
      }
      if (pos === n) return n;
      const c = text.charCodeAt(pos);
      if (c === LF || c === CR) {
        // A bare `id` line has an empty value, which clears the id.
        this.mode = OTHER;
        this.commitId(text, pos, "");
        return pos;
      }
      if (c !== COLON) {
        this.mode = OTHER;
        return pos;
      }
      this.mode = VALUE;
      pos++;
    }
    const end = this.nextLineEnd(text, pos);
    if (end === -1) {
      if (pos < n) this.idParts.push(text.slice(pos));
      return n;
    }
    let value = this.idParts.length === 0 ? text.slice(pos, end) : this.idParts.join("") + text.slice(pos, end);
    this.idParts.length = 0;
    this.mode = OTHER;
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    // An id containing U+0000 is ignored (spec), keeping the previous one.
    if (value.indexOf("\0") === -1) this.commitId(text, end, value);
    return end;
  }

  /** Index of the first CR or LF at or after `pos`, or -1; cached so many id lines in one text stay linear. */
  private nextLineEnd(text: string, pos: number): number {
    if (this.lfAt !== -1 && this.lfAt < pos) this.lfAt = text.indexOf("\n", pos);
    if (this.crAt !== -1 && this.crAt < pos) this.crAt = text.indexOf("\r", pos);
    const lf = this.lfAt;
    const cr = this.crAt;
    if (lf === -1) return cr;
    return cr === -1 || lf < cr ? lf : cr;
  }

  /** Sets the sticky id once the parser has every line before `end` (the id line's terminator). */
  private commitId(text: string, end: number, value: string): void {
    if (end > this.fed) {
      this.feedParser(text.slice(this.fed, end));
      this.fed = end;
    }
    this.lastId = value;
  }

  private feedParser(chunk: string): void {
    this.parser.feed(chunk);
    // The parser reports overflow through onError and then refuses to be fed; turn that into our error.
    if (this.overflowed) {
      this.failure = new WireFormatError(
        `SSE stream buffered more than maxBufferSize (${this.maxBufferSize} characters) without completing an event`,
        { type: "buffer-overflow" },
      );
      throw this.failure;
    }
  }
}

/** Index of an "id" that starts a line (right after an LF at or after `from`), or -1. */
function idAfterLF(text: string, from: number): number {
  const at = text.indexOf("\nid", from);
  return at === -1 ? -1 : at + 1;
}

/** Decodes a byte stream into SSE events; breaking out of the loop early closes `body`'s iterator. */
export async function* sseEvents(
  body: AsyncIterable<Uint8Array>,
  options?: SSEDecoderOptions,
): AsyncGenerator<SSEEvent, void, undefined> {
  const decoder = new SSEDecoder(options);
  // `for await` calls body's return() when this generator is returned (consumer break) or throws.
  for await (const bytes of body) {
    for (const event of decoder.decode(bytes)) yield event;
  }
  for (const event of decoder.flush()) yield event;
}
