/**
 * The Pulumi CLI's rules for project config, applied the way the CLI applies them before the
 * program runs (pulumi/pulumi sdk/go/common/workspace/config.go, project.go):
 *  - a key declared in Pulumi.yaml under the project's namespace with no `default` (and no
 *    `value`) is required: "Stack '<stack>' is missing configuration value '<key>'";
 *  - a stack value must have the declared type (string, integer, boolean, array with `items`,
 *    object): "Stack '<stack>' with configuration key '<key>' must be of type '<type>'";
 *  - a declared default is passed to the program when the stack sets no value.
 * The tests check Pulumi.yaml against these rules, the program-under-mocks runner applies the
 * defaults, and the sandbox reads stacks through them, so all three see config as `pulumi up` does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface ConfigDeclaration {
  type?: "string" | "integer" | "boolean" | "array" | "object";
  items?: { type: string };
  default?: unknown;
  value?: unknown;
  description?: string;
}

export interface ProjectFile {
  name: string;
  config: Record<string, ConfigDeclaration>;
}

export const PROJECT_DIR = join(__dirname, "..");

export function readProjectFile(dir = PROJECT_DIR): ProjectFile {
  const project = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, ConfigDeclaration>;
  };
  return { name: project.name, config: project.config ?? {} };
}

/** A stack file's `config:` map (e.g. Pulumi.dev.yaml), as YAML types. */
export function readStackFile(stack: string, dir = PROJECT_DIR): Record<string, unknown> {
  const file = parse(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  } | null;
  return file?.config ?? {};
}

function typeMatches(value: unknown, type: string | undefined): boolean {
  switch (type) {
    case undefined:
      return true;
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

/** The problems the CLI reports for a stack's config, in its words; empty when it would run the program. */
export function cliConfigProblems(project: ProjectFile, stack: string, values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [declared, declaration] of Object.entries(project.config)) {
    const key = declared.includes(":") ? declared : `${project.name}:${declared}`;
    const namespaced = key.startsWith(`${project.name}:`);
    if (!namespaced && declaration.type !== undefined) {
      problems.push(`Configuration key '${declared}' is not namespaced by the project and should not define a type`);
    }
    if (declaration.type === "array" && declaration.items === undefined) {
      problems.push(
        `The configuration key '${declared}' declares an array but does not specify the underlying type via the 'items' attribute`,
      );
    }
    const value = values[key];
    if (value === undefined) {
      if (namespaced && declaration.default === undefined && declaration.value === undefined)
        missing.push(key.slice(project.name.length + 1));
      continue;
    }
    const itemsOk =
      declaration.type !== "array" || (value as unknown[]).every((item) => typeMatches(item, declaration.items?.type));
    if (!typeMatches(value, declaration.type) || (Array.isArray(value) && !itemsOk)) {
      problems.push(`Stack '${stack}' with configuration key '${key}' must be of type '${declaration.type}'`);
    }
  }
  if (missing.length > 0) {
    const list = missing.map((key) => `'${key}'`);
    problems.push(
      `Stack '${stack}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`}`,
    );
  }
  return problems;
}

/** The values the program sees: the stack's, plus every declared default the stack does not set. */
export function withProjectDefaults(project: ProjectFile, values: Record<string, unknown>): Record<string, unknown> {
  const result = { ...values };
  for (const [declared, declaration] of Object.entries(project.config)) {
    const key = declared.includes(":") ? declared : `${project.name}:${declared}`;
    if (result[key] === undefined && declaration.default !== undefined) result[key] = declaration.default;
  }
  return result;
}

/** Config values as the language host hands them to the program: strings, structured ones as JSON. */
export function asProgramConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}
