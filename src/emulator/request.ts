/**
 * Reads a chat request of any of the three protocols into one neutral view, so choosing and shaping the
 * answer never branches on the protocol. Request bodies are untyped JSON: every read is defensive.
 */
import type { EmulatorProtocol, EmulatorToolResult } from "./types.js";
import { readOfferedTools, type OfferedTool } from "./tool-arguments.js";
import { asArray, asNumber, asRecord, asString } from "./util.js";

/** What the answer depends on, whatever protocol the request used. */
export interface Conversation {
  protocol: EmulatorProtocol;
  model: string;
  /** Text of the last user message that is not only tool results: what rules match against. */
  prompt: string;
  /** Tool results sent back since that message, one array per round; empty unless the request ends with results. */
  toolRounds: EmulatorToolResult[][];
  /** ≈ words in the system prompt, messages and tool results. */
  promptTokens: number;
  thinkingRequested: boolean;
  /** Output token limit when the request sets one. */
  maxTokens: number | undefined;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`; always true for the other protocols. */
  includeUsage: boolean;
  /** Ollama: a request without messages only loads the model. */
  loadOnly: boolean;
  /** The tools the request offers. */
  tools: OfferedTool[];
}

/** Words, the emulator's token unit: deterministic and close enough to real counts for tests. */
export function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** Text of a string or of an array of `{type:"text",text}` parts. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((part) => {
      const p = asRecord(part);
      return p?.type === "text" ? (asString(p.text) ?? "") : "";
    })
    .join("");
}

/** Reads the request body of `protocol` into a {@link Conversation}. */
export function readConversation(protocol: EmulatorProtocol, body: Record<string, unknown>): Conversation {
  const read = protocol === "anthropic" ? readAnthropic(body) : readToolRoleMessages(protocol, body);
  return {
    protocol,
    model: asString(body.model) ?? "",
    ...read,
    ...requestFlags(protocol, body),
    tools: readOfferedTools(protocol, body),
  };
}

type MessagesView = Pick<Conversation, "prompt" | "toolRounds" | "promptTokens" | "loadOnly">;

/** OpenAI and Ollama: tool results are messages with `role:"tool"`. */
function readToolRoleMessages(protocol: EmulatorProtocol, body: Record<string, unknown>): MessagesView {
  const messages = asArray(body.messages).map((m) => asRecord(m) ?? {});
  let tokens = 0;
  let lastUser = -1;
  messages.forEach((m, i) => {
    tokens += countTokens(textOf(m.content));
    if (m.role === "user") lastUser = i;
  });
  const names = new Map<string, string>();
  // Older Ollama clients send neither id nor tool_name: then results answer the calls in order.
  let callOrder: Array<string | undefined> = [];
  const rounds: EmulatorToolResult[][] = [];
  let previousRole: unknown;
  for (const m of messages.slice(lastUser + 1)) {
    if (m.role === "assistant") {
      callOrder = asArray(m.tool_calls).map((call) => {
        const c = asRecord(call);
        const name = asString(asRecord(c?.function)?.name);
        const id = asString(c?.id);
        if (id !== undefined && name !== undefined) names.set(id, name);
        return name;
      });
    } else if (m.role === "tool") {
      if (previousRole !== "tool") rounds.push([]);
      const round = rounds[rounds.length - 1] ?? [];
      const id = asString(m.tool_call_id);
      const result: EmulatorToolResult = { content: textOf(m.content) };
      if (id !== undefined) result.id = id;
      const byId = id === undefined ? undefined : names.get(id);
      const name = asString(m.tool_name) ?? asString(m.name) ?? byId ?? callOrder[round.length];
      if (name !== undefined) result.name = name;
      round.push(result);
    }
    previousRole = m.role;
  }
  const endsWithResults = messages.at(-1)?.role === "tool";
  return {
    prompt: lastUser >= 0 ? textOf(messages[lastUser]?.content) : "",
    toolRounds: endsWithResults ? rounds : [],
    promptTokens: tokens,
    loadOnly: protocol === "ollama" && messages.length === 0,
  };
}

/** Anthropic: tool results are `tool_result` blocks inside a user message; the system prompt is top-level. */
function readAnthropic(body: Record<string, unknown>): MessagesView {
  const messages = asArray(body.messages).map((m) => asRecord(m) ?? {});
  let tokens = countTokens(textOf(body.system));
  let lastUserText = -1;
  const resultsOf = (m: Record<string, unknown>) =>
    asArray(m.content)
      .map((b) => asRecord(b))
      .filter((b): b is Record<string, unknown> => b?.type === "tool_result");
  messages.forEach((m, i) => {
    tokens += countTokens(textOf(m.content));
    for (const r of resultsOf(m)) tokens += countTokens(textOf(r.content));
    if (m.role === "user" && textOf(m.content).length > 0) lastUserText = i;
  });
  const names = new Map<string, string>();
  const rounds: EmulatorToolResult[][] = [];
  for (const m of messages.slice(lastUserText + 1)) {
    for (const block of asArray(m.content)) {
      const b = asRecord(block);
      const id = asString(b?.id);
      const name = asString(b?.name);
      if (b?.type === "tool_use" && id !== undefined && name !== undefined) names.set(id, name);
    }
    const blocks = m.role === "user" ? resultsOf(m) : [];
    if (blocks.length === 0) continue;
    rounds.push(
      blocks.map((b) => {
        const id = asString(b.tool_use_id);
        const result: EmulatorToolResult = { content: textOf(b.content) };
        if (id !== undefined) result.id = id;
        const name = id === undefined ? undefined : names.get(id);
        if (name !== undefined) result.name = name;
        if (b.is_error === true) result.isError = true;
        return result;
      }),
    );
  }
  const last = messages.at(-1);
  const endsWithResults = last !== undefined && last.role === "user" && resultsOf(last).length > 0;
  return {
    prompt: lastUserText >= 0 ? textOf(messages[lastUserText]?.content) : "",
    toolRounds: endsWithResults ? rounds : [],
    promptTokens: tokens,
    loadOnly: false,
  };
}

/** Streaming, usage, reasoning and limit flags, each protocol with its own field names and defaults. */
function requestFlags(
  protocol: EmulatorProtocol,
  body: Record<string, unknown>,
): Pick<Conversation, "thinkingRequested" | "maxTokens" | "stream" | "includeUsage"> {
  if (protocol === "openai") {
    const effort = asString(body.reasoning_effort);
    return {
      thinkingRequested: effort !== undefined && effort !== "none",
      maxTokens: asNumber(body.max_completion_tokens) ?? asNumber(body.max_tokens),
      stream: body.stream === true,
      includeUsage: body.stream !== true || asRecord(body.stream_options)?.include_usage === true,
    };
  }
  if (protocol === "anthropic") {
    const type = asRecord(body.thinking)?.type;
    return {
      thinkingRequested: type === "enabled" || type === "adaptive",
      maxTokens: asNumber(body.max_tokens),
      stream: body.stream === true,
      includeUsage: true,
    };
  }
  // Ollama streams unless told not to, and `think` is a boolean or a level name.
  const predict = asNumber(asRecord(body.options)?.num_predict);
  return {
    thinkingRequested: body.think === true || (typeof body.think === "string" && body.think !== "false"),
    maxTokens: predict !== undefined && predict > 0 ? predict : undefined,
    stream: body.stream !== false,
    includeUsage: true,
  };
}
