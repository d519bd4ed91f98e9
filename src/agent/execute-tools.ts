import type { ToolCall, ToolResult } from "../stream/chunk.js";
import type { AgentTool } from "./tools.js";

/**
 * Runs the tool calls of one step concurrently and yields each result as its tool finishes. Every failure the
 * model can act on (an unknown tool, arguments that are not JSON or fail the schema, an `execute` that throws
 * or times out) is a result with `isError: true` whose `result` says what went wrong. Each call gets a signal
 * that aborts with `signal` (the stream's) or at its own timeout; once `signal` aborts this stops yielding at
 * once, without waiting for a tool that ignores its signal.
 */
export async function* executeToolCalls(
  calls: readonly ToolCall[],
  tools: ReadonlyMap<string, AgentTool>,
  signal: AbortSignal,
): AsyncGenerator<ToolResult> {
  if (signal.aborted) return;
  const controllers = calls.map(() => new AbortController());
  const onAbort = () => {
    for (const c of controllers) c.abort(signal.reason);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  let stop!: () => void;
  const stopped = new Promise<undefined>((resolve) => (stop = () => resolve(undefined)));
  signal.addEventListener("abort", stop, { once: true });
  try {
    const pending = new Map<number, Promise<{ index: number; result: ToolResult }>>();
    calls.forEach((call, index) => {
      pending.set(index, executeOne(call, tools, controllers[index]!).then((result) => ({ index, result })));
    });
    while (pending.size > 0) {
      const settled = await Promise.race([stopped, ...pending.values()]);
      if (settled === undefined) return;
      pending.delete(settled.index);
      yield settled.result;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    signal.removeEventListener("abort", stop);
    // A consumer that left early (break) leaves no tool running.
    for (const c of controllers) c.abort(signal.reason ?? new Error("tool run ended"));
  }
}

/** Runs one call; never rejects. */
async function executeOne(call: ToolCall, tools: ReadonlyMap<string, AgentTool>, controller: AbortController): Promise<ToolResult> {
  const base = { id: call.id, name: call.name };
  const fail = (message: string): ToolResult => ({ ...base, result: message, isError: true });
  const tool = tools.get(call.name);
  if (tool === undefined) {
    return fail(`Unknown tool "${call.name}". The available tools are: ${[...tools.keys()].join(", ")}.`);
  }
  if (call.argumentsError !== undefined) {
    return fail(`The arguments of "${call.name}" are not a JSON object (${JSON.stringify(call.argumentsText ?? "")}); the tool was not run.`);
  }
  const checked = tool.check(call.arguments);
  if (!checked.ok) return fail(`Invalid arguments for "${call.name}": ${checked.message}. The tool was not run.`);
  const execute = tool.execute;
  if (execute === undefined) return fail(`Tool "${call.name}" cannot be run by the agent.`);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const gaveUp = new Promise<never>((_, reject) => {
    const onAbort = () => reject(controller.signal.reason);
    controller.signal.addEventListener("abort", onAbort, { once: true });
    if (tool.timeout !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error(`timed out after ${tool.timeout} ms`));
      }, tool.timeout);
    }
  });
  gaveUp.catch(() => {}); // settled by whichever comes first; never an unhandled rejection
  try {
    const value = await Promise.race([Promise.resolve().then(() => execute(checked.value, { signal: controller.signal, toolCallId: call.id })), gaveUp]);
    return { ...base, result: value };
  } catch (error) {
    if (timedOut) return fail(`Tool "${call.name}" timed out after ${tool.timeout} ms.`);
    const message = error instanceof Error ? error.message : String(error);
    return fail(`Tool "${call.name}" failed: ${message}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
