/** Usage errors: before anything is printed or started, exit 2, the CLI's own words naming the CLI flag. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { COMMANDS, FLAGS, parseCommand } from "../../src/cli/args.js";
import { ConfigurationError } from "../../src/index.js";
import { cli } from "../support/cli.js";

const CASES: Array<[string[], RegExp]> = [
  [["stream", "hi", "--timeout", "-5"], /^agenticraft: --timeout must be a positive number of milliseconds, got -5$/m],
  [["stream", "hi", "--port", "5"], /^agenticraft: --port is not an option of "stream" \(it belongs to emulator, serve\)$/m],
  [["info", "--fault", "status=500"], /^agenticraft: --fault is not an option of "info"/m],
  [["stream", "hi", "--bogus"], /^agenticraft: --bogus is not an option of "stream"; its options are --provider, /m],
  [["stream", ""], /^agenticraft: the prompt is empty/m],
  [["stream", "two", "words"], /takes one prompt; quote it as one argument/],
  [["stream", "hi", "--max-tokens", "0"], /^agenticraft: --max-tokens must be a positive integer, got 0$/m],
  [["stream", "hi", "--provider", "mock", "--temperature", "5"], /^agenticraft: --temperature must be a number from 0 to 2, got 5$/m],
  [["stream", "hi", "--temperature", "warm"], /^agenticraft: --temperature must be a number, got "warm"$/m],
  [["stream", "hi", "--system"], /^agenticraft: --system needs a value \(--system TEXT\)$/m],
  [["stream", "hi", "--json=yes"], /^agenticraft: --json takes no value, got "yes"$/m],
  [["stream", "hi", "--model", "foo-bar"], /^agenticraft: --model "foo-bar" names no provider agenticraft knows; pass --provider \(one of: openai, anthropic, ollama, mock\)$/m],
  [["stream", "hi", "--provider", "nope"], /^agenticraft: --provider unknown provider "nope"; choose one of: openai, anthropic, ollama, mock$/m],
  [["info", "extra"], /^agenticraft: "info" takes no argument, got "extra"$/m],
  [["emulator", "--port", "99999"], /^agenticraft: --port must be an integer from 0 to 65535$/m],
  [["emulator", "--tps", "-1"], /^agenticraft: --tps /m],
  [["emulator", "--fault", "nope=1"], /^agenticraft: --fault x-emulator-fault: bad item "nope=1": unknown name "nope"/m],
  [["emulator", "--require-key", ""], /^agenticraft: --require-key must not be empty$/m],
  [["--port", "3"], /^agenticraft: a command comes first, e.g. agenticraft emulator --port$/m],
  [["fly"], /^agenticraft: unknown command "fly"; the commands are stream, info, emulator/m],
];

test("every usage error exits 2 before printing or starting anything, naming the CLI flag in the CLI's own words", async () => {
  const runs = await Promise.all(CASES.map(([args]) => cli(args)));
  CASES.forEach(([args, expected], i) => {
    const run = runs[i]!;
    const what = `agenticraft ${args.join(" ")}: ${run.stderr}`;
    assert.equal(run.code, 2, what);
    assert.equal(run.stdout, "", what);
    assert.match(run.stderr, expected, what);
    assert.match(run.stderr, /\nRun agenticraft --help for usage\.\n$/, what);
    assert.doesNotMatch(run.stderr, /built-in emulator|listening|Invalid option|ERR_PARSE_ARGS|Option '/, what);
  });
});

test("a model name says which provider serves it; the emulator line names that protocol", async () => {
  const run = await cli(["stream", "hi", "--model", "claude-3-5-haiku-latest"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /\(anthropic protocol, no network\); set ANTHROPIC_API_KEY/);
});

test("each command's --help lists exactly its flags from the table; the emulator's documents its headers", async () => {
  for (const [name, spec] of Object.entries(COMMANDS)) {
    const run = await cli([name, "--help"]);
    assert.equal(run.code, 0, run.stderr);
    for (const flag of Object.keys(FLAGS)) {
      const listed = new RegExp(`^  --${flag}\\b`, "m").test(run.stdout);
      assert.equal(listed, (spec.flags as readonly string[]).includes(flag), `${name} --help and --${flag}`);
    }
  }
  const emulator = await cli(["help", "emulator"]);
  for (const text of ["x-emulator-fault", "fail-first=K", "drop-after=N", "x-emulator-reply", "x-emulator-ttft-ms", "x-emulator-tps", '"agenticraft/emulator"']) {
    assert.ok(emulator.stdout.includes(text), text);
  }
});

test("the parser reads flags from the tables: a value after its flag even when it starts with a dash, --flag=value, --", () => {
  const stream = parseCommand(["stream", "--timeout=250", "--system", "-be brief-", "--json", "--", "--not-a-flag"]);
  assert.deepEqual(stream, {
    name: "stream",
    args: { timeout: 250, system: "-be brief-", json: true, prompt: "--not-a-flag", thinking: false, offline: false },
  });
  assert.deepEqual(parseCommand(["emulator", "--fault", "status=429", "--require-key", "k", "--tps", "0"]), {
    name: "emulator",
    args: { fault: "status=429", requireKey: "k", tps: 0, offline: false },
  });
  assert.deepEqual(parseCommand(["info", "-h"]), { name: "help", topic: "info" });
  assert.throws(() => parseCommand(["stream", "--offline", "--offline"]), (e: unknown) => e instanceof ConfigurationError && e.option === "--offline");
});
