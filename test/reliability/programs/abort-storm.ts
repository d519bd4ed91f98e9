/**
 * Abort storm, run with --expose-gc (see abort-storm.test.ts): STREAMS streams through the emulator, each
 * stopped at a random point by abort(), a `break` or the caller's signal, PARALLEL at a time. Prints one JSON
 * line: what the emulator saw, the sockets left, and the heap before and after (each after a forced GC).
 */
import { startEmulator } from "../../../src/emulator/index.js";
import { HttpTransport, createAnthropicProvider, createOllamaProvider, createOpenAIProvider, type Provider } from "../../../src/index.js";
import { mulberry32 } from "../../support/split.js";

const STREAMS = Number(process.argv[2] ?? 1000);
const PARALLEL = 50;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
// Few recorded requests: the emulator's own log must not count as growth.
const emulator = await startEmulator({ ttftMs: 0, tps: 2000, script: { default: { text } }, maxRecordedRequests: 10 });
const transport = new HttpTransport();
const common = { maxRetries: 0, timeout: 10_000, transport };
const providers: Provider[] = [
  createOpenAIProvider({ ...common, apiKey: "sk-storm", baseUrl: emulator.openaiBaseUrl }),
  createAnthropicProvider({ ...common, apiKey: "sk-storm", baseUrl: emulator.url }),
  createOllamaProvider({ ...common, baseUrl: emulator.url }),
];
const rng = mulberry32(12);
const request = { model: "m", messages: [{ role: "user" as const, content: "storm" }] };
const outcomes = { aborted: 0, broke: 0, signalled: 0, completed: 0, otherErrors: [] as string[] };

async function one(i: number): Promise<void> {
  const provider = providers[i % providers.length]!;
  const kind = Math.floor(rng() * 3);
  const stopAt = Math.floor(rng() * 70); // past the end sometimes: then it completes
  const controller = new AbortController();
  const stream = provider.stream(request, { signal: controller.signal });
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;
  if (kind === 2) timer = setTimeout(() => controller.abort(), rng() * 30);
  try {
    for await (const chunk of stream) {
      if (chunk.type === "text" && ++seen >= stopAt) {
        if (kind === 0) stream.abort();
        else if (kind === 1) break;
      }
    }
    if (kind === 1 && seen >= stopAt) outcomes.broke++;
    else outcomes.completed++;
  } catch (error) {
    const reason = (error as { reason?: string }).reason;
    if (reason === "aborted") kind === 0 ? outcomes.aborted++ : outcomes.signalled++;
    else outcomes.otherErrors.push(String(error));
  } finally {
    clearTimeout(timer);
  }
}

async function storm(count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < count) await one(next++);
  }));
}

async function settle(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (emulator.stats.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 5; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
}

await storm(1000); // warm up: JIT, pools, the emulator's caches
await settle();
Object.assign(outcomes, { aborted: 0, broke: 0, signalled: 0, completed: 0 });
const heapBefore = process.memoryUsage().heapUsed;
const requestsBefore = emulator.stats.requests;
await storm(STREAMS);
await settle();
const heapAfter = process.memoryUsage().heapUsed;
const stats = { ...emulator.stats };
transport.close();
await new Promise((r) => setTimeout(r, 50));
const sockets = process.getActiveResourcesInfo().filter((t) => t === "TCPSocketWrap").length;
await emulator.close();
process.stdout.write(JSON.stringify({ streams: STREAMS, requests: stats.requests - requestsBefore, stats, outcomes, sockets, heapBefore, heapAfter }) + "\n");
