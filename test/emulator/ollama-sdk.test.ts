/** Conformance: the official `ollama` client reads the emulator as it reads a real Ollama server. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ollama } from "ollama";
import { startEmulator, type EmulatorServer } from "../../src/emulator/index.js";

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({
    ttftMs: 0,
    tps: Infinity,
    script: {
      rules: [
        {
          match: "tokyo",
          reply: {
            thinking: "User wants Tokyo weather.",
            toolCalls: [{ name: "get_weather", arguments: { city: "Tokyo", unit: "celsius" } }, { name: "get_time", arguments: { tz: "Asia/Tokyo" } }],
            afterToolResults: (results) => ({ text: `Tokyo: ${results.map((r) => `${r.name} says ${r.content}`).join("; ")}.` }),
          },
        },
      ],
      default: { thinking: "Easy.", text: "The sky is blue because of Rayleigh scattering." },
    },
  });
});
after(() => server.close());

const MODEL = "qwen3:8b";
const withHeaders = (headers: Record<string, string>) => new Ollama({ host: server.url, headers });

test("chat({stream:true}) yields the scripted text, thinking when think is set, and usage on the done part", async () => {
  const ollama = new Ollama({ host: server.url });
  const parts = await ollama.chat({ model: MODEL, stream: true, think: true, messages: [{ role: "user", content: "Why is the sky blue?" }] });
  let text = "";
  let thinking = "";
  let last: { done: boolean; done_reason: string; eval_count: number; prompt_eval_count: number } | undefined;
  for await (const part of parts) {
    text += part.message.content;
    thinking += part.message.thinking ?? "";
    last = part;
  }
  assert.equal(text, "The sky is blue because of Rayleigh scattering.");
  assert.equal(thinking, "Easy.");
  assert.equal(last?.done, true);
  assert.equal(last?.done_reason, "stop");
  assert.equal(last?.eval_count, 1 + 8);
  assert.equal(last?.prompt_eval_count, 5);
});

test("non-streaming chat() returns whole tool calls with object arguments", async () => {
  const ollama = new Ollama({ host: server.url });
  const res = await ollama.chat({ model: MODEL, messages: [{ role: "user", content: "Weather in Tokyo?" }] });
  assert.equal(server.requests.at(-1)?.path, "/api/chat");
  assert.equal((server.requests.at(-1)?.body as { stream: boolean }).stream, false, "the client asks for stream:false explicitly");
  assert.deepEqual(
    res.message.tool_calls?.map((c) => [c.function.name, c.function.arguments]),
    [["get_weather", { city: "Tokyo", unit: "celsius" }], ["get_time", { tz: "Asia/Tokyo" }]],
  );
  assert.equal(res.done_reason, "stop");
});

test("role:tool messages get the scripted follow-up, with tool_name as the result's name", async () => {
  const ollama = new Ollama({ host: server.url });
  const parts = await ollama.chat({
    model: MODEL,
    stream: true,
    messages: [
      { role: "user", content: "Weather in Tokyo?" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Tokyo" } } }] },
      { role: "tool", content: "22°C", tool_name: "get_weather" },
    ],
  });
  let text = "";
  for await (const part of parts) text += part.message.content;
  assert.equal(text, "Tokyo: get_weather says 22°C.");
});

test("HTTP errors become ResponseError with the status and Ollama's message", async () => {
  await assert.rejects(
    withHeaders({ "x-emulator-fault": "status=503" }).chat({ model: MODEL, messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => (e as { status_code?: number }).status_code === 503 && /server busy/.test((e as Error).message),
  );
  await assert.rejects(
    withHeaders({}).chat({ model: "", messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => (e as { status_code?: number }).status_code === 400 && /model is required/.test((e as Error).message),
  );
});

test("an {error} line mid-stream makes the iterator throw after the partial text", async () => {
  const parts = await withHeaders({ "x-emulator-fault": "error-after=3" }).chat({ model: MODEL, stream: true, messages: [{ role: "user", content: "sky?" }] });
  let text = "";
  await assert.rejects(
    (async () => {
      for await (const part of parts) text += part.message.content;
    })(),
    /an error was encountered while running the model/,
  );
  assert.equal(text, "The sky is");
});

test("a scripted reply from the x-emulator-reply header, set once on the client", async () => {
  const ollama = withHeaders({ "x-emulator-reply": JSON.stringify({ text: "Scripted by header." }) });
  const res = await ollama.chat({ model: MODEL, messages: [{ role: "user", content: "anything" }] });
  assert.equal(res.message.content, "Scripted by header.");
  assert.deepEqual((await ollama.list()).models.map((m) => m.name), ["llama3.2:latest", "qwen3:8b"]);
  assert.equal((await ollama.version()).version, "0.12.3");
});
