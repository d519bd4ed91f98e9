import type { StreamChunk } from "./chunk.js";
import { ChunkStream } from "./chunk-stream.js";
import { StreamingResponse, type StreamingResponseOptions } from "./response.js";
import { TextBuffer } from "./text-buffer.js";

/** Consumes a stream into a {@link StreamingResponse}. */
export async function collectStream(
  stream: AsyncIterable<StreamChunk>,
  options?: StreamingResponseOptions,
): Promise<StreamingResponse> {
  // A ChunkStream keeps the text it hands out; reading it from there keeps the answer in memory once.
  const response = new StreamingResponse(stream instanceof ChunkStream && options?.textSource === undefined ? { ...options, textSource: stream } : options);
  response.start();
  for await (const chunk of stream) response.addChunk(chunk);
  return response;
}

/** Consumes a stream and returns its text. */
export async function streamToString(stream: AsyncIterable<StreamChunk>): Promise<string> {
  const text = new TextBuffer();
  for await (const chunk of stream) text.append(chunk.content);
  return text.toString();
}
