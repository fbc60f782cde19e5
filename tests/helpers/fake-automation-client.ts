/**
 * An in-process stand-in for the SSM client of the iam channel's handlers: it answers
 * StartAutomationExecution, GetAutomationExecution and StopAutomationExecution the way SSM does
 * for the approval document (SDK output shapes, SSM's error names), and plays the approver's
 * side: approve or reject as a principal, time out, cancel, or break the step. Each end returns
 * the EventBridge event SSM emits for it, in the shape the SSM user guide documents for
 * "EC2 Automation Step Status-change Notification".
 */
import { randomUUID } from "node:crypto";
import {
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
  type AutomationExecution,
} from "@aws-sdk/client-ssm";
import type { AutomationClient, AutomationCommand } from "../../lambdas/shared/automations";
import {
  APPROVE_ACTION,
  APPROVE_STEP_NAME,
  MAX_PARAMETER_VALUE_LENGTH,
  type AutomationStepStatusEvent,
  type FinalStepStatus,
} from "../../lambdas/shared/ssm-automation";

export const FAKE_REGION = "eu-west-1";
export const FAKE_ACCOUNT = "123456789012";

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

export interface ScriptedFailure {
  operation: "StartAutomationExecution" | "GetAutomationExecution" | "StopAutomationExecution";
  error: Error;
}

export class FakeAutomationClient implements AutomationClient {
  readonly executions = new Map<string, AutomationExecution>();
  readonly calls: Array<{ operation: string; input: Record<string, unknown> }> = [];
  /** Thrown by the next matching calls, in order. */
  readonly failures: ScriptedFailure[] = [];

  constructor(readonly documentName: string) {}

  async send(command: AutomationCommand): Promise<unknown> {
    const operation =
      command instanceof StartAutomationExecutionCommand
        ? "StartAutomationExecution"
        : command instanceof GetAutomationExecutionCommand
          ? "GetAutomationExecution"
          : command instanceof StopAutomationExecutionCommand
            ? "StopAutomationExecution"
            : "Unknown";
    const input = { ...command.input } as Record<string, unknown>;
    this.calls.push({ operation, input });
    const scripted = this.failures.findIndex((failure) => failure.operation === operation);
    if (scripted >= 0) throw this.failures.splice(scripted, 1)[0].error;

    if (command instanceof StartAutomationExecutionCommand)
      return this.start(command.input.DocumentName, command.input.Parameters ?? {});
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
      this.end(execution, "Cancelled", "Cancelled");
      return {};
    }
    throw namedError("InvalidAction", "not implemented by the fake");
  }

  private start(documentName: string | undefined, parameters: Record<string, string[]>) {
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
    return { AutomationExecutionId: id };
  }

  private find(id: string | undefined): AutomationExecution {
    const execution = id === undefined ? undefined : this.executions.get(id);
    if (!execution)
      throw namedError("AutomationExecutionNotFoundException", `Automation execution ${id} does not exist`);
    return execution;
  }

  private end(
    execution: AutomationExecution,
    status: FinalStepStatus,
    stepStatus: string,
    outputs?: Record<string, string[]>,
    failureMessage?: string,
  ) {
    const step = execution.StepExecutions![0];
    const endedAt = new Date();
    execution.AutomationExecutionStatus = status;
    execution.ExecutionEndTime = endedAt;
    step.StepStatus = stepStatus as typeof step.StepStatus;
    step.ExecutionEndTime = endedAt;
    if (outputs) step.Outputs = outputs;
    if (failureMessage) step.FailureMessage = failureMessage;
    return stepStatusEvent(execution.AutomationExecutionId!, execution.DocumentName!, status);
  }

  /** The ids of the executions started, oldest first. */
  startedIds(): string[] {
    return [...this.executions.keys()];
  }

  /** What the console's Approve/Deny (or send-automation-signal) does, as `principal`. */
  decide(
    id: string,
    decision: "Approve" | "Reject",
    principal: string,
    comment?: string,
    at = new Date(),
  ): AutomationStepStatusEvent {
    const execution = this.find(id);
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
      ? this.end(execution, "Success", "Success", outputs)
      : this.end(execution, "Failed", "Failed", outputs, "Step was rejected by the approver");
  }

  timeOut(id: string): AutomationStepStatusEvent {
    return this.end(this.find(id), "TimedOut", "TimedOut", undefined, "Step timed out while waiting for approval");
  }

  /** Someone stopped the automation (StopAutomationExecution) outside the workflow. */
  cancel(id: string): AutomationStepStatusEvent {
    return this.end(this.find(id), "Cancelled", "Cancelled");
  }

  /** The step failed without a decision (e.g. the notice could not be published). */
  breakStep(id: string, message: string): AutomationStepStatusEvent {
    return this.end(this.find(id), "Failed", "Failed", { ApprovalStatus: ["Waiting"] }, message);
  }
}
