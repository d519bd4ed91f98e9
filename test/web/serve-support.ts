/** Helpers of the serve tests: raw SSE events from a response, the emulator's answer, `serve` child processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { EventSourceParserStream } from "eventsource-parser/stream";

/** One SSE event as sent on the wire. */
export interface WireEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** The events of an SSE response body, in order (keep-alive comments skipped). */
export async function* wireEvents(response: Response): AsyncGenerator<WireEvent, void, undefined> {
  if (response.body === null) throw new Error("response has no body");
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value: e, done } = await reader.read();
      if (done) return;
      yield { id: e.id, event: e.event ?? "message", data: e.data };
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The text an event adds to the answer (text chunks only). */
export function textOf(event: WireEvent): string {
  if (event.event !== "text") return "";
  return (JSON.parse(event.data) as { content: string }).content;
}

/** Reads events until `stop(event, index)` says so or the stream ends; returns them (the body is cancelled). */
export async function readEvents(response: Response, stop: (event: WireEvent, index: number) => boolean = () => false): Promise<WireEvent[]> {
  const events: WireEvent[] = [];
  const iterator = wireEvents(response);
  for await (const event of iterator) {
    events.push(event);
    if (event.event === "done" || event.event === "error" || stop(event, events.length - 1)) break;
  }
  return events;
}

/** A long, word-per-token answer: the emulator streams it slowly enough to drop and resume in the middle. */
export function longAnswer(words = 120): string {
  return Array.from({ length: words }, (_, i) => `word${i}`).join(" ") + ".";
}

/** A key prefix unique to this test run (Redis is shared by everyone on the machine). */
export const uniquePrefix = (what: string) => `agenticraft-test:${what}:${randomUUID()}:`;

/** A running `agenticraft serve` child. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Spawns `agenticraft serve --port 0` from source and resolves with its URL once it listens. */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "serve", "--port", "0", ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start in 20 s:\n${out}`));
    }, 20_000);
    const onData = (d: string) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        const closed = new Promise<void>((r) => child.once("close", () => r()));
        resolve({
          url: match[1],
          child,
          output: () => out,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            await closed;
          },
        });
      }
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${out}`));
    });
  });
}

/** The environment of a serve child: no provider keys but the one given, nothing from the caller's Redis setup. */
export function serveEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["ANTHROPIC_API_KEY", "FORCE_COLOR"]) if (!(name in extra)) delete env[name];
  if (!("OPENAI_API_KEY" in extra)) delete env["OPENAI_API_KEY"];
  if (!("REDIS_URL" in extra)) delete env["REDIS_URL"];
  return env;
}
