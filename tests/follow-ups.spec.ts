/**
 * Reminders and backups below the workflow: the follow-up schedule (core/reminders.ts), the store's
 * backup asks and the recorder against dynalite (one vote for an approver and their backup,
 * decisions reaching the token a reminder put behind the same link), record-expiry's planning
 * mode, and the emails notify-approver sends for a reminder and for a backup.
 */
import { strict as assert } from "node:assert";
import { WAIT_OVER_ERROR, firstWaitSeconds, planFollowUp, type FollowUpRules } from "../core/reminders";
import type { RequestStore } from "../core/ports";
import { recordDecision, type RecordOutcome } from "../core/recorder";
import { useLocalRequestStore } from "../devkit/dynalite";
import { followUp } from "../lambdas/record-expiry/follow-up";
import { composeApprovalEmail, type ApprovalEmail } from "../lambdas/notify-approver/message";
import { notifyApprover } from "../lambdas/notify-approver/index";
import { recordRiskAdvice } from "./helpers/reviewer-inputs";
import { requestSummaryOf } from "../core/views";
import type { AskEvent } from "../core/payloads";
import { askStage, fakeCallbacks, seedStagedRequest, T0, HOUR_MS } from "./helpers/request-fixtures";

const H = 3600;
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe("follow-ups: reminders and backups", () => {
  describe("the schedule", () => {
    const rules: FollowUpRules = { timeoutSeconds: 72 * H, remindEverySeconds: 24 * H, escalateAfterSeconds: 48 * H };
    const state = (plannedAt: number | undefined, now: number, escalated = false) => ({
      askedAt: T0.toISOString(),
      deadline: at(72 * H).toISOString(),
      ...(plannedAt === undefined ? {} : { plannedAt }),
      escalated,
      backupAllowed: true,
      now: at(now),
    });

    it("waits until the first follow-up, then reminds, escalates with the reminder due then, and ends at the deadline", () => {
      assert.equal(firstWaitSeconds(rules), 24 * H);
      const first = planFollowUp(rules, state(undefined, 24 * H + 2));
      assert.deepEqual(
        { ...first },
        {
          at: 48 * H,
          waitSeconds: 24 * H - 2,
          deadline: at(72 * H).toISOString(),
          remind: true,
          escalate: false,
          escalated: false,
          reminder: 1,
        },
      );
      const second = planFollowUp(rules, state(first.at, 48 * H + 1));
      assert.deepEqual([second.remind, second.escalate, second.reminder, second.at], [true, true, 2, 72 * H]);
      assert.throws(() => planFollowUp(rules, state(second.at, 72 * H, true)), { name: WAIT_OVER_ERROR });
    });

    it("measures from the first ask, so a late wake-up shortens the next wait instead of drifting", () => {
      const plan = planFollowUp({ timeoutSeconds: 10 * H, remindEverySeconds: H }, state(undefined, H + 600));
      assert.equal(plan.waitSeconds, H - 600);
    });

    it("does not escalate to a backup that may not be asked, nor twice", () => {
      const noBackup = planFollowUp(rules, { ...state(48 * H, 48 * H), backupAllowed: false });
      assert.equal(noBackup.escalate, false);
      assert.equal(planFollowUp(rules, state(48 * H, 48 * H, true)).escalate, false);
    });

    it("ends at once when woken after the deadline, whatever was planned", () => {
      assert.throws(() => planFollowUp(rules, state(24 * H, 73 * H)), { name: WAIT_OVER_ERROR });
    });
  });

  describe("against dynalite", () => {
    let store: RequestStore;
    useLocalRequestStore((local) => (store = local.store));
    const deadline = new Date(T0.getTime() + HOUR_MS).toISOString();

    async function seeded() {
      const request = await seedStagedRequest(
        store,
        [{ name: "owners", approvers: ["finance"], quorum: 1, backups: ["finance"] }],
        {
          subject: "Deploy",
          requestedBy: "ci@example.com",
        },
      );
      const asBackup = (token: string) =>
        store.putAsk({
          requestId: request.requestId,
          stage: 0,
          approver: "finance",
          address: "deputy@example.com",
          channel: "link",
          taskToken: token,
          deadline,
          createdAt: T0.toISOString(),
          asBackup: "deputy",
        });
      return { request, asBackup };
    }

    it("a backup's ask has its own stable link, shares the approver's fresh token, and is scrubbed at close", async () => {
      const { request, asBackup } = await seeded();
      const first = await asBackup("token-2");
      const again = await asBackup("token-3");
      assert.ok(first.kind === "stored" && again.kind === "stored");
      assert.equal(again.askId, first.askId, "the backup's link stays the same across reminders");
      assert.notEqual(first.askId, request.askIds.finance);
      const ask = await store.getAsk(first.askId);
      assert.deepEqual(
        [ask?.approver, ask?.address, ask?.asBackup, ask?.taskToken],
        ["finance", "deputy@example.com", "deputy", "token-3"],
      );
      const record = (await store.getRequest(request.requestId))!;
      assert.equal(record.stages[0].backupAsks?.finance.askId, first.askId);
      assert.equal(record.stages[0].asks.finance.askId, request.askIds.finance);
      await store.closeRequest(request.requestId, { reason: "completed", closedAt: at(60) });
      await store.scrubTaskTokens((await store.getRequest(request.requestId))!);
      assert.equal((await store.getAsk(first.askId))?.taskToken, undefined);
      assert.equal((await store.getAsk(request.askIds.finance))?.taskToken, undefined);
    });

    it("the approver and their backup deciding at once: one vote, and the other is told who decided", async () => {
      const { request, asBackup } = await seeded();
      await askStage(store, request.requestId, 0, ["finance"]); // the reminder's token
      const backup = await asBackup("token-shared");
      assert.ok(backup.kind === "stored");
      const callbacks = fakeCallbacks();
      const deps = { store, callbacks, now: () => at(600) };
      const outcomes: RecordOutcome[] = await Promise.all([
        recordDecision(deps, { askId: request.askIds.finance, decision: "reject", channel: "link" }),
        recordDecision(deps, { askId: backup.askId, decision: "approve", channel: "link" }),
      ]);
      const recorded = outcomes.filter((o) => o.kind === "recorded");
      const refused = outcomes.filter((o) => o.kind === "refused");
      assert.equal(recorded.length, 1);
      assert.equal(refused.length, 1);
      const winner = recorded[0].kind === "recorded" ? recorded[0].vote : undefined;
      assert.ok(refused[0].kind === "refused" && refused[0].why.kind === "alreadyDecided");
      assert.equal(refused[0].why.vote.decidedBy, winner?.decidedBy);
      const stage = (await store.getRequest(request.requestId))!.stages[0];
      assert.equal(stage.approvals + stage.rejections, 1);
      assert.equal(callbacks.calls.length, 1, "one callback");
    });

    it("a decision whose token a reminder just replaced reaches the fresh token", async () => {
      const { request } = await seeded();
      const callbacks = fakeCallbacks();
      const original = callbacks.deliver;
      // The race: the recorder has read the ask (old token); before it records the vote, the old
      // task times out and the reminder stores a new token behind the same link. (After the vote
      // the stage has ended and a reminder stores nothing.)
      const applyVote = store.applyVote.bind(store);
      store.applyVote = async (...args) => {
        await store.putAsk({
          requestId: request.requestId,
          stage: 0,
          approver: "finance",
          address: "finance@example.com",
          channel: "link",
          taskToken: "token-after-reminder",
          deadline,
          createdAt: T0.toISOString(),
        });
        return applyVote(...args);
      };
      callbacks.deliver = async (token, signal, result) => {
        if (token === request.tokens.finance) {
          callbacks.calls.push({ taskToken: token, signal, result });
          return "closed";
        }
        return original(token, signal, result);
      };
      const outcome = await recordDecision(
        { store, callbacks, now: () => at(600) },
        { askId: request.askIds.finance, decision: "approve", channel: "link" },
      );
      assert.ok(outcome.kind === "recorded");
      assert.equal(outcome.delivery, "delivered");
      assert.deepEqual(
        callbacks.calls.map((c) => c.taskToken),
        [request.tokens.finance, "token-after-reminder"],
      );
    });

    it("a reminder and the backup's first email carry the automated advice given so far, as the first email does", async () => {
      const request = await seedStagedRequest(
        store,
        [{ name: "owners", approvers: ["finance"], advisors: ["risk"], quorum: 1, backups: ["finance"] }],
        { subject: "Deploy", requestedBy: "ci@example.com" },
      );
      await recordRiskAdvice(store, request.requestId, at(60));
      const sent: { topicArn: string; email: ApprovalEmail }[] = [];
      const deps = {
        store,
        publish: async (topicArn: string, email: ApprovalEmail) => void sent.push({ topicArn, email }),
        isReachable: async () => true,
        approvalPageUrl: "https://pages.example.com/",
        now: () => at(30 * 60),
      };
      const event: AskEvent = {
        taskToken: "token-after-wait",
        requestId: request.requestId,
        request: requestSummaryOf((await store.getRequest(request.requestId))!),
        stage: { index: 0, name: "owners", count: 1 },
        approver: {
          name: "finance",
          mode: "vote",
          address: "finance@example.com",
          topicArn: "arn:aws:sns:eu-west-1:123456789012:approval-finance",
          options: {},
          backup: {
            name: "deputy",
            address: "deputy@example.com",
            topicArn: "arn:aws:sns:eu-west-1:123456789012:approval-deputy",
          },
        },
        timeoutSeconds: H,
        followUp: {
          at: 40 * 60,
          waitSeconds: 600,
          deadline,
          remind: true,
          escalate: true,
          escalated: false,
          reminder: 1,
        },
      };
      assert.deepEqual(await notifyApprover(deps, event), { notified: true });
      assert.deepEqual(
        sent.map(({ topicArn, email }) => [topicArn.split(":").pop(), email.subject]),
        [
          ["approval-finance", "Reminder: Approval requested: Deploy"],
          ["approval-deputy", "Approval requested (as backup): Deploy"],
        ],
      );
      const adviceLine = "- Automated review: reject — Drops a table without a rollback plan. (risk, this stage)";
      for (const { email } of sent) {
        assert.ok(email.body.includes("Automated advice (it does not count toward the quorum):"), email.body);
        assert.ok(email.body.includes(adviceLine), email.body);
      }
    });

    it("record-expiry's planning mode: the next wait from the stored ask; nothing to wait for once decided", async () => {
      const { request } = await seeded();
      const event = {
        kind: "followUp" as const,
        requestId: request.requestId,
        stage: 0,
        approver: "finance",
        timeoutSeconds: H,
        remindEverySeconds: 20 * 60,
        escalateAfterSeconds: 30 * 60,
        backup: { name: "deputy", email: "deputy@example.com" },
        previous: { Error: "States.Timeout" },
      };
      const plan = await followUp({ store, now: () => at(20 * 60) }, event);
      assert.deepEqual([plan.remind, plan.escalate, plan.at, plan.waitSeconds], [true, false, 30 * 60, 10 * 60]);
      const escalation = await followUp({ store, now: () => at(30 * 60) }, { ...event, previous: plan });
      assert.equal(escalation.escalate, true);
      // A backup who is the requester is not asked (self-approval denied by default).
      const requester = await followUp(
        { store, now: () => at(30 * 60) },
        { ...event, backup: { name: "ci", email: "CI@example.com" }, previous: plan },
      );
      assert.equal(requester.escalate, false);
      await recordDecision(
        { store, callbacks: fakeCallbacks(), now: () => at(31 * 60) },
        { askId: request.askIds.finance, decision: "approve", channel: "link" },
      );
      await assert.rejects(followUp({ store, now: () => at(40 * 60) }, { ...event, previous: escalation }), {
        name: WAIT_OVER_ERROR,
      });
    });
  });

  describe("the emails", () => {
    const request = {
      id: "r1",
      subject: "Deploy v2",
      approvers: ["finance"],
      stages: [{ name: "owners", quorum: 1, approvers: ["finance"] }],
      openedAt: T0.toISOString(),
    };
    const base = {
      request,
      stage: { index: 0, name: "owners", count: 1 },
      approver: "finance",
      askId: "A".repeat(43),
      deadline: at(2 * 86400).toISOString(),
      approvalPageUrl: "https://pages.example.com/",
    };

    it("a reminder says so, carries the same link and how long is left", () => {
      const email = composeApprovalEmail({ ...base, reminder: { number: 1, now: at(86400) } });
      assert.equal(email.subject, "Reminder: Approval requested: Deploy v2");
      assert.match(
        email.body,
        /^Reminder: your approval is still needed, as approver "finance"\. This is the same link as before\.\nYou have 24 hours left to decide\./,
      );
      assert.ok(email.body.includes(`https://pages.example.com/r/${base.askId}`));
    });

    it("a backup's email says whose backup they are and that the first decision counts", () => {
      const email = composeApprovalEmail({ ...base, asBackup: "deputy" });
      assert.equal(email.subject, "Approval requested (as backup): Deploy v2");
      assert.match(
        email.body,
        /as the backup of approver "finance", who has not decided yet\.\nWhoever of you decides first decides for finance\./,
      );
    });
  });
});
