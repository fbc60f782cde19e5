/**
 * A stage's quorum arithmetic (core/quorum.ts) and what closing decides from it
 * (core/outcome.ts): pure functions over counts, so every path of the workflow agrees.
 */
import { strict as assert } from "node:assert";
import type { RequestRecord, StageRecord } from "../core/model";
import { outcomeAtClose } from "../core/outcome";
import { certainOutcome, signalOfVote, unreachableAt } from "../core/quorum";

const counts = (approvals: number, rejections = 0, misses = 0) => ({ approvals, rejections, misses });

function stage(name: string, quorum: number, voters: number, approvals = 0, rejections = 0, misses = 0): StageRecord {
  return {
    name,
    quorum,
    approvers: Array.from({ length: voters }, (_, i) => `${name}-${i}`),
    advisors: [],
    approvals,
    rejections,
    misses,
    declined: rejections + misses,
    votes: {},
    asks: {},
  };
}

const requestOf = (stages: StageRecord[]): RequestRecord => ({
  pk: "request#r",
  requestId: "r",
  status: "open",
  subject: "Deploy",
  executionArn: "arn:aws:states:eu-west-1:123456789012:execution:approval:r",
  stages,
  openedAt: "2030-01-01T00:00:00.000Z",
  expiresAt: 0,
});

describe("stage quorum arithmetic", () => {
  const rule = { voters: 5, quorum: 3 };

  it("a stage is approved at its quorum and can no longer be approved once declines exceed voters - quorum", () => {
    assert.equal(unreachableAt(rule), 3);
    assert.equal(certainOutcome(counts(2, 2), rule), undefined);
    assert.equal(certainOutcome(counts(3, 2), rule), "approved");
    assert.equal(certainOutcome(counts(2, 1, 2), rule), "rejected", "a rejection among the declines: rejected");
    assert.equal(certainOutcome(counts(2, 0, 3), rule), "expired", "only missed decisions: expired");
  });

  it("only the vote that crosses a threshold signals, so concurrent votes yield one stage-ending signal", () => {
    const approvals = [1, 2, 3].map((n) => signalOfVote("approve", counts(n), rule));
    assert.deepEqual(approvals, ["none", "none", "quorumReached"]);
    const declines = [
      signalOfVote("reject", counts(0, 1), rule),
      signalOfVote("expired", counts(0, 1, 1), rule),
      signalOfVote("unreachable", counts(0, 1, 2), rule),
    ];
    assert.deepEqual(declines, ["none", "none", "rejected"]);
    assert.equal(signalOfVote("failed", counts(0, 0, 3), rule), "expired");
  });
});

describe("the outcome at close", () => {
  it("is the first stage that is not approved, whatever came after it", () => {
    const request = requestOf([stage("first", 1, 1, 1), stage("second", 2, 2, 1, 1), stage("third", 1, 1, 1)]);
    assert.deepEqual(outcomeAtClose(request, "completed"), {
      outcome: "rejected",
      endedInStage: 1,
      inconsistent: false,
    });
  });

  it("is approved only when every stage is approved by its counts", () => {
    const request = requestOf([stage("first", 1, 2, 1), stage("second", 2, 3, 2)]);
    assert.deepEqual(outcomeAtClose(request, "completed"), { outcome: "approved", inconsistent: false });
  });

  it("a completed workflow whose counts decide nothing is reported expired and flagged, never approved", () => {
    const request = requestOf([stage("first", 1, 1, 1), stage("second", 2, 3, 1)]);
    assert.deepEqual(outcomeAtClose(request, "completed"), { outcome: "expired", endedInStage: 1, inconsistent: true });
  });

  it("a workflow that failed, stopped or timed out keeps an outcome only where the counts made one certain", () => {
    const undecided = requestOf([stage("first", 2, 2, 1)]);
    const rejected = requestOf([stage("first", 2, 2, 0, 1)]);
    for (const reason of ["failed", "aborted", "timedOut"] as const) {
      assert.deepEqual(outcomeAtClose(undecided, reason), { inconsistent: false });
      assert.deepEqual(outcomeAtClose(rejected, reason), { outcome: "rejected", endedInStage: 0, inconsistent: false });
    }
    const approvedSoFar = requestOf([stage("first", 1, 1, 1), stage("second", 1, 1)]);
    assert.deepEqual(outcomeAtClose(approvedSoFar, "aborted"), { inconsistent: false }, "not approved by a stop");
  });
});
