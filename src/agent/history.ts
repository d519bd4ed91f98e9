import type { ChatMessage } from "../providers/provider.js";

/** The conversation an agent keeps across calls: what was asked and what was answered. */
export class ConversationHistory {
  #messages: ChatMessage[] = [];

  /** The messages so far, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** Records one finished exchange; a failed call records nothing, so the history never holds half a turn. */
  addTurn(turn: readonly ChatMessage[]): void {
    this.#messages.push(...turn);
  }

  /** Forgets the conversation. */
  clear(): void {
    this.#messages = [];
  }
}
