/**
 * Reads a stack's settings from `Pulumi.<stack>.yaml` for the sandbox as `pulumi up` would: the
 * CLI's config rules first (declared types, defaults from Pulumi.yaml), then the program's own
 * validation, so the sandbox refuses exactly the config `pulumi up` would refuse, with the same
 * messages (typos in keys included).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ConfigError, CONFIG_NAMESPACE, withoutUnsetDefaults } from "../core/config";
import type { WorkflowSettings } from "../core/settings";
import { parseStackConfig } from "../channels/registry";
import { cliConfigProblems, readProjectFile, withProjectDefaults } from "../devkit/pulumi-cli-config";

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
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new StackConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new StackConfigError(`${file}: "config" must be a map of settings`);
  }
  const project = readProjectFile(projectDir);
  const cliProblems = cliConfigProblems(project, stack, config as Record<string, unknown>);
  if (cliProblems.length > 0) throw new StackConfigError(`${file}: ${cliProblems.join("; ")}`);
  const values = withProjectDefaults(project, config as Record<string, unknown>);
  const prefix = `${PROJECT}:`;
  const raw = Object.fromEntries(
    Object.entries(values)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const region = values["aws:region"];
  return {
    stack,
    file,
    region: typeof region === "string" && region !== "" ? region : DEFAULT_REGION,
    settings: parseStackConfig(withoutUnsetDefaults(raw)),
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
