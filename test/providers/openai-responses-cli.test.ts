/** The CLI's `--api responses` (kept beside the Responses adapter's tests; the CLI's own file is shared). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand } from "../../src/cli/args.js";
import { resolveAgentOptions } from "../../src/cli/stream-command.js";
import { ConfigurationError, type StreamChunk } from "../../src/index.js";
import { cli } from "../support/cli.js";

const quiet = { env: {}, stderr: { write: () => true, isTTY: false } } as unknown as Parameters<typeof resolveAgentOptions>[1];

test("--api responses / chat is parsed, reaches the openai provider's options, and a bad value names the flag", async () => {
  const parsed = parseCommand(["stream", "Hi", "--api", "responses", "--base-url", "http://127.0.0.1:9/v1"]);
  assert.ok(parsed.name === "stream");
  assert.equal(parsed.args.api, "responses");
  const { agentOptions } = await resolveAgentOptions({ ...parsed.args, provider: "openai" }, quiet);
  assert.deepEqual(agentOptions.providerOptions, { api: "responses" });
  assert.throws(() => parseCommand(["stream", "Hi", "--api", "completions"]), (e: unknown) => e instanceof ConfigurationError && e.option === "--api");
  await assert.rejects(resolveAgentOptions({ offline: false, provider: "anthropic", api: "responses", baseUrl: "http://127.0.0.1:9" }, quiet), /--api/);
});

test("`agenticraft stream --api responses --offline --json` streams Responses events from the built-in emulator", async () => {
  const run = await cli(["stream", "Hello", "--provider", "openai", "--api", "responses", "--offline", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const chunks = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as StreamChunk);
  const text = chunks.filter((c) => c.type === "text");
  assert.ok(text.length > 3);
  assert.ok(text.every((c) => c.metadata.eventType === "response.output_text.delta"));
  const final = chunks.at(-1)!;
  assert.equal(final.type, "final");
  assert.match(final.metadata.responseId ?? "", /^resp_/);
});
