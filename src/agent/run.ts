import { sumUsage } from "../stream/accumulate.js";
import { makeChunk, type StreamChunk, type ToolCallDelta, type ToolResult, type Usage } from "../stream/chunk.js";
import { ChunkStream, type ChunkSource, type Delivered } from "../stream/chunk-stream.js";
import { AgentError, ProviderError, StreamInterruptedError } from "../stream/errors.js";
import { streamFromCompletion } from "../providers/fallback.js";
import type { ChatMessage, CompletionResult, Provider, ProviderRequest } from "../providers/provider.js";
import { assistantMessage, toolMessage } from "./history.js";
import { PartialJsonParser } from "./partial-json.js";
import { executeToolCalls } from "./execute-tools.js";
import { healStep, type ChainLink, type RecoveryLimits } from "./heal.js";
import type { AgentTool } from "./tools.js";

/** One model call of a run and what its tool calls returned. */
export interface RunStep {
  /** 0-based. */
  index: number;
  /** The model's answer in this step. */
  response: CompletionResult;
  /** One per tool call the run executed after this step, in call order. */
  toolResults: ToolResult[];
}

/** What a finished run holds: the last step's answer, usage summed over the steps, and every step. */
export interface RunResult extends CompletionResult {
  steps: RunStep[];
  /** The new messages of this turn: the user message, each assistant message, its tool messages. */
  turn: ChatMessage[];
}

/** What a run needs; `request` is the first model call's request (system, history, the user message). */
export interface RunOptions {
  provider: Provider;
  request: ProviderRequest;
  /** Runnable tools by name (the request's `tools` are their definitions). */
  tools: ReadonlyMap<string, AgentTool>;
  maxSteps: number;
  signal?: AbortSignal;
  /** false: each step is one `complete()` call, its answer streamed whole (agent.arun). */
  streaming: boolean;
  /** Healing of every model call (set when `recover` or `fallbacks` is configured); absent, each step is the bare provider stream. */
  heal?: StepHealing;
}

/** How a run heals a broken model call (issue 11): see heal.ts. */
export interface StepHealing extends RecoveryLimits {
  /** The providers after the run's own, in order, each with its model. */
  fallbacks: ReadonlyArray<{ provider: Provider; model: string }>;
  /** Continue an answer that broke after output (`recover: "continue"`); else only failover before the first chunk. */
  continueBroken: boolean;
}

/** How a step ended, which decides what the run does next. */
type StepOutcome =
  | { kind: "finished" } // the model asked for no tool (or the step stopped for length, a filter …)
  | { kind: "tool_calls" } // run the calls, then the next step
  | { kind: "caller_tools" } // a called tool has no execute: the caller runs it
  | { kind: "last_step" }; // maxSteps reached: run the calls, then end with finishReason "tool_calls"

/**
 * One run of the agent loop, as one stream: model call (step 0) → its tool calls run concurrently → model
 * call (step 1) → … Each step's chunks pass through as they arrive (batched) with `metadata.step`; a step's
 * own `final` chunk passes only when it ends the run (a step asking for tools has its `final` held back), so
 * exactly one `final` ends the run, with the usage summed over the steps.
 * A step that breaks ends the run with a `StreamInterruptedError` carrying all text delivered so far.
 */
export function runAgent(options: RunOptions): ChunkStream<RunResult> {
  return new ChunkStream<RunResult>((signal, delivered) => runSteps(options, signal, delivered), options.signal);
}

async function* runSteps(options: RunOptions, signal: AbortSignal, delivered: Delivered): AsyncGenerator<StreamChunk | StreamChunk[] | ChunkSource, RunResult> {
  const { provider, request, tools, maxSteps } = options;
  const first = request.messages[request.messages.length - 1];
  const turn: ChatMessage[] = first === undefined ? [] : [first];
  const steps: RunStep[] = [];
  let usage: Usage | undefined;
  for (let step = 0; ; step++) {
    const stepRequest = step === 0 ? request : { ...request, messages: [...request.messages, ...turn.slice(1)] };
    const before = usage;
    const { response, held } = yield* streamStep(provider, stepRequest, step, before, tools.size > 0, options.streaming, options.heal, signal, delivered);
    usage = sumUsage(before, response.usage);
    const record: RunStep = { index: step, response, toolResults: [] };
    steps.push(record);
    turn.push(assistantMessage(response));
    const outcome = outcomeOf(response, tools, step, maxSteps);
    if (outcome.kind === "tool_calls" || outcome.kind === "last_step") {
      const context = { provider: response.provider, model: response.model ?? request.model, step };
      for await (const result of executeToolCalls(response.toolCalls, tools, signal)) {
        record.toolResults.push(result);
        yield [toolResultChunk(result, context)];
      }
      if (signal.aborted) throw aborted(provider.name, delivered.text, signal.reason);
      // Messages in call order, whatever order the tools finished in.
      for (const call of response.toolCalls) {
        const result = record.toolResults.find((r) => r.id === call.id)!;
        turn.push(toolMessage(result));
      }
      if (outcome.kind === "tool_calls") continue;
    }
    if (held !== undefined) {
      if (step > 0 && usage !== undefined) held.metadata.usage = usage;
      yield [held];
    }
    const result: RunResult = { ...response, steps, turn };
    if (usage !== undefined) result.usage = usage;
    return result;
  }
}

function outcomeOf(response: CompletionResult, tools: ReadonlyMap<string, AgentTool>, step: number, maxSteps: number): StepOutcome {
  // Only the step's own end says tools may run: a step cut by length, a filter or an error runs none.
  if (response.finishReason !== "tool_calls" || response.toolCalls.length === 0) return { kind: "finished" };
  if (response.toolCalls.some((call) => tools.get(call.name) !== undefined && tools.get(call.name)!.execute === undefined)) {
    return { kind: "caller_tools" };
  }
  if (tools.size === 0) return { kind: "caller_tools" };
  return step + 1 >= maxSteps ? { kind: "last_step" } : { kind: "tool_calls" };
}

/**
 * Streams one model call: its chunks pass through with `metadata.step` set (and, when tools are offered,
 * `partialArguments` on each `tool_call_delta`). Its `final` chunk passes at once (usage summed with the steps
 * before) unless it says `tool_calls`: then the run decides after the step, so it is returned as `held`.
 *
 * The chunks a network read brought are forwarded by a {@link StepForwarder} that the run's stream pulls
 * synchronously, so a chunk costs the consumer one promise, not a second hand-off through this generator; the
 * generator resumes only when the provider stream needs its producer again. The provider stream keeps no text
 * of its own: its `text` (the step's answer, its interruptions' partial text) is the run's text from where
 * the step began.
 */
async function* streamStep(
  provider: Provider,
  request: ProviderRequest,
  step: number,
  usageBefore: Usage | undefined,
  withTools: boolean,
  streaming: boolean,
  heal: StepHealing | undefined,
  signal: AbortSignal,
  delivered: Delivered,
): AsyncGenerator<StreamChunk | ChunkSource, { response: CompletionResult; held: StreamChunk | undefined }> {
  // Healing is a state of the step: the same forwarder reads the healed stream; without it, the provider's own.
  const inner =
    heal !== undefined
      ? healedCall(provider, request, heal, streaming, signal)
      : streaming && provider.supportsStreaming
        ? provider.stream(request, { signal })
        : streamFromCompletion(provider, request, { signal });
  const stepText = new StepText(delivered);
  inner.shareText(stepText);
  const forwarder = new StepForwarder(inner, step, usageBefore, withTools);
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<StreamChunk>;
      try {
        next = await inner.next();
      } catch (error) {
        throw withRunText(error, delivered.text, step);
      }
      if (next.done === true) break;
      forwarder.first = forwarder.forward(next.value);
      yield forwarder;
    }
    done = true;
  } finally {
    stepText.end();
    if (!done) await inner.return();
  }
  const response = inner.result;
  if (response === undefined) {
    throw new AgentError(`${provider.name}: the stream ended without an answer (its producer returned none)`);
  }
  return { response, held: forwarder.held };
}

/**
 * The run's per-chunk work on one step's chunks, as a source the run's stream pulls: `first` (the chunk the
 * step awaited), then every chunk the provider stream has at hand, each stamped with the step.
 */
class StepForwarder implements ChunkSource {
  /** The next chunk to hand out before taking more from the provider stream. */
  first: StreamChunk | undefined;
  /** The step's `final` chunk when it says `tool_calls`: the run decides after the step whether it passes. */
  held: StreamChunk | undefined;
  readonly #inner: ChunkStream<CompletionResult>;
  readonly #step: number;
  readonly #usageBefore: Usage | undefined;
  readonly #partial: Map<number, PartialJsonParser> | undefined;
  /** The healed attempt whose tool-call deltas the parsers hold (undefined: the first). */
  #attempt: number | undefined;

  constructor(inner: ChunkStream<CompletionResult>, step: number, usageBefore: Usage | undefined, withTools: boolean) {
    this.#inner = inner;
    this.#step = step;
    this.#usageBefore = usageBefore;
    this.#partial = withTools ? new Map() : undefined;
  }

  nextChunk(): StreamChunk | undefined {
    const first = this.first;
    if (first !== undefined) {
      this.first = undefined;
      return first;
    }
    for (;;) {
      const chunk = this.#inner.takeReady();
      if (chunk === undefined) return undefined;
      const out = this.forward(chunk);
      if (out !== undefined) return out;
    }
  }

  /** Stamps one chunk; undefined when it is the held-back `final`. */
  forward(chunk: StreamChunk): StreamChunk | undefined {
    const m = chunk.metadata;
    if (m.step !== this.#step) m.step = this.#step;
    if (chunk.type === "tool_call_delta") {
      const partial = this.#partial;
      if (partial !== undefined) {
        // A healed step's later attempt asks a cut call again: its partial arguments start afresh.
        if (m.recovered !== this.#attempt) {
          this.#attempt = m.recovered;
          partial.clear();
        }
        addPartialArguments(partial, m.toolCall as ToolCallDelta);
      }
    } else if (chunk.type === "final") {
      if (m.finishReason === "tool_calls") {
        this.held = chunk;
        return undefined;
      }
      if (this.#step > 0) {
        const total = sumUsage(this.#usageBefore, m.usage);
        if (total !== undefined) m.usage = total;
      }
    }
    return chunk;
  }
}

/** A step's own text, read from the run's stream: from where the step began to where it ended (once it has). */
class StepText implements Delivered {
  readonly #run: Delivered;
  readonly #start: number;
  #end: number | undefined;

  constructor(run: Delivered) {
    this.#run = run;
    this.#start = run.textLength;
  }

  get text(): string {
    const whole = this.#run.text;
    return this.#start === 0 && this.#end === undefined ? whole : whole.slice(this.#start, this.#end);
  }

  get textLength(): number {
    return (this.#end ?? this.#run.textLength) - this.#start;
  }

  /** The step is over: later text of the run is not its. */
  end(): void {
    this.#end ??= this.#run.textLength;
  }
}

/** One model call over the failover chain, continued after a break when asked (heal.ts); its first attempt's batches pass through whole. */
function healedCall(provider: Provider, request: ProviderRequest, heal: StepHealing, streaming: boolean, signal: AbortSignal): ChunkStream<CompletionResult> {
  const chain: ChainLink[] = [{ provider }, ...heal.fallbacks];
  const open = (link: ChainLink, req: ProviderRequest, context: { signal: AbortSignal }) => {
    const p = link.provider as Provider; // the run's links are whole providers
    return streaming && p.supportsStreaming ? p.stream(req, { signal: context.signal }) : streamFromCompletion(p, req, { signal: context.signal });
  };
  const options: Parameters<typeof healStep>[0] = { request, chain, continueBroken: heal.continueBroken, open };
  if (heal.maxAttempts !== undefined) options.maxAttempts = heal.maxAttempts;
  if (heal.maxRecoveryMs !== undefined) options.maxRecoveryMs = heal.maxRecoveryMs;
  return new ChunkStream<CompletionResult>((s) => healStep(options, s), signal);
}

function addPartialArguments(parsers: Map<number, PartialJsonParser>, delta: ToolCallDelta): void {
  let parser = parsers.get(delta.index);
  if (parser === undefined) {
    parser = new PartialJsonParser();
    parsers.set(delta.index, parser);
  }
  delta.partialArguments = parser.push(delta.argumentsDelta);
}

function toolResultChunk(result: ToolResult, context: { provider: string; model: string; step: number }): StreamChunk {
  return makeChunk("tool_result", "", { provider: context.provider, model: context.model, toolResult: result, step: context.step });
}

/** A step's interruption carries only that step's text; the run's carries all text the consumer got. */
function withRunText(error: unknown, text: string, step: number): unknown {
  // A later step's call refused before its first chunk: the run's stream had chunks already, so it is an interruption.
  if (error instanceof ProviderError && step > 0) {
    return new StreamInterruptedError(`${error.message} (model call ${step + 1} of the run)`, { reason: "provider", partialResponse: text, cause: error });
  }
  if (!(error instanceof StreamInterruptedError) || error.partialResponse === text) return error;
  const options: ConstructorParameters<typeof StreamInterruptedError>[1] = { reason: error.reason, partialResponse: text, cause: error.cause };
  if (error.attempts !== undefined) options.attempts = error.attempts;
  return new StreamInterruptedError(error.message, options);
}

function aborted(provider: string, text: string, cause: unknown): StreamInterruptedError {
  return new StreamInterruptedError(`${provider}: stream aborted during a tool call`, { reason: "aborted", partialResponse: text, cause });
}
