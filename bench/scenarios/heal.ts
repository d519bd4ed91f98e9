/**
 * Streams that heal (issue 11): the time from a break mid-answer to the first healed chunk, against the time to
 * first chunk of a fresh request, on the same emulator with the same pacing (first token after 30 ms, the
 * emulator's default, then no delay). The break: OpenAI drops the connection after 20 chunks; Anthropic sends
 * its in-stream `overloaded_error` after 20 chunks. `fail-first=1` (one counter key per run) lets the
 * continuation through. The break's moment is when the step sees the failed attempt (healStep's `onAttempt`).
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { createAnthropicProvider, createOpenAIProvider, type Provider, type StreamChunk } from "agenticraft";
import { CLIENTS } from "../clients/index.js";
import { REPO_ROOT } from "../lib/paths.js";
import { param, type Job, type Scenario } from "./scenario.js";

const TTFT_MS = 30;
const BREAK_AFTER = 20;
const PROTOCOL = { openai: 0, anthropic: 1 } as const;

interface HealModule {
  healedStream(options: {
    request: { model: string; messages: Array<{ role: "user"; content: string }> };
    chain: Array<{ provider: Provider }>;
    continueBroken: boolean;
    onAttempt?: () => void;
  }): AsyncIterable<StreamChunk>;
}

export const heal: Scenario = {
  name: "heal",
  title: "Streams that heal",
  jobs({ quick }) {
    const runs = quick ? 5 : 30;
    return (["openai", "anthropic"] as const).map((protocol): Job => ({
      client: CLIENTS.find((c) => c.protocol === protocol && c.name === "agenticraft-agent")!,
      variant: protocol === "openai" ? "drop-after" : "error-after",
      params: { protocol: PROTOCOL[protocol], runs },
    }));
  },
  async measure(_client, spec) {
    const { healedStream } = (await import(pathToFileURL(resolve(REPO_ROOT, "dist/agent/heal.js")).href)) as HealModule;
    const anthropic = param(spec, "protocol") === PROTOCOL.anthropic;
    const runs = param(spec, "runs");
    const pacing = { "x-emulator-ttft-ms": String(TTFT_MS), "x-emulator-tps": "0" };
    const make = (headers: Record<string, string>): Provider =>
      anthropic
        ? createAnthropicProvider({ baseUrl: spec.url, apiKey: "bench", maxRetries: 0, headers })
        : createOpenAIProvider({ baseUrl: `${spec.url}/v1`, apiKey: "bench", maxRetries: 0, headers });
    const request = { model: anthropic ? "claude-sonnet-4-5" : "gpt-4o-mini", messages: [{ role: "user" as const, content: "Tell me a long story" }] };
    const fault = anthropic ? "error-after" : "drop-after";
    const fresh: number[] = [];
    const healed: number[] = [];
    for (let i = -3; i < runs; i++) { // three warm-ups
      // A fresh request: from the call to its first text chunk.
      const started = performance.now();
      let firstAt: number | undefined;
      for await (const chunk of make(pacing).stream(request)) if (firstAt === undefined && chunk.content !== "") firstAt = performance.now();
      // A broken one: from the failed attempt to the first chunk of the continuation.
      const headers = { ...pacing, "x-emulator-fault": `${fault}=${BREAK_AFTER},fail-first=1,key=heal-${process.pid}-${i}` };
      let brokeAt: number | undefined;
      let healedAt: number | undefined;
      let text = "";
      const stream = healedStream({ request, chain: [{ provider: make(headers) }], continueBroken: true, onAttempt: () => (brokeAt = performance.now()) });
      for await (const chunk of stream) {
        text += chunk.content;
        if (healedAt === undefined && brokeAt !== undefined && chunk.content !== "") healedAt = performance.now();
      }
      if (brokeAt === undefined || healedAt === undefined || firstAt === undefined) throw new Error("the stream did not break and heal");
      if (text.length === 0) throw new Error("no text");
      if (i < 0) continue;
      fresh.push(firstAt - started);
      healed.push(healedAt - brokeAt);
    }
    const freshMs = median(fresh);
    const healedMs = median(healed);
    return { ok: true, metrics: { freshTtftMs: freshMs, breakToHealedMs: healedMs, ratio: healedMs / freshMs, overheadMs: healedMs - freshMs } };
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
