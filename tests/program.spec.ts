/**
 * The Pulumi program (index.ts) under mocks, with the Pulumi CLI's project defaults applied: what
 * a link-only stack creates, each role's exact permissions (proven by IAM simulation), resource
 * settings, the rule that closes requests whose execution ended early, a three-stage stack, stable
 * naming and config errors before any resource exists.
 */
import { strict as assert } from "node:assert";
import { ConfigError } from "../core/config";
import { branchStateNames, stageStateName, STATE } from "../core/definition";
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
import { grantedActions, isAllowed, resourcesGranted, roleNamed } from "./helpers/iam-simulation";

const LIFECYCLE = ["open-request", "record-expiry", "close-request"];
const FUNCTIONS = [...LIFECYCLE, "notify-approver", "approval-page"];

function countByType(run: ProgramRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of run.resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}

function named(run: ProgramRun, type: string, name: string): RegisteredResource {
  const found = resourcesOfType(run, type).filter((r) => r.name === name);
  assert.equal(found.length, 1, `one ${type} named ${name}`);
  return found[0];
}

const functionOf = (run: ProgramRun, key: string) => named(run, "aws:lambda/function:Function", `approval-${key}`);
const functionArn = (run: ProgramRun, key: string): string => functionOf(run, key).state.arn;

const tableArn = (run: ProgramRun) => resourcesOfType(run, "aws:dynamodb/table:Table")[0].state.arn as string;
const OTHER_TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/someone-elses-table`;
const OTHER_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:Automation-someone-else`;
const OTHER_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:someone-elses-function`;

describe("the Pulumi program under mocks", () => {
  for (const approverCount of [1, 3, 25]) {
    describe(`with ${approverCount} link approver(s)`, () => {
      let run: ProgramRun;
      before(async () => {
        run = await runProgram({
          approvers: exampleApprovers(approverCount),
          quorum: Math.ceil(approverCount / 2),
          approvalTimeout: "72h",
        });
      });

      it("creates one topic and one email subscription per approver and a fixed set of everything else", () => {
        assert.deepEqual(countByType(run), {
          "parallel-approval:workflow:ApprovalWorkflow": 1,
          "parallel-approval:lambda:ApprovalFunction": 5,
          "parallel-approval:http:ApprovalEndpoint": 1,
          "parallel-approval:workflow:ApprovalStateMachine": 1,
          "aws:sns/topic:Topic": approverCount,
          "aws:sns/topicSubscription:TopicSubscription": approverCount,
          "aws:dynamodb/table:Table": 1,
          "aws:lambda/function:Function": 5,
          "aws:iam/role:Role": 6,
          "aws:iam/rolePolicy:RolePolicy": 6,
          "aws:cloudwatch/logGroup:LogGroup": 7,
          "aws:apigatewayv2/api:Api": 1,
          "aws:apigatewayv2/integration:Integration": 1,
          "aws:apigatewayv2/route:Route": 2,
          "aws:apigatewayv2/stage:Stage": 1,
          "aws:lambda/permission:Permission": 2,
          "aws:sfn/stateMachine:StateMachine": 1,
          // Closing requests whose execution ended early: rule, target, retries, dead letters.
          "aws:cloudwatch/eventRule:EventRule": 1,
          "aws:cloudwatch/eventTarget:EventTarget": 1,
          "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
          "aws:sqs/queue:Queue": 1,
          "aws:sqs/queuePolicy:QueuePolicy": 1,
        });
      });

      it("exports the state machine ARN, the HTTPS page URL, the table name and a topic ARN per approver", () => {
        assert.match(String(run.outputs.stateMachineArn), /^arn:aws:states:/);
        assert.match(String(run.outputs.approvalPageUrl), /^https:\/\/.+\/$/);
        assert.equal(typeof run.outputs.requestTableName, "string");
        const topics = run.outputs.approverTopicArns as Record<string, string>;
        assert.deepEqual(
          Object.keys(topics).sort(),
          exampleApprovers(approverCount)
            .map((a) => a.name)
            .sort(),
        );
        for (const arn of Object.values(topics)) assert.match(arn, /^arn:aws:sns:eu-west-1:\d{12}:Automation-/);
      });

      it("the state machine role can invoke exactly the four workflow functions it runs", async () => {
        const role = roleNamed(run, "approval-workflow-role");
        for (const key of [...LIFECYCLE, "notify-approver"]) {
          assert.equal(await isAllowed(role, "lambda:InvokeFunction", functionArn(run, key)), true, key);
        }
        assert.equal(await isAllowed(role, "lambda:InvokeFunction", functionArn(run, "approval-page")), false);
        assert.equal(await isAllowed(role, "lambda:InvokeFunction", OTHER_FUNCTION), false);
        assert.equal(
          await isAllowed(role, "dynamodb:PutItem", tableArn(run)),
          false,
          "its Lambdas touch the table, not the state machine",
        );
        assert.deepEqual(
          grantedActions(role).filter((a) => !a.startsWith("logs:") && !a.startsWith("xray:")),
          ["lambda:InvokeFunction"],
        );
      });

      it("the notify function can publish to, and list the subscriptions of, exactly this stack's approver topics", async () => {
        const role = roleNamed(run, "approval-notify-approver-role");
        const topics = Object.values(run.outputs.approverTopicArns as Record<string, string>).sort();
        for (const action of ["sns:Publish", "sns:ListSubscriptionsByTopic"]) {
          assert.deepEqual(resourcesGranted(role, action), topics, `${action}: each approver's topic, nothing else`);
          for (const arn of topics) assert.equal(await isAllowed(role, action, arn), true, `${action} ${arn}`);
          assert.equal(await isAllowed(role, action, OTHER_TOPIC), false, action);
          assert.equal(
            await isAllowed(role, action, `arn:aws:sns:${REGION}:999999999999:Automation-x`),
            false,
            `${action} in another account`,
          );
        }
      });

      it("each function can touch exactly its own actions on exactly this stack's table, and nothing else", async () => {
        const expected: Record<string, string[]> = {
          "open-request": ["dynamodb:GetItem", "dynamodb:PutItem"],
          "notify-approver": [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "sns:ListSubscriptionsByTopic",
            "sns:Publish",
          ],
          "approval-page": [
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "states:SendTaskFailure",
            "states:SendTaskSuccess",
          ],
          "record-expiry": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          // sqs:SendMessage: its failed asynchronous invocations go to the lifecycle dead-letter queue;
          // events:PutEvents: the Approval Decided event (tests/decided-event-program.spec.ts).
          "close-request": ["dynamodb:GetItem", "dynamodb:UpdateItem", "events:PutEvents", "sqs:SendMessage"],
        };
        for (const key of FUNCTIONS) {
          const role = roleNamed(run, `approval-${key}-role`);
          assert.deepEqual(
            grantedActions(role),
            [...expected[key], "logs:CreateLogStream", "logs:PutLogEvents"].sort(),
            key,
          );
          for (const action of expected[key].filter((a) => a.startsWith("dynamodb:"))) {
            assert.equal(await isAllowed(role, action, tableArn(run)), true, `${key} ${action}`);
            assert.equal(await isAllowed(role, action, OTHER_TABLE), false, `${key} ${action} on another table`);
          }
          assert.equal(await isAllowed(role, "dynamodb:DeleteItem", tableArn(run)), false, `${key} cannot delete`);
          assert.equal(await isAllowed(role, "dynamodb:Scan", tableArn(run)), false, `${key} cannot scan`);
        }
      });

      it("every role trusts exactly one service principal", () => {
        for (const role of resourcesOfType(run, "aws:iam/role:Role")) {
          const trust = JSON.parse(role.inputs.assumeRolePolicy);
          assert.equal(trust.Statement.length, 1, role.name);
          assert.equal(typeof trust.Statement[0].Principal.Service, "string", role.name);
        }
      });
    });
  }

  describe("resource settings", () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({ approvers: exampleApprovers(3), quorum: 2, approvalTimeout: "72h" });
    });

    it("encrypts topics, the table and the queue; the table is on demand with point-in-time recovery and TTL", () => {
      for (const topic of resourcesOfType(run, "aws:sns/topic:Topic"))
        assert.equal(topic.inputs.kmsMasterKeyId, "alias/aws/sns");
      const [table] = resourcesOfType(run, "aws:dynamodb/table:Table");
      assert.equal(table.inputs.billingMode, "PAY_PER_REQUEST");
      assert.deepEqual(table.inputs.serverSideEncryption, { enabled: true });
      assert.deepEqual(table.inputs.pointInTimeRecovery, { enabled: true });
      assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
      for (const queue of resourcesOfType(run, "aws:sqs/queue:Queue"))
        assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    });

    it("runs every function on nodejs24.x, arm64, at most 256 MB, logging JSON to a log group with retention", () => {
      const logGroups = new Map(resourcesOfType(run, "aws:cloudwatch/logGroup:LogGroup").map((g) => [g.state.name, g]));
      for (const fn of resourcesOfType(run, "aws:lambda/function:Function")) {
        assert.equal(fn.inputs.runtime, "nodejs24.x");
        assert.deepEqual(fn.inputs.architectures, ["arm64"]);
        assert.ok(fn.inputs.memorySize <= 256);
        assert.equal(fn.inputs.loggingConfig.logFormat, "JSON");
        assert.ok(logGroups.get(fn.inputs.loggingConfig.logGroup)?.inputs.retentionInDays > 0, fn.name);
      }
    });

    it("keeps the platform's START and REPORT lines of every function: system log level INFO", () => {
      // At INFO Lambda sends the "start" and "report" platform messages (duration, memory, init).
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
      const functions = resourcesOfType(run, "aws:lambda/function:Function");
      assert.equal(functions.length, 5);
      for (const fn of functions) {
        assert.equal(fn.inputs.loggingConfig.systemLogLevel, "INFO", fn.name);
        assert.equal(fn.inputs.loggingConfig.applicationLogLevel, "INFO", fn.name);
      }
    });

    it("logs and traces the Standard state machine, without execution data (payloads carry task tokens), under /aws/vendedlogs/", () => {
      const [machine] = resourcesOfType(run, "aws:sfn/stateMachine:StateMachine");
      assert.equal(machine.inputs.type, "STANDARD");
      assert.equal(machine.inputs.loggingConfiguration.level, "ALL");
      assert.equal(machine.inputs.loggingConfiguration.includeExecutionData, false);
      const logs = named(run, "aws:cloudwatch/logGroup:LogGroup", "approval-workflow-logs");
      assert.equal(machine.inputs.loggingConfiguration.logDestination, `${logs.state.arn}:*`);
      assert.match(logs.state.name, /^\/aws\/vendedlogs\/states\//);
      assert.deepEqual(machine.inputs.tracingConfiguration, { enabled: true });
      const definition = JSON.parse(machine.inputs.definition);
      assert.equal(definition.StartAt, STATE.openRequest);
      assert.match(machine.inputs.definition, new RegExp(functionArn(run, "notify-approver")));
    });

    it("throttles the HTTPS approval page and keeps the capability id out of access logs", () => {
      const [stage] = resourcesOfType(run, "aws:apigatewayv2/stage:Stage");
      assert.ok(stage.inputs.defaultRouteSettings.throttlingRateLimit > 0);
      assert.ok(stage.inputs.defaultRouteSettings.throttlingBurstLimit > 0);
      assert.doesNotMatch(stage.inputs.accessLogSettings.format, /\$context\.path/);
      const routes = resourcesOfType(run, "aws:apigatewayv2/route:Route")
        .map((r) => r.inputs.routeKey)
        .sort();
      assert.deepEqual(routes, ["$default", "ANY /r/{id}"]);
    });

    it("writes the API's access logs to a log group under /aws/vendedlogs/, with retention", () => {
      // API Gateway access logs are vended logs: outside /aws/vendedlogs/ each delivery grows the
      // account's CloudWatch Logs resource policy, which is limited to 5,120 characters.
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html
      const [stage] = resourcesOfType(run, "aws:apigatewayv2/stage:Stage");
      const logs = named(run, "aws:cloudwatch/logGroup:LogGroup", "approval-page-access-logs");
      assert.equal(stage.inputs.accessLogSettings.destinationArn, logs.state.arn);
      assert.match(logs.state.name, /^\/aws\/vendedlogs\//);
      assert.ok(logs.inputs.retentionInDays > 0);
    });

    it("lets only this API invoke the approval-page function", () => {
      const permission = named(run, "aws:lambda/permission:Permission", "approval-page-invoke");
      assert.equal(permission.inputs.principal, "apigateway.amazonaws.com");
      assert.equal(permission.inputs.function, functionOf(run, "approval-page").state.name);
      assert.match(permission.inputs.sourceArn, /^arn:aws:execute-api:eu-west-1:\d{12}:.+\/\*$/);
    });
  });

  describe("closing requests whose execution ended without its close state", () => {
    let run: ProgramRun;
    let rule: RegisteredResource;
    let queue: RegisteredResource;
    before(async () => {
      run = await runProgram({ approvers: exampleApprovers(2) });
      rule = named(run, "aws:cloudwatch/eventRule:EventRule", "approval-execution-ended");
      queue = named(run, "aws:sqs/queue:Queue", "approval-lifecycle-dead-letters");
    });

    it("a rule matches this state machine's executions ending ABORTED, TIMED_OUT or FAILED, and nothing else", () => {
      // Step Functions sends "Step Functions Execution Status Change" events (source aws.states)
      // to the default bus for Standard workflows, best effort:
      // https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
      assert.deepEqual(JSON.parse(rule.inputs.eventPattern), {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { stateMachineArn: [run.outputs.stateMachineArn], status: ["ABORTED", "TIMED_OUT", "FAILED"] },
      });
      assert.equal(rule.inputs.eventBusName, undefined, "the default bus, where AWS service events arrive");
    });

    it("invokes close-request with a retry policy and the encrypted dead-letter queue", () => {
      // EventBridge retries for up to 24 hours and 185 times by default; stated explicitly.
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
      const target = named(run, "aws:cloudwatch/eventTarget:EventTarget", "approval-execution-ended-target");
      assert.equal(target.inputs.rule, rule.state.name);
      assert.equal(target.inputs.arn, functionArn(run, "close-request"));
      assert.deepEqual(target.inputs.retryPolicy, { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 });
      assert.equal(target.inputs.deadLetterConfig.arn, queue.state.arn);
      assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    });

    it("only this rule may invoke close-request from EventBridge, and only this rule may dead-letter to the queue", () => {
      const permission = named(run, "aws:lambda/permission:Permission", "approval-close-request-invoke");
      assert.deepEqual(
        {
          action: permission.inputs.action,
          function: permission.inputs.function,
          principal: permission.inputs.principal,
          sourceArn: permission.inputs.sourceArn,
        },
        {
          action: "lambda:InvokeFunction",
          function: functionOf(run, "close-request").state.name,
          principal: "events.amazonaws.com",
          sourceArn: rule.state.arn,
        },
      );
      const policy = JSON.parse(
        named(run, "aws:sqs/queuePolicy:QueuePolicy", "approval-lifecycle-dead-letters-policy").inputs.policy,
      );
      assert.deepEqual(policy.Statement, [
        {
          Sid: "DeadLettersOfTheExecutionEndedRule",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queue.state.arn,
          Condition: { ArnEquals: { "aws:SourceArn": rule.state.arn } },
        },
      ]);
    });

    it("close-request invocations that fail every retry go to the same queue, which its role may write to", async () => {
      const retries = named(
        run,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "approval-close-request-retries",
      );
      assert.equal(retries.inputs.functionName, functionOf(run, "close-request").state.name);
      assert.equal(retries.inputs.maximumRetryAttempts, 2);
      assert.equal(retries.inputs.destinationConfig.onFailure.destination, queue.state.arn);
      const role = roleNamed(run, "approval-close-request-role");
      assert.deepEqual(resourcesGranted(role, "sqs:SendMessage"), [queue.state.arn]);
      assert.equal(await isAllowed(role, "sqs:SendMessage", queue.state.arn), true);
      assert.equal(
        await isAllowed(role, "sqs:SendMessage", `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:someone-elses-queue`),
        false,
      );
    });
  });

  describe("a three-stage stack", () => {
    let run: ProgramRun;
    const security = {
      name: "security",
      email: "security@example.com",
      iamPrincipal: `arn:aws:iam::${ACCOUNT_ID}:role/SecurityApprover`,
    };
    const finance = { name: "finance", email: "finance-lead@example.com" };
    const platform = { name: "platform", email: "platform@example.com" };
    const cab = { name: "cab", email: "change-board@example.com" };
    const STAGES = [
      { name: "pre-review", approvers: [security] },
      { name: "owners", quorum: 2, approvalTimeout: "72h", approvers: [finance, security, platform] },
      { name: "change-board", quorum: 1, approvers: [cab, finance] },
    ];

    before(async () => {
      run = await runProgram({ stages: STAGES });
    });

    it("gives each approver name one topic and one subscription, even when the name is in two stages", () => {
      const topics = resourcesOfType(run, "aws:sns/topic:Topic").map((t) => t.name);
      assert.deepEqual(topics.sort(), ["approval-cab", "approval-finance", "approval-platform", "approval-security"]);
      const subscriptions = resourcesOfType(run, "aws:sns/topicSubscription:TopicSubscription").map((s) => [
        s.name,
        s.inputs.endpoint,
      ]);
      assert.deepEqual(subscriptions.sort(), [
        ["approval-cab-email", "change-board@example.com"],
        ["approval-finance-email", "finance-lead@example.com"],
        ["approval-platform-email", "platform@example.com"],
        ["approval-security-email", "security@example.com"],
      ]);
      assert.deepEqual(Object.keys(run.outputs.approverTopicArns as object).sort(), [
        "cab",
        "finance",
        "platform",
        "security",
      ]);
    });

    it("creates one set of functions for all its stages, named as in a one-stage stack", () => {
      const functions = resourcesOfType(run, "aws:lambda/function:Function")
        .map((f) => f.name)
        .sort();
      assert.deepEqual(functions, [
        "approval-approval-page",
        "approval-close-request",
        "approval-notify-approver",
        "approval-open-request",
        "approval-record-expiry",
        "approval-ssm-result",
        "approval-ssm-start",
      ]);
      assert.equal(resourcesOfType(run, "aws:ssm/document:Document").length, 1, "one iam channel for every stage");
    });

    it("runs one Parallel per stage, in order, each with one branch per approver of that stage", () => {
      const machine = resourcesOfType(run, "aws:sfn/stateMachine:StateMachine")[0];
      const definition = JSON.parse(machine.inputs.definition);
      const stageStates = STAGES.map((stage, index) => stageStateName(index, stage.name));
      assert.deepEqual(stageStates, ["Stage 1 pre-review", "Stage 2 owners", "Stage 3 change-board"]);
      const parallels = Object.entries(definition.States as Record<string, { Type: string }>)
        .filter(([, state]) => state.Type === "Parallel")
        .map(([name]) => name);
      assert.deepEqual(parallels.sort(), [...stageStates].sort(), "exactly one Parallel per stage");

      assert.equal(definition.States[STATE.openRequest].Next, stageStates[0]);
      const next = [stageStates[1], stageStates[2], STATE.closeRequest];
      STAGES.forEach((stage, index) => {
        const state = definition.States[stageStates[index]];
        assert.equal(state.Next, next[index], `${stage.name} moves on`);
        const quorumReached = state.Catch.find((c: { ErrorEquals: string[] }) =>
          c.ErrorEquals.includes("Approval.QuorumReached"),
        );
        assert.equal(quorumReached.Next, next[index], `${stage.name}: quorum reached goes to the next stage`);
        const asks = state.Branches.map((branch: { StartAt: string }) => branch.StartAt);
        assert.deepEqual(
          asks,
          stage.approvers.map((approver) => branchStateNames(index, approver.name).ask),
        );
      });
    });

    it("asks each approver through their channel with their stage's deadline, and security in both of its stages", () => {
      const definition = JSON.parse(resourcesOfType(run, "aws:sfn/stateMachine:StateMachine")[0].inputs.definition);
      const ask = (stage: number, name: string) => {
        const parallel = definition.States[stageStateName(stage, STAGES[stage].name)];
        const askName = branchStateNames(stage, name).ask;
        return parallel.Branches.find((b: { StartAt: string }) => b.StartAt === askName).States[askName];
      };
      const ssmStart = functionArn(run, "ssm-start");
      const notify = functionArn(run, "notify-approver");
      assert.equal(ask(0, "security").Parameters.FunctionName, ssmStart);
      assert.equal(ask(1, "security").Parameters.FunctionName, ssmStart);
      assert.equal(ask(1, "finance").Parameters.FunctionName, notify);
      assert.equal(ask(2, "finance").Parameters.FunctionName, notify);
      assert.equal(ask(0, "security").TimeoutSeconds, 7 * 86400, "the default 7d");
      assert.equal(ask(1, "platform").TimeoutSeconds, 72 * 3600);
      assert.equal(ask(2, "cab").TimeoutSeconds, 7 * 86400);
      const open = definition.States[STATE.openRequest].Parameters.Payload;
      assert.deepEqual(
        open.stages.map((s: { name: string; quorum: number; approvers: string[] }) => [s.name, s.quorum, s.approvers]),
        [
          ["pre-review", 1, ["security"]],
          ["owners", 2, ["finance", "security", "platform"]],
          ["change-board", 1, ["cab", "finance"]],
        ],
      );
    });

    it("notify may reach exactly the link approvers' topics, the automation role exactly the iam approver's", async () => {
      const topics = run.outputs.approverTopicArns as Record<string, string>;
      const notify = roleNamed(run, "approval-notify-approver-role");
      const linkTopics = [topics.cab, topics.finance, topics.platform].sort();
      assert.deepEqual(resourcesGranted(notify, "sns:Publish"), linkTopics);
      assert.deepEqual(resourcesGranted(notify, "sns:ListSubscriptionsByTopic"), linkTopics);
      assert.equal(await isAllowed(notify, "sns:ListSubscriptionsByTopic", topics.security), false);
      const automation = roleNamed(run, "approval-ssm-automation-role");
      assert.deepEqual(resourcesGranted(automation, "sns:Publish"), [topics.security]);
    });

    it("waits in the approve step as long as the longest stage with an iam approver", () => {
      const content = JSON.parse(resourcesOfType(run, "aws:ssm/document:Document")[0].inputs.content);
      assert.equal(content.mainSteps[0].timeoutSeconds, 7 * 86400);
    });
  });

  describe("stable naming", () => {
    it("names per-approver resources by approver name, so reordering or removing one keeps the others", async () => {
      const approvers = exampleApprovers(3);
      const names = (run: ProgramRun) =>
        run.resources
          .filter((r) => r.type.startsWith("aws:sns/"))
          .map((r) => `${r.type} ${r.name} ${r.inputs.namePrefix ?? r.inputs.endpoint}`)
          .sort();
      const original = names(await runProgram({ approvers }));
      const reordered = names(await runProgram({ approvers: [approvers[2], approvers[0], approvers[1]] }));
      assert.deepEqual(reordered, original);
      const withoutFirst = names(await runProgram({ approvers: approvers.slice(1) }));
      assert.deepEqual(
        withoutFirst,
        original.filter((n) => !n.includes("approver-1")),
      );
      assert.ok(original.includes("aws:sns/topic:Topic approval-approver-2 Automation-approver-2-"));
    });

    it("moving a flat stack to stages keeps every approver's topic and subscription", async () => {
      const approvers = exampleApprovers(3);
      const urns = (run: ProgramRun) =>
        run.urns
          .filter((u) => u.type.startsWith("aws:sns/"))
          .map((u) => u.urn)
          .sort();
      const flat = urns(await runProgram({ approvers, quorum: 2 }));
      const staged = urns(
        await runProgram({
          stages: [
            { name: "first", approvers: approvers.slice(0, 1) },
            { name: "second", approvers: approvers.slice(1), quorum: 1 },
          ],
        }),
      );
      assert.deepEqual(staged, flat);
    });
  });

  describe("bad config", () => {
    it("fails with a ConfigError naming the entry before any AWS resource is registered", async () => {
      const run = await evaluateProgram({
        approvers: [exampleApprovers(1)[0], { name: "finance", email: "not-an-email" }],
      });
      assert.ok(run.error instanceof ConfigError);
      assert.match(run.error.message, /approvers\[1\] \(finance\)\.email: email must be a valid email address/);
      assert.deepEqual(
        run.resources.filter((r) => r.type.startsWith("aws:")),
        [],
      );
    });

    it("names the stage and the entry for a staged config, before any AWS resource is registered", async () => {
      const run = await evaluateProgram({
        stages: [
          { name: "owners", approvers: exampleApprovers(2) },
          { name: "board", quorum: 3, approvers: exampleApprovers(2) },
        ],
      });
      assert.ok(run.error instanceof ConfigError);
      assert.match(run.error.message, /stages\[1\] \(board\)\.quorum: quorum 3 is more than the 2 voting approver/);
      assert.deepEqual(
        run.resources.filter((r) => r.type.startsWith("aws:")),
        [],
      );
    });
  });
});
