#!/usr/bin/env node
/**
 * `npm run prepare`: builds dist/ so the package can be imported, whichever way it was installed.
 *
 * - In a clone (`npm install`, `npm ci`) and for a git dependency (npm installs the dev dependencies of a git
 *   dependency before `prepare`), TypeScript is already in node_modules: build.
 * - For a folder dependency (`npm install ../agenticraft`), npm links the folder as it is and installs none of its
 *   dependencies, so a fresh clone has no TypeScript and no eventsource-parser: install the locked dependencies in
 *   the clone first (`npm ci`, from the npm cache when `--offline`), then build.
 * - `npm pack` / `npm publish` build in `prepack`, so a tarball always ships dist/ and installs without scripts.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

// `npm pack` runs prepack (which builds) and then prepare: one build is enough.
if (process.env.npm_command === "pack" || process.env.npm_command === "publish") process.exit(0);

if (!existsSync(tsc)) {
  process.stderr.write(`agenticraft: installing its build dependencies in ${root} (a folder install links the clone as it is)\n`);
  // The parent install's prefix must not leak in, or the nested npm would install into the app instead of the clone.
  const env = { ...process.env };
  delete env.npm_config_local_prefix;
  delete env.npm_config_prefix;
  // npm sets npm_execpath to its own CLI while it runs a lifecycle script: the same npm installs here.
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
  run([...npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", root], env);
}
run([process.execPath, tsc, "-p", join(root, "tsconfig.build.json")], process.env);

function run([command, ...args], env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`agenticraft: ${[command, ...args].join(" ")} failed (${result.error?.message ?? `exit ${result.status}`})\n`);
    process.exit(result.status ?? 1);
  }
}
