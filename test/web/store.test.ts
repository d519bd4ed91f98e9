import { after } from "node:test";
import { createMemoryStore } from "../../src/web/store/memory.js";
import { storeSuite } from "./store-suite.js";
import { redisPrefix } from "./redis-support.js";

const redis = redisPrefix();
after(() => redis.cleanup());

storeSuite("memory store", createMemoryStore);
storeSuite("redis store", redis.make);
