/** Ours, collecting: an Agent stream folded into `StreamingResponse({ keepChunks: false })` as `collectStream` does. */
import { collectClient } from "../agenticraft.js";

export const setup = collectClient("openai");
