/**
 * Chooses what the emulated model says: a scripted reply or the built-in deterministic generator, followed
 * through tool-result rounds, cut to the request's token limit and split into token-sized pieces.
 */
import { countTokens, type Conversation } from "./request.js";
import type { EmulatorFinishReason, EmulatorReply, EmulatorScript, EmulatorToolResult } from "./types.js";
import { stableHash } from "./util.js";
import { defaultToolArguments } from "./tool-arguments.js";

/** A tool call ready to encode. */
export interface AnswerToolCall {
  id: string | undefined;
  name: string;
  arguments: Record<string, unknown>;
}

/** The answer to send, protocol-neutral; the format modules turn it into frames or a body. */
export interface Answer {
  /** Undefined when the request did not ask for reasoning. */
  thinking: string | undefined;
  thinkingPieces: string[];
  text: string;
  textPieces: string[];
  toolCalls: AnswerToolCall[];
  finishReason: EmulatorFinishReason;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

/** The first rule of `script` whose `match` fits `prompt`, else its default, else undefined (use the generator). */
export function selectReply(script: EmulatorScript | undefined, prompt: string): EmulatorReply | undefined {
  for (const rule of script?.rules ?? []) {
    const m = rule.match;
    if (m === undefined) return rule.reply;
    if (typeof m === "string" ? prompt.toLowerCase().includes(m.toLowerCase()) : matchesRegExp(m, prompt)) {
      return rule.reply;
    }
  }
  return script?.default;
}

function matchesRegExp(re: RegExp, text: string): boolean {
  // A /g or /y RegExp keeps lastIndex between calls; reset it so a rule matches the same way every time.
  re.lastIndex = 0;
  return re.test(text);
}

/** Follows `afterToolResults` once per tool-result round, so a multi-step tool loop gets its scripted turns. */
export function replyForTurn(reply: EmulatorReply, toolRounds: EmulatorToolResult[][]): EmulatorReply {
  let current = reply;
  for (const results of toolRounds) {
    const next = current.afterToolResults;
    if (next !== undefined) current = typeof next === "function" ? next(results) : next;
    else if ((current.toolCalls?.length ?? 0) > 0) current = { text: defaultFollowUp(results) };
  }
  return current;
}

const STOP_WORDS = new Set(
  ("a an and are about as at be briefly but by can could describe do does explain for from give how i in is it " +
    "list me my of on one or please say sentence sentences should tell than that the this three to two what when " +
    "where which who why will with words would write you your")
    .split(" "),
);

/** Up to four content words of the prompt: what the default answer says it is about. */
function topicOf(prompt: string): string {
  const words = (prompt.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
  return words.length === 0 ? "your message" : words.slice(0, 4).join(" ");
}

function pick(options: readonly string[], seed: number): string {
  return options[seed % options.length] ?? "";
}

/** The built-in answer: a few sentences about the prompt's topic, the same for the same prompt. */
export function defaultAnswer(prompt: string): string {
  const topic = topicOf(prompt);
  const seed = stableHash(prompt);
  return [
    pick([`Here is a short answer about "${topic}".`, `You asked about "${topic}".`, `Let us talk about "${topic}".`], seed),
    pick(
      [
        "This reply comes from the agenticraft emulator, so no tokens were spent.",
        "The emulator builds it from your prompt, without calling any model.",
        "It is written by a local emulator that speaks the real wire protocols.",
      ],
      seed >>> 4,
    ),
    pick(
      [
        "Ask the same question again and you will get exactly these words.",
        "The same prompt always gets the same reply, which keeps tests stable.",
        "Script the emulator to get any other answer you need.",
      ],
      seed >>> 8,
    ),
  ].join(" ");
}

/** The built-in reasoning text, used when a request asks for thinking and the reply scripts none. */
export function defaultThinking(prompt: string): string {
  return `The user asks about ${topicOf(prompt)}. I will answer in a few short sentences.`;
}

function defaultFollowUp(results: EmulatorToolResult[]): string {
  const quoted = results.map((r) => `${r.name ?? "the tool"} returned ${JSON.stringify(r.content)}`).join("; ");
  return `Based on the tool results: ${quoted}.`;
}

/** Splits text into word-sized pieces (leading whitespace kept on each) whose concatenation is exactly `text`. */
export function splitIntoPieces(text: string): string[] {
  const pieces: string[] = Array.from(text.match(/\s*\S+/g) ?? []);
  const consumed = pieces.reduce((n, p) => n + p.length, 0);
  const tail = text.slice(consumed);
  if (tail.length > 0) {
    if (pieces.length === 0) pieces.push(tail);
    else pieces[pieces.length - 1] += tail;
  }
  return pieces;
}

/** Splits a tool call's argument JSON into fragments of a few characters, never inside a code point. */
export function splitArguments(json: string, size = 8): string[] {
  const chars = Array.from(json);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

/**
 * The reply when no script gives one: with tools offered, a call to the first tool with arguments built from
 * its schema (then, after its result, the default follow-up); without, the built-in generator.
 */
function defaultReply(conversation: Conversation): EmulatorReply {
  const first = conversation.tools[0];
  if (first === undefined) return {};
  return { toolCalls: [{ name: first.name, arguments: defaultToolArguments(first) }] };
}

/** The answer for this request: the reply (or generator) resolved for this turn, with usage and limits applied. */
export function buildAnswer(reply: EmulatorReply | undefined, conversation: Conversation): Answer {
  const turn = replyForTurn(reply ?? defaultReply(conversation), conversation.toolRounds);
  const toolCalls = (turn.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  const text = turn.text ?? (toolCalls.length > 0 ? "" : defaultAnswer(conversation.prompt));
  const thinking = conversation.thinkingRequested ? (turn.thinking ?? defaultThinking(conversation.prompt)) : undefined;
  let thinkingPieces = thinking === undefined ? [] : splitIntoPieces(thinking);
  let textPieces = splitIntoPieces(text);
  let finishReason: EmulatorFinishReason = turn.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
  const limit = conversation.maxTokens;
  if (limit !== undefined && thinkingPieces.length + textPieces.length > limit) {
    // Like a real model hitting max_tokens: the output stops mid-answer and no tool call is made.
    thinkingPieces = thinkingPieces.slice(0, limit);
    textPieces = textPieces.slice(0, Math.max(0, limit - thinkingPieces.length));
    toolCalls.length = 0;
    finishReason = "length";
  }
  const toolTokens = toolCalls.reduce((n, c) => n + 1 + countTokens(JSON.stringify(c.arguments)), 0);
  return {
    thinking: thinking === undefined ? undefined : thinkingPieces.join(""),
    thinkingPieces,
    text: textPieces.join(""),
    textPieces,
    toolCalls,
    finishReason,
    inputTokens: conversation.promptTokens,
    outputTokens: thinkingPieces.length + textPieces.length + toolTokens,
    reasoningTokens: thinkingPieces.length,
  };
}
