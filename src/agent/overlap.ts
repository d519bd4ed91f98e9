/**
 * Overlap removal for a continued answer: a model asked to continue a partial answer may restart its last
 * words (or the whole last sentence), sometimes after a stray newline or space. The remover drops the part
 * of the continuation that repeats the end of the partial answer and hands on the rest as it streams in.
 *
 * A restart is a suffix of the partial answer that begins at a word start (a non-whitespace character at the
 * start of the partial answer or after whitespace), optionally preceded in the continuation by whitespace.
 * The longest such suffix the continuation begins with is dropped. When the continuation begins with a
 * suffix by chance (the partial answer ends "very" and the true continuation is " very good"), the two
 * readings cannot be told apart from the text; the remover then reads it as a restart. It holds back text
 * only while the continuation still matches the beginning of some longer restart, at most `maxOverlap`
 * characters plus the leading whitespace, and never splits a surrogate pair the input did not split.
 */

/** Options of {@link OverlapRemover}. */
export interface OverlapOptions {
  /** Longest restart looked for, in UTF-16 code units from the end of the partial answer (default 2000). */
  maxOverlap?: number;
}

/** Longest restart looked for by default: a long sentence or a short paragraph. */
export const DEFAULT_MAX_OVERLAP = 2000;

const isSpace = (code: number): boolean =>
  code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0x3000 ||
  code === 0xfeff || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x202f || code === 0x205f || code === 0x85;

/** Start offsets of the candidate restarts in `partial`: word starts within the last `maxOverlap` units, longest first. */
function restartStarts(partial: string, maxOverlap: number): number[] {
  const starts: number[] = [];
  const from = Math.max(0, partial.length - maxOverlap);
  for (let i = from; i < partial.length; i++) {
    if (isSpace(partial.charCodeAt(i))) continue;
    // A low surrogate never starts a word: its pair began one unit earlier.
    const code = partial.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff) continue;
    if (i === 0 || isSpace(partial.charCodeAt(i - 1))) starts.push(i);
  }
  return starts;
}

/**
 * Drops the restart at the head of a streamed continuation. `push` each chunk's text and emit what it
 * returns; call `finish` when the continuation ends and emit that too. `partial + everything emitted` is
 * the whole answer whenever the model's restart (if any) is the longest restart its text allows.
 */
export class OverlapRemover {
  readonly #partial: string;
  /** Candidate restart offsets in the partial answer still consistent with the text held so far. */
  #alive: number[];
  /** Continuation text received but not yet emitted (only while undecided). */
  #held = "";
  /** Length of the leading whitespace of `#held`, once a non-space character has arrived; else -1. */
  #lead = -1;
  #decided: boolean;
  #dropped = "";

  constructor(partial: string, options: OverlapOptions = {}) {
    this.#partial = partial;
    const maxOverlap = options.maxOverlap ?? DEFAULT_MAX_OVERLAP;
    this.#alive = restartStarts(partial, maxOverlap);
    this.#decided = this.#alive.length === 0;
  }

  /** True once the restart (or its absence) is known: every later chunk passes through unchanged. */
  get decided(): boolean {
    return this.#decided;
  }

  /** The text dropped as a restart ("" when none, or while undecided). */
  get dropped(): string {
    return this.#dropped;
  }

  /** Text held back right now, waiting to see whether it repeats the partial answer. */
  get held(): string {
    return this.#held;
  }

  /** Takes one chunk of the continuation; returns the text to emit now (possibly ""). */
  push(text: string): string {
    if (this.#decided) return text;
    this.#held += text;
    if (this.#lead < 0) {
      let i = 0;
      while (i < this.#held.length && isSpace(this.#held.charCodeAt(i))) i++;
      if (i === this.#held.length) return ""; // only whitespace so far: it may precede a restart
      this.#lead = i;
    }
    const body = this.#held.slice(this.#lead);
    const partial = this.#partial;
    const alive: number[] = [];
    for (const start of this.#alive) {
      const n = Math.min(partial.length - start, body.length);
      if (partial.startsWith(body.slice(0, n), start)) alive.push(start);
    }
    this.#alive = alive;
    // Wait while some restart is still longer than what arrived and matches it so far.
    for (const start of alive) if (partial.length - start > body.length) return "";
    return this.#decide();
  }

  /** The continuation ended: returns what was still held back (minus a complete restart). */
  finish(): string {
    if (this.#decided) return "";
    if (this.#lead < 0) {
      // Nothing but whitespace arrived: it is real text, not a restart.
      this.#decided = true;
      const rest = this.#held;
      this.#held = "";
      return rest;
    }
    return this.#decide();
  }

  /** Drops the longest restart the held text fully contains and releases the rest. */
  #decide(): string {
    this.#decided = true;
    const body = this.#held.slice(this.#lead);
    const partial = this.#partial;
    let drop = 0;
    // `#alive` is longest first; a restart counts only when it arrived whole.
    for (const start of this.#alive) {
      if (partial.length - start <= body.length) {
        drop = this.#lead + partial.length - start;
        break;
      }
    }
    this.#dropped = this.#held.slice(0, drop);
    const rest = this.#held.slice(drop);
    this.#held = "";
    this.#alive = [];
    return rest;
  }
}

/** Removes the restart from a whole continuation at once (the streaming {@link OverlapRemover} over one chunk). */
export function removeOverlap(partial: string, continuation: string, options?: OverlapOptions): string {
  const remover = new OverlapRemover(partial, options);
  return remover.push(continuation) + remover.finish();
}
