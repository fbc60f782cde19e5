/**
 * Multi-stage approvals executed locally: the definition run by the local runner with the real
 * handlers against dynalite, decisions made on the real approval page (issue 10). Stages run in
 * order; an approved stage moves on, a rejected or expired one ends the request and later stages
 * are never asked.
 */
import { strict as assert } from "node:assert";
import type { ExecutionOutput, RequestRecord } from "../core/model";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import type { LocalExecution } from "../local/state-machine-runner";
import { LocalApprovalWorkflow, linkStage, topicArnOf } from "./helpers/local-approval-workflow";
import { pageText } from "./helpers/page-text";

describe("multi-stage workflow, executed locally with the real handlers", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));

  const started: LocalExecution[] = [];
  afterEach(() => {
    for (const execution of started.splice(0)) execution.abort();
  });

  function start(stages: ReturnType<typeof linkStage>[]) {
    const workflow = new LocalApprovalWorkflow(store);
    const execution = workflow.start(stages);
    started.push(execution);
    return { workflow, execution };
  }

  async function succeeded(execution: LocalExecution): Promise<ExecutionOutput> {
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED", `execution ended ${result.status}: ${result.error} ${result.cause}`);
    return result.output as ExecutionOutput;
  }

  async function recordOf(workflow: LocalApprovalWorkflow): Promise<RequestRecord> {
    const requestId = (workflow.invocationsOf("open-request")[0].result as { requestId: string }).requestId;
    const record = await store.getRequest(requestId);
    assert.ok(record);
    return record;
  }

  const stageDecisions = (output: ExecutionOutput) =>
    output.stages.map((stage) => [
      stage.name,
      stage.outcome,
      stage.decisions.map((d) => `${d.approver}:${d.decision}`),
    ]);

  it("two stages approved: stage 2 is asked only once stage 1 is approved, in Σ(Nₛ + 1) + 2 transitions", async () => {
    const { workflow, execution } = start([
      linkStage("pre-review", ["risk"]),
      linkStage("owners", ["finance", "security", "legal"]),
    ]);
    await workflow.untilEmailed(1);
    assert.equal((await workflow.decide("risk", 0, "approve", "low risk")).statusCode, 200);
    await workflow.untilEmailed(4);
    assert.deepEqual(
      workflow.emails.map((e) => `${e.stage}:${e.approver}:${e.topicArn}`).sort(),
      ["0:risk", "1:finance", "1:legal", "1:security"].map((s) => `${s}:${topicArnOf(s.slice(2))}`),
    );
    const record = await recordOf(workflow);
    for (const name of ["finance", "security", "legal"]) {
      const ask = await store.getAsk(record.stages[1].asks[name].askId);
      assert.ok(ask!.createdAt >= record.stages[0].votes.risk.decidedAt, `${name} asked after stage 1 was decided`);
    }
    assert.ok(workflow.emails[1].body.includes("Stage:        2 of 2: owners"), workflow.emails[1].body);

    await workflow.decide("finance", 1, "approve", "budget ok");
    const securityPage = pageText((await workflow.view("security", 1)).body);
    assert.ok(securityPage.includes("stage 2 of 2: owners"), securityPage);
    assert.ok(securityPage.includes("finance : Approved"), "the page shows who else in this stage decided");
    assert.ok(securityPage.includes("budget ok"));
    assert.ok(!securityPage.includes("low risk"), "decisions of other stages are not shown as this stage's");
    await workflow.decide("security", 1, "approve");
    await workflow.decide("legal", 1, "approve");

    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.equal(output.endedInStage, undefined);
    assert.deepEqual(stageDecisions(output), [
      ["pre-review", "approved", ["risk:approve"]],
      ["owners", "approved", ["finance:approve", "security:approve", "legal:approve"]],
    ]);
    assert.deepEqual(
      output.decisions.map((d) => [d.stage, d.approver, d.decision, d.comment]),
      [
        ["pre-review", "risk", "approve", "low risk"],
        ["owners", "finance", "approve", "budget ok"],
        ["owners", "security", "approve", undefined],
        ["owners", "legal", "approve", undefined],
      ],
    );
    assert.deepEqual(
      output.request.stages.map((s) => [s.name, s.quorum, s.approvers]),
      [
        ["pre-review", 1, ["risk"]],
        ["owners", 3, ["finance", "security", "legal"]],
      ],
    );
    assert.equal((await execution.result).transitions, 1 + 1 + (3 + 1) + 2);
  });

  it("three stages (1 + 3 + 2 approvers) approved: each stage asked in turn, in Σ(Nₛ + 1) + 2 = 11 transitions", async () => {
    const stages = [
      linkStage("pre-review", ["risk"]),
      linkStage("owners", ["finance", "security", "legal"]),
      linkStage("change-board", ["cab", "ops"]),
    ];
    const { workflow, execution } = start(stages);
    let emailed = 0;
    for (const [index, stage] of stages.entries()) {
      emailed += stage.approvers.length;
      await workflow.untilEmailed(emailed);
      assert.equal(workflow.emails.length, emailed, `only stage ${index + 1}'s approvers are asked once it opens`);
      for (const approver of stage.approvers)
        assert.equal((await workflow.decide(approver.name, index, "approve")).statusCode, 200);
    }

    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(stageDecisions(output), [
      ["pre-review", "approved", ["risk:approve"]],
      ["owners", "approved", ["finance:approve", "security:approve", "legal:approve"]],
      ["change-board", "approved", ["cab:approve", "ops:approve"]],
    ]);
    assert.equal((await execution.result).transitions, 1 + 1 + (3 + 1) + (2 + 1) + 2);
  });

  it("a rejection in stage 1 ends the request: stage 2 is never asked and nobody of it is notified", async () => {
    const { workflow, execution } = start([linkStage("pre-review", ["risk", "ops"]), linkStage("owners", ["finance"])]);
    await workflow.untilEmailed(2);
    assert.equal((await workflow.decide("ops", 0, "reject", "not during the freeze")).statusCode, 200);

    const output = await succeeded(execution);
    assert.equal(output.outcome, "rejected");
    assert.equal(output.endedInStage, "pre-review");
    assert.deepEqual(stageDecisions(output), [
      ["pre-review", "rejected", ["risk:none", "ops:reject"]],
      ["owners", "notReached", ["finance:none"]],
    ]);
    assert.deepEqual(
      workflow.invocationsOf("notify-approver").map((i) => i.payload.stage.index),
      [0, 0],
      "no ask in stage 2",
    );
    assert.ok(!workflow.emails.some((e) => e.topicArn === topicArnOf("finance")), "finance got no email");
    assert.equal((await execution.result).transitions, 1 + (2 + 1) + 1);

    const late = await workflow.decide("risk", 0, "approve");
    assert.equal(late.statusCode, 409);
    assert.ok(pageText(late.body).includes("This request is closed: rejected."));
  });

  it("quorum reached early in stage 2: the last approver is not needed and can no longer decide", async () => {
    const { workflow, execution } = start([
      linkStage("pre-review", ["risk"]),
      linkStage("owners", ["finance", "security", "legal"], 2),
    ]);
    await workflow.untilEmailed(1);
    await workflow.decide("risk", 0, "approve");
    await workflow.untilEmailed(4);
    await workflow.decide("finance", 1, "approve");
    const deciding = pageText((await workflow.decide("legal", 1, "approve")).body);
    assert.ok(
      deciding.includes("This completed the quorum: the stage is approved and the request is approved."),
      deciding,
    );

    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(stageDecisions(output), [
      ["pre-review", "approved", ["risk:approve"]],
      ["owners", "approved", ["finance:approve", "security:none", "legal:approve"]],
    ]);
    assert.equal(workflow.invocationsOf("record-expiry").length, 0);
    const late = await workflow.decide("security", 1, "reject");
    assert.equal(late.statusCode, 409);
    assert.ok(pageText(late.body).includes("This request is closed: approved. Your rejection was not recorded"));
    assert.equal((await recordOf(workflow)).stages[1].rejections, 0);
  });

  it("an expiry ends stage 2: the missed deadline is recorded and the request expires in that stage", async () => {
    const { workflow, execution } = start([
      linkStage("pre-review", ["risk"]),
      linkStage("owners", ["finance", "security"], 2, 2),
    ]);
    await workflow.untilEmailed(1);
    await workflow.decide("risk", 0, "approve");
    await workflow.untilEmailed(3);
    await workflow.decide("finance", 1, "approve");

    const output = await succeeded(execution);
    assert.equal(output.outcome, "expired");
    assert.equal(output.endedInStage, "owners");
    assert.deepEqual(stageDecisions(output), [
      ["pre-review", "approved", ["risk:approve"]],
      ["owners", "expired", ["finance:approve", "security:expired"]],
    ]);
    const missed = output.stages[1].decisions[1];
    assert.deepEqual([missed.channel, missed.decidedBy], ["deadline", "deadline"]);
    assert.match(missed.reason ?? "", /deadline passed/);
    assert.deepEqual(
      workflow.invocationsOf("record-expiry").map((i) => [i.payload.stage, i.payload.approver, i.error]),
      [[1, "security", "Approval.Expired"]],
      "record-expiry ended the stage by throwing the signal error",
    );
  });

  it("the same approver in two stages gets a link per stage, and each vote counts in its own stage only", async () => {
    const { workflow, execution } = start([
      linkStage("first", ["alice", "bob"]),
      linkStage("second", ["alice", "carol"]),
    ]);
    await workflow.untilEmailed(2);
    await workflow.decide("alice", 0, "approve", "first look");
    assert.equal((await recordOf(workflow)).stages[1].approvals, 0, "a stage-1 vote does not count in stage 2");
    await workflow.decide("bob", 0, "approve");
    await workflow.untilEmailed(4);

    const [first, second] = [workflow.linkOf("alice", 0), workflow.linkOf("alice", 1)];
    assert.notEqual(first, second, "one ask id per stage");
    assert.deepEqual(
      workflow.emails.filter((e) => e.approver === "alice").map((e) => e.topicArn),
      [topicArnOf("alice"), topicArnOf("alice")],
      "one topic per approver name",
    );
    const again = await workflow.decide("alice", 0, "approve");
    assert.equal(again.statusCode, 409, "the stage-1 link cannot vote again, not even for stage 2");
    assert.ok(pageText(again.body).includes("You already decided on this request."));
    assert.equal((await recordOf(workflow)).stages[1].approvals, 0);

    await workflow.decide("alice", 1, "approve", "second look");
    const record = await recordOf(workflow);
    assert.deepEqual(
      record.stages.map((s) => [s.approvals, s.votes.alice?.comment]),
      [
        [2, "first look"],
        [1, "second look"],
      ],
    );
    await workflow.decide("carol", 1, "approve");

    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.decisions.map((d) => [d.stage, d.approver, d.decision, d.comment]),
      [
        ["first", "alice", "approve", "first look"],
        ["first", "bob", "approve", undefined],
        ["second", "alice", "approve", "second look"],
        ["second", "carol", "approve", undefined],
      ],
    );
    assert.deepEqual(output.request.approvers, ["alice", "bob", "carol"]);
  });

  it("a late click on a stage-1 link after stage 2 opened gets a 409 page and records nothing", async () => {
    const { workflow, execution } = start([linkStage("first", ["alice", "bob"], 1), linkStage("second", ["carol"])]);
    await workflow.untilEmailed(2);
    await workflow.decide("alice", 0, "approve");
    await workflow.untilEmailed(3);
    const before = await recordOf(workflow);

    const late = await workflow.decide("bob", 0, "reject", "too late?");
    assert.equal(late.statusCode, 409);
    const text = pageText(late.body);
    assert.ok(text.includes("This stage has ended: approved."), text);
    assert.ok(text.includes("Your rejection was not recorded"), text);
    assert.ok(text.includes("the request moves on to stage 2 of 2"), text);
    assert.deepEqual(await recordOf(workflow), before, "nothing recorded");
    const shown = await workflow.view("bob", 0);
    assert.equal(shown.statusCode, 200);
    assert.ok(!/<form/.test(shown.body ?? ""), "no form on a stage that ended");

    await workflow.decide("carol", 1, "approve");
    const output = await succeeded(execution);
    assert.deepEqual(stageDecisions(output), [
      ["first", "approved", ["alice:approve", "bob:none"]],
      ["second", "approved", ["carol:approve"]],
    ]);
  });
});
