/**
 * Runs a callback when a signal aborts, with one event listener per signal for its whole life rather than one
 * per call: a reader that is caught up waits once per chunk, and adding and removing an EventTarget listener
 * each time showed in the server's profile.
 */
const callbacks = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts; returns the function that unregisters it. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(callback);
    return () => undefined;
  }
  let set = callbacks.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    set = created;
    callbacks.set(signal, created);
    signal.addEventListener("abort", () => {
      const pending = [...created];
      created.clear();
      for (const run of pending) run();
    }, { once: true });
  }
  const registered = set;
  registered.add(callback);
  return () => void registered.delete(callback);
}
