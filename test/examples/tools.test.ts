import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);

test("the tools example runs a tool round against the emulator and prints calls, results, the answer and arun's steps", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/tools.ts"], { timeout: 60_000 });
  assert.match(stdout, /\[step 0\] writing a call… \{"city":"Paris"\}/);
  assert.match(stdout, /\[step 0\] call get_weather\(\{"city":"Paris"\}\)\n\[step 0\] result \{"city":"Paris","tempC":21,"sky":"clear"\}/);
  assert.match(stdout, /\[step 1\] done: stop, usage over all steps \{"inputTokens":\d+/);
  assert.match(stdout, /user → assistant → tool → assistant/);
  assert.match(stdout, /arun: 2 steps, answer: Based on the tool results: get_weather returned/);
});
