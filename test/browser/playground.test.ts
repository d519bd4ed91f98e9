/**
 * The playground in a real browser: playwright-core driving Debian's chromium (headless, --no-sandbox).
 * Types a prompt, sees the answer grow over several frames, drops the network and sees it resume with nothing
 * repeated, stops it and sees the partial answer kept, and saves a screenshot under test-results/.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { once } from "node:events";
import { chromium, type Browser } from "playwright-core";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { createMemoryStore, ResumableStreams } from "../../src/web/index.js";
import { createServeApp } from "../../src/web/serve/app.js";
import { listen, type ListeningServer } from "../../src/web/serve/listen.js";
import { prepareCall } from "../../src/cli/serve-command.js";
import { longAnswer } from "../web/serve-support.js";

function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      if (path) return path;
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

const executablePath = findChromium();
const skip = executablePath === undefined ? "chromium is not installed (apt-get install -y chromium; .ci/run does it)" : false;
const ANSWER = longAnswer(500);

let emulator: EmulatorServer;
let streams: ResumableStreams;
let server: ListeningServer;
let thinkingServer: ListeningServer;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  // 25 tokens per second: the answer visibly grows from frame to frame and lasts long enough to drop and stop.
  emulator = await startEmulator({ ttftMs: 50, tps: 25, script: { default: { text: ANSWER } } });
  streams = new ResumableStreams({ store: createMemoryStore() });
  const base = { provider: "openai", baseUrl: emulator.openaiBaseUrl, apiKey: "test", model: "gpt-4o-mini" };
  server = await listen(createServeApp({ streams, prepare: (request) => prepareCall(base, request, undefined) }).fetch, { port: 0, host: "127.0.0.1" });
  // The same, asking for reasoning (as `serve --thinking` does): the emulator then streams thinking first.
  const thinking = { ...base, provider: "anthropic", baseUrl: emulator.url, thinking: true };
  thinkingServer = await listen(createServeApp({ streams, prepare: (request) => prepareCall(thinking, request, undefined) }).fetch, { port: 0, host: "127.0.0.1" });
  browser = await chromium.launch({ executablePath: executablePath!, headless: true, args: ["--no-sandbox"] });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await server.close();
  await thinkingServer.close();
  await streams.close();
  await emulator.close();
});

test("playground: streams, survives a dropped network without repeating, stops keeping the partial answer", { skip, timeout: 60_000 }, async () => {
  const context = await browser!.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.fill("#prompt", "Tell me a long story");
  await page.click("#send");

  // The answer grows across animation frames (not all at once at the end).
  // (A string, not a function: tsx would wrap a function's inner names with a helper the page does not have.)
  const lengths = (await page.evaluate(`new Promise((resolve) => {
    const seen = [];
    const deadline = performance.now() + 10000;
    function step() {
      const length = document.getElementById("answer").textContent.length;
      if (length !== seen[seen.length - 1]) seen.push(length);
      if (seen.length >= 5 || performance.now() > deadline) resolve(seen);
      else requestAnimationFrame(step);
    }
    requestAnimationFrame(step);
  })`)) as number[];
  assert.ok(lengths.length >= 5, `the answer grew over several frames: ${lengths.join(" → ")}`);
  assert.ok(lengths.every((n, i) => i === 0 || n > lengths[i - 1]!), "and only grew");
  assert.notEqual(await page.textContent("#chunks"), "0");
  assert.match((await page.textContent("#ttft")) ?? "", /\d+ ms/);

  // Drop the network: the page shows it is reconnecting, then resumes from the last event id.
  await context.setOffline(true);
  await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: 10_000 });
  const atDrop = (await page.textContent("#answer")) ?? "";
  await context.setOffline(false);
  await page.waitForSelector('#status[data-state="resumed"]', { timeout: 15_000 });
  await page.waitForFunction(`document.getElementById("answer").textContent.length > ${atDrop.length + 20}`, undefined, { timeout: 10_000 });
  const resumed = (await page.textContent("#answer")) ?? "";
  assert.ok(resumed.startsWith(atDrop), "the text from before the drop is kept");
  assert.ok(ANSWER.startsWith(resumed), `nothing repeated or lost after resuming: …${resumed.slice(-80)}`);

  // Stop: the model call ends upstream, and the partial answer stays on the page.
  const aborted = once(emulator.events, "aborted");
  await page.click("#stop");
  await page.waitForSelector('#status[data-state="stopped"]', { timeout: 10_000 });
  await aborted;
  const kept = (await page.textContent("#answer")) ?? "";
  assert.ok(kept.length >= resumed.length && kept.length < ANSWER.length, "the partial answer is kept");
  assert.ok(ANSWER.startsWith(kept));
  assert.equal(await page.isEnabled("#send"), true);

  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/playground.png", fullPage: true });
  await context.close();
});

test("playground: thinking goes to its own pane, the answer to the answer pane", { skip, timeout: 60_000 }, async () => {
  const context = await browser!.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  await page.goto(`${thinkingServer.url}/`);
  await page.fill("#prompt", "Think first");
  await page.click("#send");
  await page.waitForSelector("#thinking-box:not(.hidden)", { timeout: 10_000 });
  await page.waitForFunction(`document.getElementById("answer").textContent.length > 0`, undefined, { timeout: 10_000 });
  const thinking = (await page.textContent("#thinking")) ?? "";
  assert.ok(thinking.length > 0, "thinking text shown");
  assert.ok(!ANSWER.includes(thinking.trim().slice(0, 20)), "the thinking pane holds thinking, not the answer");
  await page.click("#stop");
  await page.waitForSelector('#status[data-state="stopped"], #status[data-state="done"]', { timeout: 10_000 });
  await context.close();
});
