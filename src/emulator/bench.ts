/**
 * Bench mode: N tiny text chunks as fast as the socket takes them, so a benchmark measures the client,
 * not the emulator. The few distinct frames are encoded once into one ~64 KiB buffer that is written again
 * and again (Node does not copy a Buffer on write), and every write honours backpressure.
 */
import type { ServerResponse } from "node:http";
import type { BenchFrames } from "./protocol.js";
import { writeWithBackpressure } from "./stream-writer.js";

/** The text pieces of a bench stream, cycled: chunk i carries `BENCH_PIECES[i % BENCH_PIECES.length]`. */
export const BENCH_PIECES: readonly string[] = ["Lorem", " ipsu", "m dol", "or si", "t ame", "t. "];

/** The text a bench stream of `chunks` chunks reassembles to. */
export function benchText(chunks: number): string {
  let text = BENCH_PIECES.join("").repeat(Math.floor(chunks / BENCH_PIECES.length));
  for (let i = 0; i < chunks % BENCH_PIECES.length; i++) text += BENCH_PIECES[i];
  return text;
}

const BATCH_BYTES = 64 * 1024;

/** One buffer holding whole cycles of the piece frames, and where each frame in it ends. */
interface Batch {
  bytes: Buffer;
  /** `ends[j]` = byte length of the first j+1 frames. */
  ends: number[];
}

function encodeBatch(pieces: readonly string[]): Batch {
  const frames = pieces.map((p) => Buffer.from(p));
  const cycleBytes = frames.reduce((n, f) => n + f.length, 0);
  const cycles = Math.max(1, Math.floor(BATCH_BYTES / cycleBytes));
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (let c = 0; c < cycles; c++) {
    for (const f of frames) {
      parts.push(f);
      offset += f.length;
      ends.push(offset);
    }
  }
  return { bytes: Buffer.concat(parts, offset), ends };
}

/** Writes head, `chunks` piece frames in whole batches, and tail; rejects with an AbortError if the client leaves. */
export async function writeBench(res: ServerResponse, frames: BenchFrames, chunks: number, signal: AbortSignal): Promise<void> {
  const batch = encodeBatch(frames.pieces);
  const perBatch = batch.ends.length;
  if (frames.head !== "") await writeWithBackpressure(res, frames.head, signal);
  for (let left = chunks; left > 0; left -= perBatch) {
    const bytes = left >= perBatch ? batch.bytes : batch.bytes.subarray(0, batch.ends[left - 1]);
    await writeWithBackpressure(res, bytes, signal);
  }
  await writeWithBackpressure(res, frames.tail, signal);
}
