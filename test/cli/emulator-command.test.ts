/** `agenticraft emulator`: its flags for faults, keys and pacing reach the server it runs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../support/cli.js";

const body = JSON.stringify({ model: "gpt-4o-mini", stream: false, messages: [{ role: "user", content: "Hi" }] });

/** Runs `agenticraft emulator ...`, calls `use(url)` once it listens, then stops it with Ctrl-C. */
async function withEmulator(flags: string[], use: (url: string) => Promise<void>) {
  let used: Promise<void> | undefined;
  const run = await cli(["emulator", "--port", "0", ...flags], undefined, (stdout, child) => {
    const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    if (url === undefined || used !== undefined) return;
    used = use(url).finally(() => child.kill("SIGINT"));
  });
  assert.ok(used !== undefined, run.stderr);
  await used;
  assert.equal(run.code, 0, run.stderr);
  return run;
}

test("--require-key answers 401 without the key; --fault applies to every chat request; the banner says both", async () => {
  const run = await withEmulator(["--require-key", "k-123", "--fault", "status=503,fail-first=1", "--ttft-ms", "0", "--tps", "0"], async (url) => {
    const post = (key?: string) =>
      fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });
    assert.equal((await post()).status, 401);
    assert.equal((await post("wrong")).status, 401);
    assert.equal((await post("k-123")).status, 503, "the first attempt gets the fault");
    const ok = await post("k-123");
    assert.equal(ok.status, 200, "fail-first=1 lets the second through");
    assert.equal(typeof ((await ok.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, "string");
  });
  assert.match(run.stdout, /fault\s+status=503,fail-first=1/);
  assert.match(run.stdout, /API key\s+required/);
  assert.ok(!run.stdout.includes("k-123"), "the key is not printed");
});

test("--ttft-ms sets the time to first token of every stream (a lower bound: the emulator never answers sooner)", async () => {
  await withEmulator(["--ttft-ms", "300", "--tps", "0"], async (url) => {
    const started = performance.now();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body.replace('"stream":false', '"stream":true'),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(performance.now() - started >= 290, "the first token waited for --ttft-ms");
    assert.match(text, /data: \[DONE\]/);
  });
});
