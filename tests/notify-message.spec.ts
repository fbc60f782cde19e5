/** The approval email: one link to the approval page, the request's facts, an SNS-safe subject. */
import { strict as assert } from "node:assert";
import {
  approvalLink,
  composeApprovalEmail,
  emailSubject,
  MAX_EMAIL_SUBJECT_LENGTH,
} from "../lambdas/notify-approver/message";
import { freshId } from "../core/ids";
import type { RequestSummary } from "../core/model";
import type { StageRef } from "../core/payloads";

const request: RequestSummary = {
  id: "req-1",
  subject: "Deploy release 42",
  details: "Changes:\n- faster\n- safer",
  reviewUrl: "https://git.example.com/pr/42",
  requestedBy: "ci@example.com",
  approvers: ["finance", "security", "ops"],
  quorum: 2,
  stages: [{ name: "approval", quorum: 2, approvers: ["finance", "security", "ops"] }],
  openedAt: "2030-01-01T00:00:00.000Z",
};
const onlyStage: StageRef = { index: 0, name: "approval", count: 1 };
const askId = freshId();
const deadline = "2030-01-04T00:00:00.000Z";

describe("approval email", () => {
  it("links to <base>/r/<askId> whether or not the base ends with a slash", () => {
    assert.equal(
      approvalLink("https://abc.execute-api.eu-west-1.amazonaws.com/", askId),
      `https://abc.execute-api.eu-west-1.amazonaws.com/r/${askId}`,
    );
    assert.equal(
      approvalLink("https://abc.execute-api.eu-west-1.amazonaws.com/prod", askId),
      `https://abc.execute-api.eu-west-1.amazonaws.com/prod/r/${askId}`,
    );
  });

  it("carries subject, details, review URL, requester, deadline and exactly one link", () => {
    const { subject, body } = composeApprovalEmail({
      request,
      stage: onlyStage,
      approver: "security",
      askId,
      deadline,
      approvalPageUrl: "https://pages.example.com/",
    });
    assert.equal(subject, "Approval requested: Deploy release 42");
    for (const text of [
      request.subject,
      request.details!,
      request.reviewUrl!,
      request.requestedBy!,
      "security",
      "Fri, 04 Jan 2030 00:00:00 UTC",
      deadline,
      "2 of 3",
    ]) {
      assert.ok(body.includes(text), `body mentions ${text}`);
    }
    const links = body.match(/https:\/\/pages\.example\.com\/\S*/g);
    assert.deepEqual(links, [`https://pages.example.com/r/${askId}`]);
  });

  it("leaves out the lines of absent optional fields", () => {
    const { body } = composeApprovalEmail({
      request: {
        id: "r",
        subject: "S",
        approvers: ["a"],
        quorum: 1,
        stages: [{ name: "approval", quorum: 1, approvers: ["a"] }],
        openedAt: request.openedAt,
      },
      stage: onlyStage,
      approver: "a",
      askId,
      deadline,
      approvalPageUrl: "https://pages.example.com/",
    });
    for (const label of ["Requested by:", "Review:", "Details:", "Stage:"]) assert.ok(!body.includes(label), label);
    assert.ok(body.includes("All 1 approvers must approve."));
  });

  it("says which stage of how many asks, and the quorum of that stage", () => {
    const staged: RequestSummary = {
      ...request,
      quorum: undefined,
      stages: [
        { name: "pre-review", quorum: 1, approvers: ["risk"] },
        { name: "owners", quorum: 2, approvers: ["finance", "security", "ops"] },
        { name: "board", quorum: 1, approvers: ["chair"] },
      ],
    };
    const { body } = composeApprovalEmail({
      request: staged,
      stage: { index: 1, name: "owners", count: 3 },
      approver: "finance",
      askId,
      deadline,
      approvalPageUrl: "https://pages.example.com/",
    });
    assert.ok(body.includes("Stage:        2 of 3: owners"), body);
    assert.ok(body.includes("2 of 3 approvers of this stage must approve."), body);
  });

  it(`makes subjects SNS accepts: ASCII, one line, under 100 characters`, () => {
    assert.equal(emailSubject("Déploiement\tcafé\nrelease"), "Approval requested: Deploiement cafe release");
    assert.equal(emailSubject("Ship 🚀 now"), "Approval requested: Ship ? now");
    const long = emailSubject("x".repeat(200));
    assert.equal(long.length, MAX_EMAIL_SUBJECT_LENGTH);
    assert.ok(long.endsWith("..."));
    assert.ok(MAX_EMAIL_SUBJECT_LENGTH < 100);
    assert.match(emailSubject("ünïcödé ✓ and \u0000 controls"), /^[\x20-\x7e]+$/);
  });
});
