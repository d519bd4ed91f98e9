/** A missing API key is visible before any request; setProvider's rule for what it keeps and what it resets. */
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Agent, ConfigurationError, createMockProvider } from "../../src/index.js";

// This file owns its process's environment: no key and no base URL unless a test sets one.
beforeEach(() => {
  for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_HOST"]) delete process.env[name];
});

/** Runs `fn` and returns the Anthropic warnings it emitted (process.emitWarning reports on the next tick). */
async function warningsOf(fn: () => void): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (warning: Error) => {
    if (warning.message.startsWith("anthropic")) seen.push(warning);
  };
  process.on("warning", listener);
  try {
    fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

test("getProviderInfo says whether a key is set and whether the provider needs one", () => {
  const bare = new Agent({ model: "gpt-4o-mini" }).getProviderInfo();
  assert.deepEqual([bare.hasApiKey, bare.apiKeyRequired], [false, true]);
  const given = new Agent({ model: "gpt-4o-mini", apiKey: "sk-given" }).getProviderInfo();
  assert.deepEqual([given.hasApiKey, given.apiKeyRequired], [true, true]);
  const local = new Agent({ model: "gpt-4o-mini", baseUrl: "http://127.0.0.1:8000/v1" }).getProviderInfo();
  assert.deepEqual([local.hasApiKey, local.apiKeyRequired], [false, false], "another server needs no key");
  const ollama = new Agent({ provider: "ollama" }).getProviderInfo();
  assert.deepEqual([ollama.hasApiKey, ollama.apiKeyRequired], [false, false]);
  process.env["ANTHROPIC_API_KEY"] = "sk-ant-env";
  assert.equal(new Agent({ provider: "anthropic" }).getProviderInfo().hasApiKey, true);
});

test("the constructor warns once (AGENTICRAFT_NO_API_KEY) when the provider needs a key it lacks; a key set later is used", async () => {
  let agent: Agent | undefined;
  const first = await warningsOf(() => (agent = new Agent({ provider: "anthropic" })));
  assert.equal(first.length, 1);
  assert.equal((first[0] as Error & { code?: string }).code, "AGENTICRAFT_NO_API_KEY");
  assert.match(first[0]!.message, /anthropic needs an API key: pass apiKey or set ANTHROPIC_API_KEY/);
  assert.deepEqual(await warningsOf(() => new Agent({ provider: "anthropic" })), [], "not repeated for every agent");
  assert.deepEqual(await warningsOf(() => new Agent({ provider: "anthropic", apiKey: "sk-ant" })), []);
  assert.deepEqual(await warningsOf(() => new Agent({ provider: "ollama" })), [], "Ollama needs no key");
  // The environment may be loaded after the agent is built (a dotenv call after the imports).
  process.env["ANTHROPIC_API_KEY"] = "sk-ant-later";
  assert.equal(agent!.getProviderInfo().hasApiKey, true);
});

test("setProvider to a provider that needs a key it lacks throws ConfigurationError naming apiKey, and keeps the old one", () => {
  const agent = new Agent({ model: "gpt-4o-mini", apiKey: "sk-openai", baseUrl: "http://127.0.0.1:9/v1", temperature: 0.3 });
  assert.throws(
    () => agent.setProvider("anthropic", { model: "claude-3-5-sonnet-latest" }),
    (e: unknown) => e instanceof ConfigurationError && e.option === "apiKey" && /ANTHROPIC_API_KEY.*keeps openai/.test(e.message),
  );
  const info = agent.getProviderInfo();
  assert.deepEqual([info.provider, info.model, info.baseUrl, info.hasApiKey], ["openai", "gpt-4o-mini", "http://127.0.0.1:9/v1", true]);
});

test("setProvider to another provider resets model, apiKey, baseUrl and providerOptions, keeps the call settings", () => {
  process.env["ANTHROPIC_API_KEY"] = "sk-ant-env";
  const agent = new Agent({ model: "gpt-4o-mini", apiKey: "sk-openai", baseUrl: "http://127.0.0.1:9/v1", temperature: 0.3, maxTokens: 99, timeout: 1234, maxRetries: 1 });
  agent.setProvider("anthropic");
  const info = agent.getProviderInfo();
  assert.equal(info.provider, "anthropic");
  assert.equal(info.model, "claude-3-5-sonnet-latest", "the new provider's default model");
  assert.equal(info.baseUrl, "https://api.anthropic.com", "the OpenAI base URL is not carried over");
  assert.equal(info.hasApiKey, true, "the key comes from ANTHROPIC_API_KEY, not the OpenAI key");
  assert.deepEqual([info.temperature, info.maxTokens, info.timeout, info.maxRetries], [0.3, 99, 1234, 1]);
});

test("setProvider to the same provider keeps model, apiKey, baseUrl and providerOptions unless given", async () => {
  const agent = new Agent({ model: "gpt-4o", apiKey: "sk-openai", baseUrl: "http://127.0.0.1:9/v1" });
  agent.setProvider("openai", { maxRetries: 0 });
  let info = agent.getProviderInfo();
  assert.deepEqual([info.model, info.baseUrl, info.hasApiKey, info.maxRetries], ["gpt-4o", "http://127.0.0.1:9/v1", true, 0]);
  agent.setProvider("openai", { model: "gpt-4o-mini", baseUrl: "http://127.0.0.1:10/v1" });
  info = agent.getProviderInfo();
  assert.deepEqual([info.model, info.baseUrl], ["gpt-4o-mini", "http://127.0.0.1:10/v1"]);

  const scripted = new Agent({ provider: "mock", providerOptions: { responses: ["scripted"] } });
  scripted.setProvider("mock", { temperature: 1 });
  assert.equal(await scripted.arun("hi").then((r) => r.content), "scripted", "providerOptions kept");
  const object = createMockProvider({ responses: ["from the object"] });
  scripted.setProvider(object);
  assert.equal(await scripted.arun("hi").then((r) => r.content), "from the object");
});
