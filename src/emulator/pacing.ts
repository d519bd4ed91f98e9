/**
 * Realistic pacing: time to first token, then a steady rate. Every wait takes the request's AbortSignal,
 * so a client that goes away (or `close()`) clears the timer at once and leaves no handle behind.
 */
import { setTimeout as delay } from "node:timers/promises";

/** How fast the emulated model answers. */
export interface Pacing {
  ttftMs: number;
  /** Tokens per second; 0 or Infinity = no delay between tokens. */
  tps: number;
}

/** 30 ms to the first token, then 200 tokens per second: quick, yet visibly streaming. */
export const DEFAULT_PACING: Pacing = { ttftMs: 30, tps: 200 };

/** Milliseconds between two tokens. */
export function tokenIntervalMs(pacing: Pacing): number {
  return pacing.tps === 0 || !Number.isFinite(pacing.tps) ? 0 : 1000 / pacing.tps;
}

/** The problem with a ttft value, or undefined. */
export function ttftProblem(value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 ? undefined : "must be a finite number of ms >= 0";
}

/** The problem with a tps value, or undefined. */
export function tpsProblem(value: number): string | undefined {
  return !Number.isNaN(value) && value >= 0 ? undefined : "must be a number >= 0 (0 or Infinity = no delay)";
}

/**
 * When token k is due: ttft + k intervals after the start. Deadlines are absolute, so a fast rate (below
 * the timer resolution) still averages out right: late tokens are sent at once without sleeping.
 */
export class PaceClock {
  #start: number;
  readonly #ttft: number;
  readonly #interval: number;

  constructor(pacing: Pacing, start = performance.now()) {
    this.#start = start;
    this.#ttft = pacing.ttftMs;
    this.#interval = tokenIntervalMs(pacing);
  }

  /** Ms to wait before sending token `k` (0-based); 0 when it is already due. */
  waitBefore(k: number): number {
    return Math.max(0, this.#start + this.#ttft + k * this.#interval - performance.now());
  }

  /** Total ms the whole answer of `tokens` tokens takes (for non-streaming answers). */
  totalFor(tokens: number): number {
    return this.waitBefore(Math.max(0, tokens - 1));
  }

  /** Moves every later deadline by `ms` (after a stall that resumed). */
  shift(ms: number): void {
    this.#start += ms;
  }
}

/** Resolves after `ms`, or rejects with an AbortError when `signal` aborts (the timer is cleared). */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal.throwIfAborted();
    return;
  }
  await delay(ms, undefined, { signal });
}

/** Resolves when `signal` aborts: a stall that holds no timer. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
