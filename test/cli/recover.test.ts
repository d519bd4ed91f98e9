/** `stream --recover` and `--fallback provider:model` (repeatable), over emulators started with a fault. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { parseCommand } from "../../src/cli/args.js";
import { cleanEnv, cli } from "../support/cli.js";

const ANSWER = "Streams break, and this one heals itself: every word arrives once, in order, to the very end.";
let dropping: EmulatorServer;
let overloaded: EmulatorServer;
let clean: EmulatorServer;
before(async () => {
  const script = { default: { text: ANSWER } };
  // Server-level faults count attempts per path: the first request drops after 5 chunks, the continuation is whole.
  dropping = await startEmulator({ ttftMs: 0, tps: 0, script, fault: { dropAfter: 5, failFirst: 1 } });
  overloaded = await startEmulator({ ttftMs: 0, tps: 0, script, fault: { status: 529 } });
  clean = await startEmulator({ ttftMs: 0, tps: 0, script });
});
after(async () => {
  await Promise.all([dropping.close(), overloaded.close(), clean.close()]);
});

test("--fallback is repeatable, in order; --recover is a switch; both belong to stream only", () => {
  const command = parseCommand(["stream", "hi", "--recover", "--fallback", "openai:gpt-4o-mini", "--fallback=ollama:llama3.2:1b"]);
  assert.equal(command.name, "stream");
  assert.equal(command.name === "stream" && command.args.recover, true);
  assert.deepEqual(command.name === "stream" && command.args.fallback, ["openai:gpt-4o-mini", "ollama:llama3.2:1b"]);
  assert.throws(() => parseCommand(["info", "--recover"]), /--recover is not an option of "info"|is not an option of "info"/);
  assert.throws(() => parseCommand(["stream", "--recover=yes"]), /takes no value/);
  assert.throws(() => parseCommand(["stream", "--fallback"]), /needs a value/);
});

test("stream --recover heals a drop mid-answer: the whole answer once, exit 0", async () => {
  dropping.resetAttempts();
  const run = await cli(["stream", "Tell me", "--provider", "ollama", "--base-url", dropping.url, "--recover"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `${ANSWER}\n`);
  assert.equal(dropping.requests.filter((r) => r.path === "/api/chat").length, 2, "one continuation request");
});

test("without --recover the same drop fails as before: the partial answer printed, exit 1", async () => {
  dropping.resetAttempts();
  const run = await cli(["stream", "Tell me", "--provider", "ollama", "--base-url", dropping.url]);
  assert.equal(run.code, 1, run.stderr);
  assert.ok(ANSWER.startsWith(run.stdout.trim()) && run.stdout.trim().length > 0, run.stdout);
  assert.match(run.stderr, /agenticraft: /);
});

test("--fallback ollama:llama3.2 answers when the provider is overloaded (529), and --json chunks name the provider", async () => {
  const env = cleanEnv({ ANTHROPIC_API_KEY: "test-key", OLLAMA_HOST: clean.url });
  const run = await cli(["stream", "Tell me", "--provider", "anthropic", "--base-url", overloaded.url, "--fallback", "ollama:llama3.2", "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  const chunks = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { content: string; metadata: { provider?: string } });
  assert.equal(chunks.map((c) => c.content).join(""), ANSWER);
  assert.ok(chunks.every((c) => c.metadata.provider === "ollama"), "every chunk came from the fallback");
});

test("--fallback with an unknown provider is a usage error naming the flag, exit 2", async () => {
  const run = await cli(["stream", "hi", "--offline", "--fallback", "nope:model"]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--fallback "nope:model" names no provider/);
  assert.equal(run.stdout, "");
});

test("--fallback with no key and no server uses the built-in emulator for that provider", async () => {
  const env = cleanEnv({ ANTHROPIC_API_KEY: "test-key" });
  const run = await cli(["stream", "Tell me", "--provider", "anthropic", "--base-url", overloaded.url, "--fallback", "openai:gpt-4o-mini"], env);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.trim().length > 10, "the emulated openai fallback answered");
});
