/**
 * A producer process for the SIGKILL test: starts a stream on the Redis under the prefix given in argv[2], writes
 * a word every 10 ms forever, prints `id <id>` and, once five words are stored, `ready`. The parent kills it.
 */
import { ResumableStreams } from "../../src/web/resumable.js";
import { createRedisStore } from "../../src/web/store/redis.js";
import { endlessProducer } from "./web-support.js";

const prefix = process.argv[2]!;
const streams = new ResumableStreams({ store: createRedisStore({ url: process.env.REDIS_URL, prefix }), heartbeatMs: 30 });
const { produce } = endlessProducer(10);
const id = await streams.start(produce);
process.stdout.write(`id ${id}\n`);
for (;;) {
  if ((await streams.store.read(id, undefined, 5)).length >= 5) break;
  await new Promise((resolve) => setTimeout(resolve, 5));
}
process.stdout.write("ready\n");
