import { strict as assert } from "node:assert";
import { stateMachine } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
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

  it("reports values unknown during preview as not checked, and still checks the known ones", async () => {
    assert.deepEqual(await analyze(policy, stateMachine({ loggingConfiguration: engineUnknown.object })), {
      violations: [],
      notChecked: "loggingConfiguration: could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(
      await analyze(
        policy,
        stateMachine({ loggingConfiguration: { level: "FATAL", logDestination: engineUnknown.string } }),
      ),
      {
        violations: ['loggingConfiguration.level is "FATAL"; use ERROR or ALL.'],
        notChecked: "loggingConfiguration.logDestination: could not be checked during preview; checked at `pulumi up`.",
      },
    );
  });
});
