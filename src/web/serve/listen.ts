/**
 * Puts a fetch-style app on a Node HTTP port with @hono/node-server, which aborts the request's signal when
 * the socket closes and waits for `drain` on a slow client (see STYLE-ANCHORS.md, honojs/node-server).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";

const LISTEN_BACKLOG = 4096;

/** A listening server. */
export interface ListeningServer {
  /** `http://HOST:PORT` (the real port when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, ends open streams (SSE connections never go idle by themselves), resolves when closed. */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 = a free one); rejects when the port cannot be bound. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>, options: { port: number; host: string }): Promise<ListeningServer> {
  const server = createAdaptorServer({ fetch, hostname: options.host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A deep accept queue: a thousand clients connecting at once must not meet a reset (Node's default is 511).
    server.listen(options.port, options.host, LISTEN_BACKLOG, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
