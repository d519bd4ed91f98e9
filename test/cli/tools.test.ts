import assert from "node:assert/strict";
import { test } from "node:test";
import type { StreamChunk } from "../../src/index.js";
import { demoTools } from "../../src/cli/demo-tools.js";
import { cli } from "../support/cli.js";

async function cliJson(args: string[]): Promise<{ code: number | null; chunks: StreamChunk[]; stderr: string }> {
  const run = await cli(args);
  return { code: run.code, stderr: run.stderr, chunks: run.stdout.trim().split("\n").map((line) => JSON.parse(line) as StreamChunk) };
}

for (const provider of ["openai", "anthropic", "ollama"]) {
  test(`stream --tools (${provider}, built-in emulator): the model calls a demo tool, its result streams, then the answer`, async () => {
    const run = await cliJson(["stream", "What time is it?", "--tools", "--json", "--provider", provider, "--offline"]);
    assert.equal(run.code, 0, run.stderr);
    const types = run.chunks.map((c) => `${c.type}@${c.metadata.step}`).filter((t, i, a) => t !== a[i - 1]);
    assert.deepEqual(types, ["tool_call_delta@0", "tool_call@0", "tool_result@0", "text@1", "final@1"]);
    const result = run.chunks.find((c) => c.type === "tool_result")!.metadata.toolResult!;
    assert.equal(result.name, "current_time");
    assert.equal((result.result as { timeZone: string }).timeZone, "UTC");
  });
}

test("the demo calculator computes, and dividing by zero is an error the model reads", async () => {
  const calculate = demoTools().find((t) => t.name === "calculate")!;
  const context = { signal: new AbortController().signal, toolCallId: "c" };
  assert.equal(await calculate.execute!({ a: 6, op: "*", b: 7 }, context), 42);
  assert.throws(() => calculate.execute!({ a: 1, op: "/", b: 0 }, context), /division by zero/);
  assert.equal(calculate.check({ a: 1, op: "^", b: 2 }).ok, false);
  const time = demoTools(() => new Date("2025-01-02T03:04:05Z")).find((t) => t.name === "current_time")!;
  assert.deepEqual(await time.execute!({ timeZone: "UTC" }, context), { timeZone: "UTC", time: "Thursday, 2 January 2025 at 03:04:05 UTC" });
});
