import { makeChunk } from "../stream/chunk.js";
import { ChunkStream } from "../stream/chunk-stream.js";
import { StreamInterruptedError, isAbortError } from "../stream/errors.js";
import type { CallOptions, CompletionResult, Provider, ProviderRequest } from "./provider.js";

/**
 * Streams a provider that cannot stream: one `complete()` call, then its whole text as one chunk and a final
 * chunk marked `metadata.streamed === false`, so consumers see the same shape of stream either way.
 */
export function streamFromCompletion(
  provider: Pick<Provider, "name" | "complete">,
  request: ProviderRequest,
  options: CallOptions = {},
): ChunkStream<CompletionResult> {
  return new ChunkStream<CompletionResult>(async function* (signal) {
    let result: CompletionResult;
    try {
      result = await provider.complete(request, { signal });
    } catch (error) {
      // A provider's complete() may reject with the platform's AbortError; the contract is an interruption.
      if (!(error instanceof StreamInterruptedError) && (signal.aborted || isAbortError(error))) {
        throw new StreamInterruptedError(`${provider.name}: request aborted`, { reason: "aborted", partialResponse: "", cause: error });
      }
      throw error;
    }
    const base = { provider: provider.name, model: result.model ?? request.model };
    if (result.thinking) yield makeChunk("thinking", "", { ...base, thinking: result.thinking, chunkIndex: 0 });
    if (result.content.length > 0) yield makeChunk("text", result.content, { ...base, chunkIndex: 0 });
    for (const toolCall of result.toolCalls) yield makeChunk("tool_call", "", { ...base, toolCall });
    const final = {
      ...base,
      finishReason: result.finishReason,
      streamed: false,
      ...(result.usage === undefined ? {} : { usage: result.usage }),
      ...(result.providerFinishReason === undefined ? {} : { providerFinishReason: result.providerFinishReason }),
    };
    yield makeChunk("final", "", final);
    return result;
  }, options.signal);
}
