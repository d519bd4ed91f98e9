/**
 * The emulator's Responses API: `POST /v1/responses` (streaming and not, with the same scripts, pacing and
 * faults as chat), and for stored responses `GET /v1/responses/{id}` (the object, or with `stream=true`
 * the events after `starting_after` of a background response) and `POST /v1/responses/{id}/cancel`.
 *
 * A background response is generated at creation: its events are kept, and it counts as in progress until
 * its paced answer would have finished. A resume GET replays the kept events (paced, without faults: it is
 * the healed connection); a cancel ends every open stream of it without a terminal event.
 */
import type { ServerResponse } from "node:http";
import type { ChatContext, ChatSettings } from "./chat.js";
import { badRequest, EmulatorRequestError, type ErrorSpec } from "./errors.js";
import { actionsFor, countAttempt, shouldFail } from "./faults.js";
import { readOverrides } from "./overrides.js";
import { PaceClock, sleep, untilAborted, type Pacing } from "./pacing.js";
import type { Frame } from "./protocol.js";
import {
  encodeEvent, responseObject, responsesBenchParts, responsesBody, responsesErrorEvents, responsesEvents, responsesMalformed, responsesWrongShape, responsesCutUtf8,
  responsesMeta, type ResponsesMeta,
} from "./responses-format.js";
import { readResponsesConversation, validateResponsesBody } from "./responses-request.js";
import { continueAnswer, readResponsesContinuation } from "./continuation.js";
import { BENCH_PIECES } from "./bench.js";
import { buildAnswer, selectReply } from "./script.js";
import { writeStream, writeWithBackpressure, type StreamOutcome } from "./stream-writer.js";
import type { EmulatorFault, RecordedRequest } from "./types.js";
import { asRecord } from "./util.js";

/** A route as the server calls it. */
export type ResponsesRoute = (ctx: Omit<ChatContext, "onStall">, record: RecordedRequest) => Promise<StreamOutcome>;

/** A response kept for GET, resume and cancel. */
interface StoredResponse {
  meta: ResponsesMeta;
  /** Every event of the stream, encoded; index = sequence number. Empty for a non-streamed response. */
  frames: Frame[];
  /** The object as it ends (completed / incomplete). */
  final: Record<string, unknown>;
  /** When the paced answer is over (epoch ms). */
  doneAt: number;
  cancelled: boolean;
  /** Aborted by a cancel: every open stream of the response stops. */
  cancel: AbortController;
  /** `stream: true` at creation (only those can be streamed again). */
  streamed: boolean;
}

const MAX_STORED = 1000;
const JSON_TYPE = "application/json";

/** The Responses routes sharing one store; `route` returns undefined for paths that are not its own. */
export function responsesRoutes(settings: ChatSettings, onStall: (record: RecordedRequest) => void) {
  const store = new Map<string, StoredResponse>();
  const keep = (id: string, entry: StoredResponse) => {
    store.set(id, entry);
    if (store.size > MAX_STORED) store.delete(store.keys().next().value as string);
  };
  const find = (id: string): StoredResponse => {
    const entry = store.get(id);
    if (entry === undefined) throw new EmulatorRequestError({ status: 404, message: `Response with id '${id}' not found.`, param: "response_id" });
    return entry;
  };
  const statusOf = (entry: StoredResponse): string =>
    entry.cancelled ? "cancelled" : Date.now() >= entry.doneAt ? String(entry.final.status) : "in_progress";
  const objectOf = (entry: StoredResponse): Record<string, unknown> => {
    const status = statusOf(entry);
    return status === "completed" || status === "incomplete" ? entry.final : responseObject(entry.meta, status, [], undefined);
  };

  const create: ResponsesRoute = async (ctx, record) => {
    const { req, res, signal } = ctx;
    const body = asRecord(ctx.body);
    if (body === undefined) throw badRequest("The request body must be a JSON object.");
    validateResponsesBody(body);
    const overrides = readOverrides(req.headers);
    const fault: EmulatorFault = { ...settings.fault, ...overrides.fault };
    const pacing: Pacing = { ttftMs: overrides.ttftMs ?? settings.pacing.ttftMs, tps: overrides.tps ?? settings.pacing.tps };
    await sleep(fault.delayHeadersMs ?? 0, signal);
    const attempt = countAttempt(fault, settings.attempts, ctx.path, overrides.faultHeader);
    failIfAsked(fault, attempt);
    const continuation = readResponsesContinuation(body);
    const conversation = readResponsesConversation(continuation?.body ?? body);
    const meta = responsesMeta(conversation, body, pacing);
    const answer = continueAnswer(buildAnswer(overrides.reply ?? selectReply(settings.script, conversation.prompt), conversation), continuation, overrides.restartWords);
    const { events, final } = responsesEvents(answer, meta);
    const frames = events.map((e, i): Frame => ({ data: encodeEvent(e.payload, i), content: e.content }));
    const entry: StoredResponse = {
      meta, frames: conversation.stream ? frames : [], final, cancelled: false, cancel: new AbortController(), streamed: conversation.stream,
      doneAt: meta.startedAt + new PaceClock(pacing).totalFor(answer.thinkingPieces.length + answer.textPieces.length + answer.toolCalls.length),
    };
    if (conversation.store) keep(meta.id, entry);
    const actions = actionsFor(fault, attempt);
    const common = { "x-request-id": `req_${meta.id.slice(5, 37)}`, "openai-processing-ms": "1" };

    if (!conversation.stream) {
      // Background without a stream answers at once with the queued object; the client polls GET.
      if (!meta.background) await sleep(new PaceClock(pacing).totalFor(answer.thinkingPieces.length + answer.textPieces.length), signal);
      const first = actions[0];
      if (first?.kind === "error") throw new EmulatorRequestError({ status: 500 });
      if (first?.kind === "drop") return "dropped";
      if (first?.kind === "stall" && first.ms === undefined) {
        onStall(record);
        await untilAborted(signal);
        signal.throwIfAborted();
      }
      if (first?.kind === "stall") await sleep(first.ms ?? 0, signal);
      const json = JSON.stringify(responsesBody(answer, meta));
      sendJson(res, common, first?.kind === "malformed" ? json.slice(0, Math.ceil(json.length / 2)) : json);
      return "completed";
    }

    res.writeHead(200, { ...common, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.flushHeaders();
    await sleep(fault.delayFirstByteMs ?? 0, signal);
    const benchChunks = overrides.benchChunks ?? settings.benchChunks;
    if (benchChunks !== undefined) {
      await writeResponsesBench(res, meta, benchChunks, signal);
      return "completed";
    }
    return streamUntilCancelled(entry, signal, (streamSignal) =>
      writeStream(res, {
        frames,
        actions,
        pacing,
        errorFrame: responsesErrorEvents(meta, frames.length),
        malformedFrame: responsesMalformed(meta),
        wrongShapeFrame: responsesWrongShape(meta),
        cutUtf8Frame: responsesCutUtf8(meta),
        signal: streamSignal,
        onStall: () => onStall(record),
      }),
    );
  };

  const retrieve = (id: string): ResponsesRoute => async ({ req, res, signal }) => {
    const entry = find(id);
    const url = new URL(req.url ?? "/", "http://emulator");
    if (url.searchParams.get("stream") !== "true") {
      sendJson(res, {}, JSON.stringify(objectOf(entry)));
      return "completed";
    }
    if (!entry.meta.background || !entry.streamed) {
      const message = entry.meta.background
        ? "This response cannot be streamed because it was not created with stream=true."
        : "This response cannot be streamed because it was not created with background=true.";
      throw badRequest(message, "stream", "invalid_request_error");
    }
    const raw = url.searchParams.get("starting_after");
    const after = raw === null ? -1 : Number(raw);
    if (!Number.isInteger(after) || after < -1) throw badRequest(`Invalid 'starting_after': expected an integer, got ${JSON.stringify(raw)}.`, "starting_after", "invalid_value");
    res.writeHead(200, { "x-request-id": `req_${id.slice(5, 37)}`, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.flushHeaders();
    if (entry.cancelled) return "completed";
    const tail = entry.frames.slice(after + 1);
    // The answer is generated already: pace only what is still "being generated" at this moment.
    const remaining = Math.max(0, entry.doneAt - Date.now());
    const contentLeft = tail.filter((f) => f.content).length;
    const pacing: Pacing = remaining === 0 || contentLeft === 0 ? { ttftMs: 0, tps: 0 } : { ttftMs: 0, tps: (contentLeft * 1000) / remaining };
    return streamUntilCancelled(entry, signal, (streamSignal) =>
      writeStream(res, { frames: tail, actions: [], pacing, errorFrame: "", malformedFrame: "", wrongShapeFrame: "", cutUtf8Frame: Buffer.alloc(0), signal: streamSignal, onStall: () => {} }),
    );
  };

  const cancel = (id: string): ResponsesRoute => async ({ res }) => {
    const entry = find(id);
    if (!entry.meta.background) throw badRequest("Only responses created with background=true can be cancelled.", "response_id", "invalid_request_error");
    if (!entry.cancelled && Date.now() < entry.doneAt) {
      entry.cancelled = true;
      entry.cancel.abort();
    }
    sendJson(res, {}, JSON.stringify(objectOf(entry)));
    return "completed";
  };

  return {
    /** The route for `method path`, or undefined when it is not a Responses path. */
    route(method: string | undefined, path: string): ResponsesRoute | undefined {
      if (path === "/v1/responses") return method === "POST" ? create : undefined;
      const match = /^\/v1\/responses\/([^/]+)(\/cancel)?$/.exec(path);
      if (match === null) return undefined;
      const id = decodeURIComponent(match[1]!);
      if (match[2] !== undefined) return method === "POST" ? cancel(id) : undefined;
      return method === "GET" ? retrieve(id) : undefined;
    },
    /** How many responses are kept. */
    get size() {
      return store.size;
    },
  };
}

/** An injected status (`status=`, `fail-first=`), as for chat requests. */
function failIfAsked(fault: EmulatorFault, attempt: number): void {
  if (fault.status === undefined || !shouldFail(fault, attempt)) return;
  const spec: ErrorSpec = { status: fault.status };
  if (fault.retryAfterMs !== undefined) spec.retryAfterMs = fault.retryAfterMs;
  const seconds = fault.retryAfterSeconds ?? (fault.status === 429 && fault.retryAfterMs === undefined ? 1 : undefined);
  if (seconds !== undefined) spec.retryAfterSeconds = seconds;
  throw new EmulatorRequestError(spec);
}

/** Runs a stream writer that also stops on a cancel of the response; a cancelled stream just ends. */
async function streamUntilCancelled(
  entry: StoredResponse,
  signal: AbortSignal,
  write: (signal: AbortSignal) => Promise<StreamOutcome>,
): Promise<StreamOutcome> {
  const both = AbortSignal.any([signal, entry.cancel.signal]);
  try {
    return await write(both);
  } catch (error) {
    if (!signal.aborted && entry.cancel.signal.aborted) return "completed";
    throw error;
  }
}

function sendJson(res: ServerResponse, headers: Record<string, string>, body: string): void {
  res.writeHead(200, { ...headers, "content-type": JSON_TYPE, "content-length": Buffer.byteLength(body) });
  res.write(body);
}

const BATCH_CHARS = 64 * 1024;

/** Bench mode: `chunks` text deltas with their own sequence numbers, written in ~64 KiB batches. */
async function writeResponsesBench(res: ServerResponse, meta: ResponsesMeta, chunks: number, signal: AbortSignal): Promise<void> {
  const parts = responsesBenchParts(meta, chunks);
  const prefixes = BENCH_PIECES.map(parts.delta);
  let batch = parts.head;
  let sequence = 4;
  for (let i = 0; i < chunks; i++) {
    batch += `${prefixes[i % prefixes.length]}${sequence++}}\n\n`;
    if (batch.length >= BATCH_CHARS) {
      await writeWithBackpressure(res, batch, signal);
      batch = "";
    }
  }
  batch += parts.tail(sequence);
  await writeWithBackpressure(res, batch, signal);
}
