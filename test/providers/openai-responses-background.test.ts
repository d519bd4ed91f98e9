import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createOpenAIResponsesProvider, type OpenAIResponsesProviderOptions } from "../../src/providers/responses/provider.js";
import type { ProviderRequest } from "../../src/providers/provider.js";
import { ProviderError, StreamInterruptedError } from "../../src/index.js";
import { startFixtureServer, parseHttpFixture, type FixtureReply, type ReceivedRequest } from "../support/fixture-server.js";
import { readFixture } from "../support/split.js";
import { drainStream, eventually } from "../support/sources.js";

const KEY = "sk-test-SECRET-KEY-0123456789";
const DIR = "test/fixtures/wire/openai-responses";
const request: ProviderRequest = { model: "o3", messages: [{ role: "user", content: "A fact about otters." }] };
const FULL = readFixture("openai-responses/background.sse");
const expected = JSON.parse(readFileSync(`${DIR}/background-resume-after-7.expected.json`, "utf8")) as {
  response_id: string;
  resume: { starting_after: number; full_stream_byte_offset: number; text_before_cursor: string; full_text: string };
  usage: { output_tokens: number };
};
const ID = expected.response_id;

function provider(url: string, options: OpenAIResponsesProviderOptions = {}) {
  return createOpenAIResponsesProvider({ apiKey: KEY, baseUrl: url, maxRetries: 0, background: true, ...options });
}

/** Byte offsets where each event of `body` starts, with its sequence number. */
function eventStarts(body: Uint8Array): Array<{ offset: number; sequence: number }> {
  const text = Buffer.from(body).toString("latin1"); // one char per byte, so indexes are byte offsets
  const starts: Array<{ offset: number; sequence: number }> = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\n\n", at);
    const block = text.slice(at, end);
    const sequence = Number(/"sequence_number":(\d+)/.exec(block)?.[1]);
    starts.push({ offset: at, sequence });
    at = end + 2;
  }
  return starts;
}
const STARTS = eventStarts(FULL);

/** The body of `GET …?stream=true&starting_after=N`: every event of the full stream after N, bytes unchanged. */
function tailAfter(n: number): Uint8Array {
  const first = STARTS.find((s) => s.sequence > n);
  return first === undefined ? new Uint8Array() : FULL.slice(first.offset);
}

/** The reply to a resume GET, as the API gives it. */
function resumeReply(req: ReceivedRequest): FixtureReply {
  const url = new URL(req.url, "http://x");
  assert.equal(url.pathname, `/responses/${ID}`);
  assert.equal(url.searchParams.get("stream"), "true");
  return { pieces: [tailAfter(Number(url.searchParams.get("starting_after")))] };
}

test("the fixture pair: a drop after sequence 7 resumes with starting_after=7 and ends with the full text exactly once", async () => {
  const { full_stream_byte_offset: offset, full_text, text_before_cursor } = expected.resume;
  const server = await startFixtureServer((req) =>
    req.method === "POST" ? { pieces: [FULL.slice(0, offset)], dropAfter: true } : { pieces: [readFixture("openai-responses/background-resume-after-7.sse")] },
  );
  after(() => server.close());
  const { chunks, error, result } = await drainStream(provider(server.url).stream(request));
  assert.equal(error, undefined, String(error));
  assert.equal(chunks.map((c) => c.content).join(""), full_text);
  assert.ok(full_text.startsWith(text_before_cursor));
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url}`), ["POST /responses", `GET /responses/${ID}?stream=true&starting_after=7`]);
  assert.equal(JSON.parse(server.requests[0]!.body).background, true);
  assert.equal(result?.content, full_text);
  assert.equal(result?.id, ID);
  assert.equal(result?.usage?.outputTokens, expected.usage.output_tokens);
  assert.equal(chunks.filter((c) => c.type === "final").length, 1);
});

test("a drop at any byte after the first event resumes with the full text exactly once and no second POST", async () => {
  const from = STARTS[1]!.offset; // the id arrives with response.created (sequence 0)
  const cuts: number[] = [];
  for (let cut = from; cut < FULL.length; cut += 7) cuts.push(cut);
  for (const s of STARTS.slice(1)) cuts.push(s.offset, s.offset + 1);
  let attempt = 0;
  const posts: number[] = [];
  const server = await startFixtureServer((req) => {
    if (req.method === "POST") {
      posts.push(attempt);
      return { pieces: [FULL.slice(0, cuts[attempt]!)], dropAfter: true };
    }
    return resumeReply(req);
  });
  after(() => server.close());
  const p = provider(server.url);
  for (; attempt < cuts.length; attempt++) {
    const before = server.requests.length;
    const { chunks, error, result } = await drainStream(p.stream(request));
    const where = `drop at byte ${cuts[attempt]}`;
    assert.equal(error, undefined, `${where}: ${String(error)}`);
    assert.equal(chunks.map((c) => c.content).join(""), expected.resume.full_text, where);
    assert.equal(result?.content, expected.resume.full_text, where);
    assert.equal(chunks.filter((c) => c.type === "final").length, 1, where);
    const mine = server.requests.slice(before);
    assert.equal(mine.filter((r) => r.method === "POST").length, 1, `${where}: one POST`);
    assert.ok(mine.length <= 2, `${where}: at most one resume`);
  }
  assert.equal(posts.length, cuts.length);
});

test("a stalled background stream (idle timeout) is resumed too", async () => {
  const offset = STARTS.find((s) => s.sequence === 10)!.offset;
  const server = await startFixtureServer((req) => (req.method === "POST" ? { pieces: [FULL.slice(0, offset)], stallAfter: true } : resumeReply(req)));
  after(() => server.close());
  const { chunks, error } = await drainStream(provider(server.url, { timeout: 150 }).stream(request));
  assert.equal(error, undefined, String(error));
  assert.equal(chunks.map((c) => c.content).join(""), expected.resume.full_text);
  assert.equal(server.requests[1]?.url, `/responses/${ID}?stream=true&starting_after=9`);
});

test("a resume that replays from 0 (a server ignoring starting_after) still yields each delta once", async () => {
  const offset = STARTS.find((s) => s.sequence === 9)!.offset;
  const server = await startFixtureServer((req) => (req.method === "POST" ? { pieces: [FULL.slice(0, offset)], dropAfter: true } : { pieces: [FULL] }));
  after(() => server.close());
  const { chunks, error } = await drainStream(provider(server.url).stream(request));
  assert.equal(error, undefined, String(error));
  assert.equal(chunks.map((c) => c.content).join(""), expected.resume.full_text);
});

test("a resume refused with 400 ends the stream 'network' with the exact partial text and the ProviderError as cause", async () => {
  const fixture = parseHttpFixture(readFileSync(`${DIR}/http-400-resume-not-background.http`, "utf8"));
  const offset = expected.resume.full_stream_byte_offset;
  const server = await startFixtureServer((req) =>
    req.method === "POST" ? { pieces: [FULL.slice(0, offset)], dropAfter: true } : { status: 400, headers: fixture.headers, pieces: [Buffer.from(fixture.body)] },
  );
  after(() => server.close());
  const { chunks, error } = await drainStream(provider(server.url).stream(request));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "network");
  assert.equal(error.partialResponse, expected.resume.text_before_cursor);
  assert.equal(chunks.map((c) => c.content).join(""), expected.resume.text_before_cursor);
  assert.ok(error.cause instanceof ProviderError && error.cause.status === 400);
  assert.equal(server.requests.length, 2);
});

test("resumes that bring nothing new stop after maxResumes, keeping the text", async () => {
  const offset = expected.resume.full_stream_byte_offset;
  const server = await startFixtureServer((req) => (req.method === "POST" ? { pieces: [FULL.slice(0, offset)], dropAfter: true } : { pieces: [], dropAfter: true }));
  after(() => server.close());
  const { error } = await drainStream(provider(server.url, { maxResumes: 2 }).stream(request));
  assert.ok(error instanceof StreamInterruptedError, String(error));
  assert.equal(error.reason, "network");
  assert.equal(error.partialResponse, expected.resume.text_before_cursor);
  assert.equal(server.requests.length, 1 + 3, "one POST, the resume that found nothing, then two more");
});

test("an error event from the model is not resumed (the model failed, not the connection)", async () => {
  const server = await startFixtureServer([{ pieces: [readFixture("openai-responses/error-event.sse")] }]);
  after(() => server.close());
  const { error } = await drainStream(provider(server.url).stream(request));
  assert.ok(error instanceof StreamInterruptedError && error.reason === "provider", String(error));
  assert.equal(server.requests.length, 1);
});

test("a drop before the response id arrived cannot be resumed: 'network', no GET", async () => {
  const server = await startFixtureServer([{ pieces: [FULL.slice(0, 40)], dropAfter: true }]);
  after(() => server.close());
  const { error } = await drainStream(provider(server.url).stream(request));
  assert.ok(error instanceof StreamInterruptedError && error.reason === "network", String(error));
  assert.equal(server.requests.length, 1);
});

test("stream.abort() on a background response closes the connection and cancels it (POST /responses/{id}/cancel)", async () => {
  const offset = expected.resume.full_stream_byte_offset;
  const server = await startFixtureServer((req) =>
    req.method === "POST" && req.url === "/responses"
      ? { pieces: [FULL.slice(0, offset)], stallAfter: true }
      : { headers: { "content-type": "application/json" }, pieces: [Buffer.from(JSON.stringify({ id: ID, object: "response", status: "cancelled" }))] },
  );
  after(() => server.close());
  const stream = provider(server.url).stream(request);
  let text = "";
  const error = await (async () => {
    for await (const chunk of stream) {
      text += chunk.content;
      if (text === expected.resume.text_before_cursor) stream.abort();
    }
  })().catch((e: unknown) => e);
  assert.ok(error instanceof StreamInterruptedError && error.reason === "aborted", String(error));
  assert.equal(error.partialResponse, expected.resume.text_before_cursor);
  await eventually(() => server.requests.length === 2, "the cancel arrived");
  assert.equal(server.requests[1]!.method, "POST");
  assert.equal(server.requests[1]!.url, `/responses/${ID}/cancel`);
  assert.equal(server.requests[1]!.headers["authorization"], `Bearer ${KEY}`);
  await eventually(() => server.clientClosedEarly === 1, "the stream's connection closed");
});

test("a background stream that finished sends no cancel when it is dropped afterwards", async () => {
  const server = await startFixtureServer([{ pieces: [FULL] }]);
  after(() => server.close());
  const stream = provider(server.url).stream(request);
  const { error } = await drainStream(stream);
  assert.equal(error, undefined);
  stream.abort();
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(server.requests.length, 1);
});
