/**
 * Writes a streamed response frame by frame: paces the content frames, fires the injected mid-stream
 * faults at their positions, honours backpressure, and stops at once when the request's signal aborts.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { StreamAction } from "./faults.js";
import { PaceClock, sleep, untilAborted, type Pacing } from "./pacing.js";
import type { Frame } from "./protocol.js";

/** How a stream ended, from the emulator's side. */
export type StreamOutcome = "completed" | "errored" | "dropped" | "stalled";

/** Writes `data`; when the socket buffer is full, waits for 'drain' (or the abort). */
export async function writeWithBackpressure(res: ServerResponse, data: string | Buffer, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (!res.write(data)) await once(res, "drain", { signal });
}

/** Resolves once everything written so far has been handed to the OS, so a drop loses none of it. */
function flushed(res: ServerResponse, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  // Writing an empty string still queues behind earlier writes, so its callback means "all flushed".
  return new Promise((resolve) => res.write("", () => resolve()));
}

/** Above this many pending characters, write without waiting for the next pause. */
const COALESCE_LIMIT = 16 * 1024;

/** What the writer needs besides the frames. */
export interface StreamJob {
  frames: Frame[];
  actions: StreamAction[];
  pacing: Pacing;
  errorFrame: string;
  malformedFrame: string;
  wrongShapeFrame: string;
  /** The start of a text frame cut inside a multi-byte character, for `cut-utf8-after`. */
  cutUtf8Frame: Buffer;
  signal: AbortSignal;
  /** Called once when a stall without end begins. */
  onStall: () => void;
}

/** The frame index where an action fires: before content frame number `after`, or after the last content frame. */
function positionOf(frames: Frame[], after: number): number {
  let seen = 0;
  let afterLastContent = 0;
  for (let i = 0; i < frames.length; i++) {
    if (!frames[i]?.content) continue;
    if (seen === after) return i;
    seen++;
    afterLastContent = i + 1;
  }
  return afterLastContent;
}

/**
 * Writes every frame (the caller ends or destroys the response according to the outcome). Frames between
 * two pauses are sent in one write: fewer syscalls, and the client still sees each token at its time.
 */
export async function writeStream(res: ServerResponse, job: StreamJob): Promise<StreamOutcome> {
  const { frames, signal } = job;
  const positions = job.actions.map((a) => positionOf(frames, a.after));
  const clock = new PaceClock(job.pacing);
  let pending = "";
  const flush = async () => {
    if (pending === "") return;
    const data = pending;
    pending = "";
    await writeWithBackpressure(res, data, signal);
  };
  let next = 0;
  let sent = 0;
  for (let i = 0; i <= frames.length; i++) {
    while (next < job.actions.length && positions[next] === i) {
      const action = job.actions[next++];
      if (action === undefined) break;
      await flush();
      if (action.kind === "malformed") {
        await writeWithBackpressure(res, job.malformedFrame, signal);
      } else if (action.kind === "wrong-shape") {
        await writeWithBackpressure(res, job.wrongShapeFrame, signal);
      } else if (action.kind === "cut-utf8") {
        await writeWithBackpressure(res, job.cutUtf8Frame, signal);
        return "completed"; // the response ends here, mid-character
      } else if (action.kind === "error") {
        await writeWithBackpressure(res, job.errorFrame, signal);
        return "errored";
      } else if (action.kind === "drop") {
        await flushed(res, signal);
        return "dropped";
      } else if (action.ms !== undefined) {
        await sleep(action.ms, signal);
        clock.shift(action.ms);
      } else {
        job.onStall();
        await untilAborted(signal);
        // Only the client leaving or close() ends a stall, so this always throws the AbortError.
        signal.throwIfAborted();
        return "stalled";
      }
    }
    const frame = frames[i];
    if (frame === undefined) break;
    if (frame.content) {
      const wait = clock.waitBefore(sent++);
      // Sub-millisecond waits are not worth a timer: the absolute deadlines catch up on the next token.
      if (wait >= 1) {
        await flush();
        await sleep(wait, signal);
      }
    }
    pending += frame.data;
    if (pending.length >= COALESCE_LIMIT) await flush();
  }
  await flush();
  return "completed";
}
