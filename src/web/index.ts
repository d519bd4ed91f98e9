/** Serving streams over the web: SSE out (Web Response, Node http), SSE in, and resumable streams. */
export { toSSEResponse } from "./sse-response.js";
export { pipeSSE } from "./node-response.js";
export { SSE_HEADERS, type SSEOptions } from "./sse-options.js";
export { readSSE, type ReadSSEOptions } from "./read-sse.js";
export { type StreamEvent, type StreamErrorData, type StreamDoneData, toStreamEvents } from "./events.js";
export { ResumableStreams, type ResumableStreamsOptions, type FollowOptions } from "./resumable.js";
export { createMemoryStore } from "./store/memory.js";
export { createRedisStore, type RedisStoreOptions } from "./store/redis.js";
export type { StreamStore, StreamStoreOptions, StoredEvent, NewEvent, StreamMeta, StreamState } from "./store/types.js";
