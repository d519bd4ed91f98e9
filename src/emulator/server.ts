/**
 * The emulator's HTTP server (node:http only): routing by path, body reading, request recording, auth,
 * error responses in the right provider's shape, per-request abort, and a close() that never hangs.
 */
import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigurationError } from "../stream/errors.js";
import { anthropicFormat } from "./anthropic-format.js";
import { anthropicModels, OLLAMA_VERSION, ollamaTags, openaiModels } from "./catalog.js";
import { answerChat, type ChatContext, type ChatSettings } from "./chat.js";
import { badRequest, EmulatorRequestError, type ErrorSpec } from "./errors.js";
import { AttemptCounter, faultOptionProblem, parseFaultHeader } from "./faults.js";
import { ollamaFormat } from "./ollama-format.js";
import { openaiFormat } from "./openai-format.js";
import { MAX_BENCH_CHUNKS } from "./overrides.js";
import { DEFAULT_PACING, tpsProblem, ttftProblem } from "./pacing.js";
import type { ProtocolFormat } from "./protocol.js";
import { responsesRoutes } from "./responses-route.js";
import type { StreamOutcome } from "./stream-writer.js";
import type {
  EmulatorEvents,
  EmulatorFault,
  EmulatorOptions,
  EmulatorProtocol,
  EmulatorServer,
  EmulatorStats,
  RecordedRequest,
} from "./types.js";

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const FORMATS: Record<EmulatorProtocol, ProtocolFormat> = { openai: openaiFormat, anthropic: anthropicFormat, ollama: ollamaFormat };
const SECRET_HEADERS = new Set(["authorization", "x-api-key", "api-key", "proxy-authorization"]);

/** Which provider a path belongs to, so even a 404 comes in that provider's error shape. */
function protocolFor(path: string, req: IncomingMessage): EmulatorProtocol | undefined {
  if (path.startsWith("/v1/messages")) return "anthropic";
  if (path === "/v1/models" && req.headers["anthropic-version"] !== undefined) return "anthropic";
  if (path.startsWith("/v1/")) return "openai";
  if (path.startsWith("/api/")) return "ollama";
  return undefined;
}

/** Validates the options (a bad one is a ConfigurationError naming it) and fills in defaults. */
function resolveOptions(options: EmulatorOptions) {
  const check = (option: string, problem: string | undefined) => {
    if (problem !== undefined) throw new ConfigurationError(option, problem);
  };
  const port = options.port ?? 0;
  check("port", Number.isInteger(port) && port >= 0 && port <= 65535 ? undefined : "must be an integer from 0 to 65535");
  const pacing = { ttftMs: options.ttftMs ?? DEFAULT_PACING.ttftMs, tps: options.tps ?? DEFAULT_PACING.tps };
  check("ttftMs", ttftProblem(pacing.ttftMs));
  check("tps", tpsProblem(pacing.tps));
  let fault: EmulatorFault = {};
  if (typeof options.fault === "string") {
    try {
      fault = parseFaultHeader(options.fault);
    } catch (error) {
      throw new ConfigurationError("fault", (error as Error).message, { cause: error });
    }
  } else if (options.fault !== undefined) {
    check("fault", faultOptionProblem(options.fault));
    fault = { ...options.fault };
  }
  const bench = options.benchChunks;
  check("benchChunks", bench === undefined || (Number.isSafeInteger(bench) && bench >= 1 && bench <= MAX_BENCH_CHUNKS) ? undefined : `must be an integer from 1 to ${MAX_BENCH_CHUNKS}`);
  check("requireApiKey", options.requireApiKey === undefined || options.requireApiKey !== "" ? undefined : "must not be empty");
  const maxRecorded = options.maxRecordedRequests ?? 1000;
  check("maxRecordedRequests", Number.isSafeInteger(maxRecorded) && maxRecorded >= 0 ? undefined : "must be an integer >= 0");
  return { host: options.host ?? "127.0.0.1", port, pacing, fault, bench, maxRecorded };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new EmulatorRequestError({ status: 413, message: `Request body larger than ${MAX_BODY_BYTES} bytes.` });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw badRequest(`We could not parse the JSON body of your request (${(error as Error).message}).`);
  }
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? "[redacted]" : Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** The key a client presented: Anthropic's `x-api-key` (or a Bearer token), the others' Bearer token. */
function presentedKey(req: IncomingMessage, protocol: EmulatorProtocol | undefined): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const apiKey = req.headers["x-api-key"];
  return protocol === "anthropic" ? (typeof apiKey === "string" ? apiKey : bearer) : bearer;
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { "content-type": "application/json", ...headers, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, format: ProtocolFormat, spec: ErrorSpec): void {
  const { headers, body } = format.errorResponse(spec);
  sendJson(res, spec.status, { ...format.commonHeaders(), ...headers }, body);
}

/** Starts an emulator serving the OpenAI, Anthropic and Ollama chat APIs on one port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorServer> {
  const config = resolveOptions(options);
  const settings: ChatSettings = { script: options.script, pacing: config.pacing, fault: config.fault, benchChunks: config.bench, attempts: new AttemptCounter() };
  const stats: EmulatorStats = { requests: 0, completed: 0, aborted: 0, dropped: 0, stalled: 0, active: 0, internalErrors: 0 };
  const events = new EventEmitter<EmulatorEvents>();
  const requests: RecordedRequest[] = [];
  const inflight = new Set<Promise<void>>();
  let closing = false;

  type Route = (ctx: Omit<ChatContext, "onStall">, record: RecordedRequest) => Promise<StreamOutcome>;
  const chatRoute = (format: ProtocolFormat): Route => (ctx, record) => {
    const onStall = () => {
      stats.stalled++;
      events.emit("stalled", record);
    };
    return answerChat(format, { ...ctx, onStall }, settings);
  };
  const jsonRoute = (make: (req: IncomingMessage) => unknown): Route => async ({ req, res }) => {
    sendJson(res, 200, {}, JSON.stringify(make(req)));
    return "completed";
  };
  const responses = responsesRoutes(settings, (record) => {
    stats.stalled++;
    events.emit("stalled", record);
  });
  const routes: Record<string, Route> = {
    "POST /v1/chat/completions": chatRoute(openaiFormat),
    "POST /v1/messages": chatRoute(anthropicFormat),
    "POST /api/chat": chatRoute(ollamaFormat),
    "GET /v1/models": jsonRoute((req) => (req.headers["anthropic-version"] === undefined ? openaiModels() : anthropicModels())),
    "GET /api/tags": jsonRoute(ollamaTags),
    "GET /api/version": jsonRoute(() => ({ version: OLLAMA_VERSION })),
  };

  function recordOf(req: IncomingMessage, path: string): RecordedRequest {
    const record: RecordedRequest = {
      seq: ++stats.requests,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      protocol: protocolFor(path, req),
      headers: recordHeaders(req),
      body: undefined,
    };
    requests.push(record);
    if (requests.length > config.maxRecorded) requests.shift();
    events.emit("request", record);
    return record;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, record: RecordedRequest, signal: AbortSignal, markDropped: () => void): Promise<void> {
    const protocol = record.protocol;
    const format = protocol === undefined ? openaiFormat : FORMATS[protocol];
    try {
      const raw = await readBody(req);
      record.body = raw === "" ? undefined : raw;
      if (options.requireApiKey !== undefined) {
        const key = presentedKey(req, protocol);
        if (key !== options.requireApiKey) throw new EmulatorRequestError(key === undefined ? { status: 401 } : { status: 401, presentedKey: key });
      }
      const body = parseBody(raw);
      record.body = body;
      const route = routes[`${req.method} ${path}`] ?? responses.route(req.method, path);
      if (route === undefined) {
        const message = protocol === "ollama" ? "404 page not found" : `Invalid URL (${req.method} ${path})`;
        throw new EmulatorRequestError({ status: 404, message });
      }
      const outcome = await route({ req, res, path, body, signal }, record);
      if (outcome === "dropped") {
        markDropped();
        stats.dropped++;
        events.emit("dropped", record);
        res.socket?.destroy();
        return;
      }
      res.end();
    } catch (error) {
      const refused = error instanceof EmulatorRequestError;
      // An error while the body was still arriving means the client went away ('close' counts it).
      if (signal.aborted || (!refused && !req.complete)) return;
      if (!refused) stats.internalErrors++;
      if (res.headersSent) {
        res.socket?.destroy();
        return;
      }
      sendError(res, format, refused ? error.spec : { status: 500 });
    }
    stats.completed++;
    events.emit("completed", record);
  }

  const server = createServer((req, res) => {
    const controller = new AbortController();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const record = recordOf(req, path);
    let dropped = false;
    stats.active++;
    res.on("close", () => {
      // 'close' also follows a normal end; only an unfinished response means the client went away.
      if (!res.writableFinished && !dropped && !closing) {
        stats.aborted++;
        events.emit("aborted", record);
      }
      controller.abort();
    });
    const task = handle(req, res, path, record, controller.signal, () => (dropped = true))
      .catch(() => {
        // handle() answers its own errors; anything left is a bug, counted rather than crashing the host process.
        stats.internalErrors++;
        res.destroy();
      })
      .finally(() => {
        stats.active--;
        inflight.delete(task);
        events.emit("finished", record);
      });
    inflight.add(task);
  });

  server.listen(config.port, config.host);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  let closed: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Active streams (a stall, a slow pace) would keep server.close() waiting forever: end them now.
      server.closeAllConnections();
      await Promise.allSettled([...inflight]);
      await stopped;
    })();
    return closed;
  };

  return {
    url,
    port,
    openaiBaseUrl: `${url}/v1`,
    requests,
    stats,
    events,
    get script() {
      return settings.script;
    },
    set script(script) {
      settings.script = script;
    },
    resetAttempts: (key) => settings.attempts.reset(key),
    close,
    [Symbol.asyncDispose]: close,
  };
}
