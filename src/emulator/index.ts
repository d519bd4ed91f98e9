/**
 * The wire-compatible emulator: OpenAI, Anthropic and Ollama chat APIs on one local port.
 *
 *     await using server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "Hi!" } } });
 *     new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl });   // Anthropic / Ollama: server.url
 *
 * Per request, headers script and break it: `x-emulator-reply` (EmulatorReply JSON), `x-emulator-fault`
 * (grammar on EmulatorFault), `x-emulator-ttft-ms`, `x-emulator-tps`, `x-emulator-bench: chunks=N`.
 */
export { startEmulator } from "./server.js";
export { BENCH_PIECES, benchText } from "./bench.js";
export { parseFaultHeader } from "./faults.js";
export { defaultAnswer, defaultThinking } from "./script.js";
export { countTokens } from "./request.js";
export { DEFAULT_PACING } from "./pacing.js";
export type {
  EmulatorEvents,
  EmulatorFault,
  EmulatorFinishReason,
  EmulatorOptions,
  EmulatorProtocol,
  EmulatorReply,
  EmulatorRule,
  EmulatorScript,
  EmulatorServer,
  EmulatorStats,
  EmulatorToolCall,
  EmulatorToolResult,
  RecordedRequest,
} from "./types.js";
export type { Pacing } from "./pacing.js";
