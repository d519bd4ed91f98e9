/** Choosing the answer: rules, the deterministic generator, tool-result turns, token pieces. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defaultAnswer, parseFaultHeader, startEmulator, type EmulatorProtocol, type EmulatorServer, type EmulatorToolResult } from "../../src/emulator/index.js";
import { readConversation } from "../../src/emulator/request.js";
import { buildAnswer, selectReply, splitArguments, splitIntoPieces } from "../../src/emulator/script.js";
import { CHAT_PATH, chatBody, openaiStreamText, parseNdjson, parseSse, post } from "./helpers.js";

test("the default answer is deterministic, a few sentences, and names the prompt's topic", () => {
  const a = defaultAnswer("Tell me a joke about quantum penguins");
  assert.equal(a, defaultAnswer("Tell me a joke about quantum penguins"));
  assert.match(a, /joke quantum penguins/);
  assert.ok(a.split(". ").length >= 3);
  assert.notEqual(a, defaultAnswer("Explain photosynthesis"));
  assert.match(defaultAnswer(""), /your message/);
});

test("rules: first match wins; strings match case-insensitively; a /g RegExp matches every time; then default", () => {
  const script = {
    rules: [
      { match: "WEATHER", reply: { text: "w" } },
      { match: /\btime\b/g, reply: { text: "t" } },
    ],
    default: { text: "d" },
  };
  assert.equal(selectReply(script, "what's the weather?")?.text, "w");
  assert.equal(selectReply(script, "what time is it")?.text, "t");
  assert.equal(selectReply(script, "what time is it")?.text, "t", "lastIndex does not leak between requests");
  assert.equal(selectReply(script, "hello")?.text, "d");
  assert.equal(selectReply({ rules: [{ match: "x", reply: {} }] }, "y"), undefined);
});

test("pieces and argument fragments always reassemble exactly", () => {
  for (const text of ["Hello world", "  lead and trail  ", "a\n\nb\tc", "", "   ", "日本語 テキスト 👋🏽 ok"]) {
    assert.equal(splitIntoPieces(text).join(""), text);
  }
  assert.deepEqual(splitIntoPieces("one two  three"), ["one", " two", "  three"]);
  const json = JSON.stringify({ emoji: "👋🏽👨‍👩‍👧", text: "é".repeat(20) });
  const fragments = splitArguments(json, 3);
  assert.equal(fragments.join(""), json);
  assert.ok(fragments.every((f) => !/[\uD800-\uDBFF]$/.test(f)), "no fragment ends inside a surrogate pair");
});

test("tool-result rounds walk afterToolResults; a reply with tool calls and no follow-up gets a default that quotes the results", () => {
  const seen: EmulatorToolResult[][] = [];
  const reply = {
    toolCalls: [{ name: "search", arguments: { q: "a" } }],
    afterToolResults: (results: EmulatorToolResult[]) => {
      seen.push(results);
      return { toolCalls: [{ name: "fetch", arguments: { url: "u" } }] };
    },
  };
  const messages = [
    { role: "user", content: "research this" },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "search", arguments: "{}" } }] },
    { role: "tool", tool_call_id: "c1", content: "found u" },
    { role: "assistant", content: null, tool_calls: [{ id: "c2", type: "function", function: { name: "fetch", arguments: "{}" } }] },
    { role: "tool", tool_call_id: "c2", content: "page text" },
  ];
  const conversation = readConversation("openai", { model: "m", messages });
  assert.equal(conversation.prompt, "research this");
  assert.equal(conversation.toolRounds.length, 2);
  const answer = buildAnswer(reply, conversation);
  assert.deepEqual(seen, [[{ id: "c1", name: "search", content: "found u" }]]);
  assert.equal(answer.toolCalls.length, 0);
  assert.equal(answer.text, 'Based on the tool results: fetch returned "page text".');
  assert.equal(answer.finishReason, "stop");
});

test("thinking is produced only when the request asks for it, generated when the script has none", () => {
  const ask = (body: Record<string, unknown>, protocol: EmulatorProtocol) => buildAnswer({ text: "ok" }, readConversation(protocol, body));
  const messages = [{ role: "user", content: "why?" }];
  assert.equal(ask({ messages }, "anthropic").thinking, undefined);
  assert.match(ask({ messages, thinking: { type: "enabled", budget_tokens: 1024 } }, "anthropic").thinking ?? "", /The user asks about/);
  assert.ok(ask({ messages, think: true }, "ollama").thinking);
  assert.equal(ask({ messages, reasoning_effort: "none" }, "openai").thinking, undefined);
});

test("parseFaultHeader reads every item of the grammar", () => {
  assert.deepEqual(
    parseFaultHeader(" status=429 , retry-after=2,retry-after-ms=5, fail-first=1,key=k:1, delay-headers=3,delay-first-byte=4,stall-after=5,stall-ms=6,drop-after=7,error-after=8,malformed-after=9"),
    { status: 429, retryAfterSeconds: 2, retryAfterMs: 5, failFirst: 1, key: "k:1", delayHeadersMs: 3, delayFirstByteMs: 4, stallAfter: 5, stallMs: 6, dropAfter: 7, errorAfter: 8, malformedAfter: 9 },
  );
  assert.deepEqual(parseFaultHeader(""), {});
});

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity });
});
after(() => server.close());

async function streamedText(protocol: EmulatorProtocol, prompt: string, headers: Record<string, string> = {}): Promise<string> {
  const text = await (await post(server.url + CHAT_PATH[protocol], chatBody(protocol, prompt, true), headers)).text();
  if (protocol === "openai") return openaiStreamText(parseSse(text));
  if (protocol === "ollama") return parseNdjson(text).map((l) => l.message.content).join("");
  return parseSse(text)
    .map((e) => JSON.parse(e.data) as { delta?: { text?: string } })
    .map((e) => e.delta?.text ?? "")
    .join("");
}

test("the same prompt gets the same default answer in all three protocols", async () => {
  const prompt = "How do volcanoes form?";
  const texts = await Promise.all((["openai", "anthropic", "ollama"] as const).map((p) => streamedText(p, prompt)));
  assert.equal(new Set(texts).size, 1);
  assert.equal(texts[0], defaultAnswer(prompt));
});

test("the x-emulator-reply header beats the server script", async () => {
  server.script = { default: { text: "from the server" } };
  try {
    assert.equal(await streamedText("anthropic", "x"), "from the server");
    assert.equal(await streamedText("anthropic", "x", { "x-emulator-reply": JSON.stringify({ text: "from the header" }) }), "from the header");
  } finally {
    server.script = undefined;
  }
});

test("non-ASCII scripted text through headers: as JSON \\u escapes (fetch) or raw UTF-8 bytes (curl)", async () => {
  const reply = { text: "Grüße 👋 日本" };
  const escaped = JSON.stringify(reply).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  assert.equal(await streamedText("ollama", "x", { "x-emulator-reply": escaped }), reply.text);
  const { request } = await import("node:http");
  const rawUtf8 = Buffer.from(JSON.stringify(reply), "utf8").toString("latin1");
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(server.url + CHAT_PATH.ollama, { method: "POST", headers: { "content-type": "application/json", "x-emulator-reply": rawUtf8 } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("error", reject);
    // A Buffer body: with a string body, node:http would write the head in the body's encoding (UTF-8) too.
    req.end(Buffer.from(JSON.stringify(chatBody("ollama", "x", false))));
  });
  assert.equal((JSON.parse(text) as { message: { content: string } }).message.content, reply.text);
});

test("Ollama tool results without id or tool_name answer the assistant's calls in order", () => {
  const conversation = readConversation("ollama", {
    model: "m",
    messages: [
      { role: "user", content: "two things" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "a", arguments: {} } }, { function: { name: "b", arguments: {} } }] },
      { role: "tool", content: "1" },
      { role: "tool", content: "2" },
    ],
  });
  assert.deepEqual(conversation.toolRounds, [[{ name: "a", content: "1" }, { name: "b", content: "2" }]]);
});
