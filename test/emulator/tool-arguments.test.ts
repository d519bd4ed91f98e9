import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultToolArguments, readOfferedTools, valueFromSchema } from "../../src/emulator/tool-arguments.js";

test("arguments built from a schema fit it: defaults, enums, examples first, then one value per type", () => {
  assert.deepEqual(
    defaultToolArguments({
      name: "t",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string" },
          unit: { type: "string", enum: ["celsius", "fahrenheit"] },
          days: { type: "integer", minimum: 3 },
          when: { type: "string", format: "date-time" },
          tags: { type: "array", items: { type: "string", examples: ["news"] } },
          nested: { type: "object", properties: { on: { type: "boolean" }, n: { type: ["null", "number"] } } },
          tz: { type: "string", default: "UTC" },
          either: { anyOf: [{ type: "number" }, { type: "string" }] },
        },
      },
    }),
    { city: "example", unit: "celsius", days: 3, when: "2025-01-01T00:00:00Z", tags: ["news"], nested: { on: true, n: 1 }, tz: "UTC", either: 1 },
  );
  assert.deepEqual(valueFromSchema({ const: 7 }), 7);
  assert.deepEqual(defaultToolArguments({ name: "empty", parameters: {} }), {});
});

test("offered tools are read from each protocol's request shape", () => {
  const schema = { type: "object", properties: { q: { type: "string" } } };
  assert.deepEqual(readOfferedTools("openai", { tools: [{ type: "function", function: { name: "find", parameters: schema } }] }), [{ name: "find", parameters: schema }]);
  assert.deepEqual(readOfferedTools("ollama", { tools: [{ type: "function", function: { name: "find", parameters: schema } }] }), [{ name: "find", parameters: schema }]);
  assert.deepEqual(readOfferedTools("anthropic", { tools: [{ name: "find", input_schema: schema }, { nameless: true }] }), [{ name: "find", parameters: schema }]);
  assert.deepEqual(readOfferedTools("openai", {}), []);
});
