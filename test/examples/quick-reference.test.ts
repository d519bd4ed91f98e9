import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

test("the quick-reference example runs on the mock provider and prints what the reference promises", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/quick-reference.ts"], { timeout: 60_000 });
  assert.match(stdout, /## Basic streaming\nThis is a mock answer to "Tell me a joke"\./);
  assert.match(stdout, /Complete: .*List 3 facts/);
  assert.match(stdout, /Chunks: \d+/);
  assert.match(stdout, /Interrupted: .*\nPartial: Roses are red,/);
  assert.match(stdout, /"Test "\n"respo"\n"nse t"\n"ext"/);
  assert.match(stdout, /Tokens: \{"inputTokens":\d+,"outputTokens":\d+,"totalTokens":\d+\}/);
  assert.match(stdout, /Total words: 16/);
});
