/**
 * Accumulates streamed text in memory proportional to the text itself, without growing V8's young generation.
 *
 * `s += piece` in V8 builds a rope whose nodes cost ~32 bytes each, so a million 5-byte pieces would take
 * ~30 MB for 5 MB of text. Flattening the rope every few KiB keeps it linear, but every flattened segment is
 * born in the young generation and survives: V8 counts the bytes that survive its scavenges and doubles the
 * young generation each time they exceed its size, so a long answer alone grew it from 1 to 16 MB (measured).
 * Instead, pieces are copied as UTF-8 into a byte block off the V8 heap. A full block of ASCII text (over 1 MB)
 * becomes an external string: Node keeps the characters outside the V8 heap, so nothing of the text is copied
 * through the young generation. The whole text is the concatenation of the segments (a rope of a few nodes).
 */
/** Size of the first block; blocks double up to `MAX_BLOCK` so a short answer costs little. */
const MIN_BLOCK = 1024;
/**
 * Node decodes a Latin-1 buffer of more than 1,031,913 bytes (its EXTERN_APEX) into an external string; a full
 * block is at least this minus the largest piece written into it (3 × DIRECT_PIECE bytes).
 */
const MAX_BLOCK = 1152 * 1024;
/** A piece this long is kept as the string it already is. */
const DIRECT_PIECE = 16 * 1024;

export class TextBuffer {
  /** Decoded text, in order, before what is in `#block`. */
  #segments: string[] = [];
  #block: Buffer | undefined;
  /** Bytes of `#block` in use. */
  #used = 0;
  /** The block holds only ASCII, so Latin-1 decodes it (and, when large, into an external string). */
  #ascii = true;
  #length = 0;

  /** Appends a piece of text. */
  append(piece: string): void {
    const n = piece.length;
    if (n === 0) return;
    this.#length += n;
    if (n >= DIRECT_PIECE) {
      this.#seal();
      this.#segments.push(piece);
      return;
    }
    let block = this.#block;
    // Up to 3 UTF-8 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2 units).
    if (block === undefined || this.#used + 3 * n > block.length) block = this.#room(3 * n);
    const start = this.#used;
    let pos = start;
    for (let i = 0; i < n; i++) {
      const c = piece.charCodeAt(i);
      if (c >= 0x80) {
        pos = this.#appendUnicode(piece, block, start);
        if (pos === -1) return;
        break;
      }
      block[pos++] = c;
    }
    this.#used = pos;
  }

  /** Number of UTF-16 code units held. */
  get length(): number {
    return this.#length;
  }

  /** All text appended so far. */
  toString(): string {
    this.#seal();
    // Read at the end of a stream, mostly: the block's memory is not kept past it.
    this.#block = undefined;
    const segments = this.#segments;
    if (segments.length === 0) return "";
    if (segments.length === 1) return segments[0]!;
    // A rope of the segments: joining would copy the external segments into one young string.
    let whole = segments[0]!;
    for (let i = 1; i < segments.length; i++) whole += segments[i]!;
    // Keep the joined form so repeated reads stay cheap.
    this.#segments = [whole];
    return whole;
  }

  /** Forgets everything. */
  clear(): void {
    this.#segments = [];
    this.#block = undefined;
    this.#used = 0;
    this.#ascii = true;
    this.#length = 0;
  }

  /**
   * Writes a piece that is not all ASCII from `start` with the UTF-8 encoder; returns the new end, or -1 when the
   * piece holds a lone surrogate (e.g. half of a pair split between two chunks), which UTF-8 cannot keep: it is
   * then kept as a string, and the pieces around it join back exactly.
   */
  #appendUnicode(piece: string, block: Buffer, start: number): number {
    if (hasLoneSurrogate(piece)) {
      this.#used = start;
      this.#seal();
      this.#segments.push(piece);
      return -1;
    }
    this.#ascii = false;
    return start + block.write(piece, start, "utf8");
  }

  /** A block with room for `bytes` more: the current one, or a larger or fresh one after sealing it. */
  #room(bytes: number): Buffer {
    const old = this.#block;
    this.#seal();
    let size = old === undefined ? MIN_BLOCK : Math.min(old.length * 2, MAX_BLOCK);
    while (size < bytes) size *= 2;
    // A full block of the largest size is reused: its text is now a string of its own.
    const block = old !== undefined && old.length === size ? old : Buffer.allocUnsafeSlow(size);
    this.#block = block;
    return block;
  }

  /** Decodes the block's bytes into a segment and empties the block. */
  #seal(): void {
    if (this.#used === 0 || this.#block === undefined) return;
    this.#segments.push(this.#block.toString(this.#ascii ? "latin1" : "utf8", 0, this.#used));
    this.#used = 0;
    this.#ascii = true;
  }
}

/** True when `text` holds a surrogate that is not half of a pair (String.prototype.isWellFormed is ES2024). */
function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return true;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}
