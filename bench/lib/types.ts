/** The contract between the harness, the clients and the scenarios. */

export type Protocol = "openai" | "anthropic" | "openai-responses";

/** floor: the reference every figure is divided by; raw: another hand-written client; ours; peer: a library. */
export type Role = "floor" | "raw" | "ours" | "peer";

/** What one consumed stream reports. */
export interface StreamOutcome {
  /** Text pieces seen (non-empty text deltas). */
  pieces: number;
  /** Their total length in UTF-16 units. */
  chars: number;
  /** What the library still holds once the stream ended (an agent with its history, an SDK result): kept alive
   * while memory is measured, so retention counts, as it would in an app that keeps the object. */
  hold?: unknown;
}

/** Where and how a client sends its requests. */
export interface ClientContext {
  /** The emulator's root, e.g. `http://127.0.0.1:4010` (OpenAI clients append `/v1`). */
  url: string;
  /** Headers every request must carry: the `x-emulator-*` controls of the scenario. */
  headers: Record<string, string>;
}

/** Opens one stream and consumes it to the end; calls `first()` when the first text piece arrives. */
export type StreamOnce = (first: () => void) => Promise<StreamOutcome>;

/** A client module: builds its SDK or connection pool once, then streams as many times as asked. */
export interface ClientModule {
  setup(ctx: ClientContext): StreamOnce | Promise<StreamOnce>;
}

/** One line of the client registry. */
export interface ClientEntry {
  /** Unique within its protocol; the client's id is `protocol/name`. */
  name: string;
  protocol: Protocol;
  role: Role;
  /** The package whose version labels the client in reports. */
  pkg?: string;
  /** The module, relative to clients/ (as compiled: `.js`). */
  module: string;
}

/** What the parent asks a child process to measure. */
export interface ChildSpec {
  scenario: string;
  client: string;
  url: string;
  params: Record<string, number>;
  /** Write a CPU profile of the measured section to this path. */
  profile?: string;
}

/** A child's report: numbers only, plus whether the client read the stream correctly. */
export interface ChildReport {
  ok: boolean;
  error?: string;
  metrics: Record<string, number>;
}

/** Prefixes the one stdout line of a child that carries its report. */
export const REPORT_MARK = "@@bench-report ";

/** The medians of one job over its runs: one row of results.json. */
export interface Row {
  scenario: string;
  variant: string;
  /** `protocol/name`. */
  client: string;
  protocol: Protocol;
  name: string;
  role: Role;
  /** Package and version under test, e.g. `openai 6.49.0`. */
  label: string;
  runs: number;
  /** Errors of failed runs (a failed run's numbers are not in the medians). */
  errors: string[];
  metrics: Record<string, number>;
  /** Every run's figures, for the record. */
  samples: Record<string, number>[];
}

/** One target line: PASS or MISS with the figures compared. */
export interface TargetResult {
  id: string;
  text: string;
  actual: string;
  goal: string;
  status: "PASS" | "MISS" | "n/a";
  /** The scenario and client to profile when it misses. */
  profile?: { scenario: string; client: string; variant: string };
}
