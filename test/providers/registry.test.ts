import { test } from "node:test";
import assert from "node:assert/strict";
import { createProvider, detectProvider, listProviders, registerProvider, ConfigurationError } from "../../src/index.js";
import { createMockProvider } from "../../src/providers/mock.js";

test("detectProvider maps model names to their provider", () => {
  const cases: Array<[string, string | undefined]> = [
    ["gpt-4o-mini", "openai"], ["gpt-4.1", "openai"], ["o1", "openai"], ["o3-mini", "openai"], ["o4-mini", "openai"],
    ["chatgpt-4o-latest", "openai"], ["claude-3-5-sonnet-latest", "anthropic"], ["claude-sonnet-4-5", "anthropic"],
    ["ollama/anything", "ollama"], ["llama3.2", "ollama"], ["mistral:7b", "ollama"], ["qwen3:8b", "ollama"],
    ["gemma2", "ollama"], ["phi3", "ollama"], ["deepseek-r1:8b", "ollama"], ["mock", "mock"],
    ["mystery", undefined], ["o10-nonsense", undefined],
  ];
  for (const [model, provider] of cases) assert.equal(detectProvider(model), provider, model);
});

test("createProvider makes a registered provider and names the choices for an unknown one", () => {
  assert.equal(createProvider("mock").name, "mock");
  assert.throws(() => createProvider("nope"), (e: unknown) => e instanceof ConfigurationError && /mock/.test(e.message));
});

test("registerProvider adds a provider that createProvider and listProviders then see", () => {
  registerProvider("custom-test", () => ({ ...createMockProvider(), name: "custom-test" }));
  assert.ok(listProviders().includes("custom-test"));
  assert.equal(createProvider("custom-test").name, "custom-test");
});
