/**
 * Parses only what a plain text frame needs. Within one stream, every text delta of a provider is the same JSON
 * text around a different string (same id, model, index, nulls), e.g. OpenAI's
 * `{"id":"chatcmpl-1",…,"delta":{"content":"Lorem"},"logprobs":null,"finish_reason":null}]}`.
 * Once one such frame has been parsed in full, the next ones that are byte for byte the same around their
 * text (and whose text needs no JSON unescaping) are read with two comparisons and a slice: no JSON.parse,
 * no objects. The result is exactly what JSON.parse would give, because such a frame tokenizes like the
 * template (see `learn`).
 */

const QUOTE = 34;
const BACKSLASH = 92;
const SPACE = 32;
const MAX_ATTEMPTS = 3;

export class TextFrameTemplate {
  /** The JSON text before the string's opening quote's next char, and from its closing quote on. */
  #prefix = "";
  #suffix = "";
  #learned = false;
  /** Frames tried as a template; a stream whose first few text frames do not fit is parsed in full. */
  #attempts = 0;

  /**
   * @param key The JSON key whose string value is the text, with its quotes and colon, e.g. `"content":"`.
   * @param probe Reads a fully parsed frame: its text when the frame is a plain text delta, else undefined.
   */
  constructor(
    private readonly key: string,
    private readonly probe: (json: unknown) => string | undefined,
  ) {}

  /** The frame's text (never empty) when it matches the learned template; undefined when it must be parsed in full. */
  match(data: string): string | undefined {
    if (!this.#learned) return undefined;
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    const end = data.length - suffix.length;
    // `slice` + `===` compares flat memory; `startsWith` went char by char and cost more than JSON.parse (measured).
    if (end <= prefix.length || data.slice(0, prefix.length) !== prefix || data.slice(end) !== suffix) return undefined;
    // The text must be a JSON string body with nothing to unescape: no quote, backslash or control character.
    for (let i = prefix.length; i < end; i++) {
      const c = data.charCodeAt(i);
      if (c === QUOTE || c === BACKSLASH || c < SPACE) return undefined;
    }
    return data.slice(prefix.length, end);
  }

  /**
   * Called with a frame that was parsed in full and carried `text`. One of the first few becomes the template if its text sits after the only occurrence of the key, and a copy of the frame with
   * another text parses (with `probe`) to a plain text delta of that other text: then any frame that is the same
   * around a text with nothing to unescape tokenizes the same way, and parses to that text.
   */
  learn(data: string, text: string): void {
    if (this.#learned || this.#attempts >= MAX_ATTEMPTS) return;
    this.#attempts++;
    const at = data.indexOf(this.key);
    if (at === -1 || data.indexOf(this.key, at + 1) !== -1) return;
    const start = at + this.key.length;
    const end = start + text.length;
    if (data.charCodeAt(end) !== QUOTE || data.slice(start, end) !== text) return;
    const prefix = data.slice(0, start);
    const suffix = data.slice(end);
    let parsed: unknown;
    try {
      parsed = JSON.parse(`${prefix}x${suffix}`);
    } catch {
      return;
    }
    if (this.probe(parsed) !== "x") return;
    // Flat copies: slices of the read's text would keep that whole read alive for the stream.
    this.#prefix = flat(prefix);
    this.#suffix = flat(suffix);
    this.#learned = true;
  }
}

/** A copy of `text` that holds no reference to the string it was sliced from. */
function flat(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
}
