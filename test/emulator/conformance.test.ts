/**
 * Conformance: the official clients and our own providers, streaming and not, read the same emulator answers
 * and must agree on text, tool calls (with parsed arguments), thinking and usage.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";
import { createProvider, type Provider, type ProviderRequest, type StreamChunk, type ToolCall } from "../../src/index.js";

/** What both sides must agree on. */
interface Answer {
  text: string;
  thinking: string;
  toolCalls: Array<{ name: string; arguments: Record<string, unknown> }>;
  inputTokens: number;
  outputTokens: number;
}

const TOOLS = [
  { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
  { name: "get_time", description: "Time", parameters: { type: "object", properties: { tz: { type: "string" } } } },
];

const SCENARIOS: Array<{ name: string; prompt: string; tools?: boolean; thinking?: boolean }> = [
  { name: "plain text", prompt: "Tell me about rivers" },
  { name: "parallel tool calls", prompt: "What is the weather and time in Paris?", tools: true },
  { name: "thinking then text", prompt: "Think about 17 times 23", thinking: true },
];

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({
    ttftMs: 0,
    tps: Infinity,
    script: {
      rules: [
        {
          match: "weather",
          reply: { text: "Checking both.", toolCalls: [{ name: "get_weather", arguments: { city: "Paris" } }, { name: "get_time", arguments: { tz: "Europe/Paris" } }] },
        },
        { match: "17 times 23", reply: { thinking: "17 × 20 = 340, plus 51 is 391.", text: "17 × 23 = 391 — ünïcödé ✓." } },
      ],
    },
  });
});
after(() => server.close());

function ours(protocol: "openai" | "anthropic" | "ollama"): Provider {
  const baseUrl = protocol === "openai" ? server.openaiBaseUrl : server.url;
  return createProvider(protocol, { apiKey: "test", baseUrl, maxRetries: 0 });
}

function request(protocol: string, scenario: (typeof SCENARIOS)[number]): ProviderRequest {
  // OpenAI reasons only with its reasoning models, so the thinking scenario uses one.
  const openaiModel = scenario.thinking ? "o3-mini" : "gpt-4o-mini";
  const model = protocol === "openai" ? openaiModel : protocol === "anthropic" ? "claude-sonnet-4-5" : "qwen3:8b";
  return {
    model,
    messages: [{ role: "user", content: scenario.prompt }],
    maxTokens: 2048,
    ...(scenario.tools ? { tools: TOOLS } : {}),
    ...(scenario.thinking ? { thinking: { budgetTokens: 1024 } } : {}),
  };
}

async function ourStream(protocol: "openai" | "anthropic" | "ollama", req: ProviderRequest): Promise<Answer> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of ours(protocol).stream(req)) chunks.push(chunk);
  const final = chunks.at(-1)!;
  assert.equal(final.type, "final");
  return {
    text: chunks.map((c) => c.content).join(""),
    thinking: chunks.map((c) => (c.type === "thinking" ? (c.metadata.thinking ?? "") : "")).join(""),
    toolCalls: chunks.filter((c) => c.type === "tool_call").map((c) => pick(c.metadata.toolCall as ToolCall)),
    inputTokens: final.metadata.usage?.inputTokens ?? -1,
    outputTokens: final.metadata.usage?.outputTokens ?? -1,
  };
}

async function ourCompletion(protocol: "openai" | "anthropic" | "ollama", req: ProviderRequest): Promise<Answer> {
  const r = await ours(protocol).complete(req);
  return {
    text: r.content,
    thinking: r.thinking ?? "",
    toolCalls: r.toolCalls.map(pick),
    inputTokens: r.usage?.inputTokens ?? -1,
    outputTokens: r.usage?.outputTokens ?? -1,
  };
}

const pick = (call: { name: string; arguments: Record<string, unknown> }) => ({ name: call.name, arguments: call.arguments });

// ---- the official clients ----

async function openaiOfficial(req: ProviderRequest, stream: boolean): Promise<Answer> {
  const client = new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl, maxRetries: 0 });
  const body = {
    model: req.model,
    messages: req.messages.map((m) => ({ role: m.role as "user", content: m.content })),
    max_tokens: req.maxTokens ?? null,
    ...(req.tools ? { tools: req.tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description ?? "", parameters: t.parameters } })) } : {}),
    ...(req.thinking ? { reasoning_effort: "medium" as const } : {}),
  };
  if (!stream) {
    const done = await client.chat.completions.create({ ...body, stream: false });
    const message = done.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    return {
      text: message.content ?? "",
      thinking: message.reasoning_content ?? "",
      toolCalls: (message.tool_calls ?? []).map((c) => {
        const fn = (c as { function: { name: string; arguments: string } }).function;
        return { name: fn.name, arguments: JSON.parse(fn.arguments) as Record<string, unknown> };
      }),
      inputTokens: done.usage?.prompt_tokens ?? -1,
      outputTokens: done.usage?.completion_tokens ?? -1,
    };
  }
  const chunks = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let thinking = "";
  const calls = new Map<number, { name: string; args: string }>();
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
    text += delta?.content ?? "";
    thinking += delta?.reasoning_content ?? "";
    for (const t of delta?.tool_calls ?? []) {
      const call = calls.get(t.index) ?? { name: "", args: "" };
      call.name += t.function?.name ?? "";
      call.args += t.function?.arguments ?? "";
      calls.set(t.index, call);
    }
    if (chunk.usage) usage = chunk.usage;
  }
  return {
    text,
    thinking,
    toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({ name: c.name, arguments: JSON.parse(c.args || "{}") as Record<string, unknown> })),
    inputTokens: usage?.prompt_tokens ?? -1,
    outputTokens: usage?.completion_tokens ?? -1,
  };
}

async function anthropicOfficial(req: ProviderRequest, stream: boolean): Promise<Answer> {
  const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
  const body = {
    model: req.model,
    max_tokens: req.maxTokens ?? 1024,
    messages: req.messages.map((m) => ({ role: m.role as "user", content: m.content })),
    ...(req.tools ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description ?? "", input_schema: t.parameters as Anthropic.Tool.InputSchema })) } : {}),
    ...(req.thinking ? { thinking: { type: "enabled" as const, budget_tokens: 1024 } } : {}),
  };
  const message = stream ? await client.messages.stream(body).finalMessage() : await client.messages.create(body);
  let text = "";
  let thinking = "";
  const toolCalls: Answer["toolCalls"] = [];
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "thinking") thinking += block.thinking;
    else if (block.type === "tool_use") toolCalls.push({ name: block.name, arguments: block.input as Record<string, unknown> });
  }
  return { text, thinking, toolCalls, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
}

async function ollamaOfficial(req: ProviderRequest, stream: boolean): Promise<Answer> {
  const client = new Ollama({ host: server.url });
  const body = {
    model: req.model,
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    options: { num_predict: req.maxTokens ?? 2048 },
    ...(req.tools ? { tools: req.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description ?? "", parameters: t.parameters } })) } : {}),
    ...(req.thinking ? { think: true } : {}),
  };
  const parts = stream ? await client.chat({ ...body, stream: true } as never) : [await client.chat({ ...body, stream: false } as never)];
  let text = "";
  let thinking = "";
  const toolCalls: Answer["toolCalls"] = [];
  let inputTokens = -1;
  let outputTokens = -1;
  for await (const part of parts as AsyncIterable<{ message: { content: string; thinking?: string; tool_calls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }> }; done: boolean; prompt_eval_count?: number; eval_count?: number }>) {
    text += part.message.content;
    thinking += part.message.thinking ?? "";
    for (const call of part.message.tool_calls ?? []) toolCalls.push({ name: call.function.name, arguments: call.function.arguments });
    if (part.done) {
      inputTokens = part.prompt_eval_count ?? -1;
      outputTokens = part.eval_count ?? -1;
    }
  }
  return { text, thinking, toolCalls, inputTokens, outputTokens };
}

const OFFICIAL = { openai: openaiOfficial, anthropic: anthropicOfficial, ollama: ollamaOfficial } as const;

for (const protocol of ["openai", "anthropic", "ollama"] as const) {
  for (const scenario of SCENARIOS) {
    for (const stream of [true, false]) {
      test(`${protocol} ${stream ? "streaming" : "non-streaming"}, ${scenario.name}: the official client and our provider read the same answer`, async () => {
        const req = request(protocol, scenario);
        const official = await OFFICIAL[protocol](req, stream);
        const mine = stream ? await ourStream(protocol, req) : await ourCompletion(protocol, req);
        assert.deepEqual(mine, official);
        assert.ok(official.text.length > 0 || official.toolCalls.length > 0, "the answer is not empty");
        assert.ok(official.inputTokens > 0 && official.outputTokens > 0, "usage was reported");
        if (scenario.tools) assert.equal(official.toolCalls.length, 2);
        if (scenario.thinking) assert.ok(official.thinking.length > 0, "thinking was sent");
      });
    }
  }
}
