/**
 * Reminders and backups (core/reminders.ts) in the definition executed locally, with the real
 * handlers against dynalite and decisions on the real approval page: the ask waits at most until
 * the next follow-up, the same link is sent again with a fresh task token behind it, the backup is
 * asked with the rest of the deadline, whoever decides first is the approver's one vote, and a
 * happy path costs what it costs without follow-ups.
 */
import { strict as assert } from "node:assert";
import { branchStateNames, type DefinitionStage } from "../core/definition";
import type { ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import type { LocalExecution } from "../local/state-machine-runner";
import { LocalApprovalWorkflow, linkApprover, topicArnOf } from "./helpers/local-approval-workflow";
import { pageText } from "./helpers/page-text";

const withBackup = (name: string, backup: string, escalateAfterSeconds: number) => ({
  ...linkApprover(name),
  backup: { name: backup, email: `${backup}@example.com`, topicArn: topicArnOf(backup), escalateAfterSeconds },
});

describe("reminders and backups, executed locally with the real handlers", function () {
  this.timeout(30_000);
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));
  const started: LocalExecution[] = [];
  afterEach(() => {
    for (const execution of started.splice(0)) execution.abort();
  });

  function start(stage: DefinitionStage) {
    const workflow = new LocalApprovalWorkflow(store);
    const execution = workflow.start([stage]);
    started.push(execution);
    return { workflow, execution };
  }

  async function output(execution: LocalExecution): Promise<ExecutionOutput> {
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED", `${result.error} ${result.cause}`);
    return result.output as ExecutionOutput;
  }

  const entered = (execution: LocalExecution, state: string) =>
    execution.events.filter((e) => e.type === "StateEntered" && "state" in e && e.state.name === state).length;

  it("a decision before any reminder costs N + 3 transitions, as without reminders", async () => {
    const { workflow, execution } = start({
      name: "owners",
      quorum: 2,
      timeoutSeconds: 3600,
      remindEverySeconds: 600,
      approvers: [linkApprover("finance"), withBackup("security", "deputy", 1200)],
    });
    await workflow.untilEmailed(2);
    await workflow.decide("finance", 0, "approve");
    await workflow.decide("security", 0, "approve");
    const result = await execution.result;
    assert.equal((result.output as ExecutionOutput).outcome, "approved");
    assert.equal(result.transitions, 2 + 3);
  });

  it("reminder then decision: the same link again with a fresh token behind it, saying it is a reminder and how long is left", async () => {
    const { workflow, execution } = start({
      name: "owners",
      quorum: 1,
      timeoutSeconds: 3600,
      remindEverySeconds: 1,
      approvers: [linkApprover("finance")],
    });
    await workflow.untilEmailed(2);
    const [first, reminder] = workflow.emails;
    assert.equal(reminder.askId, first.askId, "the same page id");
    assert.match(reminder.subject, /^Reminder: Approval requested: /);
    assert.match(reminder.body, /^Reminder: your approval is still needed, as approver "finance"/);
    assert.match(reminder.body, /You have 59 minutes left to decide\./);
    const tokens = workflow.invocationsOf("notify-approver").map((i) => i.payload.taskToken);
    assert.equal(new Set(tokens).size, tokens.length, "every ask has its own task token");
    assert.equal((await workflow.decide("finance", 0, "approve")).statusCode, 200);
    const out = await output(execution);
    assert.equal(out.outcome, "approved");
    assert.equal(out.decisions[0].decidedBy, "finance@example.com");
    const names = branchStateNames(0, "finance");
    assert.ok(entered(execution, names.followUp) >= 1 && entered(execution, names.askAgain) >= 1);
    // Each reminder adds the planning step and the ask sent again: two transitions.
    const followUps = entered(execution, names.followUp);
    assert.equal((await execution.result).transitions, 1 + 3 + 2 * followUps);
  });

  it("reminder then expiry: reminded until the deadline, then recorded as expired", async () => {
    const { workflow, execution } = start({
      name: "owners",
      quorum: 1,
      timeoutSeconds: 3,
      remindEverySeconds: 1,
      approvers: [linkApprover("finance")],
    });
    const out = await output(execution);
    assert.equal(out.outcome, "expired");
    assert.deepEqual(
      out.decisions.map((d) => [d.approver, d.decision, d.decidedBy]),
      [["finance", "expired", "deadline"]],
    );
    const reminders = workflow.emails.filter((e) => e.subject.startsWith("Reminder:"));
    assert.equal(reminders.length, 2, "at 1 s and 2 s; the deadline at 3 s");
    assert.ok(workflow.emails.every((e) => e.askId === workflow.emails[0].askId));
  });

  it("escalation to the backup, and the backup deciding: their vote is the approver's, decidedBy says who", async () => {
    const { workflow, execution } = start({
      name: "owners",
      quorum: 1,
      timeoutSeconds: 3600,
      approvers: [withBackup("finance", "deputy", 1)],
    });
    await workflow.untilEmailed(2);
    const backupEmail = workflow.emails[1];
    assert.equal(backupEmail.recipient, "deputy");
    assert.equal(backupEmail.topicArn, topicArnOf("deputy"));
    assert.notEqual(backupEmail.askId, workflow.emails[0].askId, "the backup has a link of their own");
    assert.match(backupEmail.body, /as the backup of approver "finance", who has not decided yet/);
    const backupLink = workflow.linkOf("finance", 0, "deputy");
    const shown = pageText((await workflow.page(getOf(backupLink))).body);
    assert.match(shown, /backup/i);
    const answer = await workflow.page(postOf(backupLink, "approve"));
    assert.equal(answer.statusCode, 200);
    const out = await output(execution);
    assert.equal(out.outcome, "approved");
    assert.deepEqual(
      out.decisions.map((d) => [d.approver, d.decision, d.decidedBy]),
      [["finance", "approve", "deputy@example.com"]],
    );
    // The approver's own link now shows who decided for them.
    const own = pageText((await workflow.view("finance", 0)).body);
    assert.match(own, /deputy@example\.com/);
  });

  it("both clicking at once: one vote, the other is told who decided", async () => {
    const { workflow, execution } = start({
      name: "owners",
      quorum: 1,
      timeoutSeconds: 3600,
      approvers: [withBackup("finance", "deputy", 1)],
    });
    await workflow.untilEmailed(2);
    const [mine, theirs] = await Promise.all([
      workflow.decide("finance", 0, "reject"),
      workflow.page(postOf(workflow.linkOf("finance", 0, "deputy"), "approve")),
    ]);
    const statuses = [mine.statusCode, theirs.statusCode].sort();
    assert.deepEqual(statuses, [200, 409], "one recorded, one refused");
    const out = await output(execution);
    assert.equal(out.decisions.length, 1);
    const winner = out.decisions[0];
    const loser = winner.decidedBy === "deputy@example.com" ? mine : theirs;
    assert.match(pageText(loser.body), new RegExp(`Decided by ${winner.decidedBy!.replace(/\./g, "\\.")} for finance`));
    const request = await store.getRequest(out.request.id);
    const stage = request!.stages[0];
    assert.equal(stage.approvals + stage.rejections, 1, "one vote counted");
  });

  it("closing cancels pending reminders and backups: nothing more is sent once the stage ended", async () => {
    const { workflow, execution } = start({
      name: "owners",
      quorum: 1,
      timeoutSeconds: 3600,
      remindEverySeconds: 1,
      approvers: [linkApprover("finance"), withBackup("security", "deputy", 2)],
    });
    await workflow.untilEmailed(2);
    await workflow.decide("finance", 0, "approve");
    const out = await output(execution);
    assert.equal(out.outcome, "approved");
    const sent = workflow.emails.length;
    const planned = workflow.invocationsOf("record-expiry").length;
    // Past the next reminder and the escalation: the execution ended, so no follow-up runs.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(workflow.emails.length, sent);
    assert.equal(workflow.invocationsOf("record-expiry").length, planned);
    assert.match(pageText((await workflow.view("security", 0)).body), /closed/i);
  });
});

import { decisionForm, getPage, postPage } from "./helpers/page-events";
const getOf = (askId: string) => getPage(askId);
const postOf = (askId: string, decision: "approve" | "reject") => postPage(askId, decisionForm(decision));
