/** Configuration by environment, as the official SDKs read it: base URLs and API keys. */
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { createProvider } from "../../src/providers/registry.js";
import { ConfigurationError } from "../../src/index.js";
import { drainStream } from "../support/sources.js";

const VARIABLES = ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_HOST", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
const request = { model: "any", messages: [{ role: "user" as const, content: "Hi" }] };

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "From the environment." } } });
});
after(() => server.close());
// Each test sets what it needs; none leaks into the next.
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
function clear(): void {
  for (const name of VARIABLES) delete process.env[name];
}

for (const [provider, variable, url] of [
  ["openai", "OPENAI_BASE_URL", () => server.openaiBaseUrl],
  ["anthropic", "ANTHROPIC_BASE_URL", () => server.url],
] as const) {
  test(`${variable} points ${provider} at another server (no key needed there); an explicit baseUrl wins`, async () => {
    clear();
    process.env[variable] = url();
    const fromEnv = createProvider(provider, { maxRetries: 0 });
    assert.equal(fromEnv.settings.baseUrl, url());
    const { chunks, error } = await drainStream(fromEnv.stream(request));
    assert.equal(error, undefined);
    assert.equal(chunks.map((c) => c.content).join(""), "From the environment.");
    assert.equal(createProvider(provider, { baseUrl: "http://10.0.0.9:1234/v1" }).settings.baseUrl, "http://10.0.0.9:1234/v1");
  });
}

test("with no base-URL variable the official APIs are the default, and they need a key", async () => {
  clear();
  for (const [provider, variable, base] of [
    ["openai", "OPENAI_API_KEY", "https://api.openai.com/v1"],
    ["anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com"],
  ] as const) {
    const p = createProvider(provider, { maxRetries: 0 });
    assert.equal(p.settings.baseUrl, base);
    const { error } = await drainStream(p.stream(request));
    assert.ok(error instanceof ConfigurationError && error.message.includes(variable), String(error));
  }
});

test("an empty base-URL variable counts as unset", () => {
  clear();
  process.env["OPENAI_BASE_URL"] = "";
  assert.equal(createProvider("openai").settings.baseUrl, "https://api.openai.com/v1");
});
