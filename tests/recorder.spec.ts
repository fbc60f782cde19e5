/**
 * The decision recorder against a real DynamoDB (dynalite) with the real document client: one
 * vote per approver per stage, exactly one stage-ending signal under concurrency, no vote once
 * the stage's outcome is certain, the request closed or the deadline passed, undeliverable
 * callbacks kept and retried, the race in which a needed vote's own callback meets an ended
 * stage, and every no-verdict path (deadline, unreachable, channel failure).
 */
import { strict as assert } from "node:assert";
import { freshId } from "../core/ids";
import { MAX_COMMENT_BYTES, MAX_DECIDED_BY_CHARS } from "../core/limits";
import type { RequestRecord } from "../core/model";
import type { RequestStore } from "../core/ports";
import {
  loadAskForView,
  recordDecision,
  recordNoVerdict,
  recordNoVerdictForAsk,
  type DecisionInput,
  type RecorderDeps,
  type RecordOutcome,
} from "../core/recorder";
import { jsonBytes } from "../core/text";
import { useLocalRequestStore } from "../devkit/dynalite";
import {
  approverNames,
  askStage,
  fakeCallbacks,
  parallelStageCallbacks,
  seedRequest,
  seedStagedRequest,
  terminalSignals,
  T0,
  HOUR_MS,
  type FakeCallbacks,
  type SeededRequest,
} from "./helpers/request-fixtures";

const beforeDeadline = () => new Date(T0.getTime() + HOUR_MS / 2);

describe("decision recorder (against dynalite)", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));

  const depsWith = (callbacks: RecorderDeps["callbacks"], now = beforeDeadline): RecorderDeps => ({
    store,
    callbacks,
    now,
  });
  const vote = (
    seeded: SeededRequest,
    approver: string,
    decision: "approve" | "reject",
    extra: Partial<DecisionInput> = {},
  ) => ({
    askId: seeded.askIds[approver],
    decision,
    channel: "link",
    ...extra,
  });
  const record = async (requestId: string): Promise<RequestRecord> => {
    const found = await store.getRequest(requestId);
    assert.ok(found, "request record exists");
    return found;
  };
  const kinds = (outcomes: RecordOutcome[]) => outcomes.map((o) => (o.kind === "refused" ? o.why.kind : o.kind));
  const counts = (request: RequestRecord, stage = 0) => {
    const { approvals, rejections, misses, declined } = request.stages[stage];
    return { approvals, rejections, misses, declined };
  };

  describe("concurrent votes in one stage", () => {
    it("10 approvers approving at once (quorum 6): exactly one quorumReached; the votes after it are refused as the stage ended", async () => {
      const seeded = await seedRequest(store, approverNames(10), 6);
      const callbacks = fakeCallbacks();
      const outcomes = await Promise.all(
        seeded.approvers.map((a) => recordDecision(depsWith(callbacks), vote(seeded, a, "approve"))),
      );
      assert.equal(kinds(outcomes).filter((k) => k === "recorded").length, 6);
      assert.equal(kinds(outcomes).filter((k) => k === "stageEnded").length, 4);
      assert.deepEqual(terminalSignals(callbacks.calls), ["quorumReached"]);
      assert.equal(callbacks.calls.length, 6, "one callback per recorded vote");
      const request = await record(seeded.requestId);
      assert.deepEqual(counts(request), { approvals: 6, rejections: 0, misses: 0, declined: 0 });
      assert.equal(Object.keys(request.stages[0].votes).length, 6);
    });

    it("mixed votes with every approver submitting twice at once: at most one vote each, exactly one stage-ending signal", async () => {
      const seeded = await seedRequest(store, approverNames(10), 6);
      const callbacks = fakeCallbacks();
      const decisionOf = (i: number): "approve" | "reject" => (i % 2 === 0 ? "approve" : "reject");
      const outcomes = await Promise.all(
        seeded.approvers.flatMap((a, i) => [
          recordDecision(depsWith(callbacks), vote(seeded, a, decisionOf(i))),
          recordDecision(depsWith(callbacks), vote(seeded, a, decisionOf(i))),
        ]),
      );
      // Only 5 approve, so the quorum of 6 can never be reached: the 5th rejection ends the stage.
      assert.deepEqual(terminalSignals(callbacks.calls), ["rejected"]);
      const request = await record(seeded.requestId);
      const recorded = outcomes.filter((o) => o.kind === "recorded");
      assert.equal(recorded.length, Object.keys(request.stages[0].votes).length, "every recorded vote stored once");
      assert.equal(request.stages[0].rejections, 5);
      assert.equal(request.stages[0].approvals + request.stages[0].rejections, recorded.length);
      assert.ok(
        kinds(outcomes).every((k) => ["recorded", "alreadyDecided", "stageEnded"].includes(k)),
        kinds(outcomes).join(),
      );
    });

    it("in stage 2 of a request, concurrent votes give exactly one stage-ending signal and touch no other stage", async () => {
      const seeded = await seedStagedRequest(store, [
        { name: "first", approvers: ["alpha"] },
        { name: "second", approvers: approverNames(8), quorum: 5 },
      ]);
      await recordDecision(depsWith(fakeCallbacks()), vote(seeded, "alpha", "approve"));
      const second = await askStage(store, seeded.requestId, 1, approverNames(8));
      const callbacks = fakeCallbacks();
      await Promise.all(
        approverNames(8).map((a) =>
          recordDecision(depsWith(callbacks), { askId: second.askIds[a], decision: "approve", channel: "link" }),
        ),
      );
      assert.deepEqual(terminalSignals(callbacks.calls), ["quorumReached"]);
      assert.ok(callbacks.calls.every((c) => c.result.stage === "second"));
      const request = await record(seeded.requestId);
      assert.deepEqual(counts(request, 0), { approvals: 1, rejections: 0, misses: 0, declined: 0 });
      assert.equal(request.stages[1].approvals, 5);
    });

    it("the same approver in two stages votes once in each, each vote counted in its own stage", async () => {
      const seeded = await seedStagedRequest(store, [
        { name: "first", approvers: ["alpha", "beta"] },
        { name: "second", approvers: ["alpha", "gamma"] },
      ]);
      const callbacks = fakeCallbacks();
      await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve", { comment: "stage one" }));
      await recordDecision(depsWith(callbacks), vote(seeded, "beta", "approve"));
      const second = await askStage(store, seeded.requestId, 1, ["alpha", "gamma"]);
      assert.notEqual(second.askIds.alpha, seeded.askIds.alpha);
      const again = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "reject"));
      assert.equal(
        again.kind === "refused" && again.why.kind,
        "alreadyDecided",
        "the stage-1 link stays a stage-1 link",
      );
      const inSecond = await recordDecision(depsWith(callbacks), {
        askId: second.askIds.alpha,
        decision: "reject",
        comment: "stage two",
        channel: "link",
      });
      assert.equal(inSecond.kind, "recorded");
      const request = await record(seeded.requestId);
      assert.deepEqual(
        request.stages.map((s) => [s.votes.alpha.decision, s.votes.alpha.comment, s.approvals, s.rejections]),
        [
          ["approve", "stage one", 2, 0],
          ["reject", "stage two", 0, 1],
        ],
      );
    });
  });

  describe("a needed vote whose own callback meets the ended stage (the quorum-5 race)", () => {
    it("with quorum 5 and all approving at once, every vote is recorded and counted, and those that met the ended task learn what the stage became", async () => {
      const seeded = await seedRequest(store, approverNames(5), 5);
      // Every SendTaskSuccess arrives just after the fifth vote's signal ended the Parallel.
      const stage = parallelStageCallbacks({ holdBranchResults: true });
      const outcomes = await Promise.all(
        seeded.approvers.map((a) => recordDecision(depsWith(stage.callbacks), vote(seeded, a, "approve"))),
      );
      assert.deepEqual(kinds(outcomes), Array(5).fill("recorded"));
      const recorded = outcomes.filter((o) => o.kind === "recorded");
      assert.deepEqual(recorded.map((o) => `${o.signal}/${o.delivery}`).sort(), [
        "none/closed",
        "none/closed",
        "none/closed",
        "none/closed",
        "quorumReached/delivered",
      ]);
      for (const outcome of recorded.filter((o) => o.delivery === "closed")) {
        // The record as it is now, not as the vote left it: the stage is approved, with this vote among the five.
        assert.equal(outcome.request.stages[0].approvals, 5);
        assert.equal(outcome.request.stages[0].votes[outcome.ask.approver].decision, "approve");
        assert.equal(outcome.vote.decision, "approve");
      }
      assert.deepEqual(counts(await record(seeded.requestId)), { approvals: 5, rejections: 0, misses: 0, declined: 0 });
    });

    it("a vote that arrives once the stage is certain is refused, not recorded (only it may say it changed nothing)", async () => {
      const seeded = await seedRequest(store, approverNames(3), 2);
      const callbacks = fakeCallbacks();
      await recordDecision(depsWith(callbacks), vote(seeded, "approver-1", "approve"));
      await recordDecision(depsWith(callbacks), vote(seeded, "approver-2", "approve"));
      const late = await recordDecision(depsWith(callbacks), vote(seeded, "approver-3", "reject"));
      assert.ok(late.kind === "refused");
      assert.deepEqual(late.why, { kind: "stageEnded", outcome: "approved" });
      assert.equal(callbacks.calls.length, 2);
      assert.equal((await record(seeded.requestId)).stages[0].votes["approver-3"], undefined);
    });
  });

  describe("one approver's decisions", () => {
    it("records the vote with the ask's own task token and hands the branch its result", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(
        depsWith(callbacks),
        vote(seeded, "beta", "reject", { comment: "  not before the freeze ends  " }),
      );
      assert.ok(outcome.kind === "recorded");
      const expectedVote = {
        decision: "reject",
        comment: "not before the freeze ends",
        decidedAt: beforeDeadline().toISOString(),
        decidedBy: "beta@example.com",
        channel: "link",
      };
      assert.deepEqual(outcome.vote, expectedVote);
      assert.equal(outcome.signal, "none");
      assert.equal(outcome.delivery, "delivered");
      assert.equal(outcome.ask.taskToken, undefined, "the ask returned to callers carries no task token");
      assert.deepEqual(callbacks.calls, [
        {
          taskToken: seeded.tokens.beta,
          signal: "none",
          result: {
            stage: "approval",
            approver: "beta",
            decision: "reject",
            decidedAt: expectedVote.decidedAt,
            decidedBy: "beta@example.com",
            channel: "link",
          },
        },
      ]);
      assert.deepEqual((await record(seeded.requestId)).stages[0].votes.beta, expectedVote);
    });

    it("a double submission records once: the second is refused as already decided, with the first vote and no second callback", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      const first = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve", { comment: "fine" }));
      const second = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "reject"));
      assert.ok(first.kind === "recorded" && second.kind === "refused");
      assert.equal(second.why.kind, "alreadyDecided");
      assert.deepEqual(second.why.kind === "alreadyDecided" && second.why.vote, first.vote);
      assert.equal(callbacks.calls.length, 1);
      assert.deepEqual(counts(await record(seeded.requestId)), { approvals: 1, rejections: 0, misses: 0, declined: 0 });
    });

    it("a vote after the request closed is refused as requestClosed and writes nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 1);
      await store.closeRequest(seeded.requestId, { reason: "aborted", closedAt: beforeDeadline() });
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(depsWith(callbacks), vote(seeded, "beta", "approve"));
      assert.ok(outcome.kind === "refused");
      assert.deepEqual(outcome.why, { kind: "requestClosed" });
      assert.equal(callbacks.calls.length, 0);
      const request = await record(seeded.requestId);
      assert.deepEqual(request.stages[0].votes, {});
      assert.equal(request.stages[0].approvals, 0);
    });

    it("a vote at or after the ask's deadline is refused as deadlinePassed and writes nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(
        depsWith(callbacks, () => new Date(seeded.deadline)),
        vote(seeded, "alpha", "approve"),
      );
      assert.ok(outcome.kind === "refused");
      assert.deepEqual(outcome.why, { kind: "deadlinePassed" });
      assert.equal(callbacks.calls.length, 0);
      assert.deepEqual((await record(seeded.requestId)).stages[0].votes, {});
    });

    it("an unknown or malformed ask id is notFound, and so is an ask of another channel", async () => {
      const seeded = await seedRequest(store, ["alpha"], 1);
      const iam = await askStage(store, seeded.requestId, 0, ["alpha"], { channel: "iam" });
      const callbacks = fakeCallbacks();
      for (const askId of [freshId(), "not-an-id", "../../etc/passwd", ""]) {
        const outcome = await recordDecision(depsWith(callbacks), { askId, decision: "approve", channel: "link" });
        assert.deepEqual(outcome, { kind: "notFound" }, askId);
      }
      assert.equal(iam.askIds.alpha, seeded.askIds.alpha, "a repeated ask reuses the ask id");
      const wrongChannel = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        channel: "link",
      });
      assert.deepEqual(wrongChannel, { kind: "notFound" }, "an iam correlation id never works as a page link");
      assert.equal(callbacks.calls.length, 0);
    });

    it(`keeps comments trimmed, stripped of control characters but newline, at most ${MAX_COMMENT_BYTES} bytes, and leaves out blank ones`, async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 3);
      const callbacks = fakeCallbacks();
      const long = await recordDecision(
        depsWith(callbacks),
        vote(seeded, "alpha", "approve", { comment: ` ${"€".repeat(1000)}` }),
      );
      const blank = await recordDecision(depsWith(callbacks), vote(seeded, "beta", "approve", { comment: " \u0007 " }));
      const controls = await recordDecision(
        depsWith(callbacks),
        vote(seeded, "gamma", "approve", { comment: "ok\u001b[2K\r\nfine\u009b" }),
      );
      assert.ok(long.kind === "recorded" && blank.kind === "recorded" && controls.kind === "recorded");
      assert.ok(jsonBytes(long.vote.comment!) <= MAX_COMMENT_BYTES && long.vote.comment!.endsWith("…"));
      assert.ok(!("comment" in blank.vote));
      assert.equal(controls.vote.comment, "ok[2K\nfine");
    });

    it(`attributes the vote to the ask's address unless told who decided, one line of at most ${MAX_DECIDED_BY_CHARS} characters`, async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      const byDefault = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      const named = await recordDecision(
        depsWith(callbacks),
        vote(seeded, "beta", "approve", { decidedBy: `x\n${"y".repeat(400)}` }),
      );
      assert.ok(byDefault.kind === "recorded" && named.kind === "recorded");
      assert.equal(byDefault.vote.decidedBy, "alpha@example.com");
      assert.equal([...named.vote.decidedBy].length, MAX_DECIDED_BY_CHARS);
      assert.ok(named.vote.decidedBy.startsWith("x y"));
    });

    it("an advisor's vote is recorded but not counted and ends nothing", async () => {
      const seeded = await seedStagedRequest(store, [{ name: "owners", approvers: ["alpha"], advisors: ["model"] }]);
      const callbacks = fakeCallbacks();
      const advice = await recordDecision(depsWith(callbacks), vote(seeded, "model", "reject", { comment: "risky" }));
      assert.ok(advice.kind === "recorded" && advice.signal === "none");
      const request = await record(seeded.requestId);
      assert.equal(request.stages[0].votes.model.comment, "risky");
      assert.deepEqual(counts(request), { approvals: 0, rejections: 0, misses: 0, declined: 0 });
    });
  });

  describe("callbacks that cannot be delivered", () => {
    it("keeps a failed callback as pendingSignal and delivers it on the approver's next attempt", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 1);
      const callbacks = fakeCallbacks();
      callbacks.script.push(new Error("Step Functions unavailable"));
      const first = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.equal(first.kind === "recorded" && first.delivery, "pending");
      assert.equal((await record(seeded.requestId)).stages[0].votes.alpha.pendingSignal, "quorumReached");

      const retry = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.ok(retry.kind === "refused" && retry.why.kind === "alreadyDecided");
      assert.equal(
        retry.why.kind === "alreadyDecided" && retry.why.vote.pendingSignal,
        undefined,
        "shown as delivered",
      );
      assert.deepEqual(
        callbacks.calls.map((c) => [c.taskToken, c.signal]),
        [
          [seeded.tokens.alpha, "quorumReached"],
          [seeded.tokens.alpha, "quorumReached"],
        ],
      );
      const request = await record(seeded.requestId);
      assert.equal(request.stages[0].votes.alpha.pendingSignal, undefined, "cleared once delivered");
      assert.equal(request.stages[0].approvals, 1);

      await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.equal(callbacks.calls.length, 2, "nothing left to deliver on a third attempt");
    });

    it("keeps the pendingSignal when the retry fails too", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      callbacks.script.push(new Error("down"), new Error("still down"));
      await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      const retry = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.ok(retry.kind === "refused" && retry.why.kind === "alreadyDecided");
      assert.equal((await record(seeded.requestId)).stages[0].votes.alpha.pendingSignal, "none");
    });

    it("a callback whose task is gone is 'closed': recorded once, nothing pending, and the record returned is re-read", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      callbacks.script.push("closed");
      // Meanwhile the other approver decided and the workflow closed the request.
      const outcome = await recordDecision(
        {
          ...depsWith(callbacks),
          store: {
            ...store,
            applyVote: async (target, v, counting) => {
              const applied = await store.applyVote(target, v, counting);
              await store.closeRequest(seeded.requestId, { reason: "aborted", closedAt: beforeDeadline() });
              return applied;
            },
          },
        },
        vote(seeded, "alpha", "approve"),
      );
      assert.ok(outcome.kind === "recorded");
      assert.equal(outcome.delivery, "closed");
      assert.equal(outcome.request.status, "closed", "what the vote took part in, as it is now");
      const again = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.ok(again.kind === "refused" && again.why.kind === "alreadyDecided");
      assert.equal(callbacks.calls.length, 1, "a refused vote does not call Step Functions again");
      assert.equal((await record(seeded.requestId)).stages[0].votes.alpha.pendingSignal, undefined);
    });
  });

  describe("no-verdict decisions (deadline, unreachable, channel failure)", () => {
    const noVerdict = (
      seeded: SeededRequest,
      approver: string,
      decision: "expired" | "unreachable" | "failed" = "expired",
    ) => ({
      requestId: seeded.requestId,
      stage: 0,
      approver,
      decision,
      reason: `${approver} ${decision}`,
      decidedBy: decision === "expired" ? "deadline" : "workflow",
      channel: decision === "expired" ? "deadline" : "link",
    });
    const storeDeps = () => ({ store, now: beforeDeadline });

    it("an expiry that makes the quorum unreachable with no rejection signals expired", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 3);
      const result = await recordNoVerdict(storeDeps(), noVerdict(seeded, "beta"));
      assert.deepEqual(result, {
        signal: "expired",
        recorded: true,
        vote: {
          decision: "expired",
          reason: "beta expired",
          decidedAt: beforeDeadline().toISOString(),
          decidedBy: "deadline",
          channel: "deadline",
        },
      });
      assert.deepEqual(counts(await record(seeded.requestId)), { approvals: 0, rejections: 0, misses: 1, declined: 1 });
    });

    it("an unreachable approver counts like a missed deadline and ends the stage when it must", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const first = await recordNoVerdict(storeDeps(), noVerdict(seeded, "alpha", "unreachable"));
      assert.equal(first.signal, "none", "the quorum is still reachable");
      const second = await recordNoVerdict(storeDeps(), noVerdict(seeded, "beta", "failed"));
      assert.equal(second.signal, "expired", "2 of 3 out: the quorum of 2 is unreachable");
      const request = await record(seeded.requestId);
      assert.deepEqual(counts(request), { approvals: 0, rejections: 0, misses: 2, declined: 2 });
      assert.equal(request.stages[0].votes.alpha.decision, "unreachable");
    });

    it("one that crosses the threshold after a rejection signals rejected; one after the stage ended records nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const callbacks = fakeCallbacks();
      await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "reject"));
      assert.deepEqual(terminalSignals(callbacks.calls), []);
      const crossing = await recordNoVerdict(storeDeps(), noVerdict(seeded, "beta"));
      assert.equal(crossing.signal, "rejected");
      const after = await recordNoVerdict(storeDeps(), noVerdict(seeded, "gamma"));
      assert.deepEqual(after, { signal: "none", recorded: false }, "only the one that crossed signals");
      assert.equal((await record(seeded.requestId)).stages[0].votes.gamma, undefined);
    });

    it("after the approver voted with an undelivered callback, returns their vote and the pending signal, and clears it", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 1);
      const callbacks = fakeCallbacks();
      callbacks.script.push(new Error("down"));
      const voted = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.equal(voted.kind === "recorded" && voted.delivery, "pending");
      const result = await recordNoVerdict(storeDeps(), noVerdict(seeded, "alpha"));
      assert.equal(result.signal, "quorumReached");
      assert.equal(result.recorded, false);
      assert.equal(result.vote?.decision, "approve");
      const request = await record(seeded.requestId);
      assert.equal(request.stages[0].votes.alpha.pendingSignal, undefined);
      assert.deepEqual(
        counts(request),
        { approvals: 1, rejections: 0, misses: 0, declined: 0 },
        "no miss on top of the vote",
      );
    });

    it("after the approver voted and their task had already timed out, derives the signal from the counts", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const callbacks = fakeCallbacks();
      callbacks.script.push("delivered", "closed");
      await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "reject"));
      const late = await recordDecision(depsWith(callbacks), vote(seeded, "beta", "reject"));
      assert.ok(late.kind === "recorded" && late.signal === "rejected" && late.delivery === "closed");
      const result = await recordNoVerdict(storeDeps(), noVerdict(seeded, "beta"));
      assert.equal(result.signal, "rejected");
      assert.equal(result.vote?.decision, "reject");
    });

    it("after the approver voted without crossing anything, returns their vote with signal none", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 3);
      const callbacks = fakeCallbacks();
      callbacks.script.push("closed");
      const voted = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve", { comment: "ok" }));
      assert.ok(voted.kind === "recorded");
      assert.deepEqual(await recordNoVerdict(storeDeps(), noVerdict(seeded, "alpha")), {
        signal: "none",
        vote: voted.vote,
        recorded: false,
      });
    });

    it("after the request closed, signals none and records nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      await store.closeRequest(seeded.requestId, { reason: "failed", closedAt: beforeDeadline() });
      const result = await recordNoVerdict(storeDeps(), noVerdict(seeded, "beta"));
      assert.deepEqual(result, { signal: "none", vote: undefined, recorded: false });
      assert.equal((await record(seeded.requestId)).stages[0].misses, 0);
    });

    it("a decision after the approver's part ended without a verdict is refused as noLongerAsked", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 1);
      await recordNoVerdict(storeDeps(), noVerdict(seeded, "alpha"));
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(depsWith(callbacks), vote(seeded, "alpha", "approve"));
      assert.ok(outcome.kind === "refused");
      assert.equal(outcome.why.kind, "noLongerAsked");
      assert.equal(callbacks.calls.length, 0);
      assert.equal((await record(seeded.requestId)).stages[0].approvals, 0);
    });

    it("fails loudly for an unknown request or an approver not of that stage", async () => {
      const seeded = await seedRequest(store, ["alpha"], 1);
      await assert.rejects(recordNoVerdict(storeDeps(), { ...noVerdict(seeded, "alpha"), requestId: freshId() }), {
        name: "Approval.RequestNotFound",
      });
      await assert.rejects(recordNoVerdict(storeDeps(), noVerdict(seeded, "mallory")), /not an approver/);
      await assert.rejects(
        recordNoVerdict(storeDeps(), { ...noVerdict(seeded, "alpha"), stage: 1 }),
        /not an approver/,
      );
    });

    it("for an ask whose task still waits (an SSM approval that timed out), records it and answers the task", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const ask = (await store.getAsk(seeded.askIds.beta))!;
      const callbacks: FakeCallbacks = fakeCallbacks();
      const result = await recordNoVerdictForAsk(depsWith(callbacks), ask, {
        decision: "expired",
        reason: "the approval step timed out",
        decidedBy: "deadline",
        channel: "deadline",
      });
      assert.equal(result.signal, "expired");
      assert.equal(result.delivery, "delivered");
      assert.deepEqual(
        callbacks.calls.map((c) => [c.taskToken, c.signal, c.result.decision]),
        [[seeded.tokens.beta, "expired", "expired"]],
      );
    });
  });

  describe("loadAskForView", () => {
    it("returns the ask without its task token and the request, and reads nothing for a malformed id", async () => {
      const seeded = await seedRequest(store, ["alpha"], 1);
      const loaded = await loadAskForView(store, seeded.askIds.alpha, "link");
      assert.equal(loaded?.request.requestId, seeded.requestId);
      assert.deepEqual([loaded?.ask.approver, loaded?.ask.stage], ["alpha", 0]);
      assert.ok(loaded && !("taskToken" in loaded.ask));
      assert.equal(await loadAskForView(store, freshId(), "link"), undefined);
      assert.equal(await loadAskForView(store, seeded.askIds.alpha, "iam"), undefined, "only through its own channel");
      let reads = 0;
      const counting: RequestStore = { ...store, getAsk: async (id) => (reads++, store.getAsk(id)) };
      assert.equal(await loadAskForView(counting, "short", "link"), undefined);
      assert.equal(reads, 0);
    });
  });
});
