/**
 * Continuing a partial answer, so a client that heals a broken stream gets exactly the rest of the answer
 * it would have had. Two request shapes are recognised, in all three protocols and in the Responses API's
 * `input` items (see {@link readResponsesContinuation}):
 *
 * - prefill: the last message is an assistant message with text. The answer continues from the end of that
 *   text, as Anthropic's Messages API does. (Anthropic refuses a final assistant message that ends in
 *   whitespace with a 400; so does the emulator on the Anthropic path.)
 * - instruction: the last message is a user message whose text starts with "Continue" and later says
 *   "where … stopped" (or "left off"), right after an assistant message. The answer continues from the end
 *   of that assistant text, as a model told to continue would. The header `x-emulator-restart-words: N`
 *   makes it restart N words earlier (word starts as overlap.ts counts them), like a model repeating its
 *   last words, so the client's overlap removal is exercised.
 *
 * The answer is computed from the conversation without those trailing messages (so the rules match the
 * original prompt); its text is then cut where the assistant text ends. When the assistant text is not a
 * beginning of that answer the whole answer is sent. A continuation never repeats the reasoning.
 */
import { badRequest } from "./errors.js";
import { splitIntoPieces, type Answer } from "./script.js";
import type { EmulatorProtocol } from "./types.js";
import { countTokens } from "./request.js";
import { asArray, asRecord, asString } from "./util.js";

/** A request that asks to continue a partial answer. */
export interface ContinuationRequest {
  form: "prefill" | "instruction";
  /** The assistant text the answer continues from. */
  prefix: string;
  /** The request body without the continuation messages: what the answer is built from. */
  body: Record<string, unknown>;
  /** Tokens of the continuation messages, counted as input as the real APIs do. */
  inputTokens: number;
}

const INSTRUCTION = /^\s*continue\b[\s\S]*\bwhere\b[\s\S]*\b(?:stopped|left off)\b/i;

/** Text of a message's content: a string, or the text parts/blocks of an array (thinking and tool blocks ignored). */
function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) => {
      const p = asRecord(part);
      // "output_text"/"input_text": the Responses API's message parts.
      return p?.type === "text" || p?.type === "output_text" || p?.type === "input_text" ? (asString(p.text) ?? "") : "";
    })
    .join("");
}

/** The continuation a request asks for, or undefined for an ordinary request. Throws a 400 for a prefill Anthropic refuses. */
export function readContinuation(protocol: EmulatorProtocol, body: Record<string, unknown>): ContinuationRequest | undefined {
  const messages = asArray(body.messages);
  const last = asRecord(messages.at(-1));
  if (last === undefined) return undefined;
  if (last.role === "assistant") {
    const prefix = textOf(last.content);
    if (prefix === undefined || prefix === "") return undefined;
    if (protocol === "anthropic" && /\s$/.test(prefix)) {
      throw badRequest("messages: final assistant content cannot end with trailing whitespace", "messages");
    }
    return { form: "prefill", prefix, body: { ...body, messages: messages.slice(0, -1) }, inputTokens: countTokens(prefix) };
  }
  const before = asRecord(messages.at(-2));
  if (last.role !== "user" || before?.role !== "assistant") return undefined;
  const instruction = textOf(last.content);
  if (instruction === undefined || !INSTRUCTION.test(instruction)) return undefined;
  const prefix = textOf(before.content) ?? "";
  return { form: "instruction", prefix, body: { ...body, messages: messages.slice(0, -2) }, inputTokens: countTokens(prefix) + countTokens(instruction) };
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/** The offset `words` word starts before `end` in `text` (the word `end` is in or just after counts as one). */
export function restartOffset(text: string, end: number, words: number): number {
  let at = end;
  for (let n = 0; n < words && at > 0; n++) {
    let i = at - 1;
    while (i > 0 && isSpace(text[i])) i--; // whitespace before the end belongs to the gap, not a word
    while (i > 0 && !isSpace(text[i - 1])) i--;
    at = i;
  }
  return at;
}

/** The rest of `answer` after the continuation's prefix (restarted `restartWords` earlier for the instruction form). */
export function continueAnswer(answer: Answer, continuation: ContinuationRequest | undefined, restartWords = 0): Answer {
  if (continuation === undefined) return answer;
  const full = answer.text;
  let start = full.startsWith(continuation.prefix) ? continuation.prefix.length : 0;
  if (continuation.form === "instruction" && start > 0 && restartWords > 0) start = restartOffset(full, start, restartWords);
  const text = full.slice(start);
  const textPieces = splitIntoPieces(text);
  const toolTokens = answer.toolCalls.reduce((n, c) => n + 1 + countTokens(JSON.stringify(c.arguments)), 0);
  return {
    ...answer,
    thinking: undefined,
    thinkingPieces: [],
    text,
    textPieces,
    inputTokens: answer.inputTokens + continuation.inputTokens,
    outputTokens: textPieces.length + toolTokens,
    reasoningTokens: 0,
  };
}

/** The continuation a Responses API request asks for (the same two shapes, over its `input` items; only the instruction form is sent by clients). */
export function readResponsesContinuation(body: Record<string, unknown>): ContinuationRequest | undefined {
  if (!Array.isArray(body.input)) return undefined;
  const found = readContinuation("openai", { messages: body.input });
  if (found === undefined) return undefined;
  return { ...found, body: { ...body, input: found.body.messages } };
}
