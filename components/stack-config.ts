/**
 * Reads this project's stack config as `pulumi up` passes it: every `parallel-approval:*` key
 * (values arrive as strings, structured ones as JSON), without the "not set" defaults Pulumi.yaml
 * declares, and validated, including keys nothing reads (a typo such as `quorom`), before the
 * component creates anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { projectConfigOf } from "../core/config";
import { parseStackConfig } from "../channels/registry";
import type { ApprovalWorkflowArgs } from "./approval-workflow";

/** The workflow's config args from the running stack; throws ConfigError naming every problem. */
export function readStackConfig(all: Record<string, string> = pulumi.runtime.allConfig()): ApprovalWorkflowArgs {
  const raw = projectConfigOf(all);
  parseStackConfig(raw);
  return raw as ApprovalWorkflowArgs;
}
