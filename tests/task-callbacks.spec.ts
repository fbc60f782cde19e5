/**
 * The Step Functions callbacks adapter (lambdas/adapters/callbacks.ts): SendTaskSuccess with the
 * branch result for a vote that ends nothing, SendTaskFailure with the signal's error for one
 * that ends the stage, "closed" when the task no longer waits, and errors that never quote the
 * task token.
 */
import { strict as assert } from "node:assert";
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { SIGNAL_ERRORS } from "../core/errors";
import { freshId } from "../core/ids";
import type { BranchResult } from "../core/ports";
import { sfnTaskCallbacks } from "../lambdas/adapters/callbacks";

const result: BranchResult = {
  stage: "owners",
  approver: "alpha",
  decision: "approve",
  decidedAt: "2030-01-01T00:00:00.000Z",
  decidedBy: "alpha@example.com",
  channel: "link",
};

function recordingClient() {
  const sent: (SendTaskSuccessCommand | SendTaskFailureCommand)[] = [];
  return {
    sent,
    client: { send: async (command: SendTaskSuccessCommand | SendTaskFailureCommand) => void sent.push(command) },
  };
}

describe("Step Functions task callbacks", () => {
  it("sends SendTaskSuccess with the branch result for a vote that ends nothing", async () => {
    const { sent, client } = recordingClient();
    assert.equal(await sfnTaskCallbacks(client).deliver("tok", "none", result), "delivered");
    assert.ok(sent[0] instanceof SendTaskSuccessCommand);
    assert.deepEqual(sent[0].input, { taskToken: "tok", output: JSON.stringify(result) });
  });

  for (const signal of ["quorumReached", "rejected", "expired"] as const) {
    it(`sends SendTaskFailure with ${SIGNAL_ERRORS[signal]} for the ${signal} signal, naming approver and stage`, async () => {
      const { sent, client } = recordingClient();
      assert.equal(await sfnTaskCallbacks(client).deliver("tok", signal, result), "delivered");
      assert.ok(sent[0] instanceof SendTaskFailureCommand);
      assert.equal(sent[0].input.error, SIGNAL_ERRORS[signal]);
      const cause = sent[0].input.cause ?? "";
      assert.ok(cause.includes("alpha") && cause.includes("owners"), cause);
      assert.ok(cause.length <= 256);
    });
  }

  for (const TaskGone of [TaskTimedOut, InvalidToken, TaskDoesNotExist]) {
    it(`treats ${TaskGone.name} as "closed": the task no longer waits, nobody is left to tell`, async () => {
      const callbacks = sfnTaskCallbacks({
        send: async () => {
          throw new TaskGone({ message: "task gone", $metadata: {} });
        },
      });
      assert.equal(await callbacks.deliver("tok", "quorumReached", result), "closed");
    });
  }

  it("rethrows other errors without the task token in the message", async () => {
    const token = `secret-${freshId()}`;
    const callbacks = sfnTaskCallbacks({
      send: async () => {
        throw Object.assign(new Error(`throttled while using ${token}`), { name: "ThrottlingException" });
      },
    });
    await assert.rejects(callbacks.deliver(token, "none", result), (error: Error) => {
      assert.match(error.message, /SendTaskSuccess failed: ThrottlingException/);
      assert.ok(!error.message.includes(token));
      return true;
    });
  });
});
