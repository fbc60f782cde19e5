/**
 * Reads a stack's settings from `Pulumi.<stack>.yaml` for the sandbox as `pulumi up` would: the
 * stack's values as the CLI holds them (a top-level scalar as its text, so `quorum: "2"` as
 * `pulumi config set` writes it is `quorum: 2`), the CLI's config rules (declared types, defaults
 * from Pulumi.yaml), then the values as the program receives them (strings) read by the program's
 * own reader and validation, so the sandbox accepts and refuses exactly what `pulumi up` would,
 * with the same messages (typos in keys included).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, CONFIG_NAMESPACE, projectConfigOf } from "../core/config";
import type { WorkflowSettings } from "../core/settings";
import { parseStackConfig } from "../channels/registry";
import {
  asProgramConfig,
  cliConfigOf,
  cliConfigProblems,
  readProjectFile,
  withProjectDefaults,
} from "../devkit/pulumi-cli-config";

export const PROJECT = CONFIG_NAMESPACE;
export const DEFAULT_STACK = "dev";
export const DEFAULT_REGION = "eu-west-1";

export interface StackSettings {
  stack: string;
  /** The file read, relative to the project directory. */
  file: string;
  region: string;
  settings: WorkflowSettings;
}

/** A stack file that cannot be read or is not a Pulumi stack config. */
export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

/** The settings of a stack file's text. Throws ConfigError (invalid settings) or StackConfigError. */
export function stackSettingsFromYaml(
  text: string,
  stack: string,
  file = `Pulumi.${stack}.yaml`,
  projectDir?: string,
): StackSettings {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new StackConfigError(`${file} is not valid YAML: ${document.errors[0].message}`);
  }
  let config: Record<string, unknown>;
  try {
    config = cliConfigOf(document) ?? {};
  } catch (error) {
    throw new StackConfigError(`${file}: ${(error as Error).message}`);
  }
  const project = readProjectFile(projectDir);
  const cliProblems = cliConfigProblems(project, stack, config);
  if (cliProblems.length > 0) throw new StackConfigError(`${file}: ${cliProblems.join("; ")}`);
  const values = withProjectDefaults(project, config);
  const region = values["aws:region"];
  return {
    stack,
    file,
    region: typeof region === "string" && region !== "" ? region : DEFAULT_REGION,
    settings: parseStackConfig(projectConfigOf(asProgramConfig(values))),
  };
}

/** Reads `Pulumi.<stack>.yaml` in `projectDir`. */
export function readStackSettings(projectDir: string, stack = DEFAULT_STACK): StackSettings {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackConfigError(`"${stack}" is not a stack name`);
  const file = `Pulumi.${stack}.yaml`;
  let text: string;
  try {
    text = readFileSync(join(projectDir, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StackConfigError(
      code === "ENOENT"
        ? `${file} not found in ${projectDir}: create the stack's config (see README, "Deploying a stack") or pass --stack NAME`
        : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  return stackSettingsFromYaml(text, stack, file, projectDir);
}

export { ConfigError };
