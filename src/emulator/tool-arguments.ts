/**
 * The emulator's default tool call: when a request offers tools and no script says otherwise, it calls the
 * first one with arguments built from that tool's JSON Schema, so a tool loop runs offline end to end.
 */
import { asArray, asRecord, asString } from "./util.js";
import type { EmulatorProtocol } from "./types.js";

/** A tool a request offers: its name and its parameters' JSON Schema. */
export interface OfferedTool {
  name: string;
  parameters: Record<string, unknown>;
}

/** The tools of a request body, in each protocol's shape (OpenAI/Ollama `function`, Anthropic `input_schema`). */
export function readOfferedTools(protocol: EmulatorProtocol, body: Record<string, unknown>): OfferedTool[] {
  const out: OfferedTool[] = [];
  for (const entry of asArray(body.tools)) {
    const t = asRecord(entry);
    // Chat Completions nests the function; Anthropic and the Responses API put its fields on the tool itself.
    const fn = protocol === "anthropic" ? t : asRecord(t?.function) ?? t;
    const name = asString(fn?.name);
    if (name === undefined) continue;
    out.push({ name, parameters: asRecord(protocol === "anthropic" ? fn?.input_schema : fn?.parameters) ?? {} });
  }
  return out;
}

/**
 * A value that fits `schema`, the same every time: `default`, `const`, the first of `examples` or `enum`,
 * else one by type (every property of an object, one item of an array, the minimum of a number).
 */
export function valueFromSchema(schema: unknown, depth = 0): unknown {
  const s = asRecord(schema) ?? {};
  if ("default" in s) return s.default;
  if ("const" in s) return s.const;
  const examples = asArray(s.examples);
  if (examples.length > 0) return examples[0];
  const choices = asArray(s.enum);
  if (choices.length > 0) return choices[0];
  const alternatives = asArray(s.anyOf ?? s.oneOf);
  if (alternatives.length > 0) return valueFromSchema(alternatives[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "string":
      return s.format === "date-time" ? "2025-01-01T00:00:00Z" : "example";
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? s.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return depth > 4 ? [] : [valueFromSchema(s.items, depth + 1)];
    default: {
      if (depth > 4) return {};
      const props = asRecord(s.properties) ?? {};
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(props)) out[key] = valueFromSchema(sub, depth + 1);
      return out;
    }
  }
}

/** The arguments of the default call to `tool`. */
export function defaultToolArguments(tool: OfferedTool): Record<string, unknown> {
  const value = valueFromSchema({ type: "object", ...tool.parameters });
  return asRecord(value) ?? {};
}
