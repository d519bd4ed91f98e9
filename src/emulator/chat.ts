/**
 * Answers one chat request in any protocol: reads the emulator headers, applies the faults in the order a
 * client would meet them (slow headers, error status, slow first byte, trouble mid-stream), then writes
 * the scripted answer as a stream or as one JSON body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { writeBench, BENCH_PIECES } from "./bench.js";
import { badRequest, EmulatorRequestError, type ErrorSpec } from "./errors.js";
import { actionsFor, countAttempt, shouldFail, type AttemptCounter } from "./faults.js";
import { ollamaLoadBody } from "./ollama-format.js";
import { readOverrides } from "./overrides.js";
import { PaceClock, sleep, untilAborted, type Pacing } from "./pacing.js";
import type { Frame, ProtocolFormat, ResponseMeta } from "./protocol.js";
import { readConversation, type Conversation } from "./request.js";
import { buildAnswer, selectReply } from "./script.js";
import { continueAnswer, readContinuation } from "./continuation.js";
import { writeStream, type StreamOutcome } from "./stream-writer.js";
import type { EmulatorFault, EmulatorScript } from "./types.js";
import { asRecord } from "./util.js";

/** Server-wide settings a chat request starts from. */
export interface ChatSettings {
  script: EmulatorScript | undefined;
  pacing: Pacing;
  fault: EmulatorFault;
  benchChunks: number | undefined;
  attempts: AttemptCounter;
}

/** One request in flight. */
export interface ChatContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Pathname, without the query string. */
  path: string;
  body: unknown;
  signal: AbortSignal;
  onStall: () => void;
}

/** Answers a chat request; returns how it ended (the caller ends or destroys the response). */
export async function answerChat(format: ProtocolFormat, ctx: ChatContext, settings: ChatSettings): Promise<StreamOutcome> {
  const { res, signal } = ctx;
  const body = asRecord(ctx.body);
  if (body === undefined) throw badRequest("The request body must be a JSON object.");
  format.validate(body);
  const overrides = readOverrides(ctx.req.headers);
  // Header items override the server's fault item by item, so a test can add one fault to a server default.
  const fault: EmulatorFault = { ...settings.fault, ...overrides.fault };
  const pacing: Pacing = { ttftMs: overrides.ttftMs ?? settings.pacing.ttftMs, tps: overrides.tps ?? settings.pacing.tps };
  await sleep(fault.delayHeadersMs ?? 0, signal);
  const attempt = countAttempt(fault, settings.attempts, ctx.path, overrides.faultHeader);
  if (fault.status !== undefined) {
    if (shouldFail(fault, attempt)) {
      const spec: ErrorSpec = { status: fault.status };
      if (fault.retryAfterMs !== undefined) spec.retryAfterMs = fault.retryAfterMs;
      // A real 429 always says when to come back; default to one second unless the fault says otherwise.
      const seconds = fault.retryAfterSeconds ?? (fault.status === 429 && fault.retryAfterMs === undefined ? 1 : undefined);
      if (seconds !== undefined) spec.retryAfterSeconds = seconds;
      throw new EmulatorRequestError(spec);
    }
  }
  // A request continuing a partial answer is answered from the conversation before it (continuation.ts).
  const continuation = readContinuation(format.protocol, body);
  const conversation = readConversation(format.protocol, continuation?.body ?? body);
  const meta: ResponseMeta = {
    id: format.newResponseId(),
    model: conversation.model,
    created: Math.floor(Date.now() / 1000),
    startedAt: Date.now(),
    includeUsage: conversation.includeUsage,
    pacing,
  };
  const built = buildAnswer(overrides.reply ?? selectReply(settings.script, conversation.prompt), conversation);
  const answer = continueAnswer(built, continuation, overrides.restartWords);
  const actions = actionsFor(fault, attempt);
  const common = format.commonHeaders();

  if (!conversation.stream) {
    const payload = conversation.loadOnly ? ollamaLoadBody(meta) : format.body(answer, meta);
    await sleep(new PaceClock(pacing).totalFor(answer.thinkingPieces.length + answer.textPieces.length), signal);
    // Without a stream there is no "after N chunks": the first mid-stream fault applies to the whole body.
    const first = actions[0];
    if (first?.kind === "error") throw new EmulatorRequestError({ status: 500 });
    if (first?.kind === "drop") return "dropped";
    if (first?.kind === "stall" && first.ms === undefined) {
      ctx.onStall();
      await untilAborted(signal);
      signal.throwIfAborted();
    }
    if (first?.kind === "stall") await sleep(first.ms ?? 0, signal);
    const json = JSON.stringify(payload);
    const text = first?.kind === "malformed" ? json.slice(0, Math.ceil(json.length / 2)) : json;
    const type = format.protocol === "ollama" ? "application/json; charset=utf-8" : "application/json";
    res.writeHead(200, { ...common, "content-type": type, "content-length": Buffer.byteLength(text) });
    if ((fault.delayFirstByteMs ?? 0) > 0) {
      res.flushHeaders();
      await sleep(fault.delayFirstByteMs ?? 0, signal);
    }
    res.write(text);
    return "completed";
  }

  res.writeHead(200, { ...common, "content-type": format.streamContentType, "cache-control": "no-cache" });
  // Send the headers now: SDKs resolve `create()` on them, before the first token (as with the real APIs).
  res.flushHeaders();
  await sleep(fault.delayFirstByteMs ?? 0, signal);
  const benchChunks = overrides.benchChunks ?? settings.benchChunks;
  if (benchChunks !== undefined && !conversation.loadOnly) {
    await writeBench(res, format.benchFrames(meta, BENCH_PIECES, benchChunks), benchChunks, signal);
    return "completed";
  }
  const frames: Frame[] = conversation.loadOnly
    ? [{ data: `${JSON.stringify(ollamaLoadBody(meta))}\n`, content: false }]
    : format.streamFrames(answer, meta);
  return writeStream(res, {
    frames,
    actions,
    pacing,
    errorFrame: format.streamError(),
    malformedFrame: format.malformed(meta),
    wrongShapeFrame: format.wrongShape(meta),
    cutUtf8Frame: cutUtf8Frame(format, conversation, meta),
    signal,
    onStall: ctx.onStall,
  });
}

/** A text frame carrying "€" (3 bytes in UTF-8), cut after the character's second byte. */
function cutUtf8Frame(format: ProtocolFormat, conversation: Conversation, meta: ResponseMeta): Buffer {
  const frame = format.streamFrames(buildAnswer({ text: "€" }, conversation), meta).find((f) => f.content && f.data.includes("€"));
  const bytes = Buffer.from(frame?.data ?? "€", "utf8");
  return bytes.subarray(0, bytes.indexOf(0xe2) + 2);
}
