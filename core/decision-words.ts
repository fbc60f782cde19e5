/**
 * How each decision reads after an approver's name in a line for people ("finance approved"):
 * the sandbox's report and its open-requests page, and the CLI's progress and summary.
 */
import type { Decision } from "./model";

export const DECISION_WORDS: Record<Decision, string> = {
  approve: "approved",
  reject: "rejected",
  expired: "missed the deadline",
  unreachable: "could not be reached",
  failed: "could not be asked (channel failed)",
  abstained: "abstained",
};
