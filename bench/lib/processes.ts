/** The parent's side of the processes: the emulator server and the measuring children. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { CODE_ROOT, EXT, REPO_ROOT } from "./paths.js";
import { REPORT_MARK, type ChildReport, type ChildSpec } from "./types.js";

const CHILD_TIMEOUT_MS = 10 * 60_000;

export interface EmulatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts `node dist/emulator/bin.js --port 0` and waits for its `listening on URL` line. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const bin = resolve(REPO_ROOT, "dist/emulator/bin.js");
  const child = spawn(process.execPath, [bin, "--port", "0", "--ttft-ms", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`emulator exited (${code}) before listening; is ${bin} built? run npm run build at the root`)));
    lines.on("line", (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match?.[1] !== undefined) resolveUrl(match[1]);
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Runs one measurement in a fresh `node --expose-gc` child and returns its report (never throws). */
export async function runChild(spec: ChildSpec): Promise<ChildReport> {
  const script = resolve(CODE_ROOT, `child${EXT}`);
  // process.execArgv carries `--import tsx` when the bench runs from its sources.
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, "--expose-gc", script, JSON.stringify(spec)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(timer);
  const line = stdout.split("\n").find((l) => l.startsWith(REPORT_MARK));
  if (line === undefined) {
    const why = signal ? `killed by ${signal}` : `exit code ${code}`;
    return { ok: false, error: `child gave no report (${why}): ${stderr.trim().slice(-2000)}`, metrics: {} };
  }
  const report = JSON.parse(line.slice(REPORT_MARK.length)) as ChildReport;
  if (!report.ok && stderr.trim() !== "") report.error = `${report.error}\n${stderr.trim().slice(-2000)}`;
  return report;
}
