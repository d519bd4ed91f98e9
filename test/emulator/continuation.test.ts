/**
 * The emulator continues a partial answer: for each protocol, an unbroken answer equals the prefix plus
 * the continuation, at every break point, in the prefill form (trailing assistant message) and in the
 * instruction form (assistant message + "Continue … where it stopped"), with and without a restart.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startEmulator, type EmulatorProtocol, type EmulatorServer } from "../../src/emulator/index.js";
import { restartOffset } from "../../src/emulator/continuation.js";
import { CONTINUE_INSTRUCTION } from "../../src/agent/recovery.js";
import { removeOverlap } from "../../src/agent/overlap.js";
import { createAnthropicProvider } from "../../src/providers/anthropic.js";
import { createOllamaProvider } from "../../src/providers/ollama.js";
import { createOpenAIProvider } from "../../src/providers/openai.js";
import type { ChatMessage, Provider, ProviderRequest } from "../../src/providers/provider.js";
import { StreamInterruptedError, ProviderError } from "../../src/stream/errors.js";
import { CHAT_PATH, chatBody, post } from "./helpers.js";

const ANSWER =
  "Streams break. 😀 Café au lait, naïve résumé!\n\nSecond paragraph: the quick brown fox — 中文 — jumps over the lazy dog.  Done.";
const PROTOCOLS: EmulatorProtocol[] = ["openai", "anthropic", "ollama"];
const MODEL: Record<EmulatorProtocol, string> = { openai: "gpt-4o-mini", anthropic: "claude-sonnet-4-5", ollama: "llama3.2" };

let server: EmulatorServer;
before(async () => {
  server = await startEmulator({ ttftMs: 0, tps: Infinity, script: { rules: [{ match: "scripted", reply: { text: ANSWER } }] } });
});
after(() => server.close());

function provider(protocol: EmulatorProtocol, headers: Record<string, string> = {}): Provider {
  const common = { apiKey: "test-key", maxRetries: 0, headers };
  if (protocol === "openai") return createOpenAIProvider({ ...common, baseUrl: server.openaiBaseUrl });
  if (protocol === "anthropic") return createAnthropicProvider({ ...common, baseUrl: server.url });
  return createOllamaProvider({ ...common, baseUrl: server.url });
}

async function textOf(p: Provider, request: ProviderRequest): Promise<{ text: string; thinking: string }> {
  let text = "";
  let thinking = "";
  for await (const chunk of p.stream(request)) {
    text += chunk.content;
    thinking += chunk.metadata.thinking ?? "";
  }
  return { text, thinking };
}

const ask = (protocol: EmulatorProtocol, prompt: string, extra: ChatMessage[] = [], rest: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: MODEL[protocol],
  messages: [{ role: "system", content: "Be brief." }, { role: "user", content: prompt }, ...extra],
  ...rest,
});

/** Every code-point boundary strictly inside `text`. */
function breakPoints(text: string): number[] {
  const out: number[] = [];
  let i = 0;
  for (const ch of text) {
    i += ch.length;
    if (i < text.length) out.push(i);
  }
  return out;
}

for (const protocol of PROTOCOLS) {
  describe(`continuation over ${protocol}`, () => {
    test("prefill: unbroken answer === prefix + continuation at every break point", async () => {
      const p = provider(protocol);
      const full = (await textOf(p, ask(protocol, "a scripted question"))).text;
      assert.equal(full, ANSWER);
      let checked = 0;
      for (const b of breakPoints(full)) {
        const prefix = full.slice(0, b);
        // Anthropic refuses a prefill ending in whitespace (the recovery cuts it off; see recovery.ts).
        if (protocol === "anthropic" && /\s$/.test(prefix)) continue;
        const rest = (await textOf(p, ask(protocol, "a scripted question", [{ role: "assistant", content: prefix }]))).text;
        assert.equal(prefix + rest, full, `break at ${b}`);
        checked++;
      }
      assert.ok(checked > 80, `checked ${checked} break points`);
    });

    test("instruction: unbroken answer === prefix + continuation at every break point", async () => {
      const p = provider(protocol);
      const full = ANSWER;
      for (const b of breakPoints(full)) {
        const prefix = full.slice(0, b);
        const extra: ChatMessage[] = [{ role: "assistant", content: prefix }, { role: "user", content: CONTINUE_INSTRUCTION }];
        const rest = (await textOf(p, ask(protocol, "a scripted question", extra))).text;
        assert.equal(prefix + rest, full, `break at ${b}`);
      }
    });

    test("instruction with x-emulator-restart-words: the answer repeats the last words, overlap removal makes it whole", async () => {
      for (const words of [1, 3]) {
        const p = provider(protocol, { "x-emulator-restart-words": String(words) });
        for (const b of breakPoints(ANSWER).filter((_, i) => i % 7 === 0)) {
          const prefix = ANSWER.slice(0, b);
          const extra: ChatMessage[] = [{ role: "assistant", content: prefix }, { role: "user", content: CONTINUE_INSTRUCTION }];
          const rest = (await textOf(p, ask(protocol, "a scripted question", extra))).text;
          assert.equal(rest, ANSWER.slice(restartOffset(ANSWER, b, words)), `break at ${b}, ${words} words`);
          assert.ok(rest.length > ANSWER.length - b, "the continuation restarts earlier");
          assert.equal(prefix + removeOverlap(prefix, rest), ANSWER, `healed at ${b}, ${words} words`);
        }
      }
    });

    test("the built-in answer continues too", async () => {
      const p = provider(protocol);
      const full = (await textOf(p, ask(protocol, "Explain how rivers form"))).text;
      for (const b of breakPoints(full).filter((_, i) => i % 11 === 0)) {
        const prefix = full.slice(0, b);
        if (/\s$/.test(prefix)) continue;
        const rest = (await textOf(p, ask(protocol, "Explain how rivers form", [{ role: "assistant", content: prefix }]))).text;
        assert.equal(prefix + rest, full, `break at ${b}`);
      }
    });

    test("a continuation does not repeat the reasoning", async () => {
      const p = provider(protocol);
      const first = await textOf(p, ask(protocol, "a scripted question", [], { thinking: true }));
      // Our OpenAI adapter does not ask for reasoning; the other two do.
      if (protocol !== "openai") assert.ok(first.thinking.length > 0, "reasoning on the first answer");
      const extra: ChatMessage[] = [{ role: "assistant", content: "Streams" }, { role: "user", content: CONTINUE_INSTRUCTION }];
      const rest = await textOf(p, ask(protocol, "a scripted question", extra, { thinking: true }));
      assert.equal(rest.thinking, "");
      assert.equal("Streams" + rest.text, ANSWER);
    });

    test("an ordinary follow-up turn is not a continuation", async () => {
      const p = provider(protocol);
      const extra: ChatMessage[] = [{ role: "assistant", content: "Streams break." }, { role: "user", content: "Continue with a poem please" }];
      const { text } = await textOf(p, ask(protocol, "a scripted question", extra));
      assert.notEqual(text, ANSWER.slice("Streams break.".length));
      assert.ok(text.length > 0);
    });

    test("assistant text that does not begin the answer: the whole answer", async () => {
      const p = provider(protocol);
      const { text } = await textOf(p, ask(protocol, "a scripted question", [{ role: "assistant", content: "Something else" }]));
      assert.equal(text, ANSWER);
    });
  });
}

test("anthropic: a prefill ending in whitespace is a 400, as the real API answers", async () => {
  const p = provider("anthropic");
  await assert.rejects(textOf(p, ask("anthropic", "a scripted question", [{ role: "assistant", content: "Streams " }])), (error: unknown) => {
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, /trailing whitespace/);
    return true;
  });
});

test("a continuation request can still carry a fault: it breaks where told, counting its own chunks", async () => {
  const p = provider("openai", { "x-emulator-fault": "drop-after=2" });
  const extra: ChatMessage[] = [{ role: "assistant", content: "Streams break." }];
  await assert.rejects(textOf(p, ask("openai", "a scripted question", extra)), (error: unknown) => {
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.partialResponse, " 😀 Café");
    return true;
  });
});

test("x-emulator-restart-words must be a whole number", async () => {
  for (const value of ["-1", "x", "1.5", "100000"]) {
    const res = await post(server.url + CHAT_PATH.ollama, chatBody("ollama", "hi", false), { "x-emulator-restart-words": value });
    assert.equal(res.status, 400, value);
    assert.match(await res.text(), /x-emulator-restart-words/);
  }
});

test("restartOffset counts word starts back from the break", () => {
  const text = "one two  three four";
  assert.equal(restartOffset(text, 19, 1), 15);
  assert.equal(restartOffset(text, 17, 1), 15); // inside "four"
  assert.equal(restartOffset(text, 15, 1), 9); // just after the gap: "three" is the last word
  assert.equal(restartOffset(text, 19, 2), 9);
  assert.equal(restartOffset(text, 19, 9), 0);
});
