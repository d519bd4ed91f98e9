import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { ChunkStream } from "../../src/stream/chunk-stream.js";
import { StreamInterruptedError, WireFormatError } from "../../src/stream/errors.js";
import { driveStream, type FrameDecoder, type FrameHandler } from "../../src/providers/stream-driver.js";
import type { HttpResponse } from "../../src/transport/http.js";
import type { CompletionResult } from "../../src/providers/provider.js";

/** Lines as frames; records the size of every slice it is given. */
class LineDecoder implements FrameDecoder<string> {
  slices: number[] = [];
  #rest = "";
  decode(bytes: Uint8Array): string[] {
    this.slices.push(bytes.length);
    const lines = (this.#rest + Buffer.from(bytes).toString("latin1")).split("\n");
    this.#rest = lines.pop()!;
    return lines;
  }
  flush(): string[] {
    return [];
  }
}

/** "t:<text>" is a text chunk, "end" the end marker, "bad" an error frame; counts its calls. */
function lineHandler(): FrameHandler<string> & { calls: number } {
  const handler = {
    calls: 0,
    frame(line: string, out: StreamChunk[], now: number) {
      handler.calls++;
      if (line === "end") return true;
      if (line === "bad") throw new WireFormatError("bad frame", { type: "invalid-json", excerpt: line });
      out.push(makeChunk("text", line.slice(2), { provider: "test" }, now));
      return false;
    },
    finish(out: StreamChunk[]) {
      out.push(makeChunk("final", "", { provider: "test" }));
    },
    result(text: string): CompletionResult {
      return { content: text, toolCalls: [], finishReason: "stop", provider: "test", model: "m" };
    },
  };
  return handler;
}

/** One network read holding every line. */
function streamOf(lines: string[], decoder: FrameDecoder<string>, handler: FrameHandler<string>): ChunkStream<CompletionResult> {
  const body = Readable.from([Buffer.from(lines.map((l) => `${l}\n`).join(""))], { objectMode: false });
  const response = { status: 200, headers: {}, body } as unknown as HttpResponse;
  return new ChunkStream<CompletionResult>((signal, delivered) =>
    driveStream({ provider: "test", response, decoder, handler, signal, delivered, endMarker: "end" }),
  );
}

test("the frames of one read become chunks only as the consumer asks, decoded a few KiB at a time", async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => `t:${i % 10}`);
  const decoder = new LineDecoder();
  const handler = lineHandler();
  const stream = streamOf([...lines, "end"], decoder, handler);
  const first = await stream.next();
  assert.equal(first.value?.content, "0");
  assert.equal(handler.calls, 1, "one frame handled for one chunk taken");
  for (let i = 1; i < 100; i++) await stream.next();
  assert.equal(handler.calls, 100);
  assert.equal(decoder.slices.length, 1, "only the first slice of the read is decoded so far");
  let rest = 0;
  for await (const chunk of stream) if (chunk.type === "text") rest++;
  assert.equal(rest, 2900);
  assert.equal(stream.result?.content, lines.map((l) => l.slice(2)).join(""));
  assert.ok(decoder.slices.length > 1 && decoder.slices.every((n) => n <= 4096), `slices: ${decoder.slices.join(",")}`);
});

test("a bad frame in the middle of a read: the chunks before it are delivered, then an interruption with their text", async () => {
  const handler = lineHandler();
  const stream = streamOf(["t:ab", "t:cd", "bad", "t:never", "end"], new LineDecoder(), handler);
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) seen.push(chunk.content);
    })(),
    (error: unknown) =>
      error instanceof StreamInterruptedError && error.reason === "provider" && error.partialResponse === "abcd" && error.cause instanceof WireFormatError,
  );
  assert.deepEqual(seen, ["ab", "cd"]);
  assert.equal(handler.calls, 3, "nothing after the bad frame is handled");
});
