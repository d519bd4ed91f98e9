/** Ours, collecting, on the Messages API: an Agent stream folded into `StreamingResponse({ keepChunks: false })` as `collectStream` does. */
import { collectClient } from "../agenticraft.js";

export const setup = collectClient("anthropic");
