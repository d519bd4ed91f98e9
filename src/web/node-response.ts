/** A chunk stream (or a followed resumable stream) written as server-sent events to a Node `ServerResponse`. */
import type { ServerResponse } from "node:http";
import type { StreamChunk } from "../stream/chunk.js";
import type { StreamEvent } from "./events.js";
import type { SSEOptions } from "./sse-options.js";

/**
 * Writes the stream to `res` (Node http, Express) as server-sent events and ends it; resolves when done. It
 * waits for `drain` when the socket is full, and the socket closing ends the source (aborting a `ChunkStream`'s
 * model call; a followed resumable stream only stops being followed).
 */
export async function pipeSSE(
  stream: AsyncIterable<StreamChunk> | AsyncIterable<StreamEvent>,
  res: ServerResponse,
  options?: SSEOptions,
): Promise<void> {
  void stream;
  void res;
  void options;
  throw new Error("pipeSSE: not implemented yet");
}
