/**
 * The iam channel in the Pulumi program, evaluated under mocks: what SsmApprovalChannel creates,
 * how it is wired into the workflow, and (through IAM simulation of the policies it attaches) what
 * its roles can and cannot do.
 */
import { strict as assert } from "node:assert";
import { approvalDocumentContent } from "../components/ssm-approval-document";
import { allPolicies } from "../policy/all-policies";
import { violationsOfAll } from "../policy/testing/harness";
import {
  ACCOUNT_ID,
  REGION,
  exampleApprovers,
  resourcesOfType,
  runProgram,
  type ProgramRun,
  type RegisteredResource,
} from "./helpers/pulumi-program";
import { grantedActions, isAllowed, roleNamed } from "./helpers/iam-simulation";

const SSM_TYPES = [
  "parallel-approval:ssm:SsmApprovalChannel",
  "aws:ssm/document:Document",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:sqs/queue:Queue",
  "aws:sqs/queuePolicy:QueuePolicy",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
];

const arnIn = (service: string, resource: string, account = ACCOUNT_ID) =>
  `arn:aws:${service}:${REGION}:${account}:${resource}`;
const EXECUTION_ARN = arnIn("ssm", "automation-execution/4105a4fc-f944-11e6-9d32-0a1b2c3d495h");
const OTHER_DOCUMENT = arnIn("ssm", "document/AWS-RunShellScript");
const OTHER_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/Admin`;

function only(run: ProgramRun, type: string): RegisteredResource {
  const found = resourcesOfType(run, type);
  assert.equal(found.length, 1, `exactly one ${type}`);
  return found[0];
}

function functionNamed(run: ProgramRun, name: string): RegisteredResource {
  const fn = resourcesOfType(run, "aws:lambda/function:Function").find((f) => f.name === name);
  assert.ok(fn, `function ${name} exists`);
  return fn;
}

describe("the iam channel in the Pulumi program (mocks)", () => {
  describe("without any iamPrincipal", () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({ approvers: exampleApprovers(3), quorum: 2 });
    });

    it("creates no SSM document, rule, target, queue or ssm functions", () => {
      for (const type of SSM_TYPES) assert.deepEqual(resourcesOfType(run, type), [], type);
      const functions = resourcesOfType(run, "aws:lambda/function:Function").map((f) => f.name);
      assert.ok(!functions.some((name) => name.includes("ssm")), functions.join(", "));
    });

    it("does not let the close function touch SSM", () => {
      assert.ok(
        !grantedActions(roleNamed(run, "approval-close-request-role")).some((action) => action.startsWith("ssm:")),
      );
    });
  });

  describe("with two iam approvers and one link approver", () => {
    let run: ProgramRun;
    let topics: Record<string, string>;
    let document: RegisteredResource;
    let queue: RegisteredResource;
    let rule: RegisteredResource;
    let automationRoleArn: string;

    before(async () => {
      // approver-1 and approver-2 have iamPrincipal; approver-3 decides through the link.
      run = await runProgram({ approvers: exampleApprovers(3, 2), quorum: 2, approvalTimeout: "72h" });
      topics = run.outputs.approverTopicArns as Record<string, string>;
      document = only(run, "aws:ssm/document:Document");
      queue = only(run, "aws:sqs/queue:Queue");
      rule = only(run, "aws:cloudwatch/eventRule:EventRule");
      automationRoleArn = roleNamed(run, "approval-ssm-automation-role").arn;
    });

    it("creates one channel with one document, rule, target, dead-letter queue and two functions", () => {
      for (const type of SSM_TYPES) assert.equal(resourcesOfType(run, type).length, 1, type);
      functionNamed(run, "approval-ssm-start");
      functionNamed(run, "approval-ssm-result");
    });

    it("the document is a schemaVersion 0.3 Automation with one aws:approve step timing out with the approval timeout", () => {
      assert.equal(document.inputs.documentType, "Automation");
      assert.equal(document.inputs.documentFormat, "JSON");
      const content = JSON.parse(document.inputs.content);
      assert.equal(content.schemaVersion, "0.3");
      assert.equal(content.assumeRole, "{{ AutomationAssumeRole }}");
      assert.equal(content.mainSteps.length, 1);
      const [step] = content.mainSteps;
      assert.equal(step.action, "aws:approve");
      assert.equal(step.name, "approve");
      assert.equal(step.timeoutSeconds, 72 * 3600);
      assert.deepEqual(step.inputs, {
        NotificationArn: "{{ NotificationArn }}",
        Message: "{{ Message }}",
        MinRequiredApprovals: "{{ MinRequiredApprovals }}",
        Approvers: "{{ Approvers }}",
      });
      assert.deepEqual(Object.keys(content.parameters).sort(), [
        "Approvers",
        "AutomationAssumeRole",
        "CorrelationId",
        "Message",
        "MinRequiredApprovals",
        "NotificationArn",
      ]);
      assert.equal(content.parameters.Approvers.type, "StringList");
      assert.deepEqual(content.parameters.MinRequiredApprovals, {
        ...content.parameters.MinRequiredApprovals,
        type: "Integer",
        default: 1,
      });
      assert.doesNotMatch(document.inputs.content, /token/i, "no task token anywhere in the document");
    });

    it("the rule matches this document's approve step ending Success, Failed, TimedOut or Cancelled", () => {
      assert.deepEqual(JSON.parse(rule.inputs.eventPattern), {
        source: ["aws.ssm"],
        "detail-type": ["EC2 Automation Step Status-change Notification"],
        detail: {
          Definition: [document.state.name],
          StepName: ["approve"],
          Action: ["aws:approve"],
          Status: ["Success", "Failed", "TimedOut", "Cancelled"],
        },
      });
    });

    it("the rule's target is the result function, with a retry policy and the encrypted dead-letter queue", () => {
      const target = only(run, "aws:cloudwatch/eventTarget:EventTarget");
      assert.equal(target.inputs.rule, rule.state.name);
      assert.equal(target.inputs.arn, functionNamed(run, "approval-ssm-result").state.arn);
      assert.ok(target.inputs.retryPolicy.maximumRetryAttempts > 0);
      assert.ok(target.inputs.retryPolicy.maximumEventAgeInSeconds > 0);
      assert.equal(target.inputs.deadLetterConfig.arn, queue.state.arn);
      assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    });

    it("failed invocations of the result function are retried and then sent to the same queue", () => {
      const config = only(run, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
      assert.equal(config.inputs.functionName, functionNamed(run, "approval-ssm-result").state.name);
      assert.equal(config.inputs.maximumRetryAttempts, 2);
      assert.equal(config.inputs.destinationConfig.onFailure.destination, queue.state.arn);
    });

    it("only this rule may send dead letters to the queue, and only this rule may invoke the result function", () => {
      const policy = JSON.parse(only(run, "aws:sqs/queuePolicy:QueuePolicy").inputs.policy);
      assert.deepEqual(policy.Statement, [
        {
          Sid: "DeadLettersOfTheStepEndedRule",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queue.state.arn,
          Condition: { ArnEquals: { "aws:SourceArn": rule.state.arn } },
        },
      ]);
      const permission = resourcesOfType(run, "aws:lambda/permission:Permission").find(
        (p) => p.inputs.principal === "events.amazonaws.com",
      );
      assert.ok(permission);
      assert.equal(permission.inputs.function, functionNamed(run, "approval-ssm-result").state.name);
      assert.equal(permission.inputs.sourceArn, rule.state.arn);
    });

    it("the state machine asks iam approvers through ssm-start and the link approver through notify-approver", () => {
      const definition = JSON.parse(only(run, "aws:sfn/stateMachine:StateMachine").inputs.definition);
      const askFunction = (approver: string) => {
        const branch = definition.States["Collect decisions"].Branches.find(
          (b: { StartAt: string }) => b.StartAt === `Ask ${approver}`,
        );
        return branch.States[`Ask ${approver}`].Parameters.FunctionName;
      };
      assert.equal(askFunction("approver-1"), functionNamed(run, "approval-ssm-start").state.arn);
      assert.equal(askFunction("approver-2"), functionNamed(run, "approval-ssm-start").state.arn);
      assert.equal(askFunction("approver-3"), functionNamed(run, "approval-notify-approver").state.arn);
    });

    it("gives the functions the document name and the automation role they need", () => {
      const start = functionNamed(run, "approval-ssm-start").inputs.environment.variables;
      const result = functionNamed(run, "approval-ssm-result").inputs.environment.variables;
      assert.equal(start.AUTOMATION_DOCUMENT_NAME, document.state.name);
      assert.equal(start.AUTOMATION_ROLE_ARN, automationRoleArn);
      assert.equal(result.AUTOMATION_DOCUMENT_NAME, document.state.name);
      assert.equal(start.TABLE_NAME, run.outputs.requestTableName);
      assert.equal(result.TABLE_NAME, run.outputs.requestTableName);
    });

    it("the automation role is trusted by SSM alone, for automations of this account only", () => {
      const role = roleNamed(run, "approval-ssm-automation-role").role;
      assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
        {
          Effect: "Allow",
          Principal: { Service: "ssm.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
            ArnLike: { "aws:SourceArn": arnIn("ssm", "automation-execution/*") },
          },
        },
      ]);
    });

    it("the automation role can publish to the iam approvers' topics and do nothing else", async () => {
      const role = roleNamed(run, "approval-ssm-automation-role");
      assert.deepEqual(grantedActions(role), ["sns:Publish"]);
      assert.equal(await isAllowed(role, "sns:Publish", topics["approver-1"]), true);
      assert.equal(await isAllowed(role, "sns:Publish", topics["approver-2"]), true);
      assert.equal(await isAllowed(role, "sns:Publish", topics["approver-3"]), false, "not the link approver's topic");
      assert.equal(await isAllowed(role, "sns:Publish", arnIn("sns", "Automation-someone-else")), false);
    });

    it("ssm-start can pass only the automation role, and only to SSM", async () => {
      const role = roleNamed(run, "approval-ssm-start-role");
      const toSsm = { "iam:PassedToService": "ssm.amazonaws.com" };
      assert.equal(await isAllowed(role, "iam:PassRole", automationRoleArn, toSsm), true);
      assert.equal(
        await isAllowed(role, "iam:PassRole", automationRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" }),
        false,
      );
      assert.equal(await isAllowed(role, "iam:PassRole", automationRoleArn), false, "not without naming the service");
      assert.equal(await isAllowed(role, "iam:PassRole", OTHER_ROLE, toSsm), false);
      assert.equal(await isAllowed(role, "iam:PassRole", roleNamed(run, "approval-ssm-result-role").arn, toSsm), false);
    });

    it("ssm-start can start only this document, and write asks but not delete or scan", async () => {
      const role = roleNamed(run, "approval-ssm-start-role");
      const name = document.state.name;
      assert.equal(await isAllowed(role, "ssm:StartAutomationExecution", document.state.arn), true);
      assert.equal(
        await isAllowed(role, "ssm:StartAutomationExecution", arnIn("ssm", `automation-definition/${name}:$DEFAULT`)),
        true,
      );
      assert.equal(await isAllowed(role, "ssm:StartAutomationExecution", OTHER_DOCUMENT), false);
      assert.equal(
        await isAllowed(
          role,
          "ssm:StartAutomationExecution",
          arnIn("ssm", "automation-definition/AWS-RunShellScript:$DEFAULT"),
        ),
        false,
      );
      assert.equal(
        await isAllowed(role, "ssm:StartAutomationExecution", arnIn("ssm", `document/${name}`, "999999999999")),
        false,
      );
      const table = only(run, "aws:dynamodb/table:Table").state.arn;
      assert.equal(await isAllowed(role, "dynamodb:PutItem", table), true);
      assert.equal(await isAllowed(role, "dynamodb:DeleteItem", table), false);
      assert.deepEqual(grantedActions(role), [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "iam:PassRole",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "ssm:StartAutomationExecution",
        "ssm:StopAutomationExecution",
      ]);
    });

    it("ssm-result can read automations, record votes and answer tasks, and nothing else", async () => {
      const role = roleNamed(run, "approval-ssm-result-role");
      assert.equal(await isAllowed(role, "ssm:GetAutomationExecution", EXECUTION_ARN), true);
      assert.equal(await isAllowed(role, "ssm:StartAutomationExecution", document.state.arn), false);
      assert.equal(
        await isAllowed(role, "ssm:SendAutomationSignal", EXECUTION_ARN),
        false,
        "it can never decide itself",
      );
      assert.equal(await isAllowed(role, "sqs:SendMessage", queue.state.arn), true);
      assert.deepEqual(grantedActions(role), [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
        "ssm:GetAutomationExecution",
        "states:SendTaskFailure",
        "states:SendTaskSuccess",
      ]);
    });

    it("the close function may stop automations; the notify function still publishes only to the link approver", async () => {
      const close = roleNamed(run, "approval-close-request-role");
      assert.equal(await isAllowed(close, "ssm:StopAutomationExecution", EXECUTION_ARN), true);
      assert.equal(
        await isAllowed(close, "ssm:StopAutomationExecution", arnIn("ssm", "automation-execution/x", "999999999999")),
        false,
      );
      assert.deepEqual(
        grantedActions(close).filter((a) => a.startsWith("ssm:")),
        ["ssm:StopAutomationExecution"],
      );
      const notify = roleNamed(run, "approval-notify-approver-role");
      assert.equal(await isAllowed(notify, "sns:Publish", topics["approver-3"]), true);
      assert.equal(await isAllowed(notify, "sns:Publish", topics["approver-1"]), false);
    });

    it("passes every policy of the policy pack", async () => {
      const resources = run.resources.map((resource) => ({
        type: resource.type,
        name: resource.name,
        props: resource.inputs,
      }));
      assert.deepEqual(await violationsOfAll(allPolicies, resources), []);
    });

    it("the state machine may invoke ssm-start but not ssm-result", async () => {
      const role = roleNamed(run, "approval-workflow-role");
      assert.equal(
        await isAllowed(role, "lambda:InvokeFunction", functionNamed(run, "approval-ssm-start").state.arn),
        true,
      );
      assert.equal(
        await isAllowed(role, "lambda:InvokeFunction", functionNamed(run, "approval-ssm-result").state.arn),
        false,
      );
    });
  });

  describe("stable naming", () => {
    it("the channel's resources keep their names when iam approvers are reordered, added or removed", async () => {
      const names = (run: ProgramRun) =>
        run.resources
          .filter((r) => SSM_TYPES.includes(r.type) || r.name.startsWith("approval-ssm"))
          .map((r) => `${r.type} ${r.name}`)
          .sort();
      const approvers = exampleApprovers(3, 3);
      const original = names(await runProgram({ approvers }));
      assert.deepEqual(names(await runProgram({ approvers: [approvers[2], approvers[0], approvers[1]] })), original);
      assert.deepEqual(names(await runProgram({ approvers: approvers.slice(1) })), original);
      assert.ok(original.includes("aws:ssm/document:Document approval-ssm-document"));
    });
  });

  describe("the 30-day limit of aws:approve", () => {
    it("the document accepts 30 days and refuses a second more", () => {
      assert.equal(approvalDocumentContent(30 * 86400).mainSteps[0].timeoutSeconds, 30 * 86400);
      assert.throws(() => approvalDocumentContent(30 * 86400 + 1), /at most 30 days/);
    });

    it("the program refuses a longer approvalTimeout for an approver with iamPrincipal before creating anything", async () => {
      await assert.rejects(
        runProgram({ approvers: exampleApprovers(2, 1), approvalTimeout: "31d" }),
        /approvers\[0\] \(approver-1\)\.iamPrincipal.*30d/,
      );
    });
  });
});
