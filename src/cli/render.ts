import type { StreamChunk, Usage } from "../stream/chunk.js";

/** Where the CLI writes; a terminal gets colours and thinking, a pipe gets the plain answer. */
export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

const DIM = "\x1b[2m";
const CYAN = "\x1b[36m";
const RESET = "\x1b[0m";

/** Writes chunks as they arrive: text as is; thinking dimmed and tool calls shown on a terminal only. */
export class ChunkRenderer {
  readonly #out: Output;
  readonly #json: boolean;
  #inThinking = false;
  #endsWithNewline = true;

  constructor(out: Output, json: boolean) {
    this.#out = out;
    this.#json = json;
  }

  render(chunk: StreamChunk): void {
    if (this.#json) {
      this.#out.write(`${JSON.stringify(chunk)}\n`);
      return;
    }
    switch (chunk.type) {
      case "text":
        if (chunk.content.length === 0) return;
        this.#leaveThinking();
        this.#emit(chunk.content);
        return;
      case "thinking":
        if (!this.#out.isTTY || !chunk.metadata.thinking) return;
        if (!this.#inThinking) this.#out.write(DIM);
        this.#inThinking = true;
        this.#emit(chunk.metadata.thinking);
        return;
      case "tool_call": {
        if (!this.#out.isTTY) return;
        this.#leaveThinking();
        const call = chunk.metadata.toolCall;
        if (call !== undefined && "arguments" in call) {
          this.#emit(`${this.#endsWithNewline ? "" : "\n"}${CYAN}→ ${call.name}(${JSON.stringify(call.arguments)})${RESET}\n`);
        }
        return;
      }
      case "tool_result": {
        if (!this.#out.isTTY) return;
        const result = chunk.metadata.toolResult;
        if (result !== undefined) {
          const text = typeof result.result === "string" ? result.result : JSON.stringify(result.result);
          this.#emit(`${DIM}← ${result.name}${result.isError === true ? " failed" : ""}: ${text}${RESET}\n`);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Ends the answer with a newline so the shell prompt starts on its own line. */
  finish(): void {
    if (this.#json) return;
    this.#leaveThinking();
    if (!this.#endsWithNewline) this.#out.write("\n");
  }

  #leaveThinking(): void {
    if (!this.#inThinking) return;
    this.#inThinking = false;
    this.#out.write(`${RESET}${this.#endsWithNewline ? "" : "\n\n"}`);
    this.#endsWithNewline = true;
  }

  #emit(text: string): void {
    this.#out.write(text);
    this.#endsWithNewline = text.endsWith("\n");
  }
}

/** Timings of one streamed answer, measured by the CLI. */
export interface StreamStats {
  startedAt: number;
  firstChunkAt: number | undefined;
  endedAt: number;
  chunks: number;
  usage: Usage | undefined;
  outcome: "done" | "interrupted" | "failed";
}

/** One line: time to first chunk, chunks, tokens per second, duration. */
export function formatStatus(stats: StreamStats): string {
  const total = stats.endedAt - stats.startedAt;
  const parts: string[] = [];
  if (stats.outcome !== "done") parts.push(stats.outcome);
  parts.push(stats.firstChunkAt === undefined ? "no chunk" : `first chunk ${ms(stats.firstChunkAt - stats.startedAt)}`);
  parts.push(`${stats.chunks} chunks`);
  const tokens = stats.usage?.outputTokens;
  const streaming = stats.firstChunkAt === undefined ? 0 : stats.endedAt - stats.firstChunkAt;
  if (tokens !== undefined) {
    parts.push(`${tokens} tokens`);
    if (streaming > 0) parts.push(`${Math.round((tokens * 1000) / streaming)} tok/s`);
  }
  parts.push(`${(total / 1000).toFixed(2)} s`);
  return parts.join(" · ");
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
