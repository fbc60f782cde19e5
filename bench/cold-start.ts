/**
 * Cold start proxy for each Lambda: the size of its deployed bundle (components/lambda-bundle.ts,
 * the AWS SDK left to the runtime) and the time a fresh Node process takes to load it, median of
 * several processes. The SDK resolves from this repository's node_modules, as it would from the
 * Lambda runtime's.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { bundleHandlerCode, LAMBDAS_DIR } from "../components/lambda-bundle";
import { median } from "./stats";

export interface ColdStart {
  handler: string;
  bundleBytes: number;
  /** Median time to `require` the bundle in a fresh Node process (ms). */
  loadMs: number;
  loads: number;
}

/** Every handler folder under lambdas/ (each with an index.ts), so a new Lambda is measured too. */
export function handlerNames(): string[] {
  return readdirSync(LAMBDAS_DIR, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && entry.name !== "shared" && existsSync(path.join(LAMBDAS_DIR, entry.name, "index.ts")),
    )
    .map((entry) => entry.name)
    .sort();
}

// Runs in the fresh process: time only the require, not Node's own start-up.
const LOAD_AND_TIME =
  "const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));";

export function measureColdStarts(loads: number): ColdStart[] {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-bundles-"));
  const nodeModules = path.join(__dirname, "..", "node_modules");
  // A plain Node process: no tsx loader or other options inherited from this one.
  const env = { ...process.env, NODE_PATH: nodeModules, NODE_OPTIONS: "", NODE_NO_WARNINGS: "1" };
  try {
    return handlerNames().map((handler) => {
      const code = bundleHandlerCode(handler);
      const file = path.join(dir, `${handler}.js`);
      writeFileSync(file, code);
      const times = Array.from({ length: loads }, () =>
        Number(
          execFileSync(process.execPath, ["-e", LOAD_AND_TIME, file], {
            env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
          }),
        ),
      );
      return { handler, bundleBytes: Buffer.byteLength(code, "utf8"), loadMs: median(times), loads };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
