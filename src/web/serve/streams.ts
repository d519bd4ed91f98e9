/**
 * The resumable streams `serve` runs on, configured from the environment: Redis Streams when REDIS_URL is set
 * (every instance on the same Redis and prefix shares the streams), else one process's memory.
 */
import { ConfigurationError } from "../../stream/errors.js";
import { createMemoryStore, createRedisStore, ResumableStreams } from "../index.js";

/** The streams, a line saying where they live (no credentials), and how to release them. */
export interface ServeStreams {
  streams: ResumableStreams;
  description: string;
  close(): Promise<void>;
}

/** Reads REDIS_URL, AGENTICRAFT_REDIS_PREFIX, AGENTICRAFT_ABANDON_AFTER_MS and AGENTICRAFT_PRODUCER_GRACE_MS. */
export async function createStreams(env: NodeJS.ProcessEnv): Promise<ServeStreams> {
  const abandonAfterMs = positiveMs(env, "AGENTICRAFT_ABANDON_AFTER_MS");
  const producerGraceMs = positiveMs(env, "AGENTICRAFT_PRODUCER_GRACE_MS");
  const url = env.REDIS_URL;
  const prefix = env.AGENTICRAFT_REDIS_PREFIX;
  const store = url ? createRedisStore({ url, ...(prefix ? { prefix } : {}) }) : createMemoryStore();
  const streams = new ResumableStreams({
    store,
    ...(abandonAfterMs === undefined ? {} : { abandonAfterMs }),
    ...(producerGraceMs === undefined ? {} : { producerGraceMs }),
  });
  return {
    streams,
    description: url ? `Redis at ${redactUrl(url)}${prefix ? ` (prefix ${prefix})` : ""}` : "memory (set REDIS_URL to share streams between instances)",
    async close() {
      await streams.close();
    },
  };
}

function positiveMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigurationError(name, `expected a positive number of ms, got ${JSON.stringify(raw)}`);
  return value;
}

/** The URL without its password, for a log line. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable REDIS_URL)";
  }
}
