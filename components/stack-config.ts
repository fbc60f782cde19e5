/**
 * Reads this project's stack config as `pulumi up` passes it: every `parallel-approval:*` key
 * (values arrive as strings, structured ones as JSON), without the "not set" defaults Pulumi.yaml
 * declares, and validated, including keys nothing reads (a typo such as `quorom`), before the
 * component creates anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, withoutUnsetDefaults } from "../core/config";
import { parseStackConfig } from "../channels/registry";
import type { ApprovalWorkflowArgs } from "./approval-workflow";

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // a plain string value, e.g. approvalTimeout: 72h
  }
}

/** The `parallel-approval:` keys of a config map (namespace stripped), without the unset defaults. */
export function projectConfigOf(all: Record<string, string>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw = Object.fromEntries(
    Object.entries(all)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), parseValue(value)]),
  );
  return withoutUnsetDefaults(raw);
}

/** The workflow's config args from the running stack; throws ConfigError naming every problem. */
export function readStackConfig(all: Record<string, string> = pulumi.runtime.allConfig()): ApprovalWorkflowArgs {
  const raw = projectConfigOf(all);
  parseStackConfig(raw);
  return raw as ApprovalWorkflowArgs;
}
