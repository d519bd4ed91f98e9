/**
 * Every error where it belongs: a frame of the wrong shape is the provider's fault (never "network", never
 * skipped), a bug of ours is not a dropped connection, aborts on non-streaming paths are interruptions, every
 * error is an AgentError, one behaviour for message roles and tool call ids, "other" finish reasons, blank
 * prompts, and a transport that can be injected and closed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  Agent, AgentError, ConfigurationError, HttpTransport, StreamInterruptedError, WireFormatError, createMockProvider,
  type ChatMessage,
} from "../../src/index.js";
import { interruption, isConnectionError, PrematureEndError } from "../../src/providers/common.js";
import { IdleTimeoutError } from "../../src/transport/http.js";
import { buildOpenAIBody } from "../../src/providers/openai-messages.js";
import { buildAnthropicBody } from "../../src/providers/anthropic-messages.js";
import { buildOllamaBody } from "../../src/providers/ollama-messages.js";
import { streamFromCompletion } from "../../src/providers/fallback.js";
import { startFixtureServer } from "../support/fixture-server.js";
import { drainStream, eventually } from "../support/sources.js";
import { PROTOCOLS, bytes, request } from "./protocols.js";

for (const p of PROTOCOLS) {
  test(`${p.name}: a frame of the wrong shape mid-stream is 'provider' with the exact text, and the connection closes`, async () => {
    const server = await startFixtureServer([
      { headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hel")), bytes(p.text("lo")), bytes(p.wrongShape)], stallAfter: true },
    ]);
    try {
      const { chunks, error } = await drainStream(p.provider(server.url, { maxRetries: 2 }).stream(request));
      assert.ok(error instanceof StreamInterruptedError, String(error));
      assert.equal(error.reason, "provider");
      assert.equal(error.partialResponse, "Hello");
      assert.equal(chunks.map((c) => c.content).join(""), "Hello");
      assert.ok(error.cause instanceof WireFormatError, String(error.cause));
      assert.equal(error.cause.type, "unexpected-shape");
      assert.doesNotMatch(error.message, /Cannot read properties|connection lost/);
      assert.equal(server.requests.length, 1, "never retried after the first chunk");
      await eventually(() => server.clientClosedEarly === 1, "the server saw the connection close");
    } finally {
      await server.close();
    }
  });
}

/** Frames of valid JSON but the wrong shape, per protocol; each must stop the stream, none may be skipped. */
const WRONG_SHAPES: Record<string, string[]> = {
  openai: [
    'data: {"choices":[null]}\n\n',
    'data: {"choices":{}}\n\n',
    'data: {"choices":[{"delta":{"content":5}}]}\n\n',
    'data: {"choices":[{"delta":"text"}]}\n\n',
    'data: {"choices":[{"delta":{"tool_calls":[{"index":-1}]}}]}\n\n',
    'data: {"choices":[{"delta":{"tool_calls":{"index":0}}}]}\n\n',
    'data: {"choices":[{"finish_reason":7}]}\n\n',
    'data: {"usage":{"prompt_tokens":"3"}}\n\n',
    "data: [1]\n\n",
    "data: null\n\n",
    'data: "text"\n\n',
  ],
  anthropic: [
    'data: {"type":"content_block_delta","index":0,"delta":null}\n\n',
    'data: {"type":"content_block_delta","index":0,"delta":{"text":"x"}}\n\n',
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":null}}\n\n',
    'data: {"type":"content_block_delta","index":"0","delta":{"type":"text_delta","text":"x"}}\n\n',
    'data: {"type":"content_block_start","index":1}\n\n',
    'data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","name":"f"}}\n\n',
    'data: {"type":"message_start","message":null}\n\n',
    'data: {"type":"message_delta","delta":{"stop_reason":3}}\n\n',
    'data: {"type":"message_delta","usage":{"output_tokens":"9"}}\n\n',
    "data: [1]\n\n",
  ],
  ollama: [
    '{"message":"text","done":false}\n',
    '{"message":{"content":5},"done":false}\n',
    '{"message":{"content":"x","tool_calls":{}},"done":false}\n',
    '{"message":{"content":"","tool_calls":[{"function":null}]},"done":false}\n',
    '{"message":{"content":"x"},"done":"yes"}\n',
    '{"model":7,"message":{"content":"x"},"done":false}\n',
    '{"done":true,"eval_count":"3"}\n',
    "[1]\n",
    "3\n",
  ],
};

for (const p of PROTOCOLS) {
  test(`${p.name}: every wrong-shape frame in a table stops the stream as 'provider' (none skipped, none a TypeError)`, async () => {
    const frames = WRONG_SHAPES[p.name]!;
    const server = await startFixtureServer((_request, index) => ({
      headers: { "content-type": p.contentType },
      pieces: [bytes(p.start + p.text("ok") + frames[index % frames.length]! + p.end)],
    }));
    try {
      const provider = p.provider(server.url, { maxRetries: 0 });
      for (const frame of frames) {
        const { error } = await drainStream(provider.stream(request));
        assert.ok(error instanceof StreamInterruptedError, `${frame}: ${String(error)}`);
        assert.equal(error.reason, "provider", frame);
        assert.equal(error.partialResponse, "ok", frame);
        assert.ok(error.cause instanceof WireFormatError, `${frame}: ${String(error.cause)}`);
      }
    } finally {
      await server.close();
    }
  });

  test(`${p.name}: an unknown finish reason is "other", the raw value kept on the final chunk and the result`, async () => {
    const end = p.end.replace(p.name === "anthropic" ? "end_turn" : '"stop"', p.name === "anthropic" ? "brand_new_reason" : '"brand_new_reason"');
    assert.notEqual(end, p.end);
    const server = await startFixtureServer([{ headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + end)] }]);
    try {
      const stream = p.provider(server.url, { maxRetries: 0 }).stream(request);
      const { chunks, error } = await drainStream(stream);
      assert.equal(error, undefined);
      const final = chunks.at(-1)!;
      assert.equal(final.metadata.finishReason, "other");
      assert.equal(final.metadata.providerFinishReason, "brand_new_reason");
      assert.equal(stream.result?.finishReason, "other");
      assert.equal(stream.result?.providerFinishReason, "brand_new_reason");
    } finally {
      await server.close();
    }
  });
}

test("interruption(): only socket failures are 'network'; a bug of ours is 'provider' and says 'unexpected'", () => {
  const signal = new AbortController().signal;
  const bug = interruption("openai", new TypeError("Cannot read properties of null (reading 'delta')"), signal, "ab");
  assert.equal(bug.reason, "provider");
  assert.match(bug.message, /unexpected error/);
  assert.equal(bug.partialResponse, "ab");
  assert.ok(bug.cause instanceof TypeError);
  for (const code of ["ECONNRESET", "EPIPE", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET"]) {
    const error = interruption("openai", Object.assign(new Error("socket"), { code }), signal, "x");
    assert.equal(error.reason, "network", code);
  }
  assert.equal(interruption("openai", new PrematureEndError("cut"), signal, "").reason, "network");
  assert.equal(interruption("openai", "a string", signal, "").reason, "provider");
  assert.equal(interruption("openai", new IdleTimeoutError("idle"), signal, "").reason, "timeout");
  assert.equal(isConnectionError(new RangeError("x")), false);
  const aborted = new AbortController();
  aborted.abort();
  assert.equal(interruption("openai", new TypeError("x"), aborted.signal, "").reason, "aborted");
});

test("every error class of the library is an AgentError, including the transport's and the driver's own", () => {
  assert.ok(new IdleTimeoutError("idle") instanceof AgentError);
  assert.ok(new PrematureEndError("cut") instanceof AgentError);
  assert.ok(AgentError.isInstance(new IdleTimeoutError("idle")));
});

test("aborting complete() of the mock provider, before or during its latency, is StreamInterruptedError 'aborted'", async () => {
  const mock = createMockProvider({ responses: ["hello"], latencyMs: 5_000 });
  const controller = new AbortController();
  const pending = mock.complete(request, { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof StreamInterruptedError && e.reason === "aborted" && e.partialResponse === "");
  const before = new AbortController();
  before.abort(new Error("custom reason"));
  const quick = createMockProvider({ responses: ["hello"] });
  await assert.rejects(quick.complete(request, { signal: before.signal }), (e: unknown) => e instanceof StreamInterruptedError && e.reason === "aborted");
});

test("a provider that cannot stream: abort through mock.stream, agent.stream and streamFromCompletion is 'aborted'", async () => {
  const mock = createMockProvider({ responses: ["hello", "hello", "hello"], streaming: false, latencyMs: 5_000 });
  for (const make of [
    (signal: AbortSignal) => mock.stream(request, { signal }),
    (signal: AbortSignal) => new Agent({ provider: mock }).stream("Hi", { signal }),
    // A complete() that rejects with the platform's own AbortError, as a third-party provider might.
    (signal: AbortSignal) =>
      streamFromCompletion(
        { name: "raw", complete: (_r, o) => new Promise((_resolve, reject) => o?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))) },
        request,
        { signal },
      ),
  ]) {
    const controller = new AbortController();
    const stream = make(controller.signal);
    setImmediate(() => controller.abort());
    const { error } = await drainStream(stream);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, "aborted");
    assert.equal(error.partialResponse, "");
  }
});

const BUILDERS: Array<[string, (messages: ChatMessage[]) => unknown]> = [
  ["openai", (messages) => buildOpenAIBody({ model: "m", messages }, true)],
  ["anthropic", (messages) => buildAnthropicBody({ model: "m", messages }, true, 100)],
  ["ollama", (messages) => buildOllamaBody({ model: "m", messages }, true)],
];

for (const [name, build] of BUILDERS) {
  test(`${name}: an unknown role and a tool message without toolCallId are ConfigurationErrors naming the value`, () => {
    const bad = { role: "robot", content: "x" } as unknown as ChatMessage;
    assert.throws(() => build([bad]), (e: unknown) => e instanceof ConfigurationError && e.option === "messages" && /"robot"/.test(e.message));
    for (const toolCallId of [undefined, "", "   "]) {
      const tool: ChatMessage = { role: "tool", content: "22", toolName: "weather", ...(toolCallId === undefined ? {} : { toolCallId }) };
      assert.throws(
        () => build([{ role: "user", content: "Hi" }, tool]),
        (e: unknown) => e instanceof ConfigurationError && e.option === "messages" && /toolCallId/.test(e.message),
        `${name} toolCallId=${JSON.stringify(toolCallId)}`,
      );
    }
    assert.doesNotThrow(() => build([{ role: "user", content: "Hi" }, { role: "tool", content: "22", toolName: "weather", toolCallId: "c1" }]));
  });
}

test("a whitespace-only prompt is refused like an empty one, before the provider is called", async () => {
  const mock = createMockProvider({ responses: ["never"] });
  const agent = new Agent({ provider: mock });
  for (const prompt of ["", " ", "\n\t  \r\n"]) {
    assert.throws(() => agent.stream(prompt), (e: unknown) => e instanceof ConfigurationError && e.option === "prompt");
    await assert.rejects(agent.arun(prompt), (e: unknown) => e instanceof ConfigurationError && e.option === "prompt");
  }
  assert.equal(mock.calls.length, 0);
});

test("an injected HttpTransport carries the requests and close() ends its sockets; a wrong transport is refused", async () => {
  const p = PROTOCOLS[0]!;
  const server = await startFixtureServer([{ headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + p.end)] }]);
  const transport = new HttpTransport();
  try {
    const { error } = await drainStream(p.provider(server.url, { transport }).stream(request));
    assert.equal(error, undefined);
    assert.equal(transport.openSockets, 1, "the idle keep-alive socket is in the injected pool");
    transport.close();
    await eventually(() => transport.openSockets === 0, "the pooled socket closed");
    await eventually(() => server.openConnections === 0, "the server saw the socket close");
  } finally {
    await server.close();
  }
  assert.throws(() => p.provider("http://127.0.0.1:1", { transport: {} as HttpTransport }), (e: unknown) => e instanceof ConfigurationError && e.option === "transport");
});

test("a program that uses the library ends by itself (no process.exit) with an idle keep-alive socket open", async () => {
  const p = PROTOCOLS[0]!;
  const server = await startFixtureServer([{ headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + p.end)] }]);
  try {
    const child = spawn(process.execPath, ["--import", "tsx", "test/reliability/programs/stream-and-return.ts", server.url], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
    clearTimeout(killer);
    assert.equal(signal, null, "the program had to be killed: something held it open");
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "HiHi");
    assert.equal(server.requests.length, 2);
  } finally {
    await server.close();
  }
});

test("complete(): a whole body of the wrong shape is a WireFormatError, never a TypeError", async () => {
  const bodies: Record<string, string> = {
    openai: '{"choices":[{"message":{"content":"x","tool_calls":[{"id":"c","function":null}]},"finish_reason":"stop"}]}',
    anthropic: '{"type":"message","content":[{"type":"text","text":"x"}],"usage":null,"stop_reason":"end_turn","model":5,"id":"m"}',
    ollama: '{"model":"m","message":{"content":"x","tool_calls":[{"function":{"name":"f","arguments":7}}]},"done":true}',
  };
  for (const p of PROTOCOLS) {
    const server = await startFixtureServer([{ headers: { "content-type": "application/json" }, pieces: [bytes(bodies[p.name]!)] }]);
    try {
      const outcome = await p.provider(server.url, { maxRetries: 0 }).complete(request).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      if ("error" in outcome) {
        assert.ok(AgentError.isInstance(outcome.error), `${p.name}: ${String(outcome.error)}`);
        assert.ok(outcome.error instanceof WireFormatError, `${p.name}: ${String(outcome.error)}`);
      } else {
        assert.notEqual(p.name, "openai", "function: null cannot be read as a tool call");
        // A body this adapter can read despite the odd field is fine too; it must not be a TypeError.
        assert.equal(typeof outcome.result.content, "string");
      }
    } finally {
      await server.close();
    }
  }
});
