/**
 * Who may still decide (core/eligibility.ts): the one rule the recorder applies before it writes
 * and the page applies before it offers the form. Pure: records in, a verdict out.
 */
import { strict as assert } from "node:assert";
import { eligibilityOf } from "../core/eligibility";
import type { RequestRecord, StageRecord, Vote } from "../core/model";

const NOW = new Date("2030-01-01T00:30:00.000Z");
const DEADLINE = "2030-01-01T01:00:00.000Z";

const voteOf = (decision: Vote["decision"]): Vote => ({
  decision,
  decidedAt: "2030-01-01T00:10:00.000Z",
  decidedBy: decision === "expired" ? "deadline" : "someone@example.com",
  channel: decision === "expired" ? "deadline" : "link",
});

function stage(overrides: Partial<StageRecord> = {}): StageRecord {
  return {
    name: "owners",
    quorum: 2,
    approvers: ["alpha", "beta", "gamma"],
    advisors: ["model"],
    approvals: 0,
    rejections: 0,
    misses: 0,
    declined: 0,
    votes: {},
    asks: {},
    ...overrides,
  };
}

function request(stages: StageRecord[], overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    pk: "request#r",
    requestId: "r",
    status: "open",
    subject: "Deploy",
    executionArn: "arn:aws:states:eu-west-1:123456789012:execution:approval:r",
    stages,
    openedAt: "2030-01-01T00:00:00.000Z",
    expiresAt: 0,
    ...overrides,
  };
}

describe("eligibility: may this approver still decide?", () => {
  it("an approver of an open stage whose outcome is open, before the deadline, is eligible", () => {
    assert.deepEqual(eligibilityOf(request([stage()]), 0, "alpha", DEADLINE, NOW), { kind: "eligible" });
  });

  it("an approver who gave a verdict has already decided, even once the request closed", () => {
    const approved = voteOf("approve");
    const open = request([stage({ votes: { alpha: approved }, approvals: 1 })]);
    assert.deepEqual(eligibilityOf(open, 0, "alpha", DEADLINE, NOW), { kind: "alreadyDecided", vote: approved });
    const closed = { ...open, status: "closed" as const };
    assert.deepEqual(eligibilityOf(closed, 0, "alpha", DEADLINE, NOW), { kind: "alreadyDecided", vote: approved });
  });

  it("an approver whose part ended without a verdict is no longer asked", () => {
    for (const decision of ["expired", "unreachable", "failed", "abstained"] as const) {
      const missed = voteOf(decision);
      const record = request([stage({ votes: { alpha: missed }, misses: 1, declined: 1 })]);
      assert.deepEqual(eligibilityOf(record, 0, "alpha", DEADLINE, NOW), { kind: "noLongerAsked", vote: missed });
    }
  });

  it("nobody else decides in a closed request; their own no-verdict is kept for the page", () => {
    const missed = voteOf("expired");
    const closed = request([stage({ votes: { beta: missed } })], { status: "closed", outcome: "expired" });
    assert.deepEqual(eligibilityOf(closed, 0, "alpha", DEADLINE, NOW), { kind: "requestClosed" });
    assert.deepEqual(eligibilityOf(closed, 0, "beta", DEADLINE, NOW), { kind: "requestClosed", vote: missed });
  });

  it("a voter of a stage whose outcome is certain is turned away, with the outcome", () => {
    const approved = stage({ approvals: 2, votes: { alpha: voteOf("approve"), beta: voteOf("approve") } });
    assert.deepEqual(eligibilityOf(request([approved]), 0, "gamma", DEADLINE, NOW), {
      kind: "stageEnded",
      outcome: "approved",
    });
    const rejected = stage({ rejections: 1, misses: 1, declined: 2 });
    assert.deepEqual(eligibilityOf(request([rejected]), 0, "gamma", DEADLINE, NOW), {
      kind: "stageEnded",
      outcome: "rejected",
    });
    const expired = stage({ misses: 2, declined: 2 });
    assert.deepEqual(eligibilityOf(request([expired]), 0, "gamma", DEADLINE, NOW), {
      kind: "stageEnded",
      outcome: "expired",
    });
  });

  it("an advisor may still give advice once the stage is certain, since it helps later stages", () => {
    const approved = stage({ approvals: 2 });
    assert.deepEqual(eligibilityOf(request([approved]), 0, "model", DEADLINE, NOW), { kind: "eligible" });
  });

  it("at or after the ask's deadline nobody may decide", () => {
    assert.deepEqual(eligibilityOf(request([stage()]), 0, "alpha", DEADLINE, new Date(DEADLINE)), {
      kind: "deadlinePassed",
    });
    assert.deepEqual(eligibilityOf(request([stage()]), 0, "alpha", DEADLINE, new Date("2030-01-02T00:00:00Z")), {
      kind: "deadlinePassed",
    });
  });

  it("each stage is judged on its own: a stage-1 link of a stage that ended is turned away while stage 2 is open", () => {
    const first = stage({ name: "first", quorum: 1, approvers: ["alpha", "beta"], advisors: [], approvals: 1 });
    const second = stage({ name: "second", quorum: 1, approvers: ["beta"], advisors: [] });
    const record = request([first, second]);
    assert.deepEqual(eligibilityOf(record, 0, "beta", DEADLINE, NOW), { kind: "stageEnded", outcome: "approved" });
    assert.deepEqual(eligibilityOf(record, 1, "beta", DEADLINE, NOW), { kind: "eligible" });
  });
});
