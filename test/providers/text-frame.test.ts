import { test } from "node:test";
import assert from "node:assert/strict";
import { TextFrameTemplate } from "../../src/providers/text-frame.js";

/** A plain OpenAI text delta's text, as the adapter's probe reads it. */
const probe = (value: unknown): string | undefined => {
  const delta = (value as { choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: unknown }> }).choices?.[0];
  if (delta?.finish_reason !== null || typeof delta.delta?.content !== "string" || Object.keys(delta.delta).length !== 1) return undefined;
  return delta.delta.content;
};
const frame = (content: unknown, finish: unknown = null) =>
  JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: finish }] });

test("after one parsed text frame, frames that differ only in their text are read without parsing, exactly as JSON.parse reads them", () => {
  const template = new TextFrameTemplate('"content":"', probe);
  assert.equal(template.match(frame("Hello")), undefined, "nothing learned yet");
  template.learn(frame("Hello"), "Hello");
  for (const text of [" world", "x", "日本語 ✓", "a'b<c>", "😀"]) {
    const data = frame(text);
    assert.equal(template.match(data), text);
    assert.equal(template.match(data), probe(JSON.parse(data)));
  }
});

test("a frame whose text needs unescaping, or that differs around its text, or has no text, is left to JSON.parse", () => {
  const template = new TextFrameTemplate('"content":"', probe);
  template.learn(frame("Hello"), "Hello");
  for (const data of [frame('say "hi"'), frame("back\\slash"), frame("line\nbreak"), frame("tab\t"), frame("\u0001")]) {
    assert.equal(template.match(data), undefined, data);
  }
  assert.equal(template.match(frame("Hello", "stop")), undefined, "a finish reason changes the frame");
  assert.equal(template.match(frame("")), undefined, "an empty text is not a chunk");
  assert.equal(template.match(frame("Hello").replace("chatcmpl-1", "chatcmpl-2")), undefined);
  assert.equal(template.match(`${frame("Hello")} `), undefined);
});

test("a frame is not learned when its key appears twice or the probe rejects the shape", () => {
  const twice = new TextFrameTemplate('"content":"', probe);
  const data = JSON.stringify({ x: { content: "Hello" }, choices: [{ delta: { content: "Hello" }, finish_reason: null }] });
  twice.learn(data, "Hello");
  assert.equal(twice.match(data.replaceAll("Hello", "Other")), undefined);
  const rejected = new TextFrameTemplate('"content":"', () => undefined);
  rejected.learn(frame("Hello"), "Hello");
  assert.equal(rejected.match(frame("Other")), undefined);
});
