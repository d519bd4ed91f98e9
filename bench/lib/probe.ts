/** What a child uses to measure: CPU and wall time, memory after GC, a peak sampler, and an optional profile. */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import v8 from "node:v8";

/** Full collections until the heap stops shrinking, so "after GC" means retained memory only. */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the child with --expose-gc");
  for (let i = 0, last = Infinity; i < 4; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last) break;
    last = used;
  }
}

/** process.memoryUsage() plus the size of V8's young generation (new space). */
export function footprint(): NodeJS.MemoryUsage & { newSpace: number } {
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
  return { ...process.memoryUsage(), newSpace };
}

/** CPU µs (user + system, all threads of the process) and wall ms spent in `fn`. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; cpuUs: number; wallMs: number }> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, cpuUs: cpu.user + cpu.system, wallMs: performance.now() - wall0 };
}

/** Samples RSS and heap every few ms (timers run between socket reads, so a busy stream is still seen). */
export function peakSampler(everyMs = 5): { stop(): { rss: number; heapUsed: number } } {
  let rss = 0;
  let heapUsed = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > rss) rss = m.rss;
    if (m.heapUsed > heapUsed) heapUsed = m.heapUsed;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rss, heapUsed };
    },
  };
}

/**
 * Runs `fn` under the V8 sampling profiler when `path` (a .cpuprofile) is given. With `heap`, the sampling heap
 * profiler runs too, counting every allocation (collected or not), and writes a .heapprofile beside it.
 */
export async function profiled<T>(path: string | undefined, fn: () => Promise<T>, options: { heap?: boolean } = {}): Promise<T> {
  if (path === undefined) return fn();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  if (options.heap) {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(path, JSON.stringify(profile));
    if (options.heap) {
      const heap = await session.post("HeapProfiler.stopSampling");
      await writeFile(path.replace(/\.cpuprofile$/, ".heapprofile"), JSON.stringify(heap.profile));
    }
    session.disconnect();
  }
}
