import type { ToolResult } from "../stream/chunk.js";
import type { ChatMessage, CompletionResult } from "../providers/provider.js";

/** The conversation an agent keeps across calls: whole turns (user, assistant with tool calls, tool results, answer). */
export class ConversationHistory {
  #messages: ChatMessage[] = [];

  /** The messages so far, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** Records one finished turn; a failed run records nothing, so the history never holds half a turn. */
  addTurn(turn: readonly ChatMessage[]): void {
    this.#messages.push(...turn);
  }

  /** Forgets the conversation. */
  clear(): void {
    this.#messages = [];
  }
}

/** The provider-neutral assistant message of one model answer (text, tool calls, thinking with its signature). */
export function assistantMessage(result: CompletionResult): ChatMessage {
  const message: ChatMessage = { role: "assistant", content: result.content };
  if (result.toolCalls.length > 0) message.toolCalls = result.toolCalls;
  if (result.thinking !== undefined || result.redactedThinking !== undefined) {
    message.thinking = { text: result.thinking ?? "" };
    if (result.thinkingSignature !== undefined) message.thinking.signature = result.thinkingSignature;
    if (result.redactedThinking !== undefined) message.thinking.redacted = result.redactedThinking;
  }
  return message;
}

/** The `tool` message answering one call: the result as text (JSON unless it is a string). */
export function toolMessage(result: ToolResult): ChatMessage {
  const message: ChatMessage = { role: "tool", content: toolResultText(result.result), toolCallId: result.id, toolName: result.name };
  if (result.isError === true) message.isError = true;
  return message;
}

/** What the model reads of a tool's result. */
export function toolResultText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
