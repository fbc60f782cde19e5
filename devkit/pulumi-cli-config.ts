/**
 * The Pulumi CLI's rules for project config, applied the way the CLI applies them before the
 * program runs (pulumi/pulumi sdk/go/common/workspace/config.go mergeConfig, project.go
 * ValidateConfigValue and InferFullTypeName; resource/config/value.go):
 *  - a key declared in Pulumi.yaml under the project's namespace with no `default` (and no
 *    `value`) is required: "Stack '<stack>' is missing configuration value '<key as declared>'"
 *    (https://github.com/pulumi/pulumi/pull/10832: "Project-level configuration values that do not
 *    have a default value MUST be defined at the stack level");
 *  - a stack value must have the declared type: "Stack '<stack>' with configuration key '<key>'
 *    must be of type '<type>'", an array named by its items (`array<object>`). The CLI holds a
 *    top-level scalar as the string of its YAML text (value.go reads it as a string first; and
 *    `pulumi config set` writes top-level values as strings:
 *    https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/), so `integer` takes "2"
 *    as well as 2 (a string that strconv.Atoi parses), `boolean` takes "true"/"false";
 *  - a declared default is passed to the program when the stack sets no value.
 * Declarations: https://www.pulumi.com/docs/iac/concepts/projects/project-file/ (config options).
 * The tests check Pulumi.yaml against these rules, the program-under-mocks runner applies the
 * defaults, and the sandbox reads stacks through them, so all three see config as `pulumi up` does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isNode, isScalar, parse, parseDocument, type Document } from "yaml";

/** A declaration's `items`: the type of an array's items, nested for arrays of arrays. */
export interface ConfigItemsType {
  type: string;
  items?: ConfigItemsType;
}

export interface ConfigDeclaration {
  type?: "string" | "integer" | "boolean" | "array" | "object";
  items?: ConfigItemsType;
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

/**
 * A parsed stack file's `config:` map as the CLI holds it: each top-level scalar as the string of
 * its YAML text (`quorum: 2` and `quorum: "2"` are both "2", `2.0` stays "2.0", an empty value is
 * ""), lists and maps as their values. Undefined when the file has no `config:`; throws a
 * TypeError when `config:` is not a map.
 */
export function cliConfigOf(document: Document): Record<string, unknown> | undefined {
  const config = document.get("config", true);
  if (config === undefined || config === null || (isScalar(config) && config.value === null)) return undefined;
  if (!isMap(config)) throw new TypeError('"config" must be a map of settings');
  const values: Record<string, unknown> = {};
  for (const pair of config.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const node = pair.value;
    if (isScalar(node)) values[key] = node.value === null ? "" : (node.source ?? String(node.value));
    else values[key] = isNode(node) ? node.toJS(document) : node;
  }
  return values;
}

/** `Pulumi.<stack>.yaml`'s `config:` map as the CLI holds it (see cliConfigOf). */
export function readCliStackFile(stack: string, dir = PROJECT_DIR): Record<string, unknown> {
  return cliConfigOf(parseDocument(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8"))) ?? {};
}

/** The type name the CLI prints: `array<object>` for an array of objects (project.go InferFullTypeName). */
export function fullTypeName(type: string | undefined, items?: ConfigItemsType): string {
  return items === undefined ? String(type) : `array<${fullTypeName(items.type, items.items)}>`;
}

/** Go's strconv.Atoi: an optional sign and decimal digits, within int64. */
function atoiParses(text: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) return false;
  const value = BigInt(text);
  return value >= -(2n ** 63n) && value < 2n ** 63n;
}

/** project.go ValidateConfigValue: whether `value` (as the CLI holds it) has the declared type. */
export function validateConfigValue(
  type: string | undefined,
  items: ConfigItemsType | undefined,
  value: unknown,
): boolean {
  switch (type) {
    case undefined:
      return true; // the CLI checks only explicitly typed keys
    case "string":
      return typeof value === "string";
    case "integer":
      // A whole number (YAML decodes some as floats), or a string that parses as an integer.
      return typeof value === "number" ? Number.isInteger(value) : typeof value === "string" && atoiParses(value);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return (
        Array.isArray(value) &&
        items !== undefined &&
        value.every((item) => validateConfigValue(items.type, items.items, item))
      );
  }
}

/** A stack value as the CLI holds it: a top-level scalar is a string (see cliConfigOf). */
function asCliValue(value: unknown): unknown {
  return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
}

/**
 * The problems the CLI reports for a stack's config, in its words; empty when it would run the
 * program. The CLI stops at its first error; this lists each, so one run shows them all.
 */
export function cliConfigProblems(project: ProjectFile, stack: string, values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [declared, declaration] of Object.entries(project.config)) {
    const key = declared.includes(":") ? declared : `${project.name}:${declared}`;
    const namespaced = key.startsWith(`${project.name}:`);
    const typeName = fullTypeName(declaration.type, declaration.items);
    if (!namespaced && declaration.type !== undefined) {
      problems.push(`Configuration key '${declared}' is not namespaced by the project and should not define a type`);
    }
    if (declaration.type === "array" && declaration.items === undefined) {
      problems.push(
        `The configuration key '${declared}' declares an array but does not specify the underlying type via the 'items' attribute`,
      );
    } else if (
      declaration.default !== undefined &&
      !validateConfigValue(declaration.type, declaration.items, declaration.default)
    ) {
      problems.push(
        `The default value specified for configuration key '${declared}' is not of the expected type '${typeName}'`,
      );
    }
    const value = values[key];
    if (value === undefined) {
      if (namespaced && declaration.default === undefined && declaration.value === undefined) missing.push(declared);
      continue;
    }
    if (!validateConfigValue(declaration.type, declaration.items, asCliValue(value))) {
      problems.push(`Stack '${stack}' with configuration key '${declared}' must be of type '${typeName}'`);
    }
  }
  if (missing.length > 0) {
    const list = missing.sort().map((key) => `'${key}'`);
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
