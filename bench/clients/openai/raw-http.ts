/** node:http with a keep-alive agent, a hand line split and JSON.parse: what a hand-written client costs. */
import http from "node:http";
import type { ClientContext, StreamOnce, StreamOutcome } from "../../lib/types.js";
import { API_KEY, OPENAI_MODEL, PROMPT, Tally, incomplete } from "../common.js";

export function setup({ url, headers }: ClientContext): StreamOnce {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const target = new URL(`${url}/v1/chat/completions`);
  return (first) =>
    new Promise<StreamOutcome>((resolve, reject) => {
      const body = JSON.stringify({
        model: OPENAI_MODEL,
        messages: [{ role: "user", content: PROMPT }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const request = http.request(target, {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${API_KEY}`,
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
      });
      request.on("error", reject);
      request.on("response", (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding("utf8");
        const tally = new Tally(first);
        let rest = "";
        let done = false;
        res.on("data", (text: string) => {
          const buffer = rest === "" ? text : rest + text;
          let start = 0;
          for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n", start)) {
            if (buffer.startsWith("data: ", start)) {
              const data = buffer.slice(start + 6, end);
              if (data === "[DONE]") done = true;
              else {
                const content = JSON.parse(data).choices?.[0]?.delta?.content;
                if (content) tally.add(content);
              }
            }
            start = end + 1;
          }
          rest = buffer.slice(start);
        });
        res.on("error", reject);
        res.on("end", () => (done ? resolve(tally) : reject(incomplete("data: [DONE]"))));
      });
      request.end(body);
    });
}
