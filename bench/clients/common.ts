/** What every client sends and how it counts, so clients differ only in the library under test. */

export const OPENAI_MODEL = "gpt-4o-mini";
export const ANTHROPIC_MODEL = "claude-3-5-haiku-latest";
export const MAX_TOKENS = 4096;
export const PROMPT = "Say something.";
export const API_KEY = "bench";

/** Counts text pieces; the harness checks the totals against what the emulator sent. */
export class Tally {
  pieces = 0;
  chars = 0;
  constructor(private readonly first: () => void) {}

  add(text: string): void {
    if (this.pieces++ === 0) this.first();
    this.chars += text.length;
  }
}

/** The stream did not end the way the protocol says a complete stream ends. */
export function incomplete(what: string): Error {
  return new Error(`stream ended without ${what}`);
}
