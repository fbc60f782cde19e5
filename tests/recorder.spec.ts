/**
 * The decision recorder against a real DynamoDB (dynalite) with the real document client:
 * one vote per approver, exactly one terminal signal under concurrency, no vote after close or
 * deadline, undeliverable callbacks kept and retried, and every expiry path.
 */
import { strict as assert } from "node:assert";
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskTimedOut,
  InvalidToken,
  TaskDoesNotExist,
} from "@aws-sdk/client-sfn";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { sfnVoteCallbacks, type TaskCallbackClient } from "../lambdas/shared/callbacks";
import { freshId } from "../lambdas/shared/ids";
import { SIGNAL_ERRORS } from "../lambdas/shared/model";
import {
  loadAsk,
  recordDecision,
  recordExpiry,
  MAX_COMMENT_LENGTH,
  type RecorderDeps,
} from "../lambdas/shared/recorder";
import { createRequestStore, type RequestStore } from "../lambdas/shared/store";
import { startDynalite, localDocumentClient, type LocalTable } from "./helpers/dynalite";
import { setEnv } from "./helpers/loopback";
import {
  approverNames,
  fakeCallbacks,
  seedRequest,
  terminalSignals,
  T0,
  HOUR_MS,
  type FakeCallbacks,
} from "./helpers/request-fixtures";

describe("decision recorder (against dynalite)", () => {
  let table: LocalTable;
  let client: DynamoDBDocumentClient;
  let store: RequestStore;
  let restoreEnv: () => void;
  const beforeDeadline = () => new Date(T0.getTime() + HOUR_MS / 2);

  before(async () => {
    restoreEnv = setEnv({ LOG_LEVEL: "silent" });
    table = await startDynalite({ setEnv: false });
    client = localDocumentClient(table);
    store = createRequestStore({ client, tableName: table.tableName });
  });
  after(async () => {
    client.destroy();
    await table.stop();
    restoreEnv();
  });

  const depsWith = (callbacks: FakeCallbacks, now = beforeDeadline): RecorderDeps => ({ store, callbacks, now });

  describe("concurrent votes", () => {
    it("10 approvers approving at once (quorum 6): every vote recorded once, exactly one quorumReached", async () => {
      const seeded = await seedRequest(store, approverNames(10), 6);
      const callbacks = fakeCallbacks();
      const outcomes = await Promise.all(
        seeded.approvers.map((a) =>
          recordDecision(depsWith(callbacks), {
            askId: seeded.askIds[a],
            decision: "approve",
            decidedBy: `${a}@example.com`,
            channel: "link",
          }),
        ),
      );
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        Array(10).fill("recorded"),
      );
      assert.deepEqual(terminalSignals(callbacks.calls), ["quorumReached"]);
      assert.equal(callbacks.calls.length, 10);
      const request = await store.getRequest(seeded.requestId);
      assert.equal(request?.approvals, 10);
      assert.deepEqual(Object.keys(request!.votes).sort(), [...seeded.approvers].sort());
    });

    it("mixed votes with every approver submitting twice at once: one vote each, exactly one terminal signal", async () => {
      const seeded = await seedRequest(store, approverNames(10), 6);
      const callbacks = fakeCallbacks();
      const decisionOf = (i: number): "approve" | "reject" => (i % 2 === 0 ? "approve" : "reject");
      const submissions = seeded.approvers.flatMap((a, i) => {
        const input = {
          askId: seeded.askIds[a],
          decision: decisionOf(i),
          decidedBy: `${a}@example.com`,
          channel: "link" as const,
        };
        return [recordDecision(depsWith(callbacks), input), recordDecision(depsWith(callbacks), input)];
      });
      const outcomes = await Promise.all(submissions);
      assert.equal(outcomes.filter((o) => o.kind === "recorded").length, 10);
      assert.equal(outcomes.filter((o) => o.kind === "duplicate").length, 10);
      // 5 rejections > 10 - 6: the fifth rejection, whichever it was, makes the quorum unreachable.
      assert.deepEqual(terminalSignals(callbacks.calls), ["rejected"]);
      assert.equal(callbacks.calls.length, 10);
      const request = await store.getRequest(seeded.requestId);
      assert.deepEqual([request?.approvals, request?.rejections, request?.expirations], [5, 5, 0]);
    });
  });

  describe("one approver's decisions", () => {
    it("records the vote with the ask's own task token and hands the branch its result", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.beta,
        decision: "reject",
        comment: "  not before the freeze ends  ",
        decidedBy: "beta@example.com",
        channel: "link",
      });
      assert.equal(outcome.kind, "recorded");
      if (outcome.kind !== "recorded") return;
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
        { taskToken: seeded.tokens.beta, signal: "none", result: { approver: "beta", ...expectedVote } },
      ]);
      assert.deepEqual((await store.getRequest(seeded.requestId))?.votes.beta, expectedVote);
    });

    it("a double submission records once: the second is a duplicate returning the first vote, with no second callback", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      const first = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        comment: "fine",
        decidedBy: "alpha@example.com",
        channel: "link",
      });
      const second = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "reject",
        decidedBy: "alpha@example.com",
        channel: "link",
      });
      assert.equal(first.kind, "recorded");
      assert.equal(second.kind, "duplicate");
      if (first.kind !== "recorded" || second.kind !== "duplicate") return;
      assert.deepEqual(second.vote, first.vote);
      assert.equal(callbacks.calls.length, 1);
      const request = await store.getRequest(seeded.requestId);
      assert.deepEqual([request?.approvals, request?.rejections], [1, 0]);
    });

    it("a vote after the request closed is refused as closed and writes nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 1);
      await store.closeRequest(seeded.requestId, "approved", beforeDeadline());
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.beta,
        decision: "approve",
        decidedBy: "beta@example.com",
        channel: "link",
      });
      assert.equal(outcome.kind, "closed");
      assert.equal(callbacks.calls.length, 0);
      const request = await store.getRequest(seeded.requestId);
      assert.deepEqual(request?.votes, {});
      assert.equal(request?.approvals, 0);
    });

    it("a vote at or after the ask's deadline is refused as deadlinePassed and writes nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      const atDeadline = () => new Date(seeded.deadline);
      const outcome = await recordDecision(depsWith(callbacks, atDeadline), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "alpha@example.com",
        channel: "link",
      });
      assert.equal(outcome.kind, "deadlinePassed");
      assert.equal(callbacks.calls.length, 0);
      const request = await store.getRequest(seeded.requestId);
      assert.deepEqual(request?.votes, {});
      assert.equal(request?.approvals, 0);
    });

    it("an unknown or malformed ask id is notFound", async () => {
      const callbacks = fakeCallbacks();
      for (const askId of [freshId(), "not-an-id", "../../etc/passwd", ""]) {
        const outcome = await recordDecision(depsWith(callbacks), {
          askId,
          decision: "approve",
          decidedBy: "x@example.com",
          channel: "link",
        });
        assert.deepEqual(outcome, { kind: "notFound" }, askId);
      }
      assert.equal(callbacks.calls.length, 0);
    });

    it(`keeps comments trimmed, at most ${MAX_COMMENT_LENGTH} characters, and leaves out blank ones`, async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      const long = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        comment: ` ${"x".repeat(1500)}`,
        decidedBy: "a",
        channel: "link",
      });
      const blank = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.beta,
        decision: "approve",
        comment: "   ",
        decidedBy: "b",
        channel: "link",
      });
      assert.equal(long.kind === "recorded" && long.vote.comment, "x".repeat(MAX_COMMENT_LENGTH));
      assert.ok(blank.kind === "recorded" && !("comment" in blank.vote));
    });
  });

  describe("callbacks that cannot be delivered", () => {
    it("keeps a failed callback as pendingSignal and delivers it on the approver's next attempt", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 1);
      const callbacks = fakeCallbacks();
      callbacks.script.push(new Error("Step Functions unavailable"));
      const first = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "alpha@example.com",
        channel: "link",
      });
      assert.equal(first.kind === "recorded" && first.delivery, "pending");
      assert.equal((await store.getRequest(seeded.requestId))?.votes.alpha.pendingSignal, "quorumReached");

      const retry = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "alpha@example.com",
        channel: "link",
      });
      assert.equal(retry.kind, "duplicate");
      assert.deepEqual(
        callbacks.calls.map((c) => [c.taskToken, c.signal]),
        [
          [seeded.tokens.alpha, "quorumReached"],
          [seeded.tokens.alpha, "quorumReached"],
        ],
      );
      const request = await store.getRequest(seeded.requestId);
      assert.equal(request?.votes.alpha.pendingSignal, undefined, "cleared once delivered");
      assert.equal(request?.approvals, 1);

      await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "alpha@example.com",
        channel: "link",
      });
      assert.equal(callbacks.calls.length, 2, "nothing left to deliver on a third attempt");
    });

    it("keeps the pendingSignal when the retry fails too", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      const callbacks = fakeCallbacks();
      callbacks.script.push(new Error("down"), new Error("still down"));
      await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "a",
        channel: "link",
      });
      const retry = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "a",
        channel: "link",
      });
      assert.equal(retry.kind, "duplicate");
      assert.equal((await store.getRequest(seeded.requestId))?.votes.alpha.pendingSignal, "none");
    });

    for (const TaskGone of [TaskTimedOut, InvalidToken, TaskDoesNotExist]) {
      it(`treats ${TaskGone.name} from Step Functions as "closed": the vote is recorded once and nothing is pending`, async () => {
        const seeded = await seedRequest(store, ["alpha", "beta"], 2);
        const sent: Array<SendTaskSuccessCommand | SendTaskFailureCommand> = [];
        const sfn: TaskCallbackClient = {
          async send(command) {
            sent.push(command);
            throw new TaskGone({ message: "task gone", $metadata: {} });
          },
        };
        const deps: RecorderDeps = { store, callbacks: sfnVoteCallbacks(sfn), now: beforeDeadline };
        const outcome = await recordDecision(deps, {
          askId: seeded.askIds.alpha,
          decision: "approve",
          decidedBy: "a",
          channel: "link",
        });
        assert.equal(outcome.kind === "recorded" && outcome.delivery, "closed");
        const again = await recordDecision(deps, {
          askId: seeded.askIds.alpha,
          decision: "approve",
          decidedBy: "a",
          channel: "link",
        });
        assert.equal(again.kind, "duplicate");
        assert.equal(sent.length, 1, "a duplicate does not call Step Functions again");
        const request = await store.getRequest(seeded.requestId);
        assert.equal(request?.approvals, 1);
        assert.equal(request?.votes.alpha.pendingSignal, undefined);
      });
    }
  });

  describe("Step Functions callbacks", () => {
    const result = {
      approver: "alpha",
      decision: "approve" as const,
      decidedAt: T0.toISOString(),
      decidedBy: "a",
      channel: "link" as const,
    };

    it("sends SendTaskSuccess with the branch result for a vote that ends nothing", async () => {
      const sent: unknown[] = [];
      const callbacks = sfnVoteCallbacks({ send: async (command) => void sent.push(command) });
      assert.equal(await callbacks.deliver("tok", "none", result), "delivered");
      assert.ok(sent[0] instanceof SendTaskSuccessCommand);
      assert.deepEqual(sent[0].input, { taskToken: "tok", output: JSON.stringify(result) });
    });

    for (const signal of ["quorumReached", "rejected", "expired"] as const) {
      it(`sends SendTaskFailure with ${SIGNAL_ERRORS[signal]} for the ${signal} signal`, async () => {
        const sent: unknown[] = [];
        const callbacks = sfnVoteCallbacks({ send: async (command) => void sent.push(command) });
        await callbacks.deliver("tok", signal, result);
        assert.ok(sent[0] instanceof SendTaskFailureCommand);
        assert.equal(sent[0].input.error, SIGNAL_ERRORS[signal]);
        assert.ok((sent[0].input.cause ?? "").length > 0 && (sent[0].input.cause ?? "").length <= 256);
      });
    }

    it("rethrows other errors without the task token in the message", async () => {
      const token = `secret-${freshId()}`;
      const callbacks = sfnVoteCallbacks({
        send: async () => {
          throw Object.assign(new Error(`throttled while using ${token}`), { name: "ThrottlingException" });
        },
      });
      await assert.rejects(callbacks.deliver(token, "none", result), (error: Error) => {
        assert.match(error.message, /ThrottlingException/);
        assert.ok(!error.message.includes(token));
        return true;
      });
    });
  });

  describe("expiry", () => {
    it("an expiry that makes the quorum unreachable with no rejection signals expired", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 3);
      const result = await recordExpiry(depsWith(fakeCallbacks()), { requestId: seeded.requestId, approver: "beta" });
      assert.equal(result.signal, "expired");
      assert.deepEqual(result.decision, {
        approver: "beta",
        decision: "expired",
        decidedAt: beforeDeadline().toISOString(),
        decidedBy: "deadline",
        channel: "deadline",
      });
      assert.equal((await store.getRequest(seeded.requestId))?.expirations, 1);
    });

    it("an expiry that crosses the threshold after a rejection signals rejected; one that crosses nothing signals none", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const callbacks = fakeCallbacks();
      await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "reject",
        decidedBy: "a",
        channel: "link",
      });
      assert.deepEqual(terminalSignals(callbacks.calls), []);
      const crossing = await recordExpiry(depsWith(callbacks), { requestId: seeded.requestId, approver: "beta" });
      assert.equal(crossing.signal, "rejected");
      const after = await recordExpiry(depsWith(callbacks), { requestId: seeded.requestId, approver: "gamma" });
      assert.equal(after.signal, "none", "only the expiry that crossed signals");
    });

    it("after the approver voted with an undelivered callback, returns their vote and the pending signal, and clears it", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 1);
      const callbacks = fakeCallbacks();
      callbacks.script.push(new Error("down"));
      const vote = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "a",
        channel: "link",
      });
      assert.equal(vote.kind === "recorded" && vote.delivery, "pending");
      const result = await recordExpiry(depsWith(callbacks), { requestId: seeded.requestId, approver: "alpha" });
      assert.equal(result.signal, "quorumReached");
      assert.equal(result.decision.decision, "approve");
      const request = await store.getRequest(seeded.requestId);
      assert.equal(request?.votes.alpha.pendingSignal, undefined);
      assert.deepEqual([request?.approvals, request?.expirations], [1, 0], "no expired vote on top of the decision");
    });

    it("after the approver voted and the task had already timed out, derives the signal from the counts", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 2);
      const callbacks = fakeCallbacks();
      callbacks.script.push("delivered", "closed");
      await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "reject",
        decidedBy: "a",
        channel: "link",
      });
      const late = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.beta,
        decision: "reject",
        decidedBy: "b",
        channel: "link",
      });
      assert.ok(late.kind === "recorded" && late.signal === "rejected" && late.delivery === "closed");
      const result = await recordExpiry(depsWith(callbacks), { requestId: seeded.requestId, approver: "beta" });
      assert.equal(result.signal, "rejected");
      assert.equal(result.decision.decision, "reject");
    });

    it("after the approver voted without crossing anything, returns their vote with signal none", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 3);
      const callbacks = fakeCallbacks();
      callbacks.script.push("closed");
      await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        comment: "ok",
        decidedBy: "a",
        channel: "link",
      });
      const result = await recordExpiry(depsWith(callbacks), { requestId: seeded.requestId, approver: "alpha" });
      assert.deepEqual(result, {
        signal: "none",
        decision: {
          approver: "alpha",
          decision: "approve",
          comment: "ok",
          decidedAt: beforeDeadline().toISOString(),
          decidedBy: "a",
          channel: "link",
        },
      });
    });

    it("after the request closed, signals none and records nothing", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta"], 2);
      await store.closeRequest(seeded.requestId, "rejected", beforeDeadline());
      const result = await recordExpiry(depsWith(fakeCallbacks()), { requestId: seeded.requestId, approver: "beta" });
      assert.deepEqual(result, { signal: "none", decision: { approver: "beta", decision: "none" } });
      assert.equal((await store.getRequest(seeded.requestId))?.expirations, 0);
    });

    it("a decision after the approver's expiry was recorded is refused as deadlinePassed", async () => {
      const seeded = await seedRequest(store, ["alpha", "beta", "gamma"], 1);
      await recordExpiry(depsWith(fakeCallbacks()), { requestId: seeded.requestId, approver: "alpha" });
      const callbacks = fakeCallbacks();
      const outcome = await recordDecision(depsWith(callbacks), {
        askId: seeded.askIds.alpha,
        decision: "approve",
        decidedBy: "a",
        channel: "link",
      });
      assert.equal(outcome.kind, "deadlinePassed");
      assert.equal(callbacks.calls.length, 0);
      assert.equal((await store.getRequest(seeded.requestId))?.approvals, 0);
    });

    it("fails loudly for an unknown request or approver", async () => {
      const seeded = await seedRequest(store, ["alpha"], 1);
      await assert.rejects(recordExpiry(depsWith(fakeCallbacks()), { requestId: freshId(), approver: "alpha" }), {
        name: "Approval.RequestNotFound",
      });
      await assert.rejects(
        recordExpiry(depsWith(fakeCallbacks()), { requestId: seeded.requestId, approver: "mallory" }),
        /not an approver/,
      );
    });
  });

  describe("loadAsk", () => {
    it("returns the ask without its task token and the request, and reads nothing for a malformed id", async () => {
      const seeded = await seedRequest(store, ["alpha"], 1);
      const loaded = await loadAsk(store, seeded.askIds.alpha);
      assert.equal(loaded?.request.requestId, seeded.requestId);
      assert.equal(loaded?.ask.approver, "alpha");
      assert.ok(loaded && !("taskToken" in loaded.ask));
      assert.equal(await loadAsk(store, freshId()), undefined);
      let reads = 0;
      const counting: RequestStore = { ...store, getAsk: async (id) => (reads++, store.getAsk(id)) };
      assert.equal(await loadAsk(counting, "short"), undefined);
      assert.equal(reads, 0);
    });
  });
});
