/** A tiny Node server over ResumableStreams (start, resume, stop) for end-to-end tests of the web layer. */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeChunk, type StreamChunk } from "../../src/stream/chunk.js";
import { pipeSSE } from "../../src/web/node-response.js";
import type { StreamEvent } from "../../src/web/events.js";
import type { ResumableStreams } from "../../src/web/resumable.js";

/** Yields `words` as text chunks, each after a macrotask (so readers interleave), then a final chunk; stops on abort. */
export function wordsProducer(words: string[], onSignal?: (signal: AbortSignal) => void) {
  return async function* (signal: AbortSignal): AsyncGenerator<StreamChunk> {
    onSignal?.(signal);
    for (const word of words) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return;
      yield makeChunk("text", word, {});
    }
    yield makeChunk("final", "", { usage: { inputTokens: 1, outputTokens: words.length, totalTokens: words.length + 1 } });
  };
}

/** A producer that yields a word every `ms` until aborted; `produced` holds what it yielded. */
export function endlessProducer(ms: number) {
  const state = { produced: [] as string[], signal: undefined as AbortSignal | undefined };
  const produce = async function* (signal: AbortSignal): AsyncGenerator<StreamChunk> {
    state.signal = signal;
    for (let i = 0; !signal.aborted; i++) {
      const word = `w${i} `;
      state.produced.push(word);
      yield makeChunk("text", word, {});
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  };
  return { state, produce };
}

/**
 * POST /start?words=a,b → starts a stream and follows it (content-location: the resume URL of `resumeBase`);
 * GET /s/:id (Last-Event-ID) → resumes; POST /s/:id/stop → stops. `dropAfter(n)` cuts the n-th response's
 * socket after that many events (undefined: never).
 */
export async function startStreamServer(
  streams: ResumableStreams,
  options: { words?: string[]; dropAfter?: (response: number) => number | undefined; resumeBase?: () => string } = {},
) {
  let responses = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const n = responses++;
    try {
      if (req.method === "POST" && url.pathname === "/start") {
        const id = await streams.start(wordsProducer(options.words ?? []));
        const followed = await streams.follow(id);
        res.setHeader("x-stream-id", id);
        res.setHeader("content-location", `${options.resumeBase?.() ?? ""}/s/${id}`);
        await pipeSSE(dropping(followed!, res, options.dropAfter?.(n)), res, { keepAliveMs: 0 });
        return;
      }
      const match = /^\/s\/([^/]+)(\/stop)?$/.exec(url.pathname);
      if (match === null) return void res.writeHead(404).end();
      const id = match[1]!;
      if (match[2] !== undefined) {
        const stopped = await streams.stop(id);
        return void res.writeHead(stopped ? 200 : 404).end();
      }
      const lastEventId = req.headers["last-event-id"];
      const followed = await streams.follow(id, { lastEventId: typeof lastEventId === "string" ? lastEventId : undefined });
      if (followed === undefined) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"unknown stream"}');
      await pipeSSE(dropping(followed, res, options.dropAfter?.(n)), res, { keepAliveMs: 0 });
    } catch (error) {
      if (!res.headersSent) res.writeHead(400).end(String(error));
      else res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    server,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Passes events through, destroying the socket after `after` of them (a dropped connection). */
async function* dropping(events: AsyncIterableIterator<StreamEvent>, res: ServerResponse, after: number | undefined) {
  let count = 0;
  try {
    for (;;) {
      if (after !== undefined && count === after) {
        // Cut right after the write (the last event may reach the client whole or not: both must resume right).
        await new Promise((resolve) => setImmediate(resolve));
        res.socket?.destroy();
        return;
      }
      const step = await events.next();
      if (step.done === true) return;
      count++;
      yield step.value;
    }
  } finally {
    await events.return?.();
  }
}
