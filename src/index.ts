export type {
  ChunkType, ChunkMetadata, FinishReason, StreamChunk, ToolCall, ToolCallDelta, ToolResult, Usage, ProviderTimings,
} from "./stream/chunk.js";
export { ChunkStream, type ChunkProducer, type Delivered } from "./stream/chunk-stream.js";
export {
  AgentError, ConfigurationError, ProviderError, StreamInterruptedError, WireFormatError, type InterruptReason,
  type WireErrorType,
} from "./stream/errors.js";
export { StreamingResponse, type StreamingResponseOptions } from "./stream/response.js";
export { collectStream, streamToString } from "./stream/collect.js";
export { createMockStream, type MockStreamOptions } from "./stream/mock.js";
export {
  StreamingManager, type ManagedStream, type ManagedStreamOptions, type StreamingManagerOptions,
} from "./stream/manager.js";
export type {
  CallOptions, ChatMessage, CompletionResult, JsonSchema, Provider, ProviderOptions, ProviderRequest, ToolDefinition,
} from "./providers/provider.js";
export {
  createProvider, detectProvider, listProviders, registerProvider, type ProviderFactory, type ProviderName,
} from "./providers/registry.js";
export { createOpenAIProvider, type OpenAIProviderOptions } from "./providers/openai.js";
export {
  createOpenAIResponsesProvider, type OpenAIResponsesProviderOptions,
} from "./providers/responses/provider.js";
export type { OpenAIApi, OpenAIApiOptions } from "./providers/responses/select.js";
export { createAnthropicProvider, type AnthropicProviderOptions } from "./providers/anthropic.js";
export {
  createOllamaProvider, listOllamaModels, ollamaVersion, showOllamaModel, type OllamaModel, type OllamaModelDetails,
  type OllamaModelInfo,
} from "./providers/ollama.js";
export { createMockProvider, type MockProvider, type MockProviderOptions, type MockScript, type MockTurn } from "./providers/mock.js";
export { SSEDecoder, sseEvents, type SSEEvent, type SSEDecoderOptions } from "./wire/sse.js";
export { NDJSONDecoder, ndjsonValues, type NDJSONDecoderOptions } from "./wire/ndjson.js";
export { HttpTransport } from "./transport/http.js";
export { Agent, type AgentResponse, type ProviderInfo, type SetProviderOptions } from "./agent/agent.js";
export type { AgentOptions, CallSettings } from "./agent/options.js";
export {
  tool, type AgentTool, type ToolSpec, type ToolExecutionContext, type ZodLikeSchema, type ArgumentCheck,
} from "./agent/tools.js";
export type { RunResult, RunStep } from "./agent/run.js";
export {
  toSSEResponse, pipeSSE, readSSE, ResumableStreams, createMemoryStore, createRedisStore, SSE_HEADERS, type SSEOptions,
  type ReadSSEOptions, type StreamEvent, type StreamErrorData, type StreamDoneData, type ResumableStreamsOptions,
  type FollowOptions, type RedisStoreOptions, type StreamStore, type StreamStoreOptions, type StoredEvent, type NewEvent,
  type StreamMeta, type StreamState,
} from "./web/index.js";
