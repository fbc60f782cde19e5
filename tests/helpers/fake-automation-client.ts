/**
 * An in-process stand-in for the SSM client of the iam channel's handlers: it answers
 * StartAutomationExecution, GetAutomationExecution and StopAutomationExecution the way SSM does
 * for the approval document (SDK output shapes, SSM's error names, at most 5 tags per automation),
 * keeps the tags each automation was started with, and plays the approver's side: approve or
 * reject as a principal, time out, cancel, break the step, or end it with any step status and
 * outputs a test needs. Each end returns the EventBridge event SSM emits for it, in the shape the
 * SSM user guide documents for "EC2 Automation Step Status-change Notification"
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html).
 */
import { randomUUID } from "node:crypto";
import {
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
  type AutomationExecution,
} from "@aws-sdk/client-ssm";
import type { AutomationClient, AutomationCommand } from "../../lambdas/adapters/ssm-automations";
import {
  APPROVE_ACTION,
  APPROVE_STEP_NAME,
  MAX_PARAMETER_VALUE_LENGTH,
  type AutomationStepStatusEvent,
  type FinalStepStatus,
} from "../../channels/iam/automation-contract";

export const FAKE_REGION = "eu-west-1";
export const FAKE_ACCOUNT = "123456789012";

/** "You can specify a maximum of five tags for an automation" (StartAutomationExecution API reference). */
export const MAX_AUTOMATION_TAGS = 5;

export function namedError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The documented event (SSM user guide, "Automation Step Status-change Notification"), for one execution and status. */
export function stepStatusEvent(
  executionId: string,
  documentName: string,
  status: FinalStepStatus | string,
): AutomationStepStatusEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "EC2 Automation Step Status-change Notification",
    source: "aws.ssm",
    account: FAKE_ACCOUNT,
    time: "2030-01-01T00:43:35Z",
    region: FAKE_REGION,
    resources: [
      `arn:aws:ssm:${FAKE_REGION}:${FAKE_ACCOUNT}:automation-execution/${executionId}`,
      `arn:aws:ssm:${FAKE_REGION}:${FAKE_ACCOUNT}:automation-definition/${documentName}:1`,
    ],
    detail: {
      ExecutionId: executionId,
      Definition: documentName,
      DefinitionVersion: 1.0,
      Status: status,
      EndTime: "Jan 1, 2030 12:43:25 AM",
      StartTime: "Jan 1, 2030 12:00:23 AM",
      Time: 2630.0,
      StepName: APPROVE_STEP_NAME,
      Action: APPROVE_ACTION,
    },
  };
}

export type AutomationOperation = "StartAutomationExecution" | "GetAutomationExecution" | "StopAutomationExecution";

export interface ScriptedFailure {
  operation: AutomationOperation;
  error: Error;
  /** Only calls whose input this accepts fail (default: the next call of the operation). */
  when?: (input: Record<string, unknown>) => boolean;
}

/** How an approve step ended: its status, the outputs SSM shows, and the failure message. */
export interface StepEnding {
  status: FinalStepStatus;
  /** `undefined` leaves the outputs the step had while waiting; `null` removes them all. */
  outputs?: Record<string, string[]> | null;
  failureMessage?: string;
  /** When the step ended (default: now). */
  at?: Date;
}

export class FakeAutomationClient implements AutomationClient {
  readonly executions = new Map<string, AutomationExecution>();
  /** The tags each automation was started with, by execution id. */
  readonly tags = new Map<string, Record<string, string>>();
  readonly calls: Array<{ operation: string; input: Record<string, unknown> }> = [];
  /** Thrown by the next matching calls, in order; each is used once. */
  readonly failures: ScriptedFailure[] = [];

  constructor(readonly documentName: string) {}

  async send(command: AutomationCommand): Promise<unknown> {
    const operation: AutomationOperation | "Unknown" =
      command instanceof StartAutomationExecutionCommand
        ? "StartAutomationExecution"
        : command instanceof GetAutomationExecutionCommand
          ? "GetAutomationExecution"
          : command instanceof StopAutomationExecutionCommand
            ? "StopAutomationExecution"
            : "Unknown";
    const input = structuredClone({ ...command.input }) as Record<string, unknown>;
    this.calls.push({ operation, input });
    const scripted = this.failures.findIndex(
      (failure) => failure.operation === operation && (failure.when === undefined || failure.when(input)),
    );
    if (scripted >= 0) throw this.failures.splice(scripted, 1)[0].error;

    if (command instanceof StartAutomationExecutionCommand)
      return this.start(command.input.DocumentName, command.input.Parameters ?? {}, command.input.Tags ?? []);
    if (command instanceof GetAutomationExecutionCommand) {
      return { AutomationExecution: structuredClone(this.find(command.input.AutomationExecutionId)) };
    }
    if (command instanceof StopAutomationExecutionCommand) {
      const execution = this.find(command.input.AutomationExecutionId);
      if (execution.AutomationExecutionStatus !== "Waiting") {
        throw namedError(
          "InvalidAutomationStatusUpdateException",
          `The execution is ${execution.AutomationExecutionStatus}`,
        );
      }
      this.end(execution, { status: "Cancelled" });
      return {};
    }
    throw namedError("InvalidAction", "not implemented by the fake");
  }

  private start(
    documentName: string | undefined,
    parameters: Record<string, string[]>,
    tags: Array<{ Key?: string; Value?: string }>,
  ) {
    if (documentName !== this.documentName)
      throw namedError("InvalidDocument", `Document ${documentName} does not exist`);
    for (const [name, values] of Object.entries(parameters)) {
      for (const value of values) {
        if (value.length < 1 || value.length > MAX_PARAMETER_VALUE_LENGTH) {
          throw namedError(
            "InvalidAutomationExecutionParametersException",
            `Parameter ${name} must hold 1 to 512 characters`,
          );
        }
      }
    }
    if (tags.length > MAX_AUTOMATION_TAGS)
      throw namedError("ValidationException", `at most ${MAX_AUTOMATION_TAGS} tags, got ${tags.length}`);
    const id = randomUUID();
    this.executions.set(id, {
      AutomationExecutionId: id,
      DocumentName: documentName,
      AutomationExecutionStatus: "Waiting",
      ExecutionStartTime: new Date(),
      Parameters: structuredClone(parameters),
      StepExecutions: [
        {
          StepName: APPROVE_STEP_NAME,
          Action: APPROVE_ACTION,
          StepStatus: "Waiting",
          Outputs: { ApprovalStatus: ["Waiting"] },
        },
      ],
    });
    this.tags.set(id, Object.fromEntries(tags.map((tag) => [tag.Key ?? "", tag.Value ?? ""])));
    return { AutomationExecutionId: id };
  }

  private find(id: string | undefined): AutomationExecution {
    const execution = id === undefined ? undefined : this.executions.get(id);
    if (!execution)
      throw namedError("AutomationExecutionNotFoundException", `Automation execution ${id} does not exist`);
    return execution;
  }

  private end(execution: AutomationExecution, ending: StepEnding): AutomationStepStatusEvent {
    const step = execution.StepExecutions![0];
    const endedAt = ending.at ?? new Date();
    execution.AutomationExecutionStatus = ending.status;
    execution.ExecutionEndTime = endedAt;
    step.StepStatus = ending.status;
    step.ExecutionEndTime = endedAt;
    if (ending.outputs === null) delete step.Outputs;
    else if (ending.outputs !== undefined) step.Outputs = ending.outputs;
    if (ending.failureMessage !== undefined) step.FailureMessage = ending.failureMessage;
    return stepStatusEvent(execution.AutomationExecutionId!, execution.DocumentName!, ending.status);
  }

  /** The ids of the executions started, oldest first. */
  startedIds(): string[] {
    return [...this.executions.keys()];
  }

  statusOf(id: string): string | undefined {
    return this.executions.get(id)?.AutomationExecutionStatus;
  }

  /** What the console's Approve/Deny (or send-automation-signal) does, as `principal`. */
  decide(
    id: string,
    decision: "Approve" | "Reject",
    principal: string,
    comment?: string,
    at = new Date(),
  ): AutomationStepStatusEvent {
    const entry: Record<string, string> = {
      Approver: principal,
      Decision: decision,
      ApprovalDecisionTime: at.toISOString(),
    };
    if (comment !== undefined) entry.Comment = comment;
    const outputs = {
      ApprovalStatus: [decision === "Approve" ? "Approved" : "Rejected"],
      ApproverDecisions: [JSON.stringify(entry)],
    };
    return decision === "Approve"
      ? this.finish(id, { status: "Success", outputs, at })
      : this.finish(id, { status: "Failed", outputs, failureMessage: "Step was rejected by the approver", at });
  }

  timeOut(id: string): AutomationStepStatusEvent {
    return this.finish(id, { status: "TimedOut", failureMessage: "Step timed out while waiting for approval" });
  }

  /** Someone stopped the automation (StopAutomationExecution) outside the workflow. */
  cancel(id: string): AutomationStepStatusEvent {
    return this.finish(id, { status: "Cancelled" });
  }

  /** The step failed without a decision (e.g. the notice could not be published). */
  breakStep(id: string, message: string): AutomationStepStatusEvent {
    return this.finish(id, { status: "Failed", outputs: { ApprovalStatus: ["Waiting"] }, failureMessage: message });
  }

  /** Ends the step exactly as described, for shapes the named endings do not cover. */
  finish(id: string, ending: StepEnding): AutomationStepStatusEvent {
    return this.end(this.find(id), ending);
  }
}
