/**
 * Fault injection: the `x-emulator-fault` header grammar (documented on {@link EmulatorFault}), its
 * validation, and the per-server attempt counters behind `fail-first`.
 */
import { badRequest } from "./errors.js";
import type { EmulatorFault } from "./types.js";

type NumericFaultField = Exclude<keyof EmulatorFault, "key">;

/** Header item name → field; every item but `key` takes a non-negative integer. */
const ITEMS: Record<string, NumericFaultField> = {
  status: "status",
  "retry-after": "retryAfterSeconds",
  "retry-after-ms": "retryAfterMs",
  "fail-first": "failFirst",
  "delay-headers": "delayHeadersMs",
  "delay-first-byte": "delayFirstByteMs",
  "stall-after": "stallAfter",
  "stall-ms": "stallMs",
  "drop-after": "dropAfter",
  "error-after": "errorAfter",
  "malformed-after": "malformedAfter",
  "wrong-shape-after": "wrongShapeAfter",
  "cut-utf8-after": "cutUtf8After",
};

const KEY_PATTERN = /^[\w.:/-]{1,100}$/;

/** The problem with one fault field's value, or undefined when it is fine. */
function problemWith(field: keyof EmulatorFault, value: unknown): string | undefined {
  if (field === "key") {
    return typeof value === "string" && KEY_PATTERN.test(value)
      ? undefined
      : "must be 1-100 characters among letters, digits and _ . : / -";
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) return "must be a non-negative integer";
  if (field === "status" && (value < 400 || value > 599)) return "must be an HTTP error status from 400 to 599";
  return undefined;
}

/** Parses an `x-emulator-fault` header; throws a 400 naming the bad item. */
export function parseFaultHeader(header: string): EmulatorFault {
  const fault: EmulatorFault = {};
  const seen = new Set<string>();
  for (const rawItem of header.split(",")) {
    const item = rawItem.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const valueText = eq < 0 ? "" : item.slice(eq + 1).trim();
    const fail = (why: string) => badRequest(`x-emulator-fault: bad item "${item}": ${why}`, "x-emulator-fault");
    if (seen.has(name)) throw fail("given twice");
    seen.add(name);
    if (name === "key") {
      const problem = problemWith("key", valueText);
      if (problem !== undefined) throw fail(`key ${problem}`);
      fault.key = valueText;
      continue;
    }
    const field = ITEMS[name];
    if (field === undefined) throw fail(`unknown name "${name}" (known: key, ${Object.keys(ITEMS).join(", ")})`);
    if (eq < 0 || valueText === "") throw fail(`${name} needs a value, e.g. ${name}=1`);
    const value = /^\d+$/.test(valueText) ? Number(valueText) : Number.NaN;
    const problem = problemWith(field, value);
    if (problem !== undefined) throw fail(`${name} ${problem}`);
    fault[field] = value;
  }
  const problem = crossProblem(fault);
  if (problem !== undefined) throw badRequest(`x-emulator-fault: ${problem}`, "x-emulator-fault");
  return fault;
}

/** Rules between items: the ones that only make sense together. */
function crossProblem(fault: EmulatorFault): string | undefined {
  if (fault.failFirst !== undefined && fault.status === undefined && streamActions(fault).length === 0) {
    return "fail-first needs status=… or a mid-stream fault (stall-after, drop-after, error-after, malformed-after)";
  }
  if (fault.retryAfterSeconds !== undefined && fault.status === undefined) return "retry-after needs status=…";
  if (fault.retryAfterMs !== undefined && fault.status === undefined) return "retry-after-ms needs status=…";
  if (fault.stallMs !== undefined && fault.stallAfter === undefined) return "stall-ms needs stall-after=…";
  return undefined;
}

/** The problem with a fault given as an option object, or undefined. */
export function faultOptionProblem(fault: EmulatorFault): string | undefined {
  for (const [field, value] of Object.entries(fault)) {
    if (value === undefined) continue;
    if (!(field === "key" || Object.values(ITEMS).includes(field as NumericFaultField))) return `unknown field "${field}"`;
    const problem = problemWith(field as keyof EmulatorFault, value);
    if (problem !== undefined) return `${field} ${problem}`;
  }
  return crossProblem(fault);
}

/** What happens inside a stream once `after` content chunks were written. */
export interface StreamAction {
  after: number;
  kind: "malformed" | "wrong-shape" | "stall" | "error" | "drop" | "cut-utf8";
  /** For a stall: resume after this many ms; undefined stalls until the connection ends. */
  ms?: number;
}

const ACTION_ORDER: Record<StreamAction["kind"], number> = { malformed: 0, "wrong-shape": 1, stall: 2, error: 3, drop: 4, "cut-utf8": 5 };

/** The fault's mid-stream actions in the order they fire (by position; non-terminal ones first). */
export function streamActions(fault: EmulatorFault): StreamAction[] {
  const actions: StreamAction[] = [];
  if (fault.malformedAfter !== undefined) actions.push({ after: fault.malformedAfter, kind: "malformed" });
  if (fault.wrongShapeAfter !== undefined) actions.push({ after: fault.wrongShapeAfter, kind: "wrong-shape" });
  if (fault.cutUtf8After !== undefined) actions.push({ after: fault.cutUtf8After, kind: "cut-utf8" });
  if (fault.stallAfter !== undefined) {
    const stall: StreamAction = { after: fault.stallAfter, kind: "stall" };
    if (fault.stallMs !== undefined) stall.ms = fault.stallMs;
    actions.push(stall);
  }
  if (fault.errorAfter !== undefined) actions.push({ after: fault.errorAfter, kind: "error" });
  if (fault.dropAfter !== undefined) actions.push({ after: fault.dropAfter, kind: "drop" });
  return actions.sort((a, b) => a.after - b.after || ACTION_ORDER[a.kind] - ACTION_ORDER[b.kind]);
}

/** Counts attempts per key so `fail-first=K` fails K times and then lets requests through. */
export class AttemptCounter {
  readonly #counts = new Map<string, number>();

  /** Records one more attempt under `key` and returns its 1-based number. */
  next(key: string): number {
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    return n;
  }

  /** Forgets one key, or every key. */
  reset(key?: string): void {
    if (key === undefined) this.#counts.clear();
    else this.#counts.delete(key);
  }
}

/** Whether this attempt gets the injected status: always without `fail-first`, else only the first K. */
export function shouldFail(fault: EmulatorFault, attempt: number): boolean {
  if (fault.status === undefined) return false;
  return fault.failFirst === undefined || attempt <= fault.failFirst;
}

/**
 * The attempt number of this request under the fault's counter key (0 when nothing counts: no status and no
 * fail-first). With `fail-first=K` only the first K attempts get the fault, mid-stream items included, so a
 * request that continues a broken answer (same path, same header) is answered whole.
 */
export function countAttempt(fault: EmulatorFault, attempts: AttemptCounter, path: string, faultHeader: string | undefined): number {
  if (fault.status === undefined && fault.failFirst === undefined) return 0;
  return attempts.next(fault.key ?? `${path} ${faultHeader ?? "(server fault option)"}`);
}

/** The mid-stream actions this attempt gets: none once `fail-first` attempts are used up. */
export function actionsFor(fault: EmulatorFault, attempt: number): StreamAction[] {
  return fault.failFirst !== undefined && attempt > fault.failFirst ? [] : streamActions(fault);
}
