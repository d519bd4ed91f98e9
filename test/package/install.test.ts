/**
 * The package installs into an application three ways (an `npm pack` tarball, a folder, a git URL) and streams
 * from the emulator there. Offline: the scratch app's lock file pins agenticraft's one runtime dependency by the
 * integrity `npm ci` left in the npm cache, and the folder/git installs build from the cached dev dependencies.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(".");
const npmMissing = spawnSync("npm", ["--version"], { encoding: "utf8" }).status !== 0 ? "npm is not on PATH" : false;
const gitMissing = spawnSync("git", ["--version"], { encoding: "utf8" }).status !== 0 ? "git is not on PATH" : false;
// The folder and git installs each install every dev dependency and build (a minute or two on a busy machine):
// CI runs them (.ci/run sets this), a local `npm test` runs the tarball install only.
const cloneInstalls = process.env["AGENTICRAFT_INSTALL_TESTS"] === "all" ? false : "set AGENTICRAFT_INSTALL_TESTS=all to run (CI does)";

/** The environment of `npm test` leaks its own prefix (npm_config_local_prefix): a nested npm must not see it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith("npm_") || key.toLowerCase() === "npm_config_cache") env[key] = value;
  }
  delete env["OPENAI_API_KEY"];
  delete env["ANTHROPIC_API_KEY"];
  return env;
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else reject(new Error(`${command} ${args.join(" ")} exited ${String(code)}:\n${output}`));
    });
  });
}

let work = "";
before(() => {
  work = mkdtempSync(join(tmpdir(), "agenticraft-install-"));
});
after(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** A scratch app whose lock file already holds agenticraft's runtime dependency, so `--offline` finds it. */
function scratchApp(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }, null, 2));
  const ours = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, unknown> };
  const runtime = Object.keys((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: object }).dependencies);
  const packages: Record<string, unknown> = { "": { name, version: "1.0.0" } };
  for (const dep of runtime) packages[`node_modules/${dep}`] = ours.packages[`node_modules/${dep}`];
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ name, version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2));
  // What an app would write: both entry points, an emulator, an agent streaming from it over the OpenAI protocol.
  writeFileSync(
    join(dir, "app.js"),
    `import { Agent } from "agenticraft";
import { startEmulator } from "agenticraft/emulator";
const server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { default: { text: "Hello from the emulator." } } });
const agent = new Agent({ model: "gpt-4o-mini", apiKey: "test", baseUrl: server.openaiBaseUrl });
let text = "";
for await (const chunk of agent.stream("Hi")) text += chunk.content;
await server.close();
console.log(JSON.stringify({ text }));
`,
  );
  return dir;
}

/** Installs `spec` into a scratch app, runs its app.js and the installed CLI. */
async function installAndStream(name: string, spec: string): Promise<void> {
  const app = scratchApp(name);
  await run("npm", ["install", spec, "--offline", "--no-audit", "--no-fund"], app);
  const out = await run(process.execPath, ["app.js"], app);
  assert.deepEqual(JSON.parse(out.trim().split("\n").at(-1) ?? ""), { text: "Hello from the emulator." });
  const version = await run(process.execPath, [join(app, "node_modules", ".bin", "agenticraft"), "--version"], app);
  assert.equal(version.trim(), (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version);
}

/** A fresh clone of the working tree: the files git would check out (no node_modules, no dist), committed. */
function freshClone(): string {
  const clone = join(work, "clone");
  const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  assert.equal(files.status, 0, files.stderr);
  for (const file of files.stdout.split("\0").filter((f) => f !== "" && !f.startsWith("bench/"))) {
    try {
      mkdirSync(join(clone, dirname(file)), { recursive: true });
      cpSync(join(root, file), join(clone, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // a file deleted but not yet committed
    }
  }
  const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: clone, encoding: "utf8" });
  for (const args of [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "clone"]]) assert.equal(git(...args).status, 0);
  return clone;
}

test("an `npm pack` tarball ships a built dist/ and installs into an app that streams from the emulator", { skip: npmMissing, timeout: 180_000 }, async () => {
  const packed = await run("npm", ["pack", "--pack-destination", work, "--silent"], root);
  const tarball = join(work, packed.trim().split("\n").at(-1) ?? "");
  const listing = spawnSync("tar", ["tzf", tarball], { encoding: "utf8" }).stdout;
  assert.match(listing, /package\/dist\/index\.js/);
  assert.match(listing, /package\/dist\/cli\/bin\.js/);
  assert.doesNotMatch(listing, /package\/(src|test)\//);
  await installAndStream("from-tarball", tarball);
});

test("a fresh clone installs as a folder and as a git URL, building dist/ without its dev dependencies at hand", { skip: npmMissing || gitMissing || cloneInstalls, timeout: 300_000 }, async () => {
  const clone = freshClone();
  assert.ok(!readdirSync(clone).includes("node_modules"));
  // git clones the committed tree, so the folder install building in the same clone does not disturb it.
  await Promise.all([installAndStream("from-git", `git+${pathToFileURL(clone).href}`), installAndStream("from-folder", clone)]);
});
