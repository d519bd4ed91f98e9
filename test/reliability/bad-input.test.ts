/**
 * Bad input to every public entry point is a ConfigurationError naming the option and the bad value, thrown
 * before any request; and a planted fake API key never appears in an error (message, fields, causes, stack),
 * whatever the server echoes, nor in the CLI's output.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { spawn } from "node:child_process";
import * as lib from "../../src/index.js";
import { ConfigurationError } from "../../src/index.js";
import { startFixtureServer } from "../support/fixture-server.js";
import { drainStream } from "../support/sources.js";
import { FAKE_KEY, PROTOCOLS, bytes, request } from "./protocols.js";

const counter = await startFixtureServer([{ status: 500, pieces: [] }]);
after(() => counter.close());
const url = counter.url;

/** [what, call, the option it must name, text the message must show]. */
const BAD: Array<[string, () => unknown, string, RegExp]> = [
  ["provider timeout -1", () => lib.createOpenAIProvider({ apiKey: "k", baseUrl: url, timeout: -1 }), "timeout", /-1/],
  ["provider timeout NaN", () => lib.createAnthropicProvider({ apiKey: "k", baseUrl: url, timeout: Number.NaN }), "timeout", /NaN/],
  ["provider timeout as a string", () => lib.createOllamaProvider({ baseUrl: url, timeout: "5" as unknown as number }), "timeout", /5/],
  ["provider timeout Infinity", () => lib.createOllamaProvider({ baseUrl: url, timeout: Infinity }), "timeout", /Infinity/],
  ["provider maxRetries 1.5", () => lib.createOpenAIProvider({ apiKey: "k", baseUrl: url, maxRetries: 1.5 }), "maxRetries", /1\.5/],
  ["provider maxRetries -1", () => lib.createOllamaProvider({ baseUrl: url, maxRetries: -1 }), "maxRetries", /-1/],
  ["provider baseUrl not a URL", () => lib.createOpenAIProvider({ apiKey: "k", baseUrl: "localhost" }), "baseUrl", /"localhost"/],
  ["provider baseUrl a number", () => lib.createAnthropicProvider({ apiKey: "k", baseUrl: 5 as unknown as string }), "baseUrl", /5/],
  ["provider apiKey a number", () => lib.createOpenAIProvider({ apiKey: 5 as unknown as string, baseUrl: url }), "apiKey", /number/],
  ["provider headers a string", () => lib.createOpenAIProvider({ apiKey: "k", baseUrl: url, headers: "x" as unknown as Record<string, string> }), "headers", /string/],
  ["provider header value a number", () => lib.createOllamaProvider({ baseUrl: url, headers: { "x-n": 1 as unknown as string } }), "headers", /x-n/],
  ["provider options null", () => lib.createOpenAIProvider(null as unknown as lib.ProviderOptions), "options", /null/],
  ["provider transport not a transport", () => lib.createOllamaProvider({ baseUrl: url, transport: {} as lib.HttpTransport }), "transport", /object/],
  ["anthropic defaultMaxTokens 0", () => lib.createAnthropicProvider({ apiKey: "k", baseUrl: url, defaultMaxTokens: 0 }), "defaultMaxTokens", /0/],
  ["anthropic apiVersion empty", () => lib.createAnthropicProvider({ apiKey: "k", baseUrl: url, apiVersion: "" }), "apiVersion", /./],
  ["unknown provider", () => lib.createProvider("nope" as lib.ProviderName), "provider", /"nope"/],
  ["agent: unknown provider", () => new lib.Agent({ provider: "nope" as lib.ProviderName }), "provider", /"nope"/],
  ["agent: temperature NaN", () => new lib.Agent({ provider: "mock", temperature: Number.NaN }), "temperature", /NaN/],
  ["agent: maxTokens -1", () => new lib.Agent({ provider: "mock", maxTokens: -1 }), "maxTokens", /-1/],
  ["agent: timeout negative", () => new lib.Agent({ provider: "openai", apiKey: "k", baseUrl: url, timeout: -5 }), "timeout", /-5/],
  ["agent: timeout NaN", () => new lib.Agent({ provider: "ollama", baseUrl: url, timeout: Number.NaN }), "timeout", /NaN/],
  ["agent: a tool schema that is not an object", () => new lib.Agent({ provider: "mock", tools: [{ name: "t", parameters: "x" as unknown as lib.JsonSchema }] }), "tools[0].parameters", /object/],
  ["agent: options null", () => new lib.Agent(null as unknown as lib.AgentOptions), "options", /object/],
  ["agent.stream: empty prompt", () => new lib.Agent({ provider: "mock" }).stream(""), "prompt", /""/],
  ["agent.stream: whitespace prompt", () => new lib.Agent({ provider: "mock" }).stream(" \n\t "), "prompt", /non-blank/],
  ["agent.stream: prompt not a string", () => new lib.Agent({ provider: "mock" }).stream(5 as unknown as string), "prompt", /number/],
  ["agent.stream: temperature NaN", () => new lib.Agent({ provider: "mock" }).stream("hi", { temperature: Number.NaN }), "temperature", /NaN/],
  ["agent.stream: signal not a signal", () => new lib.Agent({ provider: "mock" }).stream("hi", { signal: "x" as unknown as AbortSignal }), "signal", /AbortSignal/],
  ["agent.setProvider: unknown", () => new lib.Agent({ provider: "mock" }).setProvider("zzz" as lib.ProviderName), "provider", /"zzz"/],
  ["createMockStream: chunkSize 0", () => lib.createMockStream("abc", { chunkSize: 0 }), "chunkSize", /0/],
  ["createMockStream: delay NaN", () => lib.createMockStream("abc", { delay: Number.NaN }), "delay", /NaN/],
  ["createMockProvider: latencyMs -1", () => lib.createMockProvider({ latencyMs: -1 }), "latencyMs", /-1/],
  ["SSEDecoder: maxBufferSize NaN", () => new lib.SSEDecoder({ maxBufferSize: Number.NaN }), "maxBufferSize", /NaN/],
  ["NDJSONDecoder: maxBufferSize -1", () => new lib.NDJSONDecoder({ maxBufferSize: -1 }), "maxBufferSize", /-1/],
  ["HttpTransport: maxSockets 0", () => new lib.HttpTransport({ maxSockets: 0 }), "maxSockets", /0/],
];

for (const [what, call, option, shows] of BAD) {
  test(`bad input: ${what} is a ConfigurationError naming "${option}" and the value, before any request`, () => {
    const before = counter.requests.length;
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof ConfigurationError, `${what}: ${String(e)}`);
      assert.equal(e.option, option);
      assert.match(e.message, shows);
      return true;
    });
    assert.equal(counter.requests.length, before, "no request was made");
  });
}

test("a bad message role or tool message is refused by stream() before any request, in every adapter", async () => {
  for (const p of PROTOCOLS) {
    const before = counter.requests.length;
    const { error } = await drainStream(p.provider(url).stream({ model: "m", messages: [{ role: "tool", content: "x" }] }));
    assert.ok(error instanceof ConfigurationError && error.option === "messages", `${p.name}: ${String(error)}`);
    assert.equal(counter.requests.length, before, p.name);
  }
});

/** Everything an error shows: message, stack, fields and causes, as a log line would print them. */
const everything = (error: unknown) => `${String(error)}\n${inspect(error, { depth: 10, showHidden: false })}\n${JSON.stringify(error)}`;

for (const p of PROTOCOLS) {
  test(`${p.name}: a planted key the server echoes never appears in an error (HTTP error, error event, bad frame, bad body)`, async () => {
    const echo = `your key ${FAKE_KEY} is bad`;
    const json = (status: number, body: unknown) => ({ status, headers: { "content-type": "application/json" }, pieces: [bytes(JSON.stringify(body))] });
    const errorEvent =
      p.name === "openai"
        ? `data: ${JSON.stringify({ error: { message: echo, type: "invalid_request_error" } })}\n\n`
        : p.name === "anthropic"
          ? `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "authentication_error", message: echo } })}\n\n`
          : `${JSON.stringify({ error: echo })}\n`;
    const badFrame = p.name === "ollama" ? `{"oops": ${FAKE_KEY}}\n` : `data: {"oops": ${FAKE_KEY}}\n\n`;
    const replies = [
      json(401, { error: { message: echo, type: "authentication_error" } }),
      json(400, { error: echo }),
      { headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + errorEvent)] },
      { headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + badFrame)] },
      { headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + p.wrongShape.replace("not an object", FAKE_KEY).replace("null", JSON.stringify(FAKE_KEY)))] },
      { status: 200, headers: { "content-type": "application/json" }, pieces: [bytes(`not json ${FAKE_KEY}`)] },
      json(200, { type: "error", error: { type: "x", message: echo } }),
    ];
    const server = await startFixtureServer((_r, i) => replies[Math.min(i, replies.length - 1)]!);
    try {
      const provider = p.provider(server.url, { maxRetries: 0, apiKey: FAKE_KEY });
      const errors: unknown[] = [];
      for (let i = 0; i < 5; i++) errors.push((await drainStream(provider.stream(request))).error);
      errors.push(await provider.complete(request).catch((e: unknown) => e));
      errors.push(await provider.complete(request).then(() => undefined, (e: unknown) => e));
      assert.ok(server.requests.every((r) => JSON.stringify(r.headers).includes(FAKE_KEY)), "the key was sent");
      for (const [i, error] of errors.entries()) {
        if (error === undefined) continue; // e.g. a body this protocol reads as a valid answer
        assert.ok(lib.AgentError.isInstance(error), `reply ${i}: ${String(error)}`);
        assert.ok(!everything(error).includes(FAKE_KEY), `reply ${i} leaked the key: ${everything(error)}`);
      }
      assert.ok(errors.filter((e) => e !== undefined).length >= 5);
    } finally {
      await server.close();
    }
  });
}

test("the CLI never prints a planted key, from the environment, whatever the server echoes", async () => {
  const echo = `your key ${FAKE_KEY} is bad`;
  const p = PROTOCOLS[0]!;
  const replies = [
    { status: 401, headers: { "content-type": "application/json" }, pieces: [bytes(JSON.stringify({ error: { message: echo } }))] },
    { headers: { "content-type": p.contentType }, pieces: [bytes(p.start + p.text("Hi") + `data: ${JSON.stringify({ error: { message: echo } })}\n\n`)] },
  ];
  const server = await startFixtureServer((_r, i) => replies[i % replies.length]!);
  try {
    for (const args of [["stream", "hi"], ["stream", "hi", "--json"]]) {
      const env = { ...process.env, OPENAI_API_KEY: FAKE_KEY };
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", ...args, "--base-url", `${server.url}/v1`], { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      assert.notEqual(code, 0, out);
      assert.match(out, /\[redacted\]/, "the echoed key was replaced");
      assert.ok(!out.includes(FAKE_KEY), out);
    }
    assert.ok(server.requests.length >= 2);
  } finally {
    await server.close();
  }
});
