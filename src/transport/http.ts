import http from "node:http";
import https from "node:https";
import { AgentError, ConfigurationError } from "../stream/errors.js";

/** A response whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as it arrives; iterating it to the end or breaking out releases the connection. */
  body: http.IncomingMessage;
}

/** How one request is sent. */
export interface HttpRequestOptions {
  method?: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Aborting destroys the socket at once. */
  signal: AbortSignal;
  /** Milliseconds of silence (connecting, waiting for headers, or between reads) before the request fails. */
  idleTimeoutMs: number;
  /** The pools to use; `defaultTransport` when absent. */
  transport?: HttpTransport;
}

/** The socket went silent for longer than the idle timeout. */
export class IdleTimeoutError extends AgentError {
  override name = "IdleTimeoutError";
  readonly code = "ETIMEDOUT";
}

/**
 * The keep-alive pools requests go through: a second request to the same host skips the TCP (and TLS)
 * handshake. Idle pooled sockets are unref'd by Node, so they never hold a process open; `close()` ends every
 * socket at once for a program that wants to be sure. Pass one as the `transport` option of a provider to
 * give it pools of its own; without it, providers share `defaultTransport`.
 */
export class HttpTransport {
  readonly http: http.Agent;
  readonly https: https.Agent;

  constructor(options: { maxSockets?: number } = {}) {
    const maxSockets = options.maxSockets ?? Infinity;
    if (!(typeof maxSockets === "number" && maxSockets >= 1 && (Number.isInteger(maxSockets) || maxSockets === Infinity))) {
      throw new ConfigurationError("maxSockets", `must be a positive integer or Infinity, got ${String(maxSockets)}`);
    }
    this.http = new http.Agent({ keepAlive: true, maxSockets });
    this.https = new https.Agent({ keepAlive: true, maxSockets });
  }

  /** Sockets open in both pools (busy and idle): for tests and diagnostics. */
  get openSockets(): number {
    let n = 0;
    for (const agent of [this.http, this.https]) {
      for (const list of Object.values(agent.sockets)) n += list?.length ?? 0;
      for (const list of Object.values(agent.freeSockets)) n += list?.length ?? 0;
    }
    return n;
  }

  /** Destroys every pooled socket, idle or busy; requests sent afterwards open new ones. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** The pools every provider shares unless given its own `transport`. */
export const defaultTransport = new HttpTransport();

/**
 * Sends a request with `node:http` and resolves once the status and headers are in. Chosen over `fetch`
 * because the bench shows it costs less per chunk and reaches the first byte sooner (no WHATWG stream layer).
 */
export function sendRequest(url: URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const { signal } = options;
  return new Promise<HttpResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const secure = url.protocol === "https:";
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    const request = (secure ? https : http).request(url, {
      method: options.method ?? "POST",
      headers,
      agent: secure ? (options.transport ?? defaultTransport).https : (options.transport ?? defaultTransport).http,
    });
    let response: http.IncomingMessage | undefined;
    // Abort handled here rather than with http.request's `signal` option: with that option, 1,000 streams aborted
    // at random points (test/reliability/abort-storm.test.ts) crashed the process with an unhandled socket
    // 'error'. Ours is removed once the request closes, so a late abort never reaches a pooled socket.
    const onAbort = () => {
      const error = new DOMException("This operation was aborted", "AbortError");
      response?.destroy();
      request.destroy(error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.once("close", () => signal.removeEventListener("abort", onAbort));
    // setTimeout on the request arms the socket's idle timer, which also covers reads of the body later;
    // the body is destroyed with the same error so a reader mid-stream learns it was a timeout.
    request.setTimeout(options.idleTimeoutMs, () => {
      const error = new IdleTimeoutError(`No data from ${url.host} for ${options.idleTimeoutMs} ms`);
      response?.destroy(error);
      request.destroy(error);
    });
    request.once("response", (res) => {
      response = res;
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    // `on`, not `once`: a second error (abort after a reset) must not be an unhandled 'error' event.
    request.on("error", reject);
    request.end(options.body);
  });
}

/** Reads a whole (error) body as text, up to `limit` bytes, then releases the connection. */
export async function readText(body: http.IncomingMessage, limit = 1 << 20): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body as AsyncIterable<Buffer>) {
    if (size + part.length > limit) {
      parts.push(part.subarray(0, limit - size));
      body.destroy();
      break;
    }
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).toString("utf8");
}
