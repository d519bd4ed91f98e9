import { parseArgs } from "node:util";
import { ConfigurationError } from "../stream/errors.js";

/** Options of `agenticraft stream`. */
export interface StreamArgs {
  prompt: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  timeout?: number;
  system?: string;
  json: boolean;
  thinking: boolean;
  /** Use the built-in emulator even when an API key is set. */
  offline: boolean;
}

/** Options of `agenticraft serve`: the provider flags of `stream`, and where to listen. */
export interface ServeArgs extends Omit<StreamArgs, "prompt" | "json"> {
  port: number;
  host: string;
}

/** The parsed command line. */
export type Command =
  | { name: "stream"; args: StreamArgs }
  | { name: "info"; args: Omit<StreamArgs, "prompt" | "json" | "thinking"> }
  | { name: "emulator"; port: number; host: string; ttftMs?: number; tps?: number }
  | { name: "serve"; args: ServeArgs }
  | { name: "help"; topic?: string }
  | { name: "version" };

/** The prompt `agenticraft stream` answers when given none (what `npm start` shows). */
export const DEFAULT_PROMPT = "Explain in three sentences why streaming makes LLM apps feel fast.";

export const HELP = `agenticraft — stream LLM answers token by token

Usage:
  agenticraft stream ["prompt"] [options]   stream an answer (a built-in prompt when none is given)
  agenticraft info [options]                show the detected provider and what it can do
  agenticraft emulator [--port 4010]        serve the OpenAI, Anthropic and Ollama wire formats locally
  agenticraft serve [--port 8787]           SSE endpoints and a live playground page (provider options as for stream;
                                            REDIS_URL keeps streams in Redis, shared by every instance)
  agenticraft --help | --version

Stream options:
  --provider P       openai | anthropic | ollama | mock (detected from --model when omitted)
  --model M          model name, e.g. gpt-4o-mini, claude-3-5-sonnet-latest, llama3.2
  --base-url U       any server speaking the provider's protocol (e.g. a local OpenAI-compatible server)
  --temperature T    0 to 2
  --max-tokens N     limit the answer's length
  --timeout MS       give up when the provider is silent this long
  --system TEXT      system instructions
  --thinking         ask the model to reason (Anthropic, Ollama); shown dimmed on a terminal
  --json             write one JSON chunk per line instead of text
  --offline          use the built-in emulator even when an API key is set

With no API key (OPENAI_API_KEY, ANTHROPIC_API_KEY) and no --base-url, the answer comes from the built-in
emulator over loopback, through the same provider code a real API uses.

Emulator options:
  --port N           port to listen on (default 4010; 0 picks a free one)
  --host H           address to bind (default 127.0.0.1)
  --ttft-ms MS       time to first token
  --tps N            tokens per second
`;

/** Parses argv (without node and the script); throws a `ConfigurationError` naming a bad option. */
export function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      provider: { type: "string" },
      model: { type: "string" },
      "base-url": { type: "string" },
      temperature: { type: "string" },
      "max-tokens": { type: "string" },
      timeout: { type: "string" },
      system: { type: "string" },
      json: { type: "boolean", default: false },
      thinking: { type: "boolean", default: false },
      offline: { type: "boolean", default: false },
      port: { type: "string" },
      host: { type: "string" },
      "ttft-ms": { type: "string" },
      tps: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const [name, ...rest] = positionals;
  if (values.version) return { name: "version" };
  if (values.help || name === "help") return { name: "help", ...(rest[0] === undefined ? {} : { topic: rest[0] }) };
  const common = {
    ...(values.provider === undefined ? {} : { provider: values.provider }),
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(values["base-url"] === undefined ? {} : { baseUrl: values["base-url"] }),
    ...optionalNumber("temperature", values.temperature, "temperature"),
    ...optionalNumber("max-tokens", values["max-tokens"], "maxTokens", true),
    ...optionalNumber("timeout", values.timeout, "timeout"),
    ...(values.system === undefined ? {} : { system: values.system }),
    offline: values.offline,
  };
  switch (name) {
    case undefined:
      return { name: "help" };
    case "stream":
      if (rest.length > 1) throw new ConfigurationError("prompt", "give the prompt as one quoted argument");
      return { name: "stream", args: { prompt: rest[0] ?? DEFAULT_PROMPT, json: values.json, thinking: values.thinking, ...common } };
    case "info":
      return { name: "info", args: common };
    case "emulator":
      return {
        name: "emulator",
        port: optionalNumber("port", values.port, "port", true).port ?? 4010,
        host: values.host ?? "127.0.0.1",
        ...optionalNumber("ttft-ms", values["ttft-ms"], "ttftMs"),
        ...optionalNumber("tps", values.tps, "tps"),
      };
    case "serve":
      return {
        name: "serve",
        args: { ...common, thinking: values.thinking, port: optionalNumber("port", values.port, "port", true).port ?? 8787, host: values.host ?? "127.0.0.1" },
      };
    default:
      throw new ConfigurationError("command", `unknown command "${name}"; run agenticraft --help`);
  }
}

function optionalNumber<K extends string>(flag: string, raw: string | undefined, key: K, integer = false): Partial<Record<K, number>> {
  if (raw === undefined) return {};
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(`--${flag}`, `expected ${integer ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`);
  }
  return { [key]: value } as Partial<Record<K, number>>;
}
