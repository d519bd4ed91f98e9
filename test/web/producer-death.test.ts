import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ResumableStreams } from "../../src/web/resumable.js";
import type { StreamEvent } from "../../src/web/events.js";
import { redisPrefix } from "./redis-support.js";

const redis = redisPrefix();
after(() => redis.cleanup());

test("redis: a producer process killed with SIGKILL ends its readers with an error event holding the partial text", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./producer-child.ts", import.meta.url)), redis.prefix], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let id = "";
  try {
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the producer process did not get ready: ${out}`)), 15_000);
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        out += text;
        const match = /^id (\S+)$/m.exec(out);
        if (match !== null) id = match[1]!;
        if (/^ready$/m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", () => reject(new Error(`the producer process exited: ${out}`)));
    });
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
  const streams = new ResumableStreams({ store: redis.make(), heartbeatMs: 30, producerGraceMs: 300 });
  try {
    const followed = await streams.follow(id);
    assert.ok(followed !== undefined, "the stream outlives its producer in Redis");
    const events: StreamEvent[] = [];
    for await (const event of followed) events.push(event);
    const last = events[events.length - 1]!;
    assert.equal(last.event, "error");
    const data = JSON.parse(last.data) as { reason: string; partialResponse: string };
    const text = events.filter((e) => e.event === "text").map((e) => (JSON.parse(e.data) as { content: string }).content).join("");
    assert.ok(text.startsWith("w0 w1 w2 w3 w4 "), text);
    assert.equal(data.partialResponse, text, "the error carries exactly the stored text");
  } finally {
    await streams.close();
  }
});
