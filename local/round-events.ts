/**
 * What the sandbox reports as a round runs, for the CLI to print and the tests to assert on:
 * each approver asked (with the email they would receive), each decision, each stage opening and
 * ending, the execution's end, warnings and the handlers' log lines. They are reported in one
 * order (local/round-tracker.ts): a stage's decisions before its end, its end before the next
 * stage opens, a stage's opening before its approvers are asked.
 */
import type { ExecutionOutput, Outcome, Vote } from "../core/model";
import type { PublishedMessage } from "./fake-sns";
import type { FunctionLogLine } from "./local-functions";
import type { LocalExecutionStatus } from "./state-machine-runner";

/** An approver was asked: the page to open and the email their topic would deliver. */
export interface ApproverAsked {
  /** The request the approver was asked for (every channel's stand-in sets it; `--serve` routes by it). */
  requestId?: string;
  stage: number;
  approver: string;
  channel: string;
  /** Email address (link) or IAM principal (iam). */
  address: string;
  /** Where the approver's topic delivers: their email address. */
  recipient: string;
  /** Who sends the notice when it is not the workflow itself, e.g. "SSM Automation (decides as <principal>)". */
  sender?: string;
  /** The page to open: the approval page (link), or the local console page (iam). */
  link: string;
  email?: PublishedMessage;
}

export interface DecisionArrived {
  stage: number;
  stageName: string;
  approver: string;
  vote: Vote;
}

export interface SandboxResult {
  status: LocalExecutionStatus;
  /** The execution output (SUCCEEDED). */
  output?: ExecutionOutput;
  error?: string;
  cause?: string;
}

export type SandboxEvent =
  | ({ type: "asked" } & ApproverAsked)
  /** Every approver of the stage has been asked (or their part already ended). */
  | { type: "stageAsked"; stage: number; name: string; asked: ApproverAsked[] }
  | { type: "stageOpened"; stage: number; name: string; count: number }
  /** The stage's Parallel state ended; `outcome` is missing when the round stopped before it was certain. */
  | { type: "stageEnded"; stage: number; name: string; count: number; outcome?: Outcome }
  | ({ type: "decision" } & DecisionArrived)
  | { type: "closed"; result: SandboxResult }
  | { type: "warning"; message: string }
  | ({ type: "log" } & FunctionLogLine);
