/** Closing a request stops the SSM automations still waiting for its undecided iam approvers. */
import { ssmAutomations, type Automations } from "../../lambdas/adapters/ssm-automations";
import { ssmClient } from "../../lambdas/adapters/ssm-client";
import type { AskRelease } from "../release-types";

/** The release, stopping automations through `automations` (created on first use). */
export function iamReleaseThrough(automations: () => Pick<Automations, "stop">): AskRelease {
  return {
    async release(ask) {
      if (ask.automationExecutionId === undefined) return "noAutomation";
      return automations().stop(ask.automationExecutionId);
    },
  };
}

// Created on first use only: requests without iam approvers never touch SSM.
export const iamRelease: AskRelease = iamReleaseThrough(() => ssmAutomations(ssmClient()));
