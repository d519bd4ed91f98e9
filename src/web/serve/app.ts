/**
 * The HTTP face of `agenticraft serve`, on Hono: the endpoints of API.md "Web" and the playground page.
 *
 *     POST /api/stream            { prompt, provider?, model? } → SSE, header x-stream-id
 *     GET  /api/stream/:id        Last-Event-ID → what was missed, then live; 404 JSON when unknown or expired
 *     POST /api/stream/:id/stop   stops the model call, on whichever instance runs it
 *     GET  /                      the playground
 *
 * The model call is started detached (`streams.start`) and every response only follows the store, so a
 * client that goes away ends its own follow and nothing else.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { StreamChunk } from "../../stream/chunk.js";
import { AgentError, ConfigurationError } from "../../stream/errors.js";
import { toSSEResponse } from "../sse-response.js";
import type { ResumableStreams } from "../resumable.js";
import type { StreamEvent } from "../events.js";
import { PLAYGROUND_HTML } from "./page.js";

/** What a client may choose per request; the server decides what it means (see `ServeAppOptions.produce`). */
export interface StreamRequest {
  prompt: string;
  provider?: string;
  model?: string;
}

/** Options of {@link createServeApp}. */
export interface ServeAppOptions {
  streams: ResumableStreams;
  /**
   * Prepares the model call for one request: returns what `streams.start` runs (its `signal` is aborted by
   * stop, abandon or shutdown). Throwing (e.g. a `ConfigurationError` for an unknown provider) answers 400
   * before any stream is created.
   */
  prepare(request: StreamRequest): (signal: AbortSignal) => AsyncIterable<StreamChunk>;
  /** Keep-alive comment interval while the model is silent (ms); default 10,000 (the playground takes 25 s of silence for a dead connection). */
  keepAliveMs?: number;
}

/** Largest prompt accepted, in characters: a playground, not a document store. */
const MAX_PROMPT_CHARS = 100_000;

/** The Hono app; mount it anywhere (`app.fetch` is a standard fetch handler). */
export function createServeApp(options: ServeAppOptions): Hono {
  const { streams } = options;
  const sseResponse = (events: AsyncIterable<StreamEvent>, id: string) =>
    toSSEResponse(events, {
      // content-location names where to resume: readSSE(response) reconnects there by itself after a cut.
      headers: { "x-stream-id": id, "content-location": `/api/stream/${encodeURIComponent(id)}`, "access-control-expose-headers": "x-stream-id" },
      keepAliveMs: options.keepAliveMs ?? 10_000,
    });
  const app = new Hono();

  app.get("/", (c) => c.html(PLAYGROUND_HTML));

  app.post("/api/stream", async (c) => {
    let produce: (signal: AbortSignal) => AsyncIterable<StreamChunk>;
    try {
      produce = options.prepare(parseStreamRequest(await c.req.json().catch(() => undefined)));
    } catch (error) {
      return jsonError(c, 400, error);
    }
    const id = await streams.start(produce);
    const events = await streams.follow(id, { signal: c.req.raw.signal });
    // Only when the store lost it between the two calls (e.g. expired at once): say so rather than hang.
    if (events === undefined) return c.json({ error: { message: `stream ${id} vanished before it could be read` } }, 404);
    return sseResponse(events, id);
  });

  app.get("/api/stream/:id", async (c) => {
    const id = c.req.param("id");
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    let events: AsyncIterable<StreamEvent> | undefined;
    try {
      events = await streams.follow(id, { signal: c.req.raw.signal, ...(lastEventId ? { lastEventId } : {}) });
    } catch (error) {
      if (error instanceof ConfigurationError) return jsonError(c, 400, error);
      throw error;
    }
    if (events === undefined) return c.json({ error: { message: `no stream ${JSON.stringify(id)}: unknown or expired` } }, 404);
    return sseResponse(events, id);
  });

  app.post("/api/stream/:id/stop", async (c) => {
    const id = c.req.param("id");
    if (await streams.stop(id)) return c.json({ id, stopped: true });
    return c.json({ error: { message: `no running stream ${JSON.stringify(id)}: unknown, expired or already ended` } }, 404);
  });

  app.notFound((c) => c.json({ error: { message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => jsonError(c, 500, error));
  return app;
}

/** Reads `{ prompt, provider?, model? }`; throws a `ConfigurationError` naming the bad field. */
export function parseStreamRequest(body: unknown): StreamRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ConfigurationError("body", 'expected a JSON object like {"prompt":"…"}');
  }
  const { prompt, provider, model } = body as Record<string, unknown>;
  if (typeof prompt !== "string" || prompt.trim() === "") throw new ConfigurationError("prompt", "must be a non-empty string");
  if (prompt.length > MAX_PROMPT_CHARS) throw new ConfigurationError("prompt", `must be at most ${MAX_PROMPT_CHARS} characters`);
  const request: StreamRequest = { prompt };
  if (provider !== undefined) {
    if (typeof provider !== "string" || provider === "") throw new ConfigurationError("provider", "must be a non-empty string");
    request.provider = provider;
  }
  if (model !== undefined) {
    if (typeof model !== "string" || model === "") throw new ConfigurationError("model", "must be a non-empty string");
    request.model = model;
  }
  return request;
}

function jsonError(c: Context, status: 400 | 404 | 500, error: unknown): Response {
  // Only our own errors carry messages meant for a client; anything else stays on the server.
  const message = error instanceof AgentError ? error.message : status === 500 ? "internal error" : String((error as Error)?.message ?? error);
  return c.json({ error: { message, ...(error instanceof ConfigurationError ? { option: error.option } : {}) } }, status);
}
