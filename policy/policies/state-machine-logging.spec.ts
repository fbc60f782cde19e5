import { strict as assert } from "node:assert";
import { stateMachine } from "../testing/fixtures";
import { engineUnknown, violationsOf } from "../testing/harness";
import { stateMachineLogging as policy } from "./state-machine-logging";

const destination = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/approval-workflow:*";

describe("policy state-machine-logging", () => {
  it("accepts logging at ERROR or ALL to a log group", async () => {
    assert.deepEqual(await violationsOf(policy, stateMachine()), []);
    assert.deepEqual(
      await violationsOf(policy, stateMachine({ loggingConfiguration: { level: "ALL", logDestination: destination } })),
      [],
    );
  });

  it("catches a state machine without logging", async () => {
    assert.deepEqual(await violationsOf(policy, stateMachine({ loggingConfiguration: undefined })), [
      "The state machine does not log; set loggingConfiguration with level ERROR or ALL and a logDestination.",
    ]);
  });

  it("catches levels that miss errors", async () => {
    assert.deepEqual(
      await violationsOf(
        policy,
        stateMachine({ loggingConfiguration: { level: "FATAL", logDestination: destination } }),
      ),
      ['loggingConfiguration.level is "FATAL"; use ERROR or ALL.'],
    );
    assert.deepEqual(
      await violationsOf(policy, stateMachine({ loggingConfiguration: { logDestination: destination } })),
      ["loggingConfiguration.level is not set (Step Functions then logs nothing); use ERROR or ALL."],
    );
  });

  it("catches a missing or malformed log destination", async () => {
    assert.deepEqual(await violationsOf(policy, stateMachine({ loggingConfiguration: { level: "ERROR" } })), [
      'loggingConfiguration has no logDestination; set it to a log group ARN ending in ":*".',
    ]);
    const noSuffix = destination.slice(0, -2);
    assert.deepEqual(
      await violationsOf(policy, stateMachine({ loggingConfiguration: { level: "ERROR", logDestination: noSuffix } })),
      [`loggingConfiguration.logDestination "${noSuffix}" is not a CloudWatch log group ARN ending in ":*".`],
    );
  });

  it("skips values unknown during preview", async () => {
    assert.deepEqual(await violationsOf(policy, stateMachine({ loggingConfiguration: engineUnknown.object })), []);
    assert.deepEqual(
      await violationsOf(
        policy,
        stateMachine({ loggingConfiguration: { level: "ERROR", logDestination: engineUnknown.string } }),
      ),
      [],
    );
  });
});
