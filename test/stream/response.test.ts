import { test } from "node:test";
import assert from "node:assert/strict";
import { collectStream, createMockStream, streamToString, StreamingResponse } from "../../src/index.js";
import { makeChunk } from "../../src/stream/chunk.js";
import { TextBuffer } from "../../src/stream/text-buffer.js";

test("StreamingResponse accumulates text, counts chunks and keeps them", async () => {
  const response = new StreamingResponse();
  for await (const chunk of createMockStream("Test response text", { chunkSize: 5 })) response.addChunk(chunk);
  assert.equal(response.completeText, "Test response text");
  assert.equal(response.chunkCount, 4);
  assert.equal(response.chunks.length, 4);
  assert.equal(response.isComplete, true);
  assert.match(response.streamId, /^stream_/);
});

test("StreamingResponse measures duration in milliseconds", async () => {
  const response = await collectStream(createMockStream("abcd", { chunkSize: 1, delay: 15 }));
  assert.ok(response.duration >= 40, `duration ${response.duration} covers four 15 ms waits`);
  assert.ok(response.duration < 60_000, "duration is in ms, not µs");
});

test("StreamingResponse takes totalTokens, usage and finish reason from the final chunk", () => {
  const response = new StreamingResponse();
  response.addChunk(makeChunk("text", "hi", {}));
  assert.equal(response.totalTokens, undefined);
  const usage = { inputTokens: 3, outputTokens: 2, totalTokens: 5 };
  response.addChunk(makeChunk("final", "", { usage, finishReason: "stop" }));
  assert.equal(response.totalTokens, 5);
  assert.deepEqual(response.usage, usage);
  assert.equal(response.finishReason, "stop");
});

test("StreamingResponse collects thinking and complete tool calls apart from the text", () => {
  const response = new StreamingResponse();
  response.addChunk(makeChunk("thinking", "", { thinking: "hmm" }));
  response.addChunk(makeChunk("tool_call_delta", "", { toolCall: { index: 0, argumentsDelta: "{}" } }));
  response.addChunk(makeChunk("tool_call", "", { toolCall: { id: "c1", name: "f", arguments: {} } }));
  assert.equal(response.thinking, "hmm");
  assert.equal(response.completeText, "");
  assert.deepEqual(response.toolCalls, [{ id: "c1", name: "f", arguments: {} }]);
});

test("with keepChunks false, StreamingResponse keeps no chunk objects but still has the text", async () => {
  const response = new StreamingResponse({ keepChunks: false, streamId: "s1" });
  for await (const chunk of createMockStream("x".repeat(1000), { chunkSize: 3 })) response.addChunk(chunk);
  assert.equal(response.chunks.length, 0);
  assert.equal(response.chunkCount, 334);
  assert.equal(response.completeText, "x".repeat(1000));
  assert.equal(response.streamId, "s1");
});

test("streamToString returns the whole text", async () => {
  assert.equal(await streamToString(createMockStream("Test response text", { chunkSize: 4 })), "Test response text");
});

test("TextBuffer keeps every piece in order across its flatten threshold", () => {
  const buffer = new TextBuffer();
  let expected = "";
  for (let i = 0; i < 5000; i++) {
    const piece = `${i},`;
    buffer.append(piece);
    expected += piece;
  }
  assert.equal(buffer.length, expected.length);
  assert.equal(buffer.toString(), expected);
  buffer.append("end");
  assert.equal(buffer.toString(), `${expected}end`);
  buffer.clear();
  assert.equal(buffer.toString(), "");
});

test("collectStream reads the text from a ChunkStream instead of keeping a second copy, with the same result", async () => {
  const stream = createMockStream("Test response text", { chunkSize: 5 });
  const response = await collectStream(stream, { keepChunks: false });
  assert.equal(response.completeText, "Test response text");
  assert.equal(response.completeText, stream.text);
  const manual = new StreamingResponse({ textSource: { text: "from elsewhere" } });
  manual.addChunk(makeChunk("text", "ignored", {}));
  assert.equal(manual.completeText, "from elsewhere");
  assert.equal(manual.chunkCount, 1);
});
