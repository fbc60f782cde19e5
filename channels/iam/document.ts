/**
 * The iam channel's SSM side, as plain data: the Automation document with its single
 * `aws:approve` step, the EventBridge pattern for that step's final statuses, and the ARNs IAM
 * needs to start, read and stop its automations.
 *
 * Pure (no Pulumi or AWS imports): the component serializes these, the tests read them back.
 */
import {
  APPROVE_ACTION,
  APPROVE_STEP_NAME,
  AUTOMATION_PARAMETER as P,
  FINAL_STEP_STATUSES,
  SSM_EVENT_SOURCE,
  STEP_STATUS_DETAIL_TYPE,
} from "./automation-contract";
import { MIN_APPROVAL_TIMEOUT_SECONDS } from "../../core/limits";
import { IAM_MAX_TIMEOUT_SECONDS as IAM_CHANNEL_MAX_TIMEOUT_SECONDS } from "./spec";

const ref = (parameter: string) => `{{ ${parameter} }}`;

/**
 * The document content (schemaVersion 0.3). Every value the step uses is a parameter, so one
 * document serves every iam approver; ssm-start passes the approver, that approver's topic, a
 * message and the correlation id. The correlation id is not used by the step: it is there only
 * so the result Lambda can find the ask again. The task token never goes into a parameter:
 * parameters are readable by anyone allowed ssm:GetAutomationExecution.
 */
export function approvalDocumentContent(timeoutSeconds: number) {
  if (
    !Number.isInteger(timeoutSeconds) ||
    timeoutSeconds < MIN_APPROVAL_TIMEOUT_SECONDS ||
    timeoutSeconds > IAM_CHANNEL_MAX_TIMEOUT_SECONDS
  ) {
    throw new Error(
      `approval document: timeoutSeconds ${timeoutSeconds} must be a whole number from ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${IAM_CHANNEL_MAX_TIMEOUT_SECONDS} (aws:approve waits at most 30 days)`,
    );
  }
  return {
    schemaVersion: "0.3",
    description: "parallel-approval: asks one IAM principal to approve or reject a request (iam channel).",
    assumeRole: ref(P.assumeRole),
    parameters: {
      [P.approvers]: {
        type: "StringList",
        description: "The IAM user or role ARN that decides.",
        allowedPattern: "^arn:aws[a-z-]*:iam::\\d{12}:(user|role)/.+$",
      },
      [P.message]: { type: "String", description: "What is asked, shown in the notification and the console." },
      [P.notificationArn]: {
        type: "String",
        description: "The approver's SNS topic (its name starts with Automation).",
        allowedPattern: "^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:Automation[A-Za-z0-9_-]*$",
      },
      [P.minRequiredApprovals]: {
        type: "Integer",
        description: "Approvals needed: always 1 (one approver per automation).",
        default: 1,
      },
      [P.correlationId]: {
        type: "String",
        description: "Finds the ask again when the step ends.",
        allowedPattern: "^[A-Za-z0-9_-]{43}$",
      },
      [P.assumeRole]: {
        type: "String",
        description: "The role Automation assumes to notify the approver.",
        allowedPattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/.+$",
      },
    },
    mainSteps: [
      {
        name: APPROVE_STEP_NAME,
        action: APPROVE_ACTION,
        timeoutSeconds,
        onFailure: "Abort",
        isEnd: true,
        inputs: {
          NotificationArn: ref(P.notificationArn),
          Message: ref(P.message),
          MinRequiredApprovals: ref(P.minRequiredApprovals),
          Approvers: ref(P.approvers),
        },
      },
    ],
  };
}

/** Matches this document's approve step reaching a final status: all four, or a branch could wait forever. */
export function approvalStepEventPattern(documentName: string) {
  return {
    source: [SSM_EVENT_SOURCE],
    "detail-type": [STEP_STATUS_DETAIL_TYPE],
    detail: {
      Definition: [documentName],
      StepName: [APPROVE_STEP_NAME],
      Action: [APPROVE_ACTION],
      Status: [...FINAL_STEP_STATUSES],
    },
  };
}

export interface AutomationArns {
  /** `automation-definition/<name>:*`: every version of this document. */
  definition: string;
  /**
   * `automation-execution/*`: SSM assigns the execution id when the automation starts, so no
   * policy can name this document's executions in advance. Starting still needs the document
   * ARN too, so a start grant on this ARN cannot start any other document.
   */
  executions: string;
}

/** The automation ARNs that go with a document ARN (`arn:<partition>:ssm:<region>:<account>:document/<name>`). */
export function automationArnsOf(documentArn: string): AutomationArns {
  const match = /^(arn:[^:]+:ssm:[^:]+:\d{12}):document\/([^/]+)$/.exec(documentArn);
  if (!match) throw new Error(`not an SSM document ARN: ${documentArn}`);
  const [, prefix, name] = match;
  return { definition: `${prefix}:automation-definition/${name}:*`, executions: `${prefix}:automation-execution/*` };
}

const DOCUMENT_NAME = /^[A-Za-z0-9_.-]{3,128}$/;

/**
 * A document name unique to one deployment. SSM document names are account- and Region-wide and
 * Pulumi cannot auto-name them, so two deployments of the same project and stack name (two
 * organisations, two backends) in one account would collide on `<project>-<stack>-<component>`
 * alone: the name ends with `suffix`, derived from a name Pulumi did auto-name for this deployment
 * (the request table's). Names may not start with aws, amazon or amzn.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html
 */
export function documentNameFor(project: string, stack: string, component: string, suffix?: string): string {
  const tail = suffix === undefined ? "" : `-${suffix}`;
  const name = `${project}-${stack}-${component}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128 - tail.length) + tail;
  const safe = /^(aws|amazon|amzn)/i.test(name) ? `pa-${name}`.slice(0, 128) : name;
  if (!DOCUMENT_NAME.test(safe)) throw new Error(`cannot derive an SSM document name from "${name}"`);
  return safe;
}
