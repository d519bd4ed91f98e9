/** The scenario contract, and what every scenario shares: bench headers and the correctness check. */
import type { ChildReport, ChildSpec, ClientEntry, ClientModule, StreamOutcome } from "../lib/types.js";

/** How big a run is: the full bench, or `--quick` (CI: small sizes, so the bench never rots). */
export interface PlanOptions {
  quick: boolean;
}

/** One measurement to repeat: a client with parameters; `variant` tells jobs of one client apart (e.g. a size). */
export interface Job {
  client: ClientEntry;
  variant: string;
  params: Record<string, number>;
}

export interface Scenario {
  name: string;
  title: string;
  /** Parent side: what to measure. Each job runs `runs` times, each time in a fresh child process. */
  jobs(options: PlanOptions, expectedChars: (chunks: number) => number): Job[];
  /** Child side: one measurement of one client. */
  measure(client: ClientModule, spec: ChildSpec): Promise<ChildReport>;
}

export const benchHeaders = (chunks: number): Record<string, string> => ({ "x-emulator-bench": `chunks=${chunks}` });

export const noop = (): void => {};

/** Why a stream's outcome is wrong, or undefined when it has exactly the pieces and characters sent. */
export function wrongCount(outcome: StreamOutcome, pieces: number, chars: number): string | undefined {
  if (outcome.pieces === pieces && outcome.chars === chars) return undefined;
  return `wrong count: ${outcome.pieces} pieces / ${outcome.chars} chars, expected ${pieces} / ${chars}`;
}

/** Throws when the outcome is wrong: a fast but wrong client must fail the run. */
export function check(outcome: StreamOutcome, pieces: number, chars: number): void {
  const problem = wrongCount(outcome, pieces, chars);
  if (problem !== undefined) throw new Error(problem);
}

/** A numeric parameter the parent must have set. */
export function param(spec: ChildSpec, name: string): number {
  const value = spec.params[name];
  if (value === undefined) throw new Error(`missing parameter ${name}`);
  return value;
}
