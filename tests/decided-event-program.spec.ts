/**
 * The Approval Decided event in the Pulumi program (under mocks): close-request is told where to
 * send it (DECIDED_DELIVERY), and its role may put events on exactly that bus and publish to
 * exactly the requester topic, as IAM simulation of the role's policies proves; a bad eventBus or
 * requesterTopic fails before any resource exists.
 */
import { strict as assert } from "node:assert";
import { ConfigError } from "../core/config";
import { ENV } from "../core/environment";
import {
  ACCOUNT_ID,
  REGION,
  evaluateProgram,
  exampleApprovers,
  resourcesOfType,
  runProgram,
  type ProgramRun,
} from "../devkit/program-under-mocks";
import { grantedActions, isAllowed, resourcesGranted, roleNamed } from "./helpers/iam-simulation";

const bus = (name: string, account = ACCOUNT_ID, region = REGION) =>
  `arn:aws:events:${region}:${account}:event-bus/${name}`;
const topic = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`;

const closeRole = (run: ProgramRun) => roleNamed(run, "approval-close-request-role");
const closeEnvironment = (run: ProgramRun) =>
  resourcesOfType(run, "aws:lambda/function:Function").find((fn) => fn.name === "approval-close-request")!.inputs
    .environment.variables as Record<string, string>;

const base = { approvers: exampleApprovers(2), quorum: 1 };

describe("the Approval Decided event in the program (IAM simulation of close-request's role)", () => {
  describe("with no eventBus or requesterTopic set (Pulumi.yaml's defaults)", () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram(base);
    });

    it("close-request sends to the default bus, and nothing else", () => {
      assert.deepEqual(JSON.parse(closeEnvironment(run)[ENV.decidedDelivery]), { eventBus: "default" });
    });

    it("close-request may put events on this account's default bus in this Region, and on no other bus", async () => {
      const role = closeRole(run);
      assert.deepEqual(resourcesGranted(role, "events:PutEvents"), [bus("default")]);
      assert.equal(await isAllowed(role, "events:PutEvents", bus("default")), true);
      assert.equal(await isAllowed(role, "events:PutEvents", bus("someone-elses")), false);
      assert.equal(await isAllowed(role, "events:PutEvents", bus("default", "999999999999")), false, "other account");
      assert.equal(await isAllowed(role, "events:PutEvents", bus("default", ACCOUNT_ID, "us-east-1")), false, "Region");
    });

    it("close-request may publish to no SNS topic", async () => {
      const role = closeRole(run);
      assert.equal(
        grantedActions(role).some((action) => action.startsWith("sns:")),
        false,
      );
      assert.equal(await isAllowed(role, "sns:Publish", topic("anything")), false);
    });

    it("no other function may put events on the bus", async () => {
      for (const key of ["open-request", "record-expiry", "notify-approver", "approval-page"]) {
        assert.equal(
          await isAllowed(roleNamed(run, `approval-${key}-role`), "events:PutEvents", bus("default")),
          false,
          key,
        );
      }
    });
  });

  describe("with eventBus and requesterTopic set", () => {
    let run: ProgramRun;
    const requester = topic("payments-team-approvals");
    before(async () => {
      run = await runProgram({ ...base, eventBus: "deployments", requesterTopic: requester });
    });

    it("close-request is told the bus and the topic", () => {
      assert.deepEqual(JSON.parse(closeEnvironment(run)[ENV.decidedDelivery]), {
        eventBus: "deployments",
        requesterTopicArn: requester,
      });
    });

    it("close-request may put events on exactly that bus: not the default bus", async () => {
      const role = closeRole(run);
      assert.deepEqual(resourcesGranted(role, "events:PutEvents"), [bus("deployments")]);
      assert.equal(await isAllowed(role, "events:PutEvents", bus("deployments")), true);
      assert.equal(await isAllowed(role, "events:PutEvents", bus("default")), false);
    });

    it("close-request may publish to exactly the requester topic: not an approver's, not another", async () => {
      const role = closeRole(run);
      assert.deepEqual(resourcesGranted(role, "sns:Publish"), [requester]);
      assert.equal(await isAllowed(role, "sns:Publish", requester), true);
      const approverTopics = Object.values(run.outputs.approverTopicArns as Record<string, string>);
      for (const arn of [...approverTopics, topic("someone-else")])
        assert.equal(await isAllowed(role, "sns:Publish", arn), false, arn);
      assert.deepEqual(
        grantedActions(role).filter((action) => action.startsWith("sns:")),
        ["sns:Publish"],
      );
    });
  });

  it("a bus given by ARN is granted as that ARN", async () => {
    const arn = bus("central", "210987654321");
    const run = await runProgram({ ...base, eventBus: arn });
    assert.deepEqual(resourcesGranted(closeRole(run), "events:PutEvents"), [arn]);
    assert.equal(await isAllowed(closeRole(run), "events:PutEvents", arn), true);
  });

  it("a malformed eventBus or requesterTopic fails before any resource exists, naming the key", async () => {
    const run = await evaluateProgram({
      ...base,
      eventBus: "my bus!",
      requesterTopic: "arn:aws:sqs:eu-west-1:123456789012:queue",
    });
    assert.ok(run.error instanceof ConfigError, String(run.error));
    const problems = (run.error as ConfigError).problems;
    assert.ok(
      problems.some((p) => p.startsWith("parallel-approval:eventBus: ")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("parallel-approval:requesterTopic: ")),
      problems.join("\n"),
    );
    assert.equal(resourcesOfType(run, "aws:sfn/stateMachine:StateMachine").length, 0);
  });
});
