/**
 * The repository's own TypeScript, line by line, for tests that hold the code to "defined once"
 * rules (a constant spelt out where it should be imported).
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const REPO_ROOT = path.join(__dirname, "..", "..");

/** The TypeScript sources under a folder (relative to the repository), tests excluded. */
export function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".spec.ts") && !file.includes("node_modules"))
    .map((file) => path.join(folder, file));
}

export interface SourceLine {
  /** `file:line`, for the assertion's message. */
  at: string;
  line: string;
}

/** Every line of code (whole-line comments left out: prose may name what code must not spell) under the folders. */
export function codeLines(folders: readonly string[]): SourceLine[] {
  return folders.flatMap(sourceFiles).flatMap((file) =>
    readFileSync(path.join(REPO_ROOT, file), "utf8")
      .split("\n")
      .map((line, i) => ({ at: `${file}:${i + 1}`, line: line.trim() }))
      .filter(({ line }) => !/^(\/\/|\/\*|\*)/.test(line)),
  );
}

/** The folders of the program, the sandbox, the bench and the shared helpers (not tests, not the policy pack). */
export const PROGRAM_FOLDERS = [
  "core",
  "channels",
  "components",
  "lambdas",
  "local",
  "bench",
  "devkit",
  "cli",
] as const;
