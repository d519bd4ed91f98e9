/**
 * Tools (issue 8): (a) CPU per chunk of `agent.stream` with tools configured but not called, against the same
 * agent without tools; (b) incremental partial-argument parsing of one 100 KB argument in 4,000 deltas, against
 * one `JSON.parse` of the whole; (c) the CPU a tool round adds beyond the tool's own work: an agent run with one
 * round (two model calls on the in-process mock provider, a tool that returns at once) minus the same two model
 * calls made directly on the provider.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { Agent, createMockProvider, tool, type StreamChunk } from "agenticraft";
import { CLIENTS, TOOL_CLIENTS } from "../clients/index.js";
import { collect, timed } from "../lib/probe.js";
import { REPO_ROOT } from "../lib/paths.js";
import { benchHeaders, check, noop, param, type Job, type Scenario } from "./scenario.js";

const WARMUP_CHUNKS = 2_000;
export const PARTIAL_ARGUMENT_BYTES = 100_000;
export const PARTIAL_ARGUMENT_DELTAS = 4_000;
const KIND = { cpu: 0, partial: 1, round: 2 } as const;

export const tools: Scenario = {
  name: "tools",
  title: "Tools",
  jobs({ quick }, expectedChars) {
    const chunks = quick ? 10_000 : 100_000;
    const plain = CLIENTS.find((c) => c.protocol === "openai" && c.name === "agenticraft-agent")!;
    const withTools = TOOL_CLIENTS.find((c) => c.name === "agenticraft-agent-tools")!;
    const cpu = (client: typeof plain): Job => ({
      client,
      variant: String(chunks),
      params: { kind: KIND.cpu, chunks, chars: expectedChars(chunks), warmup: WARMUP_CHUNKS, warmupChars: expectedChars(WARMUP_CHUNKS) },
    });
    return [
      cpu(plain),
      cpu(withTools),
      { client: withTools, variant: "partial-arguments", params: { kind: KIND.partial, repeat: quick ? 5 : 20 } },
      { client: withTools, variant: "tool-round", params: { kind: KIND.round, rounds: quick ? 200 : 1_000 } },
    ];
  },
  async measure(client, spec) {
    const kind = param(spec, "kind");
    if (kind === KIND.partial) return { ok: true, metrics: await partialArguments(param(spec, "repeat")) };
    if (kind === KIND.round) return { ok: true, metrics: await toolRound(param(spec, "rounds")) };
    const chunks = param(spec, "chunks");
    const warm = await client.setup({ url: spec.url, headers: benchHeaders(param(spec, "warmup")) });
    check(await warm(noop), param(spec, "warmup"), param(spec, "warmupChars"));
    const run = await client.setup({ url: spec.url, headers: benchHeaders(chunks) });
    collect();
    const { value, cpuUs } = await timed(() => run(noop));
    check(value, chunks, param(spec, "chars"));
    return { ok: true, metrics: { cpuUsPerChunk: cpuUs / chunks } };
  },
};

/** (b): the arguments are `{"path": …, "content": <~100 KB of text with escapes>}`, cut into equal deltas. */
async function partialArguments(repeat: number): Promise<Record<string, number>> {
  const url = pathToFileURL(resolve(REPO_ROOT, "dist/agent/partial-json.js")).href;
  const { PartialJsonParser } = (await import(url)) as { PartialJsonParser: new () => { push(d: string): Record<string, unknown> } };
  const line = 'Streaming "tool" arguments\\n arrive in pieces; ';
  const content = line.repeat(Math.ceil(PARTIAL_ARGUMENT_BYTES / line.length)).slice(0, PARTIAL_ARGUMENT_BYTES);
  const text = JSON.stringify({ path: "notes/streaming.md", content });
  const size = Math.ceil(text.length / PARTIAL_ARGUMENT_DELTAS);
  const deltas: string[] = [];
  for (let i = 0; i < text.length; i += size) deltas.push(text.slice(i, i + size));
  const parse = () => {
    const parser = new PartialJsonParser();
    let last: Record<string, unknown> = {};
    for (const d of deltas) last = parser.push(d);
    return last;
  };
  const whole = JSON.parse(text) as Record<string, unknown>;
  if ((parse()["content"] as string) !== whole["content"]) throw new Error("partial parser disagrees with JSON.parse");
  for (let i = 0; i < 5; i++) {
    parse();
    JSON.parse(text);
  }
  collect();
  const incremental = cpuOf(() => { for (let i = 0; i < repeat; i++) parse(); }) / repeat;
  const once = cpuOf(() => { for (let i = 0; i < repeat * 10; i++) JSON.parse(text); }) / (repeat * 10);
  return { partialUs: incremental, jsonParseUs: once, ratio: incremental / once, deltas: deltas.length };
}

/** (c): CPU of a run with one tool round, minus the same two model calls made on the provider directly. */
async function toolRound(rounds: number): Promise<Record<string, number>> {
  const turns = [
    { text: "Let me check.", toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] },
    { text: "It is 21 degrees and clear in Paris." },
  ];
  const getWeather = tool({
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    execute: ({ city }) => ({ city, tempC: 21 }), // no work of its own
  });
  const drain = async (stream: AsyncIterable<StreamChunk>) => {
    let n = 0;
    for await (const _ of stream) n++;
    return n;
  };
  const viaAgent = async () => {
    const agent = new Agent({ provider: createMockProvider({ responses: turns }), tools: [getWeather] });
    await drain(agent.stream("Weather in Paris?"));
  };
  const direct = async () => {
    const provider = createMockProvider({ responses: turns });
    const request = { model: "mock", messages: [{ role: "user" as const, content: "Weather in Paris?" }] };
    await drain(provider.stream(request));
    await drain(provider.stream(request));
  };
  for (let i = 0; i < 50; i++) {
    await viaAgent();
    await direct();
  }
  collect();
  const agentUs = (await timed(async () => { for (let i = 0; i < rounds; i++) await viaAgent(); })).cpuUs / rounds;
  collect();
  const directUs = (await timed(async () => { for (let i = 0; i < rounds; i++) await direct(); })).cpuUs / rounds;
  return { agentRunUs: agentUs, twoCallsUs: directUs, roundOverheadMs: (agentUs - directUs) / 1000 };
}

function cpuOf(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}
