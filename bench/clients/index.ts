/**
 * The client registry. Adding a client = one module in clients/<protocol>/ exporting `setup` (see
 * lib/types.ts) + one line here. Order is the order of the tables.
 */
import type { ClientEntry } from "../lib/types.js";

export const CLIENTS: readonly ClientEntry[] = [
  { protocol: "openai", name: "raw-fetch", role: "floor", pkg: "eventsource-parser", module: "./openai/raw-fetch.js" },
  { protocol: "openai", name: "raw-http", role: "raw", module: "./openai/raw-http.js" },
  { protocol: "openai", name: "agenticraft-agent", role: "ours", pkg: "agenticraft", module: "./openai/agenticraft-agent.js" },
  { protocol: "openai", name: "agenticraft-provider", role: "ours", pkg: "agenticraft", module: "./openai/agenticraft-provider.js" },
  { protocol: "openai", name: "agenticraft-collect", role: "ours", pkg: "agenticraft", module: "./openai/agenticraft-collect.js" },
  { protocol: "openai", name: "openai-sdk", role: "peer", pkg: "openai", module: "./openai/openai-sdk.js" },
  { protocol: "openai", name: "ai-sdk", role: "peer", pkg: "ai", module: "./openai/ai-sdk.js" },
  { protocol: "openai", name: "langchain", role: "peer", pkg: "@langchain/openai", module: "./openai/langchain.js" },
  { protocol: "anthropic", name: "raw-fetch", role: "floor", pkg: "eventsource-parser", module: "./anthropic/raw-fetch.js" },
  { protocol: "anthropic", name: "agenticraft-agent", role: "ours", pkg: "agenticraft", module: "./anthropic/agenticraft-agent.js" },
  { protocol: "anthropic", name: "agenticraft-provider", role: "ours", pkg: "agenticraft", module: "./anthropic/agenticraft-provider.js" },
  { protocol: "anthropic", name: "agenticraft-collect", role: "ours", pkg: "agenticraft", module: "./anthropic/agenticraft-collect.js" },
  { protocol: "anthropic", name: "anthropic-sdk", role: "peer", pkg: "@anthropic-ai/sdk", module: "./anthropic/anthropic-sdk.js" },
  { protocol: "openai-responses", name: "raw-fetch", role: "floor", pkg: "eventsource-parser", module: "./openai-responses/raw-fetch.js" },
  { protocol: "openai-responses", name: "agenticraft-agent", role: "ours", pkg: "agenticraft", module: "./openai-responses/agenticraft-agent.js" },
  { protocol: "openai-responses", name: "openai-sdk", role: "peer", pkg: "openai", module: "./openai-responses/openai-sdk.js" },
];

/** Clients only the tools scenario runs (issue 8), so the other scenarios' tables stay as they were. */
export const TOOL_CLIENTS: readonly ClientEntry[] = [
  { protocol: "openai", name: "agenticraft-agent-tools", role: "ours", pkg: "agenticraft", module: "./openai/agenticraft-agent-tools.js" },
];

export const clientId = (entry: ClientEntry): string => `${entry.protocol}/${entry.name}`;

export function findClient(id: string): ClientEntry {
  const entry = [...CLIENTS, ...TOOL_CLIENTS].find((c) => clientId(c) === id);
  if (entry === undefined) throw new Error(`unknown client ${id}; known: ${CLIENTS.map(clientId).join(", ")}`);
  return entry;
}
