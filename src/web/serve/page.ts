/**
 * The playground page served at `/`: one self-contained HTML document with inline CSS and JS, no build step.
 *
 * The script speaks the server's own wire format: it POSTs the prompt, reads the SSE body with `fetch` (not
 * `EventSource`, which cannot POST), and when the connection drops it GETs `/api/stream/:id` with the last
 * event id it saw, so the server sends only what it missed. It renders chunks by type: text, thinking,
 * and anything tool-related as a generic row, so a new chunk type shows up without a page change.
 */
export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agenticraft playground</title>
<style>
  :root { color-scheme: light dark; --fg: #1d1f24; --bg: #f7f7f8; --card: #fff; --mute: #6b7080; --line: #dcdde3; --accent: #2f6feb; --warn: #b26b00; --bad: #c0392b; --ok: #1f8a4c; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6e7ea; --bg: #15161a; --card: #1e2026; --mute: #9297a6; --line: #30333c; } }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 860px; margin: 0 auto; padding: 24px 16px 48px; }
  h1 { font-size: 20px; margin: 0 0 16px; } h1 small { color: var(--mute); font-weight: normal; font-size: 13px; }
  form { display: flex; gap: 8px; align-items: flex-start; }
  textarea { flex: 1; min-height: 64px; resize: vertical; padding: 10px; font: inherit; border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: inherit; }
  .buttons { display: flex; flex-direction: column; gap: 6px; }
  button { font: inherit; padding: 8px 16px; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: inherit; cursor: pointer; }
  button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
  button:disabled { opacity: .45; cursor: default; }
  .bar { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 14px 0 10px; color: var(--mute); font-size: 13px; }
  .bar b { color: var(--fg); font-variant-numeric: tabular-nums; font-weight: 600; }
  #status { padding: 2px 10px; border-radius: 99px; border: 1px solid var(--line); }
  #status[data-state="streaming"] { color: var(--accent); border-color: var(--accent); }
  #status[data-state="reconnecting"] { color: var(--warn); border-color: var(--warn); }
  #status[data-state="resumed"] { color: var(--ok); border-color: var(--ok); }
  #status[data-state="error"], #status[data-state="stopped"] { color: var(--bad); border-color: var(--bad); }
  #status[data-state="done"] { color: var(--ok); border-color: var(--ok); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-top: 10px; }
  section h2 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--mute); }
  #answer { white-space: pre-wrap; min-height: 3em; }
  #thinking { white-space: pre-wrap; color: var(--mute); font-style: italic; max-height: 12em; overflow: auto; }
  #tools { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
  #tools div { padding: 3px 0; border-top: 1px dashed var(--line); word-break: break-all; } #tools div:first-child { border-top: 0; }
  #tools .kind { color: var(--accent); margin-right: 6px; }
  .hidden { display: none; }
  #detail { color: var(--bad); font-size: 13px; margin-top: 8px; white-space: pre-wrap; }
</style>
</head>
<body>
<main>
  <h1>agenticraft playground <small>streamed over SSE, resumable</small></h1>
  <form id="form">
    <textarea id="prompt" name="prompt" placeholder="Ask something…" required>Explain in three sentences why streaming makes LLM apps feel fast.</textarea>
    <div class="buttons">
      <button id="send" class="primary" type="submit">Send</button>
      <button id="stop" type="button" disabled>Stop</button>
    </div>
  </form>
  <div class="bar">
    <span id="status" data-state="idle">idle</span>
    <span>first chunk <b id="ttft">–</b></span>
    <span>tokens/s <b id="tps">–</b></span>
    <span>chunks <b id="chunks">0</b></span>
    <span>stream <b id="stream-id">–</b></span>
  </div>
  <section><h2>Answer</h2><div id="answer"></div><div id="detail"></div></section>
  <section id="thinking-box" class="hidden"><h2>Thinking</h2><div id="thinking"></div></section>
  <section id="tools-box" class="hidden"><h2>Tool calls and results</h2><div id="tools"></div></section>
</main>
<script type="module">
const $ = (id) => document.getElementById(id);
const ui = { form: $("form"), prompt: $("prompt"), send: $("send"), stop: $("stop"), status: $("status"), ttft: $("ttft"), tps: $("tps"),
  chunks: $("chunks"), streamId: $("stream-id"), answer: $("answer"), detail: $("detail"), thinking: $("thinking"),
  thinkingBox: $("thinking-box"), tools: $("tools"), toolsBox: $("tools-box") };
let run = null;
/** No byte for this long (the server sends keep-alive comments every 10 s) means the connection is dead. */
const STALL_MS = 25000;

function setStatus(state, text) { ui.status.dataset.state = state; ui.status.textContent = text ?? state; }

function reset() {
  ui.answer.textContent = ""; ui.thinking.textContent = ""; ui.tools.textContent = ""; ui.detail.textContent = "";
  ui.thinkingBox.classList.add("hidden"); ui.toolsBox.classList.add("hidden");
  ui.ttft.textContent = "–"; ui.tps.textContent = "–"; ui.chunks.textContent = "0"; ui.streamId.textContent = "–";
}

/** Parses an SSE body into { id, event, data } records; comments (keep-alives) are skipped. */
async function* sseEvents(body, onBytes) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", event = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onBytes();
      buffer += value;
      const lines = buffer.split(/\\r\\n|\\r|\\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (event.data.length > 0 || event.event !== undefined) yield { id: event.id, event: event.event ?? "message", data: event.data.join("\\n") };
          event = { data: [] };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) text = text.slice(1);
        if (field === "data") event.data.push(text);
        else if (field === "event") event.event = text;
        else if (field === "id") event.id = text;
      }
    }
  } finally { reader.releaseLock(); }
}

function onChunk(r, chunk) {
  r.chunks++;
  const now = performance.now();
  if (r.firstAt === undefined) { r.firstAt = now; ui.ttft.textContent = Math.round(now - r.startedAt) + " ms"; }
  ui.chunks.textContent = String(r.chunks);
  const meta = chunk.metadata ?? {};
  switch (chunk.type) {
    case "text":
      if (chunk.content) { ui.answer.append(chunk.content); r.tokens++; }
      break;
    case "thinking":
      if (meta.thinking) { ui.thinkingBox.classList.remove("hidden"); ui.thinking.append(meta.thinking); r.tokens++; }
      break;
    case "final":
      if (meta.usage) r.usageTokens = meta.usage.outputTokens;
      break;
    default: {
      // tool_call_delta, tool_call, tool_result and any type added later: shown as they come.
      const row = document.createElement("div");
      const kind = document.createElement("span");
      kind.className = "kind"; kind.textContent = chunk.type;
      row.append(kind, JSON.stringify(meta.toolCall ?? meta.toolResult ?? chunk.content ?? meta));
      ui.toolsBox.classList.remove("hidden"); ui.tools.append(row);
    }
  }
  const seconds = (now - r.firstAt) / 1000;
  const tokens = r.usageTokens ?? r.tokens;
  if (seconds > 0.05) ui.tps.textContent = (tokens / seconds).toFixed(1);
}

/**
 * Reads one response; returns "done", "error" or "dropped" (the body ended or failed without a closing event,
 * the browser went offline, or nothing came for STALL_MS: not even the server's keep-alive comments).
 */
async function consume(r, response, conn) {
  let lastByteAt = performance.now();
  const watchdog = setInterval(() => { if (performance.now() - lastByteAt > STALL_MS) conn.abort(); }, 1000);
  try {
    for await (const e of sseEvents(response.body, () => { lastByteAt = performance.now(); })) {
      if (e.id !== undefined && e.id !== "") r.lastEventId = e.id;
      if (r.reconnected && r.state !== "streaming") { r.state = "streaming"; setStatus("resumed", "resumed"); }
      if (e.event === "done") return "done";
      if (e.event === "error") { r.error = JSON.parse(e.data || "{}"); return "error"; }
      if (e.event === "message" && e.data === "") continue;
      onChunk(r, JSON.parse(e.data));
    }
  } catch {
    // A network error or our own abort (offline, stall, stop): decided below.
  } finally {
    clearInterval(watchdog);
  }
  return r.stopped ? "stopped" : "dropped";
}

/** One request of the run, abortable on its own (going offline drops the connection, not the run). */
function request(r, url, init) {
  const conn = new AbortController();
  r.conn = conn;
  return { conn, response: fetch(url, { ...init, signal: conn.signal }) };
}

async function start(prompt) {
  if (run) { run.cancelled = true; run.conn?.abort(); }
  reset();
  const r = { startedAt: performance.now(), chunks: 0, tokens: 0, lastEventId: undefined, id: undefined,
    reconnected: false, state: "streaming", stopped: false, cancelled: false, conn: undefined };
  run = r;
  ui.send.disabled = true; ui.stop.disabled = false;
  setStatus("streaming", "streaming");
  let outcome;
  try {
    const first = request(r, "/api/stream", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt }) });
    const response = await first.response;
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error?.message ?? "HTTP " + response.status);
    r.id = response.headers.get("x-stream-id");
    ui.streamId.textContent = r.id ?? "–";
    outcome = await consume(r, response, first.conn);
    // A dropped connection: follow the stream again from the last event id, with a bounded backoff
    // (cut short when the browser says it is back online).
    for (let attempt = 0; outcome === "dropped" && r.id && !r.cancelled && !r.stopped && attempt < 120; attempt++) {
      r.reconnected = true; r.state = "reconnecting";
      setStatus("reconnecting", "reconnecting…");
      await new Promise((resolve) => {
        const timer = setTimeout(done, Math.min(250 * 2 ** Math.min(attempt, 3), 2000));
        function done() { clearTimeout(timer); window.removeEventListener("online", done); resolve(); }
        window.addEventListener("online", done);
      });
      if (r.cancelled || r.stopped) break;
      const next = request(r, "/api/stream/" + encodeURIComponent(r.id), {
        headers: r.lastEventId === undefined ? {} : { "last-event-id": r.lastEventId } });
      let resumed;
      try { resumed = await next.response; } catch { continue; }
      if (resumed.status === 404) { r.error = { message: "the stream expired or is unknown to this server" }; outcome = "error"; break; }
      if (!resumed.ok) continue;
      outcome = await consume(r, resumed, next.conn);
    }
  } catch (error) {
    if (!r.stopped) { r.error = { message: String(error && error.message || error) }; outcome = "error"; }
  }
  if (r.cancelled) return;
  ui.send.disabled = false; ui.stop.disabled = true;
  if (r.stopped || (outcome === "error" && r.error && r.error.reason === "aborted")) { setStatus("stopped", "stopped"); return; }
  if (outcome === "done") { setStatus("done", r.reconnected ? "done (resumed)" : "done"); return; }
  setStatus("error", "error");
  ui.detail.textContent = (r.error && r.error.message) || "the connection was lost";
}

// The browser knows it lost the network before a half-open connection would: drop it and start resuming.
window.addEventListener("offline", () => { if (run && !run.stopped) run.conn?.abort(); });

ui.form.addEventListener("submit", (event) => { event.preventDefault(); const prompt = ui.prompt.value.trim(); if (prompt) void start(prompt); });
ui.prompt.addEventListener("keydown", (event) => { if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) ui.form.requestSubmit(); });
ui.stop.addEventListener("click", async () => {
  const r = run;
  if (!r || !r.id) return;
  ui.stop.disabled = true;
  // Ask the server (it stops the model call on whichever instance runs it); the stream then ends by itself
  // with the partial answer. If it does not within 3 s, stop reading anyway.
  try { await fetch("/api/stream/" + encodeURIComponent(r.id) + "/stop", { method: "POST" }); } catch {}
  r.stopped = true;
  setTimeout(() => { if (run === r && ui.send.disabled) r.conn?.abort(); }, 3000);
});
</script>
</body>
</html>
`;
