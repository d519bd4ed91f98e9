/**
 * A producer process for the SIGKILL test: starts a stream on the Redis under the prefix given in argv[2], writes
 * a word every 10 ms forever, prints `id <id>` and, after five words, `ready`. The parent kills it.
 */
import { ResumableStreams } from "../../src/web/resumable.js";
import { createRedisStore } from "../../src/web/store/redis.js";
import { endlessProducer } from "./web-support.js";

const prefix = process.argv[2]!;
const streams = new ResumableStreams({ store: createRedisStore({ url: process.env.REDIS_URL, prefix }), heartbeatMs: 30 });
const { state, produce } = endlessProducer(10);
const id = await streams.start(produce);
process.stdout.write(`id ${id}\n`);
const timer = setInterval(() => {
  if (state.produced.length >= 5) {
    clearInterval(timer);
    process.stdout.write("ready\n");
  }
}, 5);
