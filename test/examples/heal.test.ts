import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);

test("the heal example continues a dropped stream, fails over a 529, and reports an exhausted recovery", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/heal.ts"], { timeout: 60_000 });
  assert.match(stdout, /^A stream that breaks half-way\[attempt 2\] through a long answer no longer loses it: the rest arrives, once\.\nhealed: true; requests: 2$/m);
  assert.match(stdout, /chain: \[\{"provider":"openai","model":"gpt-4o-mini"\}\]\nanswered by: openai/);
  assert.match(stdout, /gave up after 3 attempts with "A stream that breaks half-way through a long answer"/);
});
