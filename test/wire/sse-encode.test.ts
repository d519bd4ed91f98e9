import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeRetry, encodeSSE, encodeSSEComment } from "../../src/wire/sse-encode.js";
import { SSEDecoder } from "../../src/wire/sse.js";
import { ConfigurationError } from "../../src/stream/errors.js";

const decode = (text: string) => {
  const decoder = new SSEDecoder();
  return [...decoder.decode(new TextEncoder().encode(text)), ...decoder.flush()];
};

test("an event is event, id, data lines and a blank line", () => {
  assert.equal(encodeSSE({ event: "text", id: "7", data: '{"a":1}' }), 'event: text\nid: 7\ndata: {"a":1}\n\n');
  assert.equal(encodeSSE({ data: "x" }), "data: x\n\n");
});

test("data is split on LF, CR and CRLF into data lines, and a reader joins them back with LF", () => {
  const wire = encodeSSE({ data: "a\nb\rc\r\nd\n" });
  assert.equal(wire, "data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n");
  assert.deepEqual(decode(wire).map((e) => e.data), ["a\nb\nc\nd\n"]);
  assert.equal(encodeSSE({ data: "" }), "data: \n\n");
  assert.equal(encodeSSE({ data: "\r\n\r\n" }), "data: \ndata: \ndata: \n\n");
});

test("an empty id and retry 0 are written, not dropped", () => {
  assert.equal(encodeSSE({ id: "", data: "x" }), "id\ndata: x\n\n");
  assert.equal(encodeSSE({ retry: 0, data: "x" }), "retry: 0\ndata: x\n\n");
  assert.equal(encodeRetry(1500), "retry: 1500\n");
});

test("a line break in event or id, U+0000 in an id and a bad retry are refused", () => {
  for (const bad of [{ event: "a\nb", data: "" }, { event: "a\rb", data: "" }, { id: "1\n2", data: "" }, { id: "1\0", data: "" }]) {
    assert.throws(() => encodeSSE(bad), ConfigurationError);
  }
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => encodeRetry(bad), ConfigurationError);
});

test("a comment is ignored by a reader; a multi-line comment stays a comment", () => {
  assert.equal(encodeSSEComment(), ": keep-alive\n\n");
  assert.equal(encodeSSEComment("a\nb"), ": a\n: b\n\n");
  assert.deepEqual(decode(encodeSSEComment("a\r\nb") + encodeSSE({ data: "x" })).map((e) => e.data), ["x"]);
});

test("what a reader decodes is what was encoded, id and event included", () => {
  const events = [
    { event: "text", id: "1", data: JSON.stringify({ content: "line1\nline2\r\n" }) },
    { event: "done", id: "2-0", data: "{}" },
  ];
  const got = decode(events.map(encodeSSE).join(""));
  assert.deepEqual(got.map((e) => ({ event: e.type, id: e.lastEventId, data: e.data })), events);
});
