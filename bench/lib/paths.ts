/** Where things are, whether the bench runs compiled (.build/) or from its .ts sources under tsx. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The directory holding run.js/child.js (bench/.build or bench). */
export const CODE_ROOT = resolve(here, "..");
export const BENCH_ROOT = CODE_ROOT.endsWith(".build") ? resolve(CODE_ROOT, "..") : CODE_ROOT;
export const REPO_ROOT = resolve(BENCH_ROOT, "..");
/** ".js" compiled, ".ts" under tsx. */
export const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
