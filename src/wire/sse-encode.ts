/**
 * Server-Sent Events out: one event (or comment) as wire text.
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * `data` is split on CRLF, CR and LF into one `data:` line each (the reader joins them with LF); a line break in
 * `event` or `id` would start a new field, so it is refused, as is U+0000 in an id (readers ignore such an id).
 */
import { ConfigurationError } from "../stream/errors.js";

/** The fields of one event; `id` and `retry` are written whenever defined, so an empty id and `retry: 0` survive. */
export interface SSEOutEvent {
  event?: string;
  data: string;
  id?: string;
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** Encodes one event, ending with the blank line that dispatches it. */
export function encodeSSE(message: SSEOutEvent): string {
  let out = "";
  if (message.event !== undefined) {
    if (hasLineBreak(message.event)) throw new ConfigurationError("event", `must not contain a line break, got ${JSON.stringify(message.event)}`);
    out += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    if (hasLineBreak(message.id) || message.id.includes("\0")) {
      throw new ConfigurationError("id", `must not contain a line break or U+0000, got ${JSON.stringify(message.id)}`);
    }
    out += message.id === "" ? "id\n" : `id: ${message.id}\n`;
  }
  if (message.retry !== undefined) out += encodeRetry(message.retry);
  const data = message.data;
  // JSON (every chunk) has no raw line break: one line, no split.
  if (!hasLineBreak(data)) out += `data: ${data}\n`;
  else for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out + "\n";
}

/** A `retry:` line: the reconnection delay an EventSource should use, in whole milliseconds. */
export function encodeRetry(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new ConfigurationError("retry", `must be a non-negative integer of ms, got ${ms}`);
  return `retry: ${ms}\n`;
}

/** A comment block (ignored by readers; keeps proxies from closing an idle connection). */
export function encodeSSEComment(text = "keep-alive"): string {
  let out = "";
  for (const line of text.split(LINE_BREAK)) out += `: ${line}\n`;
  return out + "\n";
}

function hasLineBreak(text: string): boolean {
  return text.indexOf("\n") !== -1 || text.indexOf("\r") !== -1;
}
