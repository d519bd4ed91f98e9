export { SSEDecoder, sseEvents } from "./sse.js";
export type { SSEDecoderOptions, SSEEvent } from "./sse.js";
export { NDJSONDecoder, ndjsonValues } from "./ndjson.js";
export type { NDJSONDecoderOptions } from "./ndjson.js";
