/** A chunk stream (or a followed resumable stream) as a standard Web `Response` of server-sent events. */
import type { StreamChunk } from "../stream/chunk.js";
import type { StreamEvent } from "./events.js";
import type { SSEOptions } from "./sse-options.js";

/**
 * Answers with the stream as server-sent events (Hono, Next.js route handlers, Bun, Deno). The body is pulled:
 * a slow client is never buffered for. The client going away (body cancelled) ends the source: for a
 * `ChunkStream` that aborts the model call; for a followed resumable stream it only stops following.
 */
export function toSSEResponse(
  stream: AsyncIterable<StreamChunk> | AsyncIterable<StreamEvent>,
  options?: SSEOptions,
): Response {
  void stream;
  void options;
  throw new Error("toSSEResponse: not implemented yet");
}
