import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createOllamaProvider, listOllamaModels, ollamaVersion, showOllamaModel } from "../../src/providers/ollama.js";
import type { CompletionResult, ProviderRequest } from "../../src/providers/provider.js";
import { ProviderError, StreamInterruptedError, WireFormatError, type ToolCall, type ToolCallDelta } from "../../src/index.js";
import { startFixtureServer, parseHttpFixture, type FixtureReply } from "../support/fixture-server.js";
import { fixtureNames, mulberry32, oneByteSplits, randomSplits, readFixture, splitAt } from "../support/split.js";
import { drainStream, eventually } from "../support/sources.js";
import { assertStreamError } from "../support/expected.js";

const NDJSON = { "content-type": "application/x-ndjson" };
const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };
const request: ProviderRequest = { model: "llama3.2", messages: [{ role: "user", content: "Why is the sky blue?" }] };

interface Expected {
  text: string;
  thinking: string;
  tool_calls: Array<{ id: string | null; name: string; arguments: unknown }>;
  usage: null | {
    input_tokens: number;
    output_tokens: number;
    total_duration_ns?: number;
    load_duration_ns?: number;
    prompt_eval_duration_ns?: number;
    eval_duration_ns?: number;
  };
  finish_reason: string | null;
  error: null | { source: string; status: number; type: string | null; message: string };
  complete: boolean;
}

function readExpected<T = Expected>(name: string): T {
  return JSON.parse(readFileSync(join("test/fixtures/wire", name), "utf8")) as T;
}

/** Starts a fixture server, runs `fn`, and always closes it. */
async function withServer<T>(
  replies: FixtureReply[] | Parameters<typeof startFixtureServer>[0],
  fn: (server: Awaited<ReturnType<typeof startFixtureServer>>) => Promise<T>,
): Promise<T> {
  const server = await startFixtureServer(replies);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}



const NS_METRICS = [
  ["total_duration_ns", "totalDurationMs"],
  ["load_duration_ns", "loadDurationMs"],
  ["prompt_eval_duration_ns", "promptEvalDurationMs"],
  ["eval_duration_ns", "evalDurationMs"],
] as const;

function check(name: string, expected: Expected, model: string, outcome: Awaited<ReturnType<typeof drainStream<CompletionResult>>>, label: string): void {
  const where = `${name} (${label})`;
  const { chunks, error, result } = outcome;
  assert.equal(chunks.map((c) => c.content).join(""), expected.text, `${where}: text`);
  assert.equal(chunks.map((c) => (c.type === "thinking" ? (c.metadata.thinking ?? "") : "")).join(""), expected.thinking, `${where}: thinking`);
  chunks.forEach((c, i) => {
    assert.equal(c.metadata.provider, "ollama", where);
    assert.equal(c.metadata.model, model, where);
    assert.equal(c.metadata.chunkIndex, i, `${where}: chunkIndex`);
    if (c.type !== "text") assert.equal(c.content, "", `${where}: only text chunks carry content`);
  });

  const calls = chunks.filter((c) => c.type === "tool_call").map((c) => c.metadata.toolCall as ToolCall);
  assert.equal(calls.length, expected.tool_calls.length, `${where}: tool calls`);
  expected.tool_calls.forEach((want, i) => {
    const got = calls[i]!;
    if (want.id === null) assert.ok(typeof got.id === "string" && got.id.length > 0, `${where}: generated id`);
    else assert.equal(got.id, want.id, where);
    assert.equal(got.name, want.name, where);
    assert.deepEqual(got.arguments, want.arguments, where);
  });
  const deltas = chunks.filter((c) => c.type === "tool_call_delta").map((c) => c.metadata.toolCall as ToolCallDelta);
  assert.deepEqual(
    deltas.map((d) => ({ index: d.index, id: d.id, name: d.name, arguments: JSON.parse(d.argumentsDelta) as unknown })),
    calls.map((c, index) => ({ index, id: c.id, name: c.name, arguments: c.arguments })),
    `${where}: one whole delta per call`,
  );

  const finals = chunks.filter((c) => c.type === "final");
  assert.equal(finals.length, expected.complete ? 1 : 0, `${where}: complete`);
  if (expected.complete) {
    assert.equal(error, undefined, where);
    const final = finals[0]!;
    assert.equal(chunks.at(-1), final, `${where}: final comes last`);
    assert.ok(final.isFinal && chunks.every((c) => c.isFinal === (c === final)), where);
    const m = final.metadata;
    assert.equal(m.providerFinishReason ?? null, expected.finish_reason, `${where}: raw finish reason`);
    assert.equal(m.finishReason, expected.tool_calls.length > 0 ? "tool_calls" : expected.finish_reason === "length" ? "length" : "stop", where);
    if (expected.usage === null) {
      assert.equal(m.usage, undefined, where);
      assert.equal(m.timings, undefined, where);
    } else {
      const { input_tokens, output_tokens } = expected.usage;
      assert.deepEqual(m.usage, { inputTokens: input_tokens, outputTokens: output_tokens, totalTokens: input_tokens + output_tokens }, where);
      const timings: Record<string, number> = {};
      for (const [ns, ms] of NS_METRICS) {
        const value = expected.usage[ns];
        if (value !== undefined) timings[ms] = value / 1e6;
      }
      assert.deepEqual(m.timings, timings, `${where}: timings`);
    }
    assert.ok(result !== undefined, where);
    assert.equal(result.content, expected.text, where);
    assert.equal(result.thinking, expected.thinking === "" ? undefined : expected.thinking, where);
    assert.deepEqual(result.toolCalls, calls, where);
    assert.equal(result.finishReason, m.finishReason, where);
    assert.equal(result.providerFinishReason, m.providerFinishReason, where);
    assert.deepEqual(result.usage, m.usage, where);
    assert.equal(result.provider, "ollama", where);
    assert.equal(result.model, model, where);
  }
  if (expected.error !== null) {
    assertStreamError(error, { text: expected.text, error: expected.error }, where);
    assert.ok((error.cause as Error).message.includes(expected.error.message), where);
    assert.equal(result, undefined, where);
  }
}

/** Cuts right after the first byte of every multi-byte UTF-8 character: each such character is split. */
function insideCharacters(bytes: Uint8Array): Uint8Array[] {
  const cuts: number[] = [];
  for (let i = 1; i < bytes.length; i++) if ((bytes[i]! & 0xc0) === 0x80 && (bytes[i - 1]! & 0xc0) !== 0x80) cuts.push(i);
  return splitAt(bytes, cuts);
}

for (const name of fixtureNames("ollama", ".ndjson")) {
  test(`Ollama fixture ${name} yields what its .expected.json says, whole, byte by byte, cut inside characters and at 20 seeded random cuts`, async () => {
    const body = readFixture(name);
    const expected = readExpected(name.replace(/\.ndjson$/, ".expected.json"));
    const model = (JSON.parse(new TextDecoder().decode(body).split("\n")[0]!) as { model?: string }).model ?? "llama3.2";
    let pieces: Uint8Array[] = [body];
    await withServer(() => ({ headers: NDJSON, pieces }), async (server) => {
      const provider = createOllamaProvider({ baseUrl: server.url, maxRetries: 0 });
      const run = async (label: string, next: Uint8Array[]) => {
        pieces = next;
        check(name, expected, model, await drainStream(provider.stream({ ...request, model })), label);
      };
      await run("whole", [body]);
      await run("1-byte", oneByteSplits(body));
      await run("inside characters", insideCharacters(body));
      const rng = mulberry32(0x0113a + name.length);
      for (let i = 0; i < 20; i++) await run(`random #${i}`, randomSplits(body, rng, 1 + (i % 5) * 8));
    });
  });
}

test("the mid-character split really cuts multi-byte characters (the × signs of thinking.ndjson)", () => {
  const pieces = insideCharacters(readFixture("ollama/thinking.ndjson"));
  assert.equal(pieces.length, 5, "four × signs, four cuts");
  assert.equal(pieces.slice(1).filter((p) => (p[0]! & 0xc0) === 0x80).length, 4, "each later piece starts with a continuation byte");
});

for (const status of [401, 404, 429, 503]) {
  test(`Ollama HTTP ${status} becomes a ProviderError with the status and Ollama's message, from stream() and complete()`, async () => {
    const fixture = parseHttpFixture(readFileSync(`test/fixtures/wire/ollama/http-${status}.http`, "utf8"));
    const expected = readExpected(`ollama/http-${status}.expected.json`).error!;
    await withServer([{ status: fixture.status, headers: fixture.headers, pieces: [Buffer.from(fixture.body)] }], async (server) => {
      const provider = createOllamaProvider({ baseUrl: server.url, maxRetries: 0 });
      const { chunks, error } = await drainStream(provider.stream(request));
      assert.equal(chunks.length, 0);
      const fromComplete = await provider.complete(request).catch((e: unknown) => e);
      for (const e of [error, fromComplete]) {
        assert.ok(e instanceof ProviderError, String(e));
        assert.equal(e.provider, "ollama");
        assert.equal(e.status, expected.status);
        assert.equal(e.providerMessage, expected.message);
        assert.equal(e.retryable, status === 429 || status === 503);
      }
      assert.equal(server.requests.length, 2, "maxRetries: 0 sends each call once");
    });
  });
}

test("a 503 twice then a stream succeeds after 3 requests with maxRetries 2", async () => {
  const fixture = parseHttpFixture(readFileSync("test/fixtures/wire/ollama/http-503.http", "utf8"));
  // retry-after-ms keeps the backoff short; without it the jittered backoff could take a second.
  const busy: FixtureReply = { status: 503, headers: { ...fixture.headers, "retry-after-ms": "1" }, pieces: [Buffer.from(fixture.body)] };
  await withServer([busy, busy, { headers: NDJSON, pieces: [readFixture("ollama/text.ndjson")] }], async (server) => {
    const provider = createOllamaProvider({ baseUrl: server.url, maxRetries: 2 });
    const { chunks, error } = await drainStream(provider.stream(request));
    assert.equal(error, undefined);
    assert.equal(chunks.map((c) => c.content).join(""), "The sky is blue because of Rayleigh scattering.");
    assert.equal(server.requests.length, 3);
  });
});

test("a 404 (unknown model) is not retried", async () => {
  const fixture = parseHttpFixture(readFileSync("test/fixtures/wire/ollama/http-404.http", "utf8"));
  await withServer([{ status: 404, headers: fixture.headers, pieces: [Buffer.from(fixture.body)] }], async (server) => {
    const provider = createOllamaProvider({ baseUrl: server.url, maxRetries: 2 });
    const { error } = await drainStream(provider.stream({ ...request, model: "llama9" }));
    assert.ok(error instanceof ProviderError && error.status === 404 && error.providerMessage === "model 'llama9' not found", String(error));
    assert.equal(server.requests.length, 1);
  });
});

/** The first `count` lines of text.ndjson ("The", " sky", " is", " blue", …), each with its newline. */
function textLines(count: number): Uint8Array {
  const lines = new TextDecoder().decode(readFixture("ollama/text.ndjson")).split("\n");
  return new TextEncoder().encode(lines.slice(0, count).map((l) => `${l}\n`).join(""));
}

test("aborting mid-stream is 'aborted' with the exact partial text, and the server sees the connection close", async () => {
  await withServer([{ headers: NDJSON, pieces: [textLines(4)], stallAfter: true }], async (server) => {
    const provider = createOllamaProvider({ baseUrl: server.url });
    const controller = new AbortController();
    let text = "";
    const error = await (async () => {
      for await (const chunk of provider.stream(request, { signal: controller.signal })) {
        text += chunk.content;
        if (text === "The sky is blue") controller.abort();
      }
    })().catch((e: unknown) => e);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "aborted");
    assert.equal(error.partialResponse, "The sky is blue");
    await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
  });
});

test("breaking out of the loop early closes the connection at once", async () => {
  await withServer([{ headers: NDJSON, pieces: [textLines(4)], stallAfter: true }], async (server) => {
    const provider = createOllamaProvider({ baseUrl: server.url });
    const stream = provider.stream(request);
    let text = "";
    for await (const chunk of stream) {
      text += chunk.content;
      if (text === "The sky") break;
    }
    assert.equal(stream.result, undefined);
    await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
  });
});

test("a connection dropped mid-stream is 'network' with the exact partial text", async () => {
  await withServer([{ headers: NDJSON, pieces: [textLines(4)], dropAfter: true }], async (server) => {
    const { chunks, error } = await drainStream(createOllamaProvider({ baseUrl: server.url, maxRetries: 0 }).stream(request));
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "network");
    assert.equal(error.partialResponse, "The sky is blue");
    assert.equal(chunks.map((c) => c.content).join(""), "The sky is blue");
  });
});

test("a response that ends cleanly without the done line is 'network' (truncated)", async () => {
  await withServer([{ headers: NDJSON, pieces: [textLines(4)] }], async (server) => {
    const { chunks, error } = await drainStream(createOllamaProvider({ baseUrl: server.url }).stream(request));
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "network");
    assert.match(error.message, /done/);
    assert.equal(error.partialResponse, "The sky is blue");
    assert.ok(chunks.every((c) => c.type !== "final"), "no final chunk");
  });
});

test("a stalled stream fails with 'timeout' after the idle timeout, keeping the text", async () => {
  await withServer([{ headers: NDJSON, pieces: [textLines(2)], stallAfter: true }], async (server) => {
    const { error } = await drainStream(createOllamaProvider({ baseUrl: server.url, timeout: 150 }).stream(request));
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "timeout");
    assert.equal(error.partialResponse, "The sky");
  });
});

test("a malformed line mid-stream is 'provider' with a WireFormatError cause, keeping the text", async () => {
  const layouts = (bad: string) => [
    [textLines(3), Buffer.from(bad), textLines(10)],
    [Buffer.concat([textLines(3), Buffer.from(bad), textLines(10)])], // good and bad lines in one read
  ];
  for (const pieces of ["{not json\n", "[1,2]\n"].flatMap(layouts)) {
    await withServer([{ headers: NDJSON, pieces }], async (server) => {
      const { chunks, error } = await drainStream(createOllamaProvider({ baseUrl: server.url }).stream(request));
      assert.ok(error instanceof StreamInterruptedError, String(error));
      assert.equal(error.reason, "provider");
      // Every line before the bad one counts, even when it shares a read with it.
      assert.equal(error.partialResponse, "The sky is");
      assert.equal(chunks.map((c) => c.content).join(""), "The sky is");
      assert.ok(error.cause instanceof WireFormatError, String(error.cause));
    });
  }
});

test("edge cases of the wire: CRLF, blank lines, no id, content on the done line, no message, no metrics, no final newline", async () => {
  const lines = [
    '{"model":"llama3.1","message":{"role":"assistant","content":"","thinking":"Hmm."},"done":false}',
    "",
    '{"model":"llama3.1","message":{"role":"assistant","content":"Let me check.","thinking":" Tools."},"done":false,"remote_host":"x"}',
    '{"model":"llama3.1","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"a","arguments":{}}},{"function":{"name":"b","arguments":{"n":1}}}]},"done":false}',
    '{"model":"llama3.1","message":{"role":"assistant","content":" Done."},"done":true,"done_reason":"length"}',
  ];
  const body = Buffer.from(lines.join("\r\n"));
  await withServer([{ headers: NDJSON, pieces: [body] }], async (server) => {
    const { chunks, error, result } = await drainStream(createOllamaProvider({ baseUrl: server.url }).stream(request));
    assert.equal(error, undefined);
    assert.deepEqual(
      chunks.map((c) => [c.type, c.content, c.metadata.thinking ?? (c.metadata.toolCall as ToolCall | undefined)?.id ?? null]),
      [
        ["thinking", "", "Hmm."],
        ["thinking", "", " Tools."],
        ["text", "Let me check.", null],
        ["tool_call_delta", "", "call_0"],
        ["tool_call", "", "call_0"],
        ["tool_call_delta", "", "call_1"],
        ["tool_call", "", "call_1"],
        ["text", " Done.", null],
        ["final", "", null],
      ],
    );
    const final = chunks.at(-1)!.metadata;
    assert.equal(final.finishReason, "tool_calls", "calls were seen");
    assert.equal(final.providerFinishReason, "length");
    assert.equal(final.usage, undefined, "no counts on the wire, no usage");
    assert.equal(final.timings, undefined);
    assert.equal(result?.content, "Let me check. Done.");
    assert.equal(result?.thinking, "Hmm. Tools.");
    assert.deepEqual(result?.toolCalls.map((c) => [c.id, c.name, c.arguments]), [["call_0", "a", {}], ["call_1", "b", { n: 1 }]]);
  });
  // A done line with no message at all, and a done_reason beyond stop/length.
  const bare = Buffer.from('{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n{"model":"m","done":true,"done_reason":"load","eval_count":1}\n');
  await withServer([{ headers: NDJSON, pieces: [bare] }], async (server) => {
    const { chunks, error } = await drainStream(createOllamaProvider({ baseUrl: server.url }).stream(request));
    assert.equal(error, undefined);
    const final = chunks.at(-1)!.metadata;
    assert.deepEqual([final.finishReason, final.providerFinishReason, final.usage], ["stop", "load", { inputTokens: 0, outputTokens: 1, totalTokens: 1 }]);
  });
});

test("the request: POST /api/chat with stream, options, think, tools and tool-result messages; no Authorization without a key", async () => {
  await withServer([{ headers: NDJSON, pieces: [readFixture("ollama/tool-call.ndjson")] }], async (server) => {
    const provider = createOllamaProvider({ baseUrl: server.url });
    const parameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    await drainStream(provider.stream({
      model: "ollama/qwen3:8b",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Weather in Tokyo?" },
        { role: "assistant", content: "", thinking: { text: "Need the tool." }, toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Tokyo" } }] },
        { role: "tool", content: "22°C", toolName: "get_weather", toolCallId: "call_1" },
      ],
      temperature: 0.2,
      maxTokens: 64,
      thinking: true,
      tools: [{ name: "get_weather", description: "Current weather", parameters }],
    }));
    const received = server.requests[0]!;
    assert.equal(received.method, "POST");
    assert.equal(received.url, "/api/chat");
    assert.equal(received.headers["content-type"], "application/json");
    assert.equal(received.headers["authorization"], undefined);
    assert.deepEqual(JSON.parse(received.body), {
      model: "qwen3:8b",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Weather in Tokyo?" },
        { role: "assistant", content: "", thinking: "Need the tool.", tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: { city: "Tokyo" } } }] },
        { role: "tool", content: "22°C", tool_name: "get_weather", tool_call_id: "call_1" },
      ],
      stream: true,
      options: { temperature: 0.2, num_predict: 64 },
      tools: [{ type: "function", function: { name: "get_weather", description: "Current weather", parameters } }],
      think: true,
    });
  });
});

test("an apiKey (ollama.com) is sent as a Bearer token and never shows in an error", async () => {
  const key = "ollama-cloud-SECRET-0123456789";
  await withServer([{ status: 401, headers: JSON_TYPE, pieces: [Buffer.from(`{"error":"unauthorized key ${key}"}`)] }], async (server) => {
    const error = await createOllamaProvider({ baseUrl: server.url, apiKey: key, maxRetries: 0 }).complete(request).catch((e: unknown) => e);
    assert.equal(server.requests[0]!.headers["authorization"], `Bearer ${key}`);
    assert.ok(error instanceof ProviderError && error.status === 401, String(error));
    assert.ok(!error.message.includes(key) && !String(error.providerMessage).includes(key), "the key is redacted");
  });
});

test("OLLAMA_HOST (even without a scheme) sets the base URL; an explicit baseUrl wins; the default is 127.0.0.1:11434", async () => {
  const saved = process.env["OLLAMA_HOST"];
  try {
    await withServer([{ headers: NDJSON, pieces: [readFixture("ollama/text.ndjson")] }], async (server) => {
      process.env["OLLAMA_HOST"] = server.url.replace("http://", "");
      const provider = createOllamaProvider({ maxRetries: 0 });
      assert.equal(provider.settings.baseUrl, server.url);
      const { chunks, error } = await drainStream(provider.stream(request));
      assert.equal(error, undefined);
      assert.equal(chunks.map((c) => c.content).join(""), "The sky is blue because of Rayleigh scattering.");
      assert.equal(server.requests.length, 1);
      assert.equal(createOllamaProvider({ baseUrl: "http://10.0.0.9:11434" }).settings.baseUrl, "http://10.0.0.9:11434");
    });
    delete process.env["OLLAMA_HOST"];
    const provider = createOllamaProvider();
    assert.equal(provider.settings.baseUrl, "http://127.0.0.1:11434");
    assert.deepEqual([provider.name, provider.supportsStreaming, provider.supportsTools, provider.supportsThinking], ["ollama", true, true, true]);
  } finally {
    if (saved === undefined) delete process.env["OLLAMA_HOST"];
    else process.env["OLLAMA_HOST"] = saved;
  }
});

test("complete() sends stream:false and reads one JSON object with the whole message, calls and metrics", async () => {
  const body = JSON.stringify({
    model: "qwen3:8b",
    created_at: "2025-01-13T10:00:00.350Z",
    message: {
      role: "assistant",
      content: "",
      thinking: "User wants Tokyo weather.",
      tool_calls: [{ id: "call_ab12cd34", function: { index: 0, name: "get_weather", arguments: { city: "Tokyo" } } }, { function: { name: "get_time", arguments: {} } }],
    },
    done_reason: "stop",
    done: true,
    total_duration: 912345678,
    prompt_eval_count: 169,
    eval_count: 27,
  });
  await withServer([{ headers: JSON_TYPE, pieces: [Buffer.from(body)] }], async (server) => {
    const result = await createOllamaProvider({ baseUrl: server.url }).complete({ ...request, model: "qwen3:8b" });
    assert.deepEqual(result, {
      content: "",
      thinking: "User wants Tokyo weather.",
      toolCalls: [
        { id: "call_ab12cd34", name: "get_weather", arguments: { city: "Tokyo" } },
        { id: "call_1", name: "get_time", arguments: {} },
      ],
      finishReason: "tool_calls",
      providerFinishReason: "stop",
      usage: { inputTokens: 169, outputTokens: 27, totalTokens: 196 },
      provider: "ollama",
      model: "qwen3:8b",
    });
    const sent = JSON.parse(server.requests[0]!.body) as { stream?: unknown };
    assert.equal(sent.stream, false);
    assert.equal(server.requests[0]!.headers["accept"], "application/json");
  });
  await withServer([{ headers: JSON_TYPE, pieces: [Buffer.from('{"model":"llama3.2","message":{"role":"assistant","content":"Hello!"},"done":true,"done_reason":"length"}')] }], async (server) => {
    const result = await createOllamaProvider({ baseUrl: server.url }).complete(request);
    assert.deepEqual(result, { content: "Hello!", toolCalls: [], finishReason: "length", providerFinishReason: "length", provider: "ollama", model: "llama3.2" });
  });
});

test("complete() turns an error body in a 200, or a body that is not JSON, into errors", async () => {
  await withServer([{ headers: JSON_TYPE, pieces: [Buffer.from('{"error":"an error was encountered while running the model"}')] }], async (server) => {
    const error = await createOllamaProvider({ baseUrl: server.url }).complete(request).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError && error.providerMessage === "an error was encountered while running the model", String(error));
  });
  await withServer([{ headers: JSON_TYPE, pieces: [Buffer.from("<html>proxy</html>")] }], async (server) => {
    const error = await createOllamaProvider({ baseUrl: server.url }).complete(request).catch((e: unknown) => e);
    assert.ok(error instanceof WireFormatError && error.excerpt === "<html>proxy</html>", String(error));
  });
});

test("complete() aborted by the caller's signal is 'aborted' and closes the connection", async () => {
  await withServer([{ headers: JSON_TYPE, pieces: [Buffer.from('{"model":')], stallAfter: true }], async (server) => {
    const controller = new AbortController();
    const pending = createOllamaProvider({ baseUrl: server.url }).complete(request, { signal: controller.signal }).catch((e: unknown) => e);
    await eventually(() => server.requests.length === 1, "the request arrived");
    controller.abort();
    const error = await pending;
    assert.ok(error instanceof StreamInterruptedError && error.reason === "aborted", String(error));
    await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
  });
});

test("listOllamaModels (GET /api/tags) returns the names and details of tags.json", async () => {
  const expected = readExpected<{ models: string[] }>("ollama/tags.expected.json");
  await withServer([{ headers: JSON_TYPE, pieces: [readFixture("ollama/tags.json")] }], async (server) => {
    const models = await listOllamaModels({ baseUrl: server.url });
    assert.deepEqual(models.map((m) => m.name), expected.models);
    assert.deepEqual(models[1], {
      name: "qwen3:8b",
      model: "qwen3:8b",
      modifiedAt: "2025-01-11T08:06:48.639712648-08:00",
      size: 5225388164,
      digest: "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
      details: { format: "gguf", family: "qwen3", families: ["qwen3"], parameterSize: "8.2B", quantizationLevel: "Q4_K_M" },
    });
    assert.equal(server.requests[0]!.method, "GET");
    assert.equal(server.requests[0]!.url, "/api/tags");
  });
});

test("ollamaVersion (GET /api/version) returns version.json's version string", async () => {
  const expected = readExpected<{ version: string }>("ollama/version.expected.json");
  await withServer([{ headers: JSON_TYPE, pieces: [readFixture("ollama/version.json")] }], async (server) => {
    assert.equal(await ollamaVersion({ baseUrl: server.url }), expected.version);
    assert.equal(server.requests[0]!.method, "GET");
    assert.equal(server.requests[0]!.url, "/api/version");
  });
});

test("showOllamaModel (POST /api/show) returns show.json's capabilities and context length; an unknown model is a 404", async () => {
  const expected = readExpected<{ request: { model: string }; capabilities: string[]; context_length: number }>("ollama/show.expected.json");
  const notFound = parseHttpFixture(readFileSync("test/fixtures/wire/ollama/http-404.http", "utf8"));
  await withServer([
    { headers: JSON_TYPE, pieces: [readFixture("ollama/show.json")] },
    { status: 404, headers: notFound.headers, pieces: [Buffer.from(notFound.body)] },
  ], async (server) => {
    const info = await showOllamaModel(`ollama/${expected.request.model}`, { baseUrl: server.url });
    assert.deepEqual(info.capabilities, expected.capabilities);
    assert.equal(info.contextLength, expected.context_length);
    assert.equal(info.details?.family, "qwen3");
    assert.equal(server.requests[0]!.url, "/api/show");
    assert.deepEqual(JSON.parse(server.requests[0]!.body), expected.request);
    const error = await showOllamaModel("llama9", { baseUrl: server.url, maxRetries: 0 }).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError && error.status === 404 && error.providerMessage === "model 'llama9' not found", String(error));
  });
});
