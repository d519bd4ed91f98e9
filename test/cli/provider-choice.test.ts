/** Where `stream` and `info` get their answers: the environment, Ollama's address, the built-in emulator. */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { startEmulator } from "../../src/emulator/index.js";
import { isListening } from "../../src/cli/local-emulator.js";
import { DEFAULT_PROMPT } from "../../src/cli/args.js";
import { cleanEnv, cli } from "../support/cli.js";

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("OPENAI_BASE_URL is a configured server: stream goes there without a key, not to the built-in emulator", async () => {
  const server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "From OPENAI_BASE_URL." } } });
  after(() => server.close());
  const run = await cli(["stream", "hi"], cleanEnv({ OPENAI_BASE_URL: server.openaiBaseUrl }));
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "From OPENAI_BASE_URL.\n");
  assert.doesNotMatch(run.stderr, /built-in emulator/);
  assert.equal(server.stats.requests, 1);
});

test("Ollama with no server configured and none on its default port: the built-in emulator, saying how to reach a real one", async (t) => {
  if (await isListening("127.0.0.1", 11434)) {
    t.skip("an Ollama (or something) listens on 127.0.0.1:11434 here");
    return;
  }
  const run = await cli(["stream", "hi", "--provider", "ollama"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.trim().length > 10);
  assert.match(run.stderr, /built-in emulator .*\(ollama protocol.*start it \(ollama serve\) or set OLLAMA_HOST or --base-url/);
});

test("Ollama configured but not answering: a clear message (start Ollama, OLLAMA_HOST, --offline), exit 1, no bare ECONNREFUSED", async () => {
  const port = await closedPort();
  const run = await cli(["stream", "hi", "--provider", "ollama"], cleanEnv({ OLLAMA_HOST: `127.0.0.1:${port}` }));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`nothing answers at http://127\\.0\\.0\\.1:${port}: start Ollama \\(ollama serve\\), set OLLAMA_HOST or --base-url to where it runs, or pass --offline`));
  const other = await cli(["stream", "hi", "--base-url", `http://127.0.0.1:${port}/v1`]);
  assert.equal(other.code, 1, other.stderr);
  assert.match(other.stderr, /nothing answers at .*: check --base-url and OPENAI_BASE_URL, or pass --offline/);
});

test("info starts nothing and prints no banner: the emulator is named as the source, with no throw-away port", async () => {
  const run = await cli(["info"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  assert.match(run.stdout, /^baseUrl\s+built-in emulator \(set OPENAI_API_KEY or pass --base-url/m);
  assert.match(run.stdout, /^hasApiKey\s+false$/m);
  assert.match(run.stdout, /^apiKeyRequired\s+true$/m);
  assert.doesNotMatch(run.stdout, /127\.0\.0\.1:\d+/);
  const real = await cli(["info", "--model", "gpt-4o", "--base-url", "http://127.0.0.1:8000/v1"]);
  assert.match(real.stdout, /^baseUrl\s+http:\/\/127\.0\.0\.1:8000\/v1$/m);
  const keyed = await cli(["info", "--provider", "anthropic"], cleanEnv({ ANTHROPIC_API_KEY: "sk-ant-cli-secret" }));
  assert.match(keyed.stdout, /^hasApiKey\s+true$/m);
  assert.ok(!keyed.stdout.includes("sk-ant-cli-secret"));
});

test("stream with no prompt (npm start) shows the built-in prompt it sent, on stderr before the answer", async () => {
  const run = await cli(["stream"]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines[1], `> ${DEFAULT_PROMPT}`);
  assert.ok(run.stdout.trim().length > 20);
  const given = await cli(["stream", "Why is the sky blue?"]);
  assert.doesNotMatch(given.stderr, /^> /m, "a prompt typed on the command line is not repeated");
});
