import { connect } from "node:net";
import { startEmulator } from "../emulator/index.js";

/** The emulator running inside the CLI process, and where each provider finds it. */
export interface LocalEmulator {
  url: string;
  baseUrlFor(provider: string): string;
  close(): Promise<void>;
}

/** Starts the emulator on a free loopback port with its default, realistic pacing. */
export async function startLocalEmulator(): Promise<LocalEmulator> {
  const server = await startEmulator({ host: "127.0.0.1", port: 0 });
  return {
    url: server.url,
    // OpenAI clients put /v1 in the base URL; Anthropic and Ollama clients add their own paths.
    baseUrlFor: (provider) => (provider === "openai" ? server.openaiBaseUrl : server.url),
    close: () => server.close(),
  };
}

/** Whether something accepts TCP connections at host:port (a refused loopback connection answers at once). */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
