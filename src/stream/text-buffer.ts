/**
 * Accumulates streamed text in memory proportional to the text itself.
 *
 * `s += piece` in V8 builds a rope whose nodes cost ~32 bytes each, so a million 5-byte pieces would take
 * ~30 MB for 5 MB of text; an array of pieces costs about the same. Instead pieces are appended to a small
 * pending rope that is flattened into a segment every few KiB, which keeps the copy work linear.
 */
const FLATTEN_AT = 8 * 1024;

export class TextBuffer {
  #segments: string[] = [];
  #pending = "";
  #length = 0;

  /** Appends a piece of text. */
  append(piece: string): void {
    if (piece.length === 0) return;
    this.#pending += piece;
    this.#length += piece.length;
    if (this.#pending.length >= FLATTEN_AT) {
      this.#segments.push(flatten(this.#pending));
      this.#pending = "";
    }
  }

  /** Number of UTF-16 code units held. */
  get length(): number {
    return this.#length;
  }

  /** All text appended so far. */
  toString(): string {
    if (this.#segments.length === 0) return this.#pending;
    const whole = flatten(this.#segments.join("") + this.#pending);
    // Keep the joined form so repeated reads stay cheap.
    this.#segments = [whole];
    this.#pending = "";
    return whole;
  }

  /** Forgets everything. */
  clear(): void {
    this.#segments = [];
    this.#pending = "";
    this.#length = 0;
  }
}

/** Returns a flat (non-rope) copy of a string; reading a char forces V8 to flatten it in place. */
function flatten(text: string): string {
  if (text.length > 0) text.charCodeAt(0);
  return text;
}
