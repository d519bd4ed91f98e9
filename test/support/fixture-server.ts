import http from "node:http";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import { cutsInsideCharacter } from "./split.js";

/** What the fixture server answers to one request. */
export interface FixtureReply {
  status?: number;
  headers?: Record<string, string>;
  /** The body, written piece by piece with a flush between pieces (so a client sees separate reads). */
  pieces: Uint8Array[];
  /** Destroy the socket after writing the pieces instead of ending the response. */
  dropAfter?: boolean;
  /** Write the pieces, then keep the connection open and silent until the client goes away. */
  stallAfter?: boolean;
}

/** A request the server received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback HTTP server for provider tests: each request gets the next reply from `replies` (the last one
 * repeats). It records requests and counts connections the client closed before the reply ended.
 */
export async function startFixtureServer(replies: FixtureReply[] | ((request: ReceivedRequest, index: number) => FixtureReply)) {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();
  let clientClosedEarly = 0;
  const server = http.createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(parts).toString("utf8") };
    const index = requests.length;
    requests.push(request);
    const reply = typeof replies === "function" ? replies(request, index) : (replies[Math.min(index, replies.length - 1)] as FixtureReply);
    let finished = false;
    res.on("close", () => {
      if (!finished) clientClosedEarly++;
    });
    res.writeHead(reply.status ?? 200, { "content-type": "text/event-stream", ...reply.headers });
    res.flushHeaders();
    for (const piece of reply.pieces) {
      if (res.destroyed) return;
      res.write(piece);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (reply.dropAfter) {
      finished = true;
      res.socket?.destroy();
      return;
    }
    if (reply.stallAfter) return;
    finished = true;
    res.end();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Connections open right now (keep-alive ones included). */
    get openConnections() {
      return sockets.size;
    },
    /** Responses the client closed before they were complete. */
    get clientClosedEarly() {
      return clientClosedEarly;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses a `.http` fixture (head lines end in LF; split at the first blank line). */
export function parseHttpFixture(text: string): { status: number; headers: Record<string, string>; body: string } {
  const split = text.indexOf("\n\n");
  const head = text.slice(0, split).split("\n");
  const status = Number(head[0]?.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: text.slice(split + 2) };
}

/**
 * Replays every split pattern of a fixture through one keep-alive server (one request per pattern) and hands
 * each pattern's outcome to `check`; a fixture with multi-byte characters must have a pattern cutting inside one.
 */
export async function replaySplits<O>(
  name: string,
  patterns: Array<[string, Uint8Array[]]>,
  body: Uint8Array,
  streamFrom: (url: string) => Promise<O>,
  check: (outcome: O, label: string) => void,
): Promise<void> {
  if (new TextDecoder().decode(body).length !== body.length) {
    assert.ok(patterns.some(([, pieces]) => cutsInsideCharacter(pieces)), `${name}: some pattern cuts inside a character`);
  }
  const server = await startFixtureServer((_request, index) => ({ pieces: patterns[index]![1] }));
  try {
    for (const [label] of patterns) check(await streamFrom(server.url), label);
    assert.equal(server.requests.length, patterns.length);
  } finally {
    await server.close();
  }
}
