import { Validator } from "@cfworker/json-schema";
import { ConfigurationError } from "../stream/errors.js";
import type { JsonSchema, ToolDefinition } from "../providers/provider.js";

/** What `execute` gets besides the arguments. */
export interface ToolExecutionContext {
  /** Aborts when the stream is aborted or broken off, or when the tool's timeout passes. */
  signal: AbortSignal;
  /** The id of the call being answered. */
  toolCallId: string;
}

/** The structural part of a zod 4 schema this module uses (zod itself is an optional peer dependency). */
export interface ZodLikeSchema<T = unknown> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
  toJSONSchema?: () => Record<string, unknown>;
  _zod: unknown;
}

/** Arguments type of a tool: inferred from a zod schema, a plain record for a JSON Schema. */
type ArgsOf<P> = P extends ZodLikeSchema<infer T> ? T : Record<string, unknown>;

/** What `tool()` takes. */
export interface ToolSpec<P extends ZodLikeSchema | JsonSchema = JsonSchema, R = unknown> {
  name: string;
  description?: string;
  /** A zod 4 schema or a plain JSON Schema object of the arguments. */
  parameters: P;
  /** Runs the tool; without it the stream ends at the call, for the caller to run. */
  execute?: (args: ArgsOf<P>, context: ToolExecutionContext) => R | Promise<R>;
  /** Milliseconds `execute` may take before its result is an error (default: no limit). */
  timeout?: number;
}

/** The outcome of checking arguments against a tool's schema. */
export type ArgumentCheck = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** A tool the agent can run: a definition for the provider plus validation and `execute`. */
export interface AgentTool extends ToolDefinition {
  /** Checks (and, for zod, parses) the arguments; never throws. */
  readonly check: (args: Record<string, unknown>) => ArgumentCheck;
  readonly execute?: (args: Record<string, unknown>, context: ToolExecutionContext) => unknown;
  readonly timeout?: number;
}

/** Names every provider accepts (OpenAI's rule is the strictest). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Defines a tool the agent runs while it streams; `parameters` is a zod 4 schema or a JSON Schema object. */
export function tool<P extends ZodLikeSchema | JsonSchema, R>(spec: ToolSpec<P, R>): AgentTool {
  return toAgentTool(spec as ToolSpec<ZodLikeSchema | JsonSchema, unknown>, "tool");
}

/** Turns what `tools` holds (tool() results, plain definitions with or without `execute`) into runnable tools. */
export function toAgentTools(tools: readonly (ToolDefinition | AgentTool)[]): AgentTool[] {
  const seen = new Set<string>();
  return tools.map((t, i) => {
    const agentTool = isAgentTool(t) ? t : toAgentTool(t as ToolSpec<ZodLikeSchema | JsonSchema, unknown>, `tools[${i}]`);
    if (seen.has(agentTool.name)) throw new ConfigurationError(`tools[${i}].name`, `duplicate tool name ${JSON.stringify(agentTool.name)}`);
    seen.add(agentTool.name);
    return agentTool;
  });
}

/** The definition a provider is sent: name, description, JSON Schema. */
export function toDefinition(t: AgentTool): ToolDefinition {
  return t.description === undefined ? { name: t.name, parameters: t.parameters } : { name: t.name, description: t.description, parameters: t.parameters };
}

const CHECKED = new WeakSet<object>();

function isAgentTool(value: unknown): value is AgentTool {
  return typeof value === "object" && value !== null && CHECKED.has(value);
}

function toAgentTool(spec: ToolSpec<ZodLikeSchema | JsonSchema, unknown>, where: string): AgentTool {
  if (typeof spec !== "object" || spec === null) throw new ConfigurationError(where, "must be an object with name and parameters");
  const { name, description, parameters, execute, timeout } = spec;
  if (typeof name !== "string" || !TOOL_NAME.test(name)) {
    throw new ConfigurationError(`${where}.name`, `must be 1-64 letters, digits, _ or -, got ${JSON.stringify(name)}`);
  }
  if (description !== undefined && typeof description !== "string") throw new ConfigurationError(`${where}.description`, "must be a string");
  if (execute !== undefined && typeof execute !== "function") throw new ConfigurationError(`${where}.execute`, "must be a function");
  if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0 && Number.isFinite(timeout))) {
    throw new ConfigurationError(`${where}.timeout`, `must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  if (typeof parameters !== "object" || parameters === null) {
    throw new ConfigurationError(`${where}.parameters`, "must be a zod schema or a JSON Schema object");
  }
  const { schema, check } = isZod(parameters) ? fromZod(parameters, `${where}.parameters`) : fromJsonSchema(parameters, `${where}.parameters`);
  const out: AgentTool = {
    name,
    parameters: schema,
    check,
    ...(description === undefined ? {} : { description }),
    ...(execute === undefined ? {} : { execute: execute as AgentTool["execute"] }),
    ...(timeout === undefined ? {} : { timeout }),
  };
  CHECKED.add(out);
  return Object.freeze(out);
}

function isZod(value: object): value is ZodLikeSchema {
  return "_zod" in value && typeof (value as { safeParse?: unknown }).safeParse === "function";
}

function fromZod(schema: ZodLikeSchema, where: string): { schema: JsonSchema; check: AgentTool["check"] } {
  if (typeof schema.toJSONSchema !== "function") {
    throw new ConfigurationError(where, "this zod schema cannot make a JSON Schema (zod ≥ 4.1 needed); pass a JSON Schema object instead");
  }
  let json: JsonSchema;
  try {
    json = schema.toJSONSchema();
  } catch (error) {
    throw new ConfigurationError(where, `this zod schema has no JSON Schema form: ${(error as Error).message}`, { cause: error });
  }
  const { $schema: _dialect, ...rest } = json;
  if (rest["type"] !== "object") throw new ConfigurationError(where, "must describe an object (z.object(…))");
  return {
    schema: rest,
    check(args) {
      const parsed = schema.safeParse(args);
      if (parsed.success) return { ok: true, value: parsed.data as Record<string, unknown> };
      const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
      return { ok: false, message: issues.join("; ") };
    },
  };
}

function fromJsonSchema(schema: JsonSchema, where: string): { schema: JsonSchema; check: AgentTool["check"] } {
  let validator: Validator;
  try {
    validator = new Validator(schema as ConstructorParameters<typeof Validator>[0], "2020-12", false);
  } catch (error) {
    throw new ConfigurationError(where, `is not a usable JSON Schema: ${(error as Error).message}`, { cause: error });
  }
  return {
    schema,
    check(args) {
      const outcome = validator.validate(args);
      if (outcome.valid) return { ok: true, value: args };
      // The leaf errors say what is wrong; the ones above them only say "does not match".
      const leaves = outcome.errors.filter((e) => !outcome.errors.some((o) => o !== e && o.instanceLocation.startsWith(`${e.instanceLocation}/`)));
      return { ok: false, message: leaves.map((e) => `${e.instanceLocation}: ${e.error}`).join("; ") };
    },
  };
}
