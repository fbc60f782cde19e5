/**
 * The iam channel in the Pulumi program, evaluated under mocks: what SsmApprovalChannel creates,
 * how it is wired into the workflow, and (through IAM simulation of the policies it attaches)
 * what its roles can and cannot do. Every automation this stack starts carries the tag
 * `parallel-approval:document` = this stack's document name; reading and stopping automations is
 * conditioned on it (aws:ResourceTag), starting and tagging one requires it in the request
 * (aws:RequestTag). The Service Authorization Reference lists those condition keys for
 * StartAutomationExecution, AddTagsToResource, GetAutomationExecution and StopAutomationExecution
 * on `automation-execution`:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { STACK_TAG_KEY } from "../channels/iam/automation-contract";
import { approvalDocumentContent, documentNameFor } from "../channels/iam/document";
import {
  ACCOUNT_ID,
  REGION,
  evaluateProgram,
  exampleApprovers,
  resourcesOfType,
  runProgram,
  type ProgramRun,
  type RegisteredResource,
} from "../devkit/program-under-mocks";
import { allPolicies } from "../policy/all-policies";
import { violationsOfAll } from "../policy/testing/harness";
import { grantedActions, isAllowed, resourcesGranted, roleNamed } from "./helpers/iam-simulation";

/** The types only the iam channel creates. */
const SSM_ONLY_TYPES = ["parallel-approval:ssm:SsmApprovalChannel", "aws:ssm/document:Document"];

const arnIn = (service: string, resource: string, account = ACCOUNT_ID) =>
  `arn:aws:${service}:${REGION}:${account}:${resource}`;
const EXECUTION_ARN = arnIn("ssm", "automation-execution/4105a4fc-f944-11e6-9d32-0a1b2c3d495h");
const OTHER_DOCUMENT = arnIn("ssm", "document/AWS-RunShellScript");
const OTHER_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/Admin`;
/** Another deployment's approval document, in the same account. */
const OTHER_STACK_DOCUMENT = "parallel-approval-prod-approval-ssm-0badc0de";

const taggedWith = (documentName: string) => ({ [`aws:ResourceTag/${STACK_TAG_KEY}`]: documentName });
const requestTagging = (documentName: string) => ({ [`aws:RequestTag/${STACK_TAG_KEY}`]: documentName });

function only(run: ProgramRun, type: string, name?: string): RegisteredResource {
  const found = resourcesOfType(run, type).filter((r) => name === undefined || r.name === name);
  assert.equal(found.length, 1, `exactly one ${type} ${name ?? ""}`);
  return found[0];
}

function functionNamed(run: ProgramRun, name: string): RegisteredResource {
  return only(run, "aws:lambda/function:Function", name);
}

describe("the iam channel in the Pulumi program (mocks)", () => {
  describe("without any iamPrincipal", () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({ approvers: exampleApprovers(3), quorum: 2 });
    });

    it("creates no SSM channel, document, step-ended rule, dead-letter queue or ssm functions", () => {
      for (const type of SSM_ONLY_TYPES) assert.deepEqual(resourcesOfType(run, type), [], type);
      const names = run.resources.map((r) => r.name);
      assert.deepEqual(
        names.filter((name) => name.includes("ssm")),
        [],
      );
    });

    it("gives no role any SSM action (closing has no automation to stop)", () => {
      for (const role of resourcesOfType(run, "aws:iam/role:Role")) {
        assert.deepEqual(
          grantedActions(roleNamed(run, role.name)).filter((action) => action.startsWith("ssm:")),
          [],
          role.name,
        );
      }
    });
  });

  describe("with two iam approvers and one link approver", () => {
    let run: ProgramRun;
    let topics: Record<string, string>;
    let document: RegisteredResource;
    let documentName: string;
    let queue: RegisteredResource;
    let rule: RegisteredResource;
    let automationRoleArn: string;

    before(async () => {
      // approver-1 and approver-2 have iamPrincipal; approver-3 decides through the link.
      run = await runProgram({ approvers: exampleApprovers(3, 2), quorum: 2, approvalTimeout: "72h" });
      topics = run.outputs.approverTopicArns as Record<string, string>;
      document = only(run, "aws:ssm/document:Document");
      documentName = document.state.name;
      queue = only(run, "aws:sqs/queue:Queue", "approval-ssm-dead-letters");
      rule = only(run, "aws:cloudwatch/eventRule:EventRule", "approval-ssm-step-ended");
      automationRoleArn = roleNamed(run, "approval-ssm-automation-role").arn;
    });

    it("creates one channel with one document, step-ended rule and target, dead-letter queue and two functions", () => {
      for (const type of SSM_ONLY_TYPES) assert.equal(resourcesOfType(run, type).length, 1, type);
      only(run, "aws:cloudwatch/eventTarget:EventTarget", "approval-ssm-step-ended-target");
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

    it("names the document per deployment (a suffix from the request table's auto-generated name) and never renames it", () => {
      // SSM document names are unique per account and Region (CreateDocument fails with
      // DocumentAlreadyExists), so two deployments of one project and stack name must differ:
      // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html
      const tableName = String(run.outputs.requestTableName);
      const suffix = createHash("sha256").update(tableName).digest("hex").slice(0, 8);
      assert.equal(documentName, `parallel-approval-dev-approval-ssm-${suffix}`);
      const urn = run.urns.find((u) => u.type === "aws:ssm/document:Document");
      assert.deepEqual(urn?.ignoreChanges, ["name"], "a stack created before the suffix keeps its document");
    });

    it("the rule matches this document's approve step ending Success, Failed, TimedOut or Cancelled", () => {
      assert.deepEqual(JSON.parse(rule.inputs.eventPattern), {
        source: ["aws.ssm"],
        "detail-type": ["EC2 Automation Step Status-change Notification"],
        detail: {
          Definition: [documentName],
          StepName: ["approve"],
          Action: ["aws:approve"],
          Status: ["Success", "Failed", "TimedOut", "Cancelled"],
        },
      });
    });

    it("the rule's target is the result function, with a retry policy and the encrypted dead-letter queue", () => {
      const target = only(run, "aws:cloudwatch/eventTarget:EventTarget", "approval-ssm-step-ended-target");
      assert.equal(target.inputs.rule, rule.state.name);
      assert.equal(target.inputs.arn, functionNamed(run, "approval-ssm-result").state.arn);
      assert.ok(target.inputs.retryPolicy.maximumRetryAttempts > 0);
      assert.ok(target.inputs.retryPolicy.maximumEventAgeInSeconds > 0);
      assert.equal(target.inputs.deadLetterConfig.arn, queue.state.arn);
      assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    });

    it("failed invocations of the result function are retried and then sent to the same queue", () => {
      const config = only(
        run,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "approval-ssm-result-retries",
      );
      assert.equal(config.inputs.functionName, functionNamed(run, "approval-ssm-result").state.name);
      assert.equal(config.inputs.maximumRetryAttempts, 2);
      assert.equal(config.inputs.destinationConfig.onFailure.destination, queue.state.arn);
    });

    it("only this rule may send dead letters to the queue, and only this rule may invoke the result function", () => {
      const policy = JSON.parse(
        only(run, "aws:sqs/queuePolicy:QueuePolicy", "approval-ssm-dead-letters-policy").inputs.policy,
      );
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
      const permission = only(run, "aws:lambda/permission:Permission", "approval-ssm-result-invoke");
      assert.equal(permission.inputs.principal, "events.amazonaws.com");
      assert.equal(permission.inputs.function, functionNamed(run, "approval-ssm-result").state.name);
      assert.equal(permission.inputs.sourceArn, rule.state.arn);
    });

    it("the state machine asks iam approvers through ssm-start and the link approver through notify-approver", () => {
      const definition = JSON.parse(only(run, "aws:sfn/stateMachine:StateMachine").inputs.definition);
      const askFunction = (approver: string) => {
        const ask = `Ask ${approver} in stage 1`;
        const branch = definition.States["Stage 1 approval"].Branches.find(
          (b: { StartAt: string }) => b.StartAt === ask,
        );
        return branch.States[ask].Parameters.FunctionName;
      };
      assert.equal(askFunction("approver-1"), functionNamed(run, "approval-ssm-start").state.arn);
      assert.equal(askFunction("approver-2"), functionNamed(run, "approval-ssm-start").state.arn);
      assert.equal(askFunction("approver-3"), functionNamed(run, "approval-notify-approver").state.arn);
    });

    it("gives the functions the document name and the automation role they need, and nothing more", () => {
      const start = functionNamed(run, "approval-ssm-start").inputs.environment.variables;
      const result = functionNamed(run, "approval-ssm-result").inputs.environment.variables;
      assert.deepEqual(start, {
        AUTOMATION_DOCUMENT_NAME: documentName,
        AUTOMATION_ROLE_ARN: automationRoleArn,
        RECORD_RETENTION_DAYS: "30",
        TABLE_NAME: run.outputs.requestTableName,
      });
      assert.deepEqual(result, {
        AUTOMATION_DOCUMENT_NAME: documentName,
        RECORD_RETENTION_DAYS: "30",
        TABLE_NAME: run.outputs.requestTableName,
      });
    });

    it("the channel's functions keep the platform's START and REPORT lines too: system log level INFO", () => {
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
      for (const key of ["ssm-start", "ssm-result"]) {
        const { loggingConfig } = functionNamed(run, `approval-${key}`).inputs;
        assert.equal(loggingConfig.systemLogLevel, "INFO", key);
        assert.equal(loggingConfig.logFormat, "JSON", key);
      }
    });

    it("the IAM simulation refuses to answer for a context key the action does not use, so no denial here is vacuous", async () => {
      const role = roleNamed(run, "approval-ssm-automation-role");
      await assert.rejects(
        isAllowed(role, "sns:Publish", topics["approver-1"], { "iam:PassedToService": "ssm.amazonaws.com" }),
        /ignored context key\(s\) iam:passedtoservice/i,
      );
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

    describe("ssm-start", () => {
      const role = () => roleNamed(run, "approval-ssm-start-role");

      it("can pass only the automation role, and only to SSM", async () => {
        const toSsm = { "iam:PassedToService": "ssm.amazonaws.com" };
        assert.equal(await isAllowed(role(), "iam:PassRole", automationRoleArn, toSsm), true);
        assert.equal(
          await isAllowed(role(), "iam:PassRole", automationRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" }),
          false,
        );
        assert.equal(
          await isAllowed(role(), "iam:PassRole", automationRoleArn),
          false,
          "not without naming the service",
        );
        assert.equal(await isAllowed(role(), "iam:PassRole", OTHER_ROLE, toSsm), false);
        assert.equal(
          await isAllowed(role(), "iam:PassRole", roleNamed(run, "approval-ssm-result-role").arn, toSsm),
          false,
        );
      });

      it("can start only this document, and only an automation tagged with this stack's document name", async () => {
        const tagged = requestTagging(documentName);
        const definition = arnIn("ssm", `automation-definition/${documentName}:$DEFAULT`);
        // StartAutomationExecution is authorized on the document, its definition and the new execution.
        for (const resource of [document.state.arn, definition, EXECUTION_ARN]) {
          assert.equal(await isAllowed(role(), "ssm:StartAutomationExecution", resource, tagged), true, resource);
          assert.equal(
            await isAllowed(role(), "ssm:StartAutomationExecution", resource),
            false,
            `untagged start denied on ${resource}`,
          );
          assert.equal(
            await isAllowed(role(), "ssm:StartAutomationExecution", resource, requestTagging(OTHER_STACK_DOCUMENT)),
            false,
            `start tagged as another stack's denied on ${resource}`,
          );
        }
        assert.equal(await isAllowed(role(), "ssm:StartAutomationExecution", OTHER_DOCUMENT, tagged), false);
        assert.equal(
          await isAllowed(
            role(),
            "ssm:StartAutomationExecution",
            arnIn("ssm", "automation-definition/AWS-RunShellScript:$DEFAULT"),
            tagged,
          ),
          false,
        );
        assert.equal(
          await isAllowed(
            role(),
            "ssm:StartAutomationExecution",
            arnIn("ssm", `document/${documentName}`, "999999999999"),
            tagged,
          ),
          false,
        );
      });

      it("may add only this stack's tag to an automation (the tag it starts automations with)", async () => {
        const execution = EXECUTION_ARN;
        assert.equal(await isAllowed(role(), "ssm:AddTagsToResource", execution, requestTagging(documentName)), true);
        assert.equal(await isAllowed(role(), "ssm:AddTagsToResource", execution), false, "untagged");
        assert.equal(
          await isAllowed(role(), "ssm:AddTagsToResource", execution, requestTagging(OTHER_STACK_DOCUMENT)),
          false,
          "another stack's tag",
        );
      });

      it("can stop only this stack's automations (an earlier attempt's), never another stack's or an untagged one", async () => {
        assert.equal(
          await isAllowed(role(), "ssm:StopAutomationExecution", EXECUTION_ARN, taggedWith(documentName)),
          true,
        );
        assert.equal(
          await isAllowed(role(), "ssm:StopAutomationExecution", EXECUTION_ARN, taggedWith(OTHER_STACK_DOCUMENT)),
          false,
        );
        assert.equal(await isAllowed(role(), "ssm:StopAutomationExecution", EXECUTION_ARN), false);
      });

      it("writes asks but cannot delete or scan, and has exactly its actions", async () => {
        const table = only(run, "aws:dynamodb/table:Table").state.arn;
        assert.equal(await isAllowed(role(), "dynamodb:PutItem", table), true);
        assert.equal(await isAllowed(role(), "dynamodb:DeleteItem", table), false);
        assert.equal(await isAllowed(role(), "dynamodb:Scan", table), false);
        assert.deepEqual(grantedActions(role()), [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "iam:PassRole",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "ssm:AddTagsToResource",
          "ssm:StartAutomationExecution",
          "ssm:StopAutomationExecution",
        ]);
      });
    });

    describe("ssm-result", () => {
      const role = () => roleNamed(run, "approval-ssm-result-role");

      it("can read only this stack's automations: not another stack's, not an untagged one", async () => {
        assert.equal(
          await isAllowed(role(), "ssm:GetAutomationExecution", EXECUTION_ARN, taggedWith(documentName)),
          true,
        );
        assert.equal(
          await isAllowed(role(), "ssm:GetAutomationExecution", EXECUTION_ARN, taggedWith(OTHER_STACK_DOCUMENT)),
          false,
        );
        assert.equal(await isAllowed(role(), "ssm:GetAutomationExecution", EXECUTION_ARN), false);
      });

      it("can never decide, start or stop an automation itself", async () => {
        const own = taggedWith(documentName);
        assert.equal(await isAllowed(role(), "ssm:SendAutomationSignal", EXECUTION_ARN, own), false);
        assert.equal(await isAllowed(role(), "ssm:StopAutomationExecution", EXECUTION_ARN, own), false);
        assert.equal(
          await isAllowed(role(), "ssm:StartAutomationExecution", document.state.arn, requestTagging(documentName)),
          false,
        );
      });

      it("records votes, answers tasks and dead-letters, and has exactly its actions", async () => {
        assert.equal(await isAllowed(role(), "sqs:SendMessage", queue.state.arn), true);
        assert.deepEqual(resourcesGranted(role(), "sqs:SendMessage"), [queue.state.arn]);
        assert.deepEqual(grantedActions(role()), [
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
    });

    it("the close function may stop only this stack's automations: not another stack's, an untagged one, or another account's", async () => {
      const close = roleNamed(run, "approval-close-request-role");
      const own = taggedWith(documentName);
      assert.equal(await isAllowed(close, "ssm:StopAutomationExecution", EXECUTION_ARN, own), true);
      assert.equal(
        await isAllowed(close, "ssm:StopAutomationExecution", EXECUTION_ARN, taggedWith(OTHER_STACK_DOCUMENT)),
        false,
      );
      assert.equal(await isAllowed(close, "ssm:StopAutomationExecution", EXECUTION_ARN), false);
      assert.equal(
        await isAllowed(
          close,
          "ssm:StopAutomationExecution",
          arnIn("ssm", "automation-execution/x", "999999999999"),
          own,
        ),
        false,
      );
      assert.equal(await isAllowed(close, "ssm:GetAutomationExecution", EXECUTION_ARN, own), false);
      assert.deepEqual(
        grantedActions(close).filter((a) => a.startsWith("ssm:")),
        ["ssm:StopAutomationExecution"],
      );
    });

    it("the notify function publishes to and lists the subscriptions of the link approver's topic only", async () => {
      const notify = roleNamed(run, "approval-notify-approver-role");
      for (const action of ["sns:Publish", "sns:ListSubscriptionsByTopic"]) {
        assert.deepEqual(resourcesGranted(notify, action), [topics["approver-3"]], action);
        assert.equal(await isAllowed(notify, action, topics["approver-3"]), true, action);
        assert.equal(
          await isAllowed(notify, action, topics["approver-1"]),
          false,
          `${action} on an iam approver's topic`,
        );
      }
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

    it("passes every policy of the policy pack", async () => {
      const resources = run.resources.map((resource) => ({
        type: resource.type,
        name: resource.name,
        props: resource.inputs,
      }));
      assert.deepEqual(await violationsOfAll(allPolicies, resources), []);
    });
  });

  describe("stable naming", () => {
    it("the channel's resources keep their names when iam approvers are reordered, added or removed", async () => {
      const names = (run: ProgramRun) =>
        run.urns
          .filter((u) => u.urn.includes("SsmApprovalChannel"))
          .map((u) => u.urn)
          .sort();
      const approvers = exampleApprovers(3, 3);
      const original = names(await runProgram({ approvers }));
      assert.deepEqual(names(await runProgram({ approvers: [approvers[2], approvers[0], approvers[1]] })), original);
      assert.deepEqual(names(await runProgram({ approvers: approvers.slice(1) })), original);
      assert.ok(original.some((urn) => urn.endsWith("$aws:ssm/document:Document::approval-ssm-document")));
    });
  });

  describe("document names (pure)", () => {
    it("end with the deployment's suffix, stay within SSM's 128 characters, and never start with a reserved prefix", () => {
      assert.equal(
        documentNameFor("parallel-approval", "dev", "approval-ssm", "63b8e0e1"),
        "parallel-approval-dev-approval-ssm-63b8e0e1",
      );
      assert.notEqual(
        documentNameFor("parallel-approval", "dev", "approval-ssm", "aaaaaaaa"),
        documentNameFor("parallel-approval", "dev", "approval-ssm", "bbbbbbbb"),
        "two deployments of one project and stack differ",
      );
      const long = documentNameFor("p".repeat(100), "s".repeat(60), "approval-ssm", "63b8e0e1");
      assert.ok(long.length <= 128 && long.endsWith("-63b8e0e1"), long);
      // "You can't use the following strings as document name prefixes: aws, amazon, amzn"
      // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html
      for (const project of ["aws-approvals", "Amazon-approvals", "amzn-approvals"])
        assert.doesNotMatch(documentNameFor(project, "dev", "approval-ssm", "63b8e0e1"), /^(aws|amazon|amzn)/i);
      assert.equal(documentNameFor("my project", "dev/eu", "approval-ssm"), "my-project-dev-eu-approval-ssm");
    });
  });

  describe("the 30-day limit of aws:approve", () => {
    it("the document accepts 30 days and refuses a second more", () => {
      assert.equal(approvalDocumentContent(30 * 86400).mainSteps[0].timeoutSeconds, 30 * 86400);
      assert.throws(() => approvalDocumentContent(30 * 86400 + 1), /at most 30 days/);
    });

    it("the program refuses a longer approvalTimeout for an approver with iamPrincipal before creating anything", async () => {
      const run = await evaluateProgram({ approvers: exampleApprovers(2, 1), approvalTimeout: "31d" });
      assert.match(
        String((run.error as Error | undefined)?.message),
        /parallel-approval:approvalTimeout: approver-1 decides through the iam channel.*at most 30 days.*approvalTimeout is 31d/,
      );
      assert.deepEqual(
        run.resources.filter((r) => r.type.startsWith("aws:")),
        [],
      );
    });

    it("the approve step waits as long as the longest stage that has an iam approver", async () => {
      const run = await runProgram({
        stages: [
          { name: "pre-review", approvalTimeout: "2d", approvers: [exampleApprovers(1, 1)[0]] },
          { name: "owners", approvalTimeout: "20d", approvers: [exampleApprovers(2)[1]] },
          { name: "board", approvalTimeout: "9d", approvers: [exampleApprovers(1, 1)[0]] },
        ],
      });
      const content = JSON.parse(only(run, "aws:ssm/document:Document").inputs.content);
      assert.equal(content.mainSteps[0].timeoutSeconds, 9 * 86400, "9d: the 20d stage has no iam approver");
    });
  });
});
