import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startEmulator } from "../../src/emulator/index.js";
import { defaultAnswer } from "../../src/emulator/script.js";
import { startFixtureServer } from "../support/fixture-server.js";
import { eventually } from "../support/sources.js";
import { cleanEnv, cli } from "../support/cli.js";
import type { StreamChunk } from "../../src/index.js";

test("with no key, `stream` answers through the built-in emulator, says so on stderr, and ends with a status line", async () => {
  const run = await cli(["stream", "Why is the sky blue?"]);
  assert.equal(run.code, 0, run.stderr);
  // The emulator's answer to a prompt is fixed: the CLI must print exactly it, then one newline.
  assert.equal(run.stdout, defaultAnswer("Why is the sky blue?") + "\n");
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 2, run.stderr);
  assert.match(lines[0]!, /built-in emulator at http:\/\/127\.0\.0\.1:\d+ .*set OPENAI_API_KEY/);
  assert.match(lines[1]!, /^first chunk \d+ ms · \d+ chunks · \d+ tokens · \d+ tok\/s · \d+\.\d\d s$/);
  assert.ok(!run.stdout.includes("\x1b["), "no colour codes when piped");
});

test("`stream --json` writes one JSON chunk per line whose texts make the same answer", async () => {
  const plain = await cli(["stream", "Tell me a joke"]);
  const json = await cli(["stream", "Tell me a joke", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const chunks = json.stdout.trim().split("\n").map((line) => JSON.parse(line) as StreamChunk);
  assert.equal(chunks.map((c) => c.content).join(""), plain.stdout.replace(/\n$/, ""));
  assert.equal(chunks.at(-1)?.type, "final");
  assert.equal(chunks.at(-1)?.isFinal, true);
  assert.equal(typeof chunks.at(-1)?.metadata.usage?.outputTokens, "number");
  assert.ok(chunks.slice(0, -1).every((c) => c.isFinal === false && typeof c.timestamp === "number"));
});

test("`stream` speaks the Anthropic and Ollama protocols to the emulator too", async () => {
  for (const provider of ["anthropic", "ollama"]) {
    const run = await cli(["stream", "Say hello", "--provider", provider, "--offline"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, defaultAnswer("Say hello") + "\n", provider);
    assert.match(run.stderr, new RegExp(`\\(${provider} protocol`));
  }
});

test("Ctrl-C interrupts cleanly: the partial answer stays printed, the status says interrupted, exit code 130", async () => {
  const slow = await startEmulator({ ttftMs: 0, tps: 20 });
  after(() => slow.close());
  let sent = false;
  const run = await cli(
    ["stream", "Tell me a long story", "--base-url", slow.openaiBaseUrl],
    cleanEnv({ OPENAI_API_KEY: "test-key" }),
    (stdout, child) => {
      if (!sent && stdout.trim().split(/\s+/).length >= 3) {
        sent = true;
        child.kill("SIGINT");
      }
    },
  );
  assert.equal(run.code, 130, run.stderr);
  const printed = run.stdout.replace(/\n$/, "");
  assert.ok(printed.split(/\s+/).length >= 3, "the partial answer was printed");
  assert.ok(defaultAnswer("Tell me a long story").startsWith(printed), `exactly the start of the answer: ${JSON.stringify(printed)}`);
  assert.notEqual(printed, defaultAnswer("Tell me a long story"), "it was cut short");
  assert.match(run.stderr, /^interrupted · first chunk/m);
  await eventually(() => slow.stats.aborted >= 1, "the emulator saw the client go", 3000);
});

test("a provider error exits 1 with the provider's message", async () => {
  const body = '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}';
  const server = await startFixtureServer([{ status: 401, headers: { "content-type": "application/json" }, pieces: [Buffer.from(body)] }]);
  after(() => server.close());
  const run = await cli(["stream", "hi", "--base-url", `${server.url}/v1`], cleanEnv({ OPENAI_API_KEY: "sk-cli-secret-1234" }));
  assert.equal(run.code, 1);
  assert.match(run.stderr, /401: Incorrect API key provided/);
  assert.match(run.stderr, /^failed · no chunk · 0 chunks/m);
  assert.ok(!run.stderr.includes("sk-cli-secret-1234"));
  assert.ok(!run.stdout.includes("sk-cli-secret-1234"));
});

test("bad usage exits 2 naming what was wrong", async () => {
  const unknown = await cli(["stream", "hi", "--temperature", "warm"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--temperature/);
  const badCommand = await cli(["fly"]);
  assert.equal(badCommand.code, 2);
  assert.match(badCommand.stderr, /unknown command "fly"/);
  const badValue = await cli(["stream", "hi", "--provider", "mock", "--temperature", "5"]);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /temperature/);
});

test("--help, --version and info work", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /agenticraft stream \["prompt"\]/);
  const version = await cli(["--version"]);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version);
  const info = await cli(["info", "--model", "claude-3-5-sonnet-latest"]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /provider\s+anthropic/);
  assert.match(info.stdout, /model\s+claude-3-5-sonnet-latest/);
  assert.match(info.stdout, /supportsStreaming\s+true/);
});

