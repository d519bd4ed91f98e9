/** The in-process stream store (the default): one process, nothing shared. */
import type { StreamStore, StreamStoreOptions } from "./types.js";

/** A store in this process's memory; streams expire `ttlMs` after their last write. */
export function createMemoryStore(options?: StreamStoreOptions): StreamStore {
  void options;
  throw new Error("not implemented yet");
}
