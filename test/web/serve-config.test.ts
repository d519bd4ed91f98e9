/** How `serve` is configured: the request body, the per-request provider, the environment. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../../src/emulator/index.js";
import { parseStreamRequest } from "../../src/web/serve/app.js";
import { createStreams, redactUrl } from "../../src/web/serve/streams.js";
import { prepareCall } from "../../src/cli/serve-command.js";
import { ConfigurationError } from "../../src/stream/errors.js";

test("parseStreamRequest keeps prompt, provider and model and names a bad field", () => {
  assert.deepEqual(parseStreamRequest({ prompt: "hi", provider: "ollama", model: "llama3.2" }), { prompt: "hi", provider: "ollama", model: "llama3.2" });
  assert.deepEqual(parseStreamRequest({ prompt: "hi", extra: 1 }), { prompt: "hi" });
  for (const [body, option] of [[null, "body"], [[1], "body"], [{}, "prompt"], [{ prompt: "  " }, "prompt"], [{ prompt: "x".repeat(100_001) }, "prompt"], [{ prompt: "hi", provider: "" }, "provider"]] as const) {
    assert.throws(() => parseStreamRequest(body), (error: unknown) => error instanceof ConfigurationError && error.option === option, JSON.stringify(body)?.slice(0, 40));
  }
});

test("on the built-in emulator a request may pick any of its protocols; each streams from it", async () => {
  const emulator = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "Hello there." } } });
  try {
    const base = { provider: "openai", baseUrl: emulator.openaiBaseUrl, apiKey: "emulator" };
    const local = { baseUrlFor: (p: string) => (p === "openai" ? emulator.openaiBaseUrl : emulator.url) };
    for (const provider of ["openai", "anthropic", "ollama"]) {
      let text = "";
      for await (const chunk of prepareCall(base, { prompt: "hi", provider }, local)(new AbortController().signal)) text += chunk.content;
      assert.equal(text, "Hello there.", provider);
    }
    assert.deepEqual(emulator.requests.map((r) => r.protocol), ["openai", "anthropic", "ollama"]);
    assert.throws(() => prepareCall(base, { prompt: "hi", provider: "nope" }, local), ConfigurationError);
  } finally {
    await emulator.close();
  }
});

test("the environment: a bad AGENTICRAFT_* number is a ConfigurationError naming the variable", async () => {
  await assert.rejects(createStreams({ AGENTICRAFT_ABANDON_AFTER_MS: "soon" }), /AGENTICRAFT_ABANDON_AFTER_MS/);
  await assert.rejects(createStreams({ AGENTICRAFT_PRODUCER_GRACE_MS: "-1" }), /AGENTICRAFT_PRODUCER_GRACE_MS/);
  const memory = await createStreams({});
  assert.match(memory.description, /^memory/);
  await memory.close();
  const redis = await createStreams({ REDIS_URL: "redis://127.0.0.1:6379", AGENTICRAFT_REDIS_PREFIX: "agenticraft-test:config:" });
  assert.match(redis.description, /^Redis at redis:\/\/127\.0\.0\.1:6379/);
  await redis.close();
  assert.equal(redactUrl("redis://user:secret@10.0.0.1:6380/2"), "redis://user:***@10.0.0.1:6380/2");
});
