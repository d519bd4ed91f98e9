/**
 * Per-request control headers, so a client that can only set headers can still script the emulator:
 *
 *     x-emulator-fault: <fault items>        see EmulatorFault (faults.ts)
 *     x-emulator-reply: <EmulatorReply JSON>  e.g. {"text":"Hi","toolCalls":[{"name":"f","arguments":{}}]}
 *     x-emulator-ttft-ms: <ms>                time to first token
 *     x-emulator-tps: <tokens per second>     0 or Infinity = no delay
 *     x-emulator-bench: chunks=<N>            stream N pre-encoded ~5-byte text chunks, no delay
 *     x-emulator-restart-words: <N>           a continue-instruction answer restarts N words early (continuation.ts)
 *
 * Every bad value is a 400 that names the header and the problem.
 */
import type { IncomingHttpHeaders } from "node:http";
import { badRequest } from "./errors.js";
import { parseFaultHeader } from "./faults.js";
import { tpsProblem, ttftProblem } from "./pacing.js";
import type { EmulatorFault, EmulatorReply } from "./types.js";
import { asRecord } from "./util.js";

/** What the headers of one request override; undefined fields keep the server's setting. */
export interface RequestOverrides {
  fault: EmulatorFault | undefined;
  /** The raw fault header, part of the default attempt-counter key. */
  faultHeader: string | undefined;
  reply: EmulatorReply | undefined;
  ttftMs: number | undefined;
  tps: number | undefined;
  benchChunks: number | undefined;
  /** Words a continuation in the instruction form repeats before going on (see continuation.ts). */
  restartWords: number | undefined;
}

/** Most chunks one bench request may ask for (10 million ≈ 1 GB of SSE). */
export const MAX_BENCH_CHUNKS = 10_000_000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Reads the `x-emulator-*` headers; throws a 400 naming the first bad one. */
export function readOverrides(headers: IncomingHttpHeaders): RequestOverrides {
  const faultHeader = header(headers, "x-emulator-fault");
  const replyHeader = header(headers, "x-emulator-reply");
  const ttft = header(headers, "x-emulator-ttft-ms");
  const tps = header(headers, "x-emulator-tps");
  const bench = header(headers, "x-emulator-bench");
  const restart = header(headers, "x-emulator-restart-words");
  return {
    fault: faultHeader === undefined ? undefined : parseFaultHeader(faultHeader),
    faultHeader,
    reply: replyHeader === undefined ? undefined : parseReplyHeader(replyHeader),
    ttftMs: ttft === undefined ? undefined : parseNumberHeader("x-emulator-ttft-ms", ttft, ttftProblem),
    tps: tps === undefined ? undefined : parseNumberHeader("x-emulator-tps", tps, tpsProblem),
    benchChunks: bench === undefined ? undefined : parseBenchHeader(bench),
    restartWords: restart === undefined ? undefined : parseRestartWords(restart),
  };
}

function parseNumberHeader(name: string, text: string, problemOf: (n: number) => string | undefined): number {
  const trimmed = text.trim();
  const value = /^(inf|infinity)$/i.test(trimmed) ? Infinity : trimmed === "" ? Number.NaN : Number(trimmed);
  const problem = problemOf(value);
  if (problem !== undefined) throw badRequest(`${name}: "${text}" ${problem}`, name);
  return value;
}

/** A word count from 0 to 1000. */
function parseRestartWords(text: string): number {
  const n = /^\s*\d{1,4}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= 1000)) {
    throw badRequest(`x-emulator-restart-words: "${text}" must be a whole number of words from 0 to 1000`, "x-emulator-restart-words");
  }
  return n;
}

/** `chunks=N`, N from 1 to {@link MAX_BENCH_CHUNKS}. */
function parseBenchHeader(text: string): number {
  const match = /^\s*chunks\s*=\s*(\d+)\s*$/i.exec(text);
  const n = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BENCH_CHUNKS) {
    throw badRequest(
      `x-emulator-bench: "${text}" must be chunks=N with N from 1 to ${MAX_BENCH_CHUNKS}`,
      "x-emulator-bench",
    );
  }
  return n;
}

/**
 * Node reads header bytes as latin1. A client like curl sends UTF-8 bytes as they are: decode them back.
 * (fetch only allows latin1 header values: send non-ASCII text as JSON `\uXXXX` escapes.)
 */
function utf8HeaderValue(text: string): string {
  const decoded = Buffer.from(text, "latin1").toString("utf8");
  return decoded.includes("\uFFFD") ? text : decoded;
}

function parseReplyHeader(header: string): EmulatorReply {
  const text = utf8HeaderValue(header);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`x-emulator-reply: not valid JSON (${(error as Error).message})`, "x-emulator-reply");
  }
  const problem = replyProblem(value, "reply");
  if (problem !== undefined) throw badRequest(`x-emulator-reply: ${problem}`, "x-emulator-reply");
  return value as EmulatorReply;
}

const FINISH_REASONS = new Set(["stop", "length", "tool_calls", "content_filter"]);

/** The first problem in an untrusted EmulatorReply, with its path, or undefined. */
export function replyProblem(value: unknown, path: string): string | undefined {
  const reply = asRecord(value);
  if (reply === undefined) return `${path} must be a JSON object`;
  for (const key of Object.keys(reply)) {
    if (!["text", "thinking", "toolCalls", "afterToolResults", "finishReason"].includes(key)) {
      return `${path}.${key} is not a reply field (text, thinking, toolCalls, afterToolResults, finishReason)`;
    }
  }
  for (const key of ["text", "thinking"] as const) {
    if (reply[key] !== undefined && typeof reply[key] !== "string") return `${path}.${key} must be a string`;
  }
  if (reply.finishReason !== undefined && !FINISH_REASONS.has(reply.finishReason as string)) {
    return `${path}.finishReason must be one of ${[...FINISH_REASONS].join(", ")}`;
  }
  if (reply.toolCalls !== undefined) {
    if (!Array.isArray(reply.toolCalls)) return `${path}.toolCalls must be an array`;
    for (const [i, raw] of reply.toolCalls.entries()) {
      const call = asRecord(raw);
      const at = `${path}.toolCalls[${i}]`;
      if (call === undefined || typeof call.name !== "string" || call.name === "") return `${at}.name must be a non-empty string`;
      if (asRecord(call.arguments) === undefined) return `${at}.arguments must be a JSON object`;
      if (call.id !== undefined && typeof call.id !== "string") return `${at}.id must be a string`;
    }
  }
  return reply.afterToolResults === undefined ? undefined : replyProblem(reply.afterToolResults, `${path}.afterToolResults`);
}
