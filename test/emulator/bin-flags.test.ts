import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../src/emulator/bin.ts", import.meta.url));

test("bin.ts --require-key and --fault reach the server it runs", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", bin, "--port", "0", "--require-key", "k-1", "--fault", "status=500"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    child.stdout.setEncoding("utf8");
    while (!/listening on (\S+)\n/.test(out)) {
      const [chunk] = (await Promise.race([once(child.stdout, "data"), once(child, "exit").then(() => assert.fail("exited early"))])) as [string];
      out += chunk;
    }
    const url = /listening on (\S+)\n/.exec(out)![1]!;
    const post = (key: string) =>
      fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: '{"model":"m","messages":[{"role":"user","content":"Hi"}]}' });
    assert.equal((await post("nope")).status, 401);
    assert.equal((await post("k-1")).status, 500);
  } finally {
    child.kill("SIGTERM");
    await once(child, "close");
  }
});

test("bin.ts --help prints its usage and exits 0", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", bin, "--help"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const [code] = (await once(child, "close")) as [number];
  assert.equal(code, 0);
  assert.match(out, /--fault ITEMS/);
  assert.match(out, /--require-key KEY/);
});
