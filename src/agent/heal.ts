/**
 * One healed step: opens a provider stream for a request and, when it breaks, continues the answer on the
 * same or the next provider of the chain, so the caller sees one chunk sequence whose text is the unbroken
 * answer. The run calls it once per model call (see `healStep`); recovery rules live in recovery.ts,
 * restart removal in overlap.ts.
 */
import { sumUsage } from "../stream/accumulate.js";
import { makeChunk, type StreamChunk, type Usage } from "../stream/chunk.js";
import { ChunkStream, type ChunkSource } from "../stream/chunk-stream.js";
import { StreamInterruptedError, type StreamAttempt } from "../stream/errors.js";
import type { CompletionResult, Provider, ProviderRequest } from "../providers/provider.js";
import { OverlapRemover } from "./overlap.js";
import {
  PartialAnswerTracker,
  WhitespaceJoin,
  continuationForm,
  planRecovery,
  recoveryAction,
  type PartialAnswer,
} from "./recovery.js";

/** One provider of a failover chain, with the model to ask it for. */
export interface ChainLink {
  provider: Pick<Provider, "name" | "continuation" | "stream">;
  /** The model for this provider; the request's own model when omitted. */
  model?: string;
}

/** What one attempt of a step is opened with. */
export interface AttemptContext {
  /** 1-based; attempt 1 sends the original request. */
  attempt: number;
  /** Aborted when the caller stops the step. */
  signal: AbortSignal;
}

/** Bounds on recovery: whatever is reached first ends it with a `StreamInterruptedError` listing every attempt. */
export interface RecoveryLimits {
  /** Most attempts of one step, the first included (default 4). */
  maxAttempts?: number;
  /** Most milliseconds from the first failure to the start of the last attempt (default 30 000). */
  maxRecoveryMs?: number;
}

/** Defaults of {@link RecoveryLimits}. */
export const DEFAULT_RECOVERY_LIMITS: Required<RecoveryLimits> = { maxAttempts: 4, maxRecoveryMs: 30_000 };

/** Options of {@link healStep}. */
export interface HealOptions extends RecoveryLimits {
  request: ProviderRequest;
  /** The primary provider first, then the fallbacks. */
  chain: readonly ChainLink[];
  /** Continue a stream that broke (`recover: "continue"`); when false a break after output is thrown as it is. */
  continueBroken: boolean;
  /** Opens one attempt's stream; default `link.provider.stream(request, { signal })`. Tests inject faults per attempt here. */
  open?: (link: ChainLink, request: ProviderRequest, context: AttemptContext) => AsyncIterable<StreamChunk> & { result?: CompletionResult | undefined };
  /** Told of every failed attempt, for logs and metrics. */
  onAttempt?: (attempt: StreamAttempt) => void;
}

const defaultOpen: NonNullable<HealOptions["open"]> = (link, request, { signal }) => link.provider.stream(request, { signal });

/**
 * Yields the chunks of one step, healed: on attempt 1 the provider's chunks pass through untouched (as the
 * batches a {@link ChunkStream} read them in, so the run forwards them as cheaply as the plain path); after a
 * recovery, chunks carry `metadata.recovered` (the attempt number) and `chunkIndex` goes on counting, text
 * is cut so nothing is repeated (overlap removal for the instruction form, the cut whitespace for the
 * prefill form), and the final chunk's usage sums every attempt. Returns the step's whole answer.
 *
 * Without a chain of more than one provider and with `continueBroken` false, it behaves as the bare
 * provider stream (the same chunks, the same errors). Failures it does not recover are thrown unchanged
 * on attempt 1 and as a `StreamInterruptedError` with the whole partial text and `attempts` afterwards.
 */
export async function* healStep(options: HealOptions, signal: AbortSignal): AsyncGenerator<StreamChunk | StreamChunk[] | ChunkSource, CompletionResult | undefined> {
  const { chain } = options;
  if (chain.length === 0) throw new RangeError("healStep needs at least one provider in its chain");
  const open = options.open ?? defaultOpen;
  const maxAttempts = options.maxAttempts ?? DEFAULT_RECOVERY_LIMITS.maxAttempts;
  const maxRecoveryMs = options.maxRecoveryMs ?? DEFAULT_RECOVERY_LIMITS.maxRecoveryMs;
  const tracker = new PartialAnswerTracker();
  const attempts: StreamAttempt[] = [];
  let usage: Usage | undefined;
  let yielded = 0;
  let linkIndex = 0;
  let firstFailureAt: number | undefined;
  let request = withModel(options.request, chain[0]!);
  /** Text fixers of the current attempt (a recovered one). */
  let join: WhitespaceJoin | undefined;
  let remover: OverlapRemover | undefined;
  let kept: PartialAnswer | undefined;

  for (let attempt = 1; ; attempt++) {
    const link = chain[linkIndex]!;
    const base = yielded;
    let produced = false;
    const relabel = (chunk: StreamChunk, content: string): StreamChunk => {
      const metadata = { ...chunk.metadata, recovered: attempt };
      if (metadata.chunkIndex !== undefined) metadata.chunkIndex += base;
      return makeChunk(chunk.type, content, metadata, chunk.timestamp);
    };
    /** Text still held by the fixers, released before a non-text chunk or the end. */
    const flush = (template: StreamChunk): StreamChunk | undefined => {
      let text = join?.finish() ?? "";
      if (remover !== undefined) text = remover.push(text) + remover.finish();
      if (text === "") return undefined;
      const metadata: StreamChunk["metadata"] = { recovered: attempt };
      if (template.metadata.provider !== undefined) metadata.provider = template.metadata.provider;
      if (template.metadata.model !== undefined) metadata.model = template.metadata.model;
      return makeChunk("text", text, metadata, template.timestamp);
    };
    const stream = open(link, request, { attempt, signal });
    try {
      if (attempt === 1 && stream instanceof ChunkStream) {
        // The first attempt passes through untouched, as the plain run forwards a step: the chunk awaited, then
        // whatever the stream has at hand, pulled one by one (a network read is still decoded lazily).
        const observe = (chunk: StreamChunk): StreamChunk => {
          if (chunk.type !== "final") {
            produced = true;
            tracker.observe(chunk);
          }
          yielded++;
          return chunk;
        };
        let first: StreamChunk | undefined;
        const source: ChunkSource = {
          nextChunk() {
            if (first !== undefined) {
              const chunk = first;
              first = undefined;
              return chunk;
            }
            const ready = stream.takeReady();
            return ready === undefined ? undefined : observe(ready);
          },
        };
        for (;;) {
          const next = await stream.next();
          if (next.done === true) break;
          first = observe(next.value);
          yield source;
        }
        return stream.result as CompletionResult | undefined;
      }
      let final: StreamChunk | undefined;
      for await (const chunk of stream) {
        let out: StreamChunk | undefined = chunk;
        if (attempt > 1) {
          if (chunk.type === "final") {
            final = chunk;
            continue;
          }
          if (chunk.type === "text" && chunk.content === "") {
            out = relabel(chunk, ""); // e.g. an OpenAI refusal fragment: no text to fix
          } else if (chunk.type === "text") {
            let text = join === undefined ? chunk.content : join.push(chunk.content);
            if (remover !== undefined) text = remover.push(text);
            out = text === "" ? undefined : relabel(chunk, text);
          } else {
            const held = flush(chunk);
            if (held !== undefined) {
              tracker.observe(held);
              yielded++;
              yield held;
            }
            // The kept reasoning stands; a second one for the same answer would confuse the reader.
            out = chunk.type === "thinking" && kept?.thinking !== undefined ? undefined : relabel(chunk, chunk.content);
          }
        }
        if (out === undefined) continue;
        if (out.type !== "final") {
          produced = true;
          tracker.observe(out);
        }
        yielded++;
        yield out;
      }
      if (attempt === 1) return stream.result;
      const held = final === undefined ? undefined : flush(final);
      if (held !== undefined) {
        tracker.observe(held);
        yield held;
      }
      usage = sumUsage(usage, final?.metadata.usage ?? stream.result?.usage);
      if (final !== undefined) {
        const last = relabel(final, "");
        if (usage !== undefined) last.metadata.usage = usage;
        yield last;
      }
      return mergeResult(stream.result ?? fromFinal(final, link.provider.name), tracker, kept, usage);
    } catch (error) {
      const record: StreamAttempt = { attempt, provider: link.provider.name, afterOutput: produced, error: asError(error) };
      if (request.model !== "") record.model = request.model;
      attempts.push(record);
      options.onAttempt?.(record);
      usage = sumUsage(usage, tracker.takeUsage());
      const giveUp = () => (attempt === 1 ? error : exhausted(attempts, tracker.text));
      if (signal.aborted) throw giveUp();
      let action = recoveryAction(error);
      const hasNext = linkIndex + 1 < chain.length;
      if (action === "continue" && !options.continueBroken) action = tracker.hasOutput || !hasNext ? "stop" : "failover";
      if (action === "stop" || (action === "failover" && !hasNext)) throw giveUp();
      const now = Date.now();
      firstFailureAt ??= now;
      if (attempt >= maxAttempts || now - firstFailureAt > maxRecoveryMs) throw exhausted(attempts, tracker.text);
      if (hasNext) linkIndex++;
      const next = chain[linkIndex]!;
      const original = withModel(options.request, next);
      kept = tracker.partial();
      const form = continuationForm(next.provider, original);
      const plan = planRecovery(original, kept, form);
      join = undefined;
      remover = undefined;
      if (plan.kind === "finish-with-tool-calls") {
        const metadata: StreamChunk["metadata"] = { provider: link.provider.name, finishReason: "tool_calls", recovered: attempt };
        if (usage !== undefined) metadata.usage = usage;
        yield makeChunk("final", "", metadata);
        return mergeResult(undefined, tracker, kept, usage, link.provider.name);
      }
      request = plan.request;
      if (plan.kind === "continue" && plan.form === "prefill") join = new WhitespaceJoin(plan.trimmedWhitespace);
      if (plan.kind === "continue" && plan.form === "instruction" && kept.text !== "") remover = new OverlapRemover(kept.text);
    } finally {
      await (stream as { return?: () => Promise<unknown> }).return?.();
    }
  }
}

/** A {@link ChunkStream} over {@link healStep}, for callers that want the stream object itself. */
export function healedStream(options: HealOptions, parentSignal?: AbortSignal): ChunkStream<CompletionResult> {
  return new ChunkStream<CompletionResult>((signal) => healStep(options, signal), parentSignal);
}

function withModel(request: ProviderRequest, link: ChainLink): ProviderRequest {
  return link.model === undefined || link.model === request.model ? request : { ...request, model: link.model };
}

/** The ending a final chunk tells, for an attempt whose stream has no `result` (a plain iterable). */
function fromFinal(final: StreamChunk | undefined, provider: string): CompletionResult {
  const result: CompletionResult = { content: "", toolCalls: [], finishReason: final?.metadata.finishReason ?? "stop", provider: final?.metadata.provider ?? provider };
  if (final?.metadata.model !== undefined) result.model = final.metadata.model;
  return result;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Recovery gave up: the whole partial text and every attempt, the last error as the cause. */
function exhausted(attempts: readonly StreamAttempt[], partialResponse: string): StreamInterruptedError {
  const last = attempts.at(-1)!.error;
  const reason = last instanceof StreamInterruptedError ? last.reason : "provider";
  const providers = [...new Set(attempts.map((a) => a.provider))].join(", ");
  const message = `The answer could not be completed after ${attempts.length} attempts (${providers}); the last failed with: ${last.message}`;
  return new StreamInterruptedError(message, {
    reason,
    partialResponse,
    cause: last,
    attempts: [...attempts],
  });
}

/** The step's whole answer: the healed text, the kept reasoning and tool calls, the last attempt's ending, usage summed. */
function mergeResult(
  last: CompletionResult | undefined,
  tracker: PartialAnswerTracker,
  kept: PartialAnswer | undefined,
  usage: Usage | undefined,
  provider?: string,
): CompletionResult {
  const result: CompletionResult = {
    ...(last ?? { finishReason: "tool_calls", provider: provider ?? "", toolCalls: [] }),
    content: tracker.text,
    toolCalls: [...(kept?.toolCalls ?? []), ...(last?.toolCalls ?? [])],
  };
  if (usage !== undefined) result.usage = usage;
  const thinking = kept?.thinking;
  if (thinking !== undefined) {
    result.thinking = thinking.text;
    if (thinking.signature !== undefined) result.thinkingSignature = thinking.signature;
    else delete result.thinkingSignature;
    if (thinking.redacted !== undefined) result.redactedThinking = thinking.redacted;
  }
  return result;
}
