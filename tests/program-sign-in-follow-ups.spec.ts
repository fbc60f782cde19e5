/**
 * The program under mocks with sign-in, reminders and backups: the session key the stack creates
 * (an SSM SecureString whose first value and name are kept), the page's exact read of the two
 * secrets, its sign-in environment, the API's sign-in and callback routes, the callback URL to
 * register, each backup's topic and the notify function's right to publish to it, and the
 * follow-up states in the definition; and none of it in a stack without them.
 */
import { strict as assert } from "node:assert";
import { branchStateNames } from "../core/definition";
import { ACCOUNT_ID, REGION, resourcesOfType, runProgram, type ProgramRun } from "../devkit/program-under-mocks";
import { grantedActions, isAllowed, resourcesGranted, roleNamed } from "./helpers/iam-simulation";

const SECRET = "/approvals/oidc-client-secret";
const SECRET_ARN = `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/approvals/oidc-client-secret`;
const config = {
  stages: [
    {
      name: "owners",
      approvalTimeout: "72h",
      remindEvery: "24h",
      approvers: [
        {
          name: "finance",
          email: "finance@example.com",
          backup: { name: "deputy", email: "deputy@example.com" },
          escalateAfter: "48h",
        },
        { name: "security", email: "security@example.com" },
      ],
    },
  ],
  signIn: { issuer: "https://accounts.google.com", clientId: "client-123", clientSecretParameter: SECRET },
};

const pageFunction = (run: ProgramRun) =>
  resourcesOfType(run, "aws:lambda/function:Function").find((r) => r.name === "approval-approval-page")!;

describe("the program with sign-in, reminders and backups", () => {
  let run: ProgramRun;
  let plain: ProgramRun;
  before(async () => {
    run = await runProgram(config);
    plain = await runProgram({ approvers: [{ name: "finance", email: "finance@example.com" }] });
  });

  it("creates the session key once: a SecureString whose name and value later runs leave alone", () => {
    const [key] = resourcesOfType(run, "aws:ssm/parameter:Parameter");
    assert.equal(key.inputs.type, "SecureString");
    assert.match(key.inputs.name, /^\/parallel-approval\/[^/]+\/approval-session-key-[0-9a-f]{8}$/);
    const urn = run.urns.find((u) => u.type === "aws:ssm/parameter:Parameter")!;
    assert.deepEqual([...urn.ignoreChanges].sort(), ["name", "value"]);
    assert.equal(resourcesOfType(plain, "aws:ssm/parameter:Parameter").length, 0);
  });

  it("lets the page read exactly the client secret and the session key", async () => {
    const role = roleNamed(run, "approval-approval-page-role");
    const keyArn = resourcesOfType(run, "aws:ssm/parameter:Parameter")[0].state.arn;
    assert.deepEqual(resourcesGranted(role, "ssm:GetParameter").sort(), [SECRET_ARN, keyArn].sort());
    assert.equal(await isAllowed(role, "ssm:GetParameter", SECRET_ARN), true);
    assert.equal(
      await isAllowed(role, "ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/approvals/other`),
      false,
    );
    assert.ok(!grantedActions(roleNamed(plain, "approval-approval-page-role")).includes("ssm:GetParameter"));
  });

  it("gives the page its sign-in environment (and none without sign-in)", () => {
    const variables = pageFunction(run).inputs.environment.variables;
    assert.equal(variables.SIGN_IN_ISSUER, "https://accounts.google.com");
    assert.equal(variables.SIGN_IN_CLIENT_ID, "client-123");
    assert.equal(variables.SIGN_IN_CLIENT_SECRET_PARAMETER, SECRET_ARN);
    assert.match(variables.SIGN_IN_SESSION_KEY_PARAMETER, /^arn:aws:ssm:/);
    assert.deepEqual(Object.keys(pageFunction(plain).inputs.environment.variables).sort(), [
      "RECORD_RETENTION_DAYS",
      "TABLE_NAME",
    ]);
  });

  it("routes the sign-in and the callback, and exports the callback URL to register", () => {
    const keys = resourcesOfType(run, "aws:apigatewayv2/route:Route").map((r) => r.inputs.routeKey);
    assert.deepEqual(keys.sort(), ["$default", "ANY /r/{id}", "GET /auth/callback", "GET /r/{id}/sign-in"].sort());
    assert.equal(resourcesOfType(plain, "aws:apigatewayv2/route:Route").length, 2);
    assert.match(String(run.outputs.signInCallbackUrl), /\/auth\/callback$/);
    assert.equal(plain.outputs.signInCallbackUrl, undefined);
  });

  it("gives the backup a topic of their own, which the notify function may publish to", async () => {
    const topics = resourcesOfType(run, "aws:sns/topic:Topic").map((t) => t.name);
    assert.ok(topics.includes("approval-deputy"), topics.join());
    const deputy = resourcesOfType(run, "aws:sns/topic:Topic").find((t) => t.name === "approval-deputy")!;
    const subscription = resourcesOfType(run, "aws:sns/topicSubscription:TopicSubscription").find(
      (s) => s.name === "approval-deputy-email",
    )!;
    assert.equal(subscription.inputs.endpoint, "deputy@example.com");
    assert.equal(
      await isAllowed(roleNamed(run, "approval-notify-approver-role"), "sns:Publish", deputy.state.arn),
      true,
    );
  });

  it("builds the follow-up states into the definition: reminders for both, escalation for finance", () => {
    const machine = resourcesOfType(run, "aws:sfn/stateMachine:StateMachine")[0];
    const definition = JSON.parse(machine.inputs.definition);
    const branches = definition.States["Stage 1 owners"].Branches;
    const finance = branchStateNames(0, "finance");
    const states = Object.keys(branches[0].States).sort();
    assert.deepEqual(states, [finance.ask, finance.askAgain, finance.followUp, finance.noDecision].sort());
    assert.equal(branches[0].States[finance.ask].TimeoutSeconds, 24 * 3600);
    assert.equal(branches[0].States[finance.askAgain].TimeoutSecondsPath, "$.followUp.waitSeconds");
    const plan = branches[0].States[finance.followUp].Parameters.Payload;
    assert.equal(plan.remindEverySeconds, 24 * 3600);
    assert.equal(plan.escalateAfterSeconds, 48 * 3600);
    assert.deepEqual(plan.backup, { name: "deputy", email: "deputy@example.com" });
  });
});
