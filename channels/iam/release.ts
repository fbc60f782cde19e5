/** Closing a request stops the SSM automations still waiting for its undecided iam approvers. */
import { ssmAutomations } from "../../lambdas/adapters/ssm-automations";
import { ssmClient } from "../../lambdas/adapters/ssm-client";
import type { AskRelease } from "../release";

export const iamRelease: AskRelease = {
  async release(ask) {
    if (ask.automationExecutionId === undefined) return "noAutomation";
    // Created on first use only: requests without iam approvers never touch SSM.
    return ssmAutomations(ssmClient()).stop(ask.automationExecutionId);
  },
};
