/** The CLI's `--api responses` (kept beside the Responses adapter's tests; the CLI's own file is shared). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { parseCommand } from "../../src/cli/args.js";
import { resolveAgentOptions } from "../../src/cli/stream-command.js";
import { ConfigurationError, type StreamChunk } from "../../src/index.js";

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
  const env = { ...process.env };
  delete env["OPENAI_API_KEY"];
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "stream", "Hello", "--provider", "openai", "--api", "responses", "--offline", "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  assert.equal(run.code, 0, run.stderr);
  const chunks = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as StreamChunk);
  const text = chunks.filter((c) => c.type === "text");
  assert.ok(text.length > 3);
  assert.ok(text.every((c) => c.metadata.eventType === "response.output_text.delta"));
  const final = chunks.at(-1)!;
  assert.equal(final.type, "final");
  assert.match(final.metadata.responseId ?? "", /^resp_/);
});
