import { strict as assert } from "node:assert";
import { ConfigError } from "../components/config";
import {
  evaluateProgram,
  exampleApprovers,
  ProgramRun,
  REGION,
  ACCOUNT_ID,
  resourcesOfType,
  runProgram,
} from "./helpers/pulumi-program";
import { grantedActions, isAllowed, roleNamed } from "./helpers/iam-simulation";

const FUNCTIONS = ["open-request", "notify-approver", "approval-page", "record-expiry", "close-request"];

function countByType(run: ProgramRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of run.resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}

function functionArn(run: ProgramRun, handler: string): string {
  const fn = resourcesOfType(run, "aws:lambda/function:Function").find((f) => f.name === `approval-${handler}`);
  assert.ok(fn, `function approval-${handler} exists`);
  return fn.state.arn;
}

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
          "aws:lambda/permission:Permission": 1,
          "aws:sfn/stateMachine:StateMachine": 1,
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
        for (const handler of ["open-request", "notify-approver", "record-expiry", "close-request"]) {
          assert.equal(await isAllowed(role, "lambda:InvokeFunction", functionArn(run, handler)), true, handler);
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

      it("the notify function can publish only to this stack's approver topics", async () => {
        const role = roleNamed(run, "approval-notify-approver-role");
        for (const arn of Object.values(run.outputs.approverTopicArns as Record<string, string>)) {
          assert.equal(await isAllowed(role, "sns:Publish", arn), true);
        }
        assert.equal(await isAllowed(role, "sns:Publish", OTHER_TOPIC), false);
        assert.equal(await isAllowed(role, "sns:Publish", `arn:aws:sns:${REGION}:999999999999:Automation-x`), false);
      });

      it("each function can touch exactly its own actions on exactly this stack's table, and nothing else", async () => {
        const expected: Record<string, string[]> = {
          "open-request": ["dynamodb:PutItem"],
          "notify-approver": ["dynamodb:PutItem", "dynamodb:UpdateItem", "sns:Publish"],
          "approval-page": [
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "states:SendTaskFailure",
            "states:SendTaskSuccess",
          ],
          "record-expiry": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          "close-request": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        };
        for (const handler of FUNCTIONS) {
          const role = roleNamed(run, `approval-${handler}-role`);
          assert.deepEqual(
            grantedActions(role),
            [...expected[handler], "logs:CreateLogStream", "logs:PutLogEvents"].sort(),
            handler,
          );
          for (const action of expected[handler].filter((a) => a.startsWith("dynamodb:"))) {
            assert.equal(await isAllowed(role, action, tableArn(run)), true, `${handler} ${action}`);
            assert.equal(await isAllowed(role, action, OTHER_TABLE), false, `${handler} ${action} on another table`);
          }
          assert.equal(await isAllowed(role, "dynamodb:DeleteItem", tableArn(run)), false, `${handler} cannot delete`);
          assert.equal(await isAllowed(role, "dynamodb:Scan", tableArn(run)), false, `${handler} cannot scan`);
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

    it("encrypts topics and the table; the table is on demand with point-in-time recovery and TTL", () => {
      for (const topic of resourcesOfType(run, "aws:sns/topic:Topic"))
        assert.equal(topic.inputs.kmsMasterKeyId, "alias/aws/sns");
      const [table] = resourcesOfType(run, "aws:dynamodb/table:Table");
      assert.equal(table.inputs.billingMode, "PAY_PER_REQUEST");
      assert.deepEqual(table.inputs.serverSideEncryption, { enabled: true });
      assert.deepEqual(table.inputs.pointInTimeRecovery, { enabled: true });
      assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
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

    it("logs and traces the Standard state machine, without execution data (payloads carry task tokens)", () => {
      const [machine] = resourcesOfType(run, "aws:sfn/stateMachine:StateMachine");
      assert.equal(machine.inputs.type, "STANDARD");
      assert.equal(machine.inputs.loggingConfiguration.level, "ALL");
      assert.equal(machine.inputs.loggingConfiguration.includeExecutionData, false);
      assert.match(machine.inputs.loggingConfiguration.logDestination, /^arn:aws:logs:.*:\*$/);
      assert.deepEqual(machine.inputs.tracingConfiguration, { enabled: true });
      const definition = JSON.parse(machine.inputs.definition);
      assert.equal(definition.States[definition.StartAt] !== undefined, true);
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

    it("lets only this API invoke the approval-page function", () => {
      const [permission] = resourcesOfType(run, "aws:lambda/permission:Permission");
      assert.equal(permission.inputs.principal, "apigateway.amazonaws.com");
      assert.match(permission.inputs.sourceArn, /^arn:aws:execute-api:eu-west-1:\d{12}:.+\/\*$/);
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
  });
});
