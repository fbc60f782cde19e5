/**
 * A local SSM Automation for the iam channel's approval document: an awsJson1_1 endpoint
 * (`X-Amz-Target: AmazonSSM.<Operation>`) for the calls the handlers make
 * (StartAutomationExecution, GetAutomationExecution, StopAutomationExecution) plus
 * SendAutomationSignal, which is what the console's Approve/Deny does.
 *
 * It plays the document's single `aws:approve` step as SSM does: on start it checks the
 * parameters against the document's parameter definitions, notifies the NotificationArn topic and
 * waits; an approval ends the step Success, a rejection Failed (ApprovalStatus "Rejected"), its
 * timeout TimedOut, a stop Cancelled. Each end emits the EventBridge event SSM emits
 * ("EC2 Automation Step Status-change Notification"), which the sandbox delivers to ssm-result,
 * so the decision takes the same path as on AWS.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  APPROVE_ACTION,
  APPROVE_OUTPUT,
  APPROVE_STEP_NAME,
  AUTOMATION_PARAMETER as P,
  MAX_PARAMETER_VALUE_LENGTH,
  SSM_EVENT_SOURCE,
  STEP_STATUS_DETAIL_TYPE,
  type ApproverDecision,
  type AutomationStepStatusEvent,
  type FinalStepStatus,
} from "../channels/iam/automation-contract";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { longTimeout, type LongTimeout } from "./long-timeout";
import { BodyTooLargeError, readBody } from "./request-body";
import { LocalAwsError } from "./local-aws-error";

const TARGET_PREFIX = "AmazonSSM.";
const CONTENT_TYPE = "application/x-amz-json-1.1";

export interface DocumentParameter {
  type: string;
  default?: unknown;
  allowedPattern?: string;
}

export type AutomationStatus = "Waiting" | "Success" | "Failed" | "TimedOut" | "Cancelled";

export interface ApprovalDecisionMade {
  approver: string;
  decision: "Approve" | "Reject";
  comment?: string;
  at: Date;
}

/** One automation of the approval document, as the fake keeps it. */
export interface LocalAutomation {
  id: string;
  documentName: string;
  parameters: Record<string, string[]>;
  status: AutomationStatus;
  stepStatus: "Pending" | "InProgress" | "Waiting" | Exclude<AutomationStatus, "Waiting">;
  startedAt: Date;
  endedAt?: Date;
  decision?: ApprovalDecisionMade;
  failureMessage?: string;
}

export interface FakeSsmOptions {
  region: string;
  account: string;
  documentName: string;
  /** The document's parameter definitions (components/ssm-approval-document.ts). */
  documentParameters: Record<string, DocumentParameter>;
  /** The approve step's timeoutSeconds. */
  stepTimeoutSeconds: number;
  /** SSM's notice to the step's NotificationArn; the automation waits once it is sent. */
  notify(automation: LocalAutomation): Promise<void> | void;
  /** EventBridge: the approve step reached a final status. */
  onStepEnded(event: AutomationStepStatusEvent, automation: LocalAutomation): void;
}

export interface FakeSsm {
  endpoint: string;
  automation(id: string): LocalAutomation | undefined;
  /** What the console's Approve/Deny does (SendAutomationSignal), as `principal`. */
  signal(id: string, decision: "Approve" | "Reject", principal: string, comment?: string): LocalAutomation;
  stop(): Promise<void>;
}

/** Checks StartAutomationExecution parameters against the document's definitions, as SSM does. */
export function checkParameters(
  definitions: Record<string, DocumentParameter>,
  parameters: unknown,
): Record<string, string[]> {
  const invalid = (message: string) => new LocalAwsError("InvalidAutomationExecutionParametersException", message);
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters))
    throw invalid("Parameters must be a map");
  const given = parameters as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (definitions[name] === undefined) throw invalid(`Parameter "${name}" is not defined in the document`);
  }
  const checked: Record<string, string[]> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const values = given[name];
    if (values === undefined) {
      if (definition.default === undefined) throw invalid(`Parameter "${name}" is required but was not provided`);
      checked[name] = [String(definition.default)];
      continue;
    }
    if (!Array.isArray(values) || values.some((v) => typeof v !== "string"))
      throw invalid(`Parameter "${name}" must be a list of strings`);
    if (definition.type !== "StringList" && values.length !== 1)
      throw invalid(`Parameter "${name}" of type ${definition.type} takes exactly one value`);
    for (const value of values as string[]) {
      if (value.length < 1 || value.length > MAX_PARAMETER_VALUE_LENGTH)
        throw invalid(`Parameter "${name}" values must hold 1 to ${MAX_PARAMETER_VALUE_LENGTH} characters`);
      if (definition.type === "Integer" && !/^-?\d+$/.test(value))
        throw invalid(`Parameter "${name}" must be an integer`);
      if (definition.allowedPattern !== undefined && !new RegExp(definition.allowedPattern).test(value)) {
        throw invalid(
          `Parameter "${name}" value "${value}" does not match the allowed pattern ${definition.allowedPattern}`,
        );
      }
    }
    checked[name] = values as string[];
  }
  return checked;
}

/** `Nov 29, 2016 7:43:25 PM`: how SSM's step status events write times. */
export function eventTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const hours = date.getUTCHours() % 12 === 0 ? 12 : date.getUTCHours() % 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${months[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${hours}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCHours() < 12 ? "AM" : "PM"}`;
}

/** The EventBridge event for the approve step's final status. */
export function stepStatusEvent(
  automation: LocalAutomation,
  status: FinalStepStatus,
  region: string,
  account: string,
): AutomationStepStatusEvent {
  const endedAt = automation.endedAt ?? new Date();
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": STEP_STATUS_DETAIL_TYPE,
    source: SSM_EVENT_SOURCE,
    account,
    time: endedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [
      `arn:aws:ssm:${region}:${account}:automation-execution/${automation.id}`,
      `arn:aws:ssm:${region}:${account}:automation-definition/${automation.documentName}:1`,
    ],
    detail: {
      ExecutionId: automation.id,
      Definition: automation.documentName,
      DefinitionVersion: 1,
      Status: status,
      StartTime: eventTime(automation.startedAt),
      EndTime: eventTime(endedAt),
      Time: endedAt.getTime() - automation.startedAt.getTime(),
      StepName: APPROVE_STEP_NAME,
      Action: APPROVE_ACTION,
    },
  };
}

const epochSeconds = (date: Date | undefined) => (date === undefined ? undefined : date.getTime() / 1000);

/** GetAutomationExecution's `AutomationExecution`, in the wire shape (timestamps as epoch seconds). */
export function automationView(automation: LocalAutomation): Record<string, unknown> {
  const outputs: Record<string, string[]> = {};
  if (automation.stepStatus !== "Pending") {
    const approval =
      automation.decision === undefined
        ? "Waiting"
        : automation.decision.decision === "Approve"
          ? "Approved"
          : "Rejected";
    outputs[APPROVE_OUTPUT.approvalStatus] = [approval];
    if (automation.decision) {
      const entry: ApproverDecision = {
        Approver: automation.decision.approver,
        Decision: automation.decision.decision,
        ApprovalDecisionTime: automation.decision.at.toISOString(),
      };
      if (automation.decision.comment !== undefined) entry.Comment = automation.decision.comment;
      outputs[APPROVE_OUTPUT.approverDecisions] = [JSON.stringify(entry)];
    }
  }
  const step: Record<string, unknown> = {
    StepName: APPROVE_STEP_NAME,
    Action: APPROVE_ACTION,
    StepStatus: automation.stepStatus,
    ExecutionStartTime: epochSeconds(automation.startedAt),
    ExecutionEndTime: epochSeconds(automation.endedAt),
    Outputs: outputs,
    IsEnd: true,
    OnFailure: "Abort",
  };
  if (automation.failureMessage !== undefined) step.FailureMessage = automation.failureMessage;
  return {
    AutomationExecutionId: automation.id,
    DocumentName: automation.documentName,
    DocumentVersion: "1",
    ExecutionStartTime: epochSeconds(automation.startedAt),
    ExecutionEndTime: epochSeconds(automation.endedAt),
    AutomationExecutionStatus: automation.status,
    Parameters: automation.parameters,
    Outputs: outputs,
    StepExecutions: [step],
    Mode: "Auto",
    ExecutedBy: `arn:aws:sts::000000000000:assumed-role/local/sandbox`,
  };
}

/** The automations of the approval document, as SSM runs them: the API's operations and the console's signal. */
class AutomationService {
  private readonly automations = new Map<string, LocalAutomation>();
  private readonly timers = new Map<string, LongTimeout>();
  private stopped = false;

  constructor(private readonly options: FakeSsmOptions) {}

  automation(id: string): LocalAutomation | undefined {
    return this.automations.get(id);
  }

  dispatch(operation: string, body: Record<string, unknown>): object {
    switch (operation) {
      case "StartAutomationExecution":
        return this.start(body);
      case "GetAutomationExecution":
        return { AutomationExecution: automationView(this.find(body.AutomationExecutionId)) };
      case "StopAutomationExecution":
        return this.stopAutomation(body);
      case "SendAutomationSignal":
        return this.sendSignal(body);
      default:
        throw new LocalAwsError("InvalidAction", `The local SSM endpoint does not implement ${operation}`);
    }
  }

  /** What the console's Approve/Deny does, as `principal`. */
  signal(id: string, decision: "Approve" | "Reject", principal: string, comment?: string): LocalAutomation {
    const automation = this.find(id);
    if (automation.stepStatus !== "Waiting") {
      throw new LocalAwsError(
        "AutomationStepNotFoundException",
        `Automation execution ${id} has no step waiting for approval (status ${automation.status})`,
      );
    }
    const approvers = automation.parameters[P.approvers] ?? [];
    if (!approvers.includes(principal)) {
      throw new LocalAwsError("AccessDeniedException", `${principal} is not an approver of automation execution ${id}`);
    }
    const made: ApprovalDecisionMade = { approver: principal, decision, at: new Date() };
    if (comment !== undefined && comment.trim() !== "") made.comment = comment.trim();
    automation.decision = made;
    if (decision === "Approve") this.end(automation, "Success");
    else this.end(automation, "Failed", "Step was rejected by the approver");
    return automation;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.clear();
    this.timers.clear();
  }

  private find(id: unknown): LocalAutomation {
    const automation = typeof id === "string" ? this.automations.get(id) : undefined;
    if (!automation)
      throw new LocalAwsError(
        "AutomationExecutionNotFoundException",
        `Automation execution ${String(id)} does not exist`,
      );
    return automation;
  }

  private end(automation: LocalAutomation, status: FinalStepStatus, failureMessage?: string): void {
    this.timers.get(automation.id)?.clear();
    this.timers.delete(automation.id);
    automation.endedAt = new Date();
    automation.stepStatus = status;
    automation.status = status;
    if (failureMessage !== undefined) automation.failureMessage = failureMessage;
    if (!this.stopped) {
      const { region, account } = this.options;
      this.options.onStepEnded(stepStatusEvent(automation, status, region, account), automation);
    }
  }

  private start(body: Record<string, unknown>): { AutomationExecutionId: string } {
    const { documentName, documentParameters } = this.options;
    if (body.DocumentName !== documentName) {
      throw new LocalAwsError(
        "InvalidDocument",
        `Document ${String(body.DocumentName)} does not exist (the local SSM knows ${documentName})`,
      );
    }
    const automation: LocalAutomation = {
      id: randomUUID(),
      documentName,
      parameters: checkParameters(documentParameters, body.Parameters ?? {}),
      status: "Waiting",
      stepStatus: "Pending",
      startedAt: new Date(),
    };
    this.automations.set(automation.id, automation);
    // SSM runs the step after it answered; the step notifies the approver, then waits.
    setImmediate(() => this.runApproveStep(automation));
    return { AutomationExecutionId: automation.id };
  }

  private runApproveStep(automation: LocalAutomation): void {
    if (this.stopped || automation.stepStatus !== "Pending") return;
    automation.stepStatus = "Waiting";
    const timeout = () => this.end(automation, "TimedOut", "Step timed out while waiting for approval");
    this.timers.set(automation.id, longTimeout(timeout, this.options.stepTimeoutSeconds * 1000));
    Promise.resolve(this.options.notify(automation)).catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      this.end(automation, "Failed", `Failed to publish the approval notification: ${detail}`);
    });
  }

  private stopAutomation(body: Record<string, unknown>): Record<string, never> {
    const automation = this.find(body.AutomationExecutionId);
    if (automation.endedAt !== undefined) {
      throw new LocalAwsError(
        "InvalidAutomationStatusUpdateException",
        `Automation execution ${automation.id} is ${automation.status} and cannot be stopped`,
      );
    }
    this.end(automation, "Cancelled");
    return {};
  }

  private sendSignal(body: Record<string, unknown>): Record<string, never> {
    const type = body.SignalType;
    if (type !== "Approve" && type !== "Reject")
      throw new LocalAwsError(
        "InvalidAutomationSignalException",
        `SignalType ${String(type)} is not Approve or Reject`,
      );
    const automation = this.find(body.AutomationExecutionId);
    // The API call carries no principal locally: it acts as the automation's (only) approver.
    const principal = (automation.parameters[P.approvers] ?? [])[0] ?? "unknown";
    const comment = (body.Payload as { Comment?: string[] } | undefined)?.Comment?.[0];
    this.signal(automation.id, type, principal, comment);
    return {};
  }
}

function answer(res: ServerResponse, status: number, body: object, errorCode?: string): void {
  const headers: Record<string, string> = { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID() };
  if (errorCode) headers["x-amzn-errortype"] = errorCode;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/** The operation and JSON body of an awsJson1_1 request, or the error SSM would answer. */
async function readCall(req: IncomingMessage): Promise<{ operation: string; body: Record<string, unknown> }> {
  const target = String(req.headers["x-amz-target"] ?? "");
  if (req.method !== "POST" || !target.startsWith(TARGET_PREFIX))
    throw new LocalAwsError("InvalidAction", "Expected a POST with X-Amz-Target: AmazonSSM.<Operation>");
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req, 1024 * 1024)).toString("utf8") || "{}");
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new LocalAwsError("ValidationException", "Request too large", 413);
    throw new LocalAwsError("SerializationException", "The request body is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new LocalAwsError("SerializationException", "The request body must be a JSON object");
  return { operation: target.slice(TARGET_PREFIX.length), body: body as Record<string, unknown> };
}

export async function startFakeSsm(options: FakeSsmOptions): Promise<FakeSsm> {
  const service = new AutomationService(options);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const { operation, body } = await readCall(req);
      answer(res, 200, service.dispatch(operation, body));
    } catch (error) {
      const ssmError =
        error instanceof LocalAwsError ? error : new LocalAwsError("InternalServerError", String(error), 500);
      answer(res, ssmError.status, { __type: ssmError.code, message: ssmError.message }, ssmError.code);
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  const port = await listenOnLoopback(server);
  return {
    endpoint: loopbackUrl(port),
    automation: (id) => service.automation(id),
    signal: (id, decision, principal, comment) => service.signal(id, decision, principal, comment),
    stop: async () => {
      service.stop();
      await closeServer(server);
    },
  };
}

/** The notice SSM publishes to the step's NotificationArn; the link goes to the (local) console page. */
export function approvalNotice(automation: LocalAutomation, consoleLink: string): { subject: string; message: string } {
  const approvers = automation.parameters[P.approvers] ?? [];
  return {
    subject: "AWS Systems Manager Automation approval requested",
    message: [
      `Automation execution ${automation.id} (document ${automation.documentName}) is waiting for approval at step "${APPROVE_STEP_NAME}".`,
      `Approvers: ${approvers.join(", ")}`,
      "",
      automation.parameters[P.message]?.[0] ?? "",
      "",
      "To approve or deny, open the execution in the Systems Manager console:",
      consoleLink,
    ].join("\n"),
  };
}
