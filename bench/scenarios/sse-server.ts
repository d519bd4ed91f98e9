/**
 * The SSE server: one `agenticraft serve` process (built dist, memory store or Redis) answering N concurrent
 * SSE clients, each with its own paced model call to an emulator. Figures, all from the same child run:
 *
 * - server CPU per delivered chunk: the serve process's user+system time (/proc/PID/stat) over the load,
 *   divided by the text chunks the clients received;
 * - the raw cost of parsing a chunk from the provider: this child's CPU per chunk when the floor client (fetch +
 *   eventsource-parser + JSON.parse) reads the same number of streams of the same reply at the same pace,
 *   measured just before (and, for the record, per chunk of one bulk bench stream);
 * - failures: clients that did not get exactly the reply, chunk for chunk, ending in `done`;
 * - resume latency: a client reads a few events, drops, waits while chunks accumulate, then reconnects with
 *   `Last-Event-ID`; the time from the reconnect to the first missed chunk (p50, p99). Every resumed client must
 *   still read the whole reply exactly once.
 *
 * The job's client is the floor (`openai/raw-fetch`): it is what the raw parse is measured with.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { createParser } from "eventsource-parser";
import { startEmulator } from "agenticraft/emulator";
import { CLIENTS, clientId } from "../clients/index.js";
import { REPO_ROOT } from "../lib/paths.js";
import { timed } from "../lib/probe.js";
import { quantile } from "../lib/stats.js";
import { benchHeaders, check, noop, param, type Scenario } from "./scenario.js";

/** Redis for the `redis` variant; the variant fails (reported) when it does not answer. */
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const STORES = ["memory", "redis"] as const;
const WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"];
const replyText = (words: number) => Array.from({ length: words }, (_, i) => WORDS[i % WORDS.length]).join(" ");

export const sseServer: Scenario = {
  name: "sse-server",
  title: "SSE server",
  jobs({ quick }) {
    const floor = CLIENTS.find((c) => clientId(c) === "openai/raw-fetch")!;
    const params = quick
      ? { clients: 100, words: 40, tps: 100, rawChunks: 20_000, resumes: 10 }
      : { clients: 1_000, words: 100, tps: 50, rawChunks: 100_000, resumes: 100 };
    return STORES.map((store, i) => ({ client: floor, variant: store, params: { ...params, redis: i } }));
  },
  async measure(client, spec) {
    const clients = param(spec, "clients");
    const words = param(spec, "words");
    const rawChunks = param(spec, "rawChunks");
    const redis = param(spec, "redis") === 1;

    // 1. The raw cost of parsing the same chunks from the provider, in this process, before the server's load
    //    starts: the floor client reading `clients` concurrent streams of the same reply at the same pace from
    //    the bench's emulator process (so a chunk costs what it costs the server to read: about one network read
    //    each). A bulk bench stream (many chunks per read) is measured too, for the record.
    const reply = replyText(words);
    const paced = { "x-emulator-reply": JSON.stringify({ text: reply }), "x-emulator-tps": String(param(spec, "tps")), "x-emulator-ttft-ms": "0" };
    const warm = await client.setup({ url: spec.url, headers: benchHeaders(2_000) });
    await warm(noop);
    const bulk = await client.setup({ url: spec.url, headers: benchHeaders(rawChunks) });
    const bulkRun = await timed(() => bulk(noop));
    check(bulkRun.value, rawChunks, bulkRun.value.chars);
    const rawPaced = await client.setup({ url: spec.url, headers: paced });
    const rawRun = await timed(() => Promise.all(Array.from({ length: clients }, () => rawPaced(noop).then((o) => check(o, words, reply.length)))));
    const rawUsPerChunk = rawRun.cpuUs / (clients * words);

    // 2. The model: an emulator in this process (its CPU is not the server's), one chunk per word, paced.
    const emulator = await startEmulator({ ttftMs: 0, tps: param(spec, "tps"), script: { default: { text: reply } } });
    const prefix = `agenticraft-bench:${randomUUID()}:`;
    const server = await startServe(emulator.openaiBaseUrl, redis ? { REDIS_URL, AGENTICRAFT_REDIS_PREFIX: prefix } : {}).catch(async (error: unknown) => {
      await emulator.close();
      throw error;
    });
    try {
      // Warm the server's path (modules, JIT) with a few streams before the measured load.
      await Promise.all(Array.from({ length: 5 }, () => readStream(server.url, reply)));
      const cpu0 = server.cpuUs();
      const problems: string[] = [];
      const load = await timed(() =>
        Promise.all(Array.from({ length: clients }, () => readStream(server.url, reply).catch((error: unknown) => void problems.push(String(error))))),
      );
      const serverCpuUs = server.cpuUs() - cpu0;
      const delivered = clients * words - problems.length * words;

      // 3. Resume latency, a few streams at a time.
      const latencies: number[] = [];
      const resumes = param(spec, "resumes");
      for (let i = 0; i < resumes; i += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, resumes - i) }, () =>
            resumeOnce(server.url, reply).then((ms) => void latencies.push(ms), (error: unknown) => void problems.push(`resume: ${String(error)}`)),
          ),
        );
      }
      const metrics = {
        clients,
        wallMs: load.wallMs,
        serverUsPerChunk: serverCpuUs / Math.max(1, delivered),
        rawUsPerChunk,
        rawBulkUsPerChunk: bulkRun.cpuUs / rawChunks,
        ratio: serverCpuUs / Math.max(1, delivered) / rawUsPerChunk,
        failures: problems.length,
        resumeP50Ms: quantile(latencies, 0.5),
        resumeP99Ms: quantile(latencies, 0.99),
      };
      if (problems.length === 0) return { ok: true, metrics };
      return { ok: false, error: `${problems.length} client(s) failed: ${[...new Set(problems)].slice(0, 3).join("; ")}`, metrics };
    } finally {
      await server.stop();
      await emulator.close();
      if (redis) await deleteKeys(prefix);
    }
  },
};

interface ServeProcess {
  url: string;
  cpuUs(): number;
  stop(): Promise<void>;
}

/** `node dist/cli/bin.js serve --port 0` against the emulator; resolves once it listens. */
async function startServe(openaiBaseUrl: string, env: Record<string, string>): Promise<ServeProcess> {
  const bin = resolve(REPO_ROOT, "dist/cli/bin.js");
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--provider", "openai", "--base-url", openaiBaseUrl], {
    env: { ...process.env, OPENAI_API_KEY: "bench", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`serve exited (${code}) before listening: ${stderr.trim().slice(-500)}`)));
    lines.on("line", (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined) resolveUrl(match[1]);
    });
  });
  // Linux: utime + stime of the process in clock ticks (100 per second on every Linux the bench runs on).
  const ticksPerSecond = 100;
  const cpuUs = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  };
  return {
    url,
    cpuUs,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** POSTs a prompt and reads the SSE answer to `done`; throws unless the text is exactly the reply. */
async function readStream(url: string, reply: string): Promise<void> {
  const response = await fetch(`${url}/api/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "Say something." }),
  });
  if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
  const { text, end, why } = await readEvents(response.body);
  if (end !== "done") throw new Error(`stream ended with ${end ?? "nothing"}${why === undefined ? "" : `: ${why}`}`);
  if (text !== reply) throw new Error(`wrong text: ${text.length} chars, expected ${reply.length}`);
}

/**
 * One drop and resume: read 3 text events, drop, let a few chunks pass, reconnect with Last-Event-ID.
 * Returns ms from the reconnect to the first missed chunk; throws unless the joined text is the reply.
 */
async function resumeOnce(url: string, reply: string): Promise<number> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "Say something." }),
    signal: controller.signal,
  });
  const id = response.headers.get("x-stream-id");
  if (!response.ok || response.body === null || id === null) throw new Error(`HTTP ${response.status}`);
  const first = await readEvents(response.body, 3);
  controller.abort();
  await new Promise((r) => setTimeout(r, 100));
  const start = performance.now();
  let latency = Number.NaN;
  const again = await fetch(`${url}/api/stream/${id}`, { headers: { "last-event-id": first.lastId ?? "" } });
  if (!again.ok || again.body === null) throw new Error(`resume: HTTP ${again.status}`);
  const rest = await readEvents(again.body, Infinity, () => (latency = performance.now() - start));
  if (rest.end !== "done") throw new Error(`resumed stream ended with ${rest.end ?? "nothing"}`);
  if (first.text + rest.text !== reply) throw new Error("resumed text differs from the reply (a chunk lost or repeated)");
  return latency;
}

/** Reads SSE events: the text of `text` events, the last id, how it ended; stops after `maxText` text events. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  maxText = Infinity,
  onFirst: () => void = noop,
): Promise<{ text: string; lastId: string | undefined; end: string | undefined; why?: string }> {
  let text = "";
  let count = 0;
  let lastId: string | undefined;
  let end: string | undefined;
  let why: string | undefined;
  const parser = createParser({
    onEvent(event) {
      if (end !== undefined || count >= maxText) return;
      if (count === 0 && lastId === undefined) onFirst();
      if (event.id !== undefined) lastId = event.id;
      if (event.event === "done" || event.event === "error") end = event.event;
      if (event.event === "error") why = (JSON.parse(event.data) as { message?: string }).message;
      else if (event.event === "text") {
        text += (JSON.parse(event.data) as { content: string }).content;
        count++;
      }
    },
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    while (end === undefined && count < maxText) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(noop);
  }
  return { text, lastId, end, ...(why === undefined ? {} : { why }) };
}

/** Removes the run's keys from Redis (RESP over a plain socket: the bench needs no Redis client package). */
async function deleteKeys(prefix: string): Promise<void> {
  const { createConnection } = await import("node:net");
  const { hostname, port } = new URL(REDIS_URL);
  const socket = createConnection({ host: hostname, port: Number(port || 6379) });
  await once(socket, "connect");
  const command = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  // One EVAL deletes every key under the prefix (few keys: one stream per client and its bookkeeping).
  const script = "local n=0 for _,k in ipairs(redis.call('KEYS', ARGV[1])) do n=n+redis.call('DEL', k) end return n";
  socket.write(command("EVAL", script, "0", `${prefix}*`));
  await once(socket, "data");
  socket.end();
}
