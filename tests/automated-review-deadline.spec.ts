/**
 * automated-review's deadline for the reviewer (lambdas/automated-review/index.ts): the stage's
 * timeout, capped by the ask function's own remaining time less the margin it keeps to record
 * the outcome. Fixed clock, fixed remaining time, the real store (dynalite); the reviewer is a
 * stand-in that notes the deadline it was given.
 */
import { strict as assert } from "node:assert";
import type { ReviewerInput } from "../channels/automated/contract";
import type { AskEvent } from "../core/payloads";
import type { RequestStore } from "../core/ports";
import { requestSummaryOf } from "../core/views";
import { useLocalRequestStore } from "../devkit/dynalite";
import { RECORDING_MARGIN_MS, review } from "../lambdas/automated-review/index";
import type { AskReviewer } from "../lambdas/automated-review/invoke";
import { seedStagedRequest, T0 } from "./helpers/request-fixtures";

const LINT = "arn:aws:lambda:eu-west-1:123456789012:function:change-lint";

describe("automated-review: the reviewer's deadline", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));

  /** Reviews once with a fresh request; the deadline and input the reviewer was given. */
  async function deadlineGiven(timeoutSeconds: number, remainingMs: number) {
    const seeded = await seedStagedRequest(store, [
      { name: "owners", approvers: ["finance"], advisors: ["lint"], quorum: 1 },
    ]);
    const asked: { deadline: Date; input: ReviewerInput }[] = [];
    const askReviewer: AskReviewer = async (_target, input, deadline) => {
      asked.push({ deadline, input });
      return { kind: "verdict", answer: { decision: "approve", comment: "Looks fine." } };
    };
    const event: AskEvent = {
      requestId: seeded.requestId,
      request: requestSummaryOf((await store.getRequest(seeded.requestId))!),
      stage: { index: 0, name: "owners", count: 1 },
      approver: { name: "lint", mode: "advice", address: LINT, options: { function: LINT } },
      timeoutSeconds,
    };
    const result = await review({ store, askReviewer, now: () => T0 }, event, remainingMs);
    assert.equal(result.reviewed, true);
    assert.equal(asked.length, 1);
    const [{ deadline, input }] = asked;
    assert.equal(input.deadline, deadline.toISOString(), "the reviewer is told the deadline it is held to");
    return deadline.getTime() - T0.getTime();
  }

  it("is the function's remaining time less the recording margin, when that is shorter than the stage's timeout", async () => {
    assert.equal(RECORDING_MARGIN_MS, 3000);
    assert.equal(await deadlineGiven(3600, 60_000), 57_000);
  });

  it("is the stage's timeout, when the function has longer left", async () => {
    assert.equal(await deadlineGiven(20, 60_000), 20_000);
  });

  it("is now, when the function has no more than the recording margin left", async () => {
    assert.equal(await deadlineGiven(3600, 2_000), 0);
  });
});
