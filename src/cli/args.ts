/**
 * The command line's grammar, as two tables: FLAGS (every flag, its kind and help) and COMMANDS (each command
 * and the flags it accepts). Adding a flag is one FLAGS entry plus its name in a command's `flags` (its value
 * then appears, typed and camelCased, in `Flags`); adding a command is one COMMANDS entry plus its case in
 * main.ts. Parsing, validation, the "not an option of" errors and `--help` all read the tables.
 */
import { parseArgs } from "node:util";
import { ConfigurationError } from "../stream/errors.js";

/** One flag: `string` and `number` take a value (`--flag V` or `--flag=V`), `boolean` takes none, `list` is a string given any number of times. */
export interface FlagSpec {
  kind: "string" | "number" | "boolean" | "list";
  /** The value's placeholder in help, e.g. "MS". */
  value?: string;
  help: string;
  /** The library option it sets, when not the flag's camelCase name; a library error naming it names the flag. */
  option?: string;
  /** The only values a string flag takes. */
  choices?: readonly string[];
}

/** Every flag of every command. */
export const FLAGS = {
  provider: { kind: "string", value: "P", help: "openai | anthropic | ollama | mock (detected from --model when omitted)" },
  model: { kind: "string", value: "M", help: "model name, e.g. gpt-4o-mini, claude-3-5-sonnet-latest, llama3.2" },
  "base-url": { kind: "string", value: "U", help: "any server speaking the provider's protocol (e.g. a local OpenAI-compatible one)" },
  timeout: { kind: "number", value: "MS", help: "give up when the provider is silent this long" },
  offline: { kind: "boolean", help: "use the built-in emulator even when an API key or a server is configured" },
  api: { kind: "string", value: "A", help: "openai only: responses (the Responses API) or chat (Chat Completions); default by model", choices: ["responses", "chat"] },
  temperature: { kind: "number", value: "T", help: "0 to 2" },
  "max-tokens": { kind: "number", value: "N", help: "limit the answer's length" },
  system: { kind: "string", value: "TEXT", help: "system instructions", option: "instructions" },
  thinking: { kind: "boolean", help: "ask the model to reason (Anthropic, Ollama); shown dimmed on a terminal" },
  json: { kind: "boolean", help: "write one JSON chunk per line instead of text" },
  tools: { kind: "boolean", help: "offer the model two demo tools (the time, a calculator) and run them as it asks" },
  port: { kind: "number", value: "N", help: "port to listen on (0 picks a free one)" },
  host: { kind: "string", value: "H", help: "address to bind (default 127.0.0.1)" },
  "ttft-ms": { kind: "number", value: "MS", help: "time to first token (default 30)" },
  tps: { kind: "number", value: "N", help: "tokens per second (default 200; 0 = no delay)" },
  fault: { kind: "string", value: "ITEMS", help: "a fault for every chat request, in x-emulator-fault's grammar, e.g. status=429,fail-first=1" },
  "require-key": { kind: "string", value: "KEY", help: "answer 401 unless a request carries this API key", option: "requireApiKey" },
  recover: { kind: "boolean", help: "continue an answer whose stream breaks (error, dropped connection, idle timeout) from where it stopped" },
  fallback: { kind: "list", value: "P:M", help: "hand over to this provider:model when the provider fails (repeatable, in order), e.g. ollama:llama3.2", option: "fallbacks" },
} as const satisfies Record<string, FlagSpec>;

/** A flag's name, e.g. "max-tokens". */
export type FlagName = keyof typeof FLAGS;

type CamelCase<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<CamelCase<B>>}` : S;
type ValueOf<K> = K extends "boolean" ? boolean : K extends "number" ? number : K extends "list" ? string[] : string;

/** Parsed flag values by camelCase name (`--max-tokens 5` → `{ maxTokens: 5 }`); only flags that were given. */
export type Flags = { -readonly [F in FlagName as CamelCase<F>]?: ValueOf<(typeof FLAGS)[F]["kind"]> };

/** The flags every command that talks to a model accepts. */
const PROVIDER_FLAGS = ["provider", "model", "base-url", "timeout", "offline", "api"] as const satisfies readonly FlagName[];

/** One command: what `--help` says and which flags it accepts. */
interface CommandSpec {
  usage: string;
  summary: string;
  flags: readonly FlagName[];
  /** The name of its one optional positional argument, if it takes one. */
  positional?: string;
  /** More help after the flags, for `agenticraft help <command>`. */
  details?: string;
}

/** The prompt `agenticraft stream` answers when given none (what `npm start` shows). */
export const DEFAULT_PROMPT = "Explain in three sentences why streaming makes LLM apps feel fast.";

const EMULATOR_DETAILS = `Per request, headers script and break the emulator (each overrides --fault, --ttft-ms, --tps):
  x-emulator-fault: ITEMS     comma-separated: status=400..599, retry-after=S, retry-after-ms=MS,
                              fail-first=K (only the first K attempts get the status or mid-stream fault;
                              key=NAME names the counter),
                              delay-headers=MS, delay-first-byte=MS, stall-after=N [stall-ms=MS],
                              drop-after=N, error-after=N, malformed-after=N (N = content chunks sent first)
  x-emulator-reply: JSON      the answer, e.g. {"text":"Hi","toolCalls":[{"name":"f","arguments":{}}]}
  x-emulator-ttft-ms: MS      time to first token
  x-emulator-tps: N           tokens per second (0 = no delay)
  x-emulator-bench: chunks=N  N short pre-encoded text chunks, no delay

Base URLs: OpenAI http://HOST:PORT/v1, Anthropic and Ollama http://HOST:PORT. In code, the same server with
scripted answers: import { startEmulator } from "agenticraft/emulator" (README, section "Emulator").
`;

/** Every command: adding one is an entry here and a case in main.ts. */
export const COMMANDS = {
  stream: {
    usage: 'agenticraft stream ["prompt"] [options]',
    summary: "stream an answer (a built-in prompt when none is given)",
    flags: [...PROVIDER_FLAGS, "temperature", "max-tokens", "system", "thinking", "json", "tools", "recover", "fallback"],
    positional: "prompt",
  },
  info: {
    usage: "agenticraft info [options]",
    summary: "show the provider and model a stream would use, and what they can do",
    flags: PROVIDER_FLAGS,
  },
  emulator: {
    usage: "agenticraft emulator [--port 4010] [options]",
    summary: "serve the OpenAI, Anthropic and Ollama wire formats locally",
    flags: ["port", "host", "ttft-ms", "tps", "fault", "require-key"],
    details: EMULATOR_DETAILS,
  },
  serve: {
    usage: "agenticraft serve [--port 8787] [options]",
    summary: "SSE endpoints and a live playground page, streams resumable (REDIS_URL: shared by every instance)",
    flags: [...PROVIDER_FLAGS, "port", "host", "temperature", "max-tokens", "system", "thinking", "tools", "recover", "fallback"],
  },
} as const satisfies Record<string, CommandSpec>;

/** A command's name. */
export type CommandName = keyof typeof COMMANDS;

/** Options of `agenticraft stream`. */
export interface StreamArgs extends Flags {
  prompt: string;
  json: boolean;
  thinking: boolean;
  /** Use the built-in emulator even when an API key is set. */
  offline: boolean;
  /** Offer the model the demo tools (the time, a calculator). */
  tools?: boolean;
}

/** Options of the commands that talk to a model without a prompt (`info`, and any like it). */
export type ProviderArgs = Flags & { offline: boolean };

/** Options of `agenticraft serve`: the provider flags of `stream`, and where to listen (default 127.0.0.1:8787). */
export type ServeArgs = ProviderArgs;

/** The parsed command line: `stream` has its prompt; every other command, its flags. */
export type Command =
  | { name: "stream"; args: StreamArgs }
  | { name: Exclude<CommandName, "stream">; args: ProviderArgs }
  | { name: "help"; topic?: CommandName }
  | { name: "version" };

/** The whole help, or one command's, built from the tables. */
export function helpText(topic?: CommandName): string {
  const names = topic === undefined ? (Object.keys(COMMANDS) as CommandName[]) : [topic];
  const out: string[] = [];
  if (topic === undefined) {
    out.push("agenticraft — stream LLM answers token by token", "", "Usage:");
    for (const name of names) out.push(`  ${COMMANDS[name].usage.padEnd(50)} ${COMMANDS[name].summary}`);
    out.push(`  ${"agenticraft --help | <command> --help | --version".padEnd(50)} this help, a command's help, the version`);
  } else {
    out.push(`${COMMANDS[topic].usage}`, `  ${COMMANDS[topic].summary}`);
  }
  for (const name of names) {
    const spec: CommandSpec = COMMANDS[name];
    out.push("", `${name} options:`);
    for (const flag of spec.flags) {
      const f: FlagSpec = FLAGS[flag];
      out.push(`  ${`--${flag}${f.value === undefined ? "" : ` ${f.value}`}`.padEnd(20)} ${f.help}`);
    }
    if (topic !== undefined && spec.details !== undefined) out.push("", spec.details.trimEnd());
  }
  out.push(
    "",
    "With no API key (OPENAI_API_KEY, ANTHROPIC_API_KEY) and no --base-url, or for Ollama with no server at",
    "OLLAMA_HOST or 127.0.0.1:11434, stream and info use the built-in emulator over loopback, through the same",
    "provider code a real API uses. OPENAI_BASE_URL and ANTHROPIC_BASE_URL are read as the official SDKs do.",
    "Exit codes: 0 done, 1 provider or stream failure, 2 bad usage, 130 interrupted (Ctrl-C).",
  );
  return `${out.join("\n")}\n`;
}

/** The whole help (what `agenticraft --help` prints). */
export const HELP = helpText();

/** Parses argv (without node and the script); throws a `ConfigurationError` naming the bad flag or argument. */
export function parseCommand(argv: string[]): Command {
  // Tokens only (strict: false): the checks below say what is wrong in the CLI's own words, per command.
  const { tokens } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      ...Object.fromEntries(Object.entries(FLAGS).map(([name, f]) => [name, { type: f.kind === "boolean" ? "boolean" : "string" } as const])),
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const positionals: string[] = [];
  const given: Array<{ name: string; raw: string; value: string | undefined; inline: boolean }> = [];
  let help = false;
  let version = false;
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    else if (token.kind === "option") {
      if (token.name === "help" || token.name === "h") help = true;
      else if (token.name === "version" || token.name === "v") version = true;
      else given.push({ name: token.name, raw: token.rawName, value: token.value, inline: token.inlineValue === true });
    }
  }
  const [first, ...rest] = positionals;
  if (version) return { name: "version" };
  if (first === "help") return { name: "help", ...topicOf(rest[0]) };
  if (first === undefined) {
    if (given.length > 0) {
      const flag = given[0]!;
      const owner = (Object.keys(COMMANDS) as CommandName[]).find((c) => (COMMANDS[c].flags as readonly string[]).includes(flag.name)) ?? "stream";
      throw new ConfigurationError("command", `a command comes first, e.g. agenticraft ${owner} ${flag.raw}`);
    }
    return { name: "help" };
  }
  if (!isCommand(first)) throw new ConfigurationError("command", `unknown command "${first}"; the commands are ${Object.keys(COMMANDS).join(", ")}`);
  if (help) return { name: "help", topic: first };
  const spec: CommandSpec = COMMANDS[first];
  const flags = readFlags(first, spec, given);
  const maxPositionals = spec.positional === undefined ? 0 : 1;
  if (rest.length > maxPositionals) {
    throw new ConfigurationError(
      "command",
      spec.positional === undefined
        ? `"${first}" takes no argument, got ${JSON.stringify(rest[0])}`
        : `"${first}" takes one ${spec.positional}; quote it as one argument, e.g. agenticraft ${first} "why is the sky blue?"`,
    );
  }
  if (first !== "stream") return { name: first, args: { ...flags, offline: flags.offline ?? false } };
  const prompt = rest[0] ?? DEFAULT_PROMPT;
  if (prompt === "") throw new ConfigurationError("prompt", "the prompt is empty; give one, or none for the built-in prompt");
  return { name: "stream", args: { ...flags, prompt, json: flags.json ?? false, thinking: flags.thinking ?? false, offline: flags.offline ?? false } };
}

/**
 * The message for a usage error: a flag's own name wherever the error names one (a library option such as
 * "maxTokens" becomes "--max-tokens"), never Node's parser text.
 */
export function usageMessage(error: ConfigurationError): string {
  const problem = error.message.replace(/^Invalid option "[^"]*": /, "");
  if (error.option.startsWith("--")) return `${error.option} ${problem}`;
  if (error.option === "command" || error.option === "prompt") return problem;
  const flag = flagForOption(error.option.replace(/\[\d+\].*$/, "")); // "fallbacks[1].model" → --fallback
  return flag === undefined ? error.message : `--${flag} ${problem}`;
}

/** The flag that sets a library option, e.g. "maxTokens" → "max-tokens", "instructions" → "system". */
export function flagForOption(option: string): FlagName | undefined {
  return (Object.keys(FLAGS) as FlagName[]).find((flag) => {
    const spec: FlagSpec = FLAGS[flag];
    return (spec.option ?? camelCase(flag)) === option;
  });
}

function readFlags(command: CommandName, spec: CommandSpec, given: Array<{ name: string; raw: string; value: string | undefined; inline: boolean }>): Flags {
  const flags: Record<string, string | number | boolean | string[]> = {};
  for (const { name, raw, value, inline } of given) {
    if (!isFlag(name) || raw !== `--${name}`) {
      throw new ConfigurationError(raw, `is not an option of "${command}"; its options are ${spec.flags.map((f) => `--${f}`).join(", ")}`);
    }
    if (!spec.flags.includes(name)) {
      const owners = (Object.keys(COMMANDS) as CommandName[]).filter((c) => (COMMANDS[c].flags as readonly FlagName[]).includes(name));
      throw new ConfigurationError(raw, `is not an option of "${command}" (it belongs to ${owners.join(", ")})`);
    }
    const flag: FlagSpec = FLAGS[name];
    const key = camelCase(name);
    if (key in flags && flag.kind !== "list") throw new ConfigurationError(raw, "is given twice");
    if (flag.kind === "boolean") {
      if (inline) throw new ConfigurationError(raw, `takes no value, got ${JSON.stringify(value)}`);
      flags[key] = true;
      continue;
    }
    if (value === undefined) throw new ConfigurationError(raw, `needs a value${flag.value === undefined ? "" : ` (${raw} ${flag.value})`}`);
    if (flag.kind === "number") {
      const number = Number(value);
      if (value.trim() === "" || !Number.isFinite(number)) throw new ConfigurationError(raw, `must be a number, got ${JSON.stringify(value)}`);
      flags[key] = number;
    } else if (flag.kind === "list") {
      if (value.trim() === "") throw new ConfigurationError(raw, `needs a value${flag.value === undefined ? "" : ` (${raw} ${flag.value})`}`);
      flags[key] = [...((flags[key] as string[] | undefined) ?? []), value];
    } else {
      if (flag.choices !== undefined && !flag.choices.includes(value)) {
        throw new ConfigurationError(raw, `must be one of ${flag.choices.join(", ")}, got ${JSON.stringify(value)}`);
      }
      flags[key] = value;
    }
  }
  return flags as Flags;
}

function topicOf(name: string | undefined): { topic?: CommandName } {
  if (name === undefined) return {};
  if (!isCommand(name)) throw new ConfigurationError("command", `unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(", ")}`);
  return { topic: name };
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function isFlag(name: string): name is FlagName {
  return Object.hasOwn(FLAGS, name);
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
