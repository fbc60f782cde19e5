/**
 * The CLI's progress, from execution histories shaped as Step Functions writes them (each event
 * chained to the one before it in its branch): decisions that did not end the stage, the one that
 * did, a missed deadline that ended it, each reported once across polls; and how it is shown: a
 * status line rewritten in place on a terminal, plain lines in CI.
 */
import { strict as assert } from "node:assert";
import { ProgressReader, type HistoryEventLike } from "../cli/progress";
import { progressPrinter } from "../cli/progress-printer";

/** A history built branch by branch: `after` is the event the new one follows in its branch. */
function historyBuilder() {
  const events: HistoryEventLike[] = [];
  const add = (after: number, type: string, details: Partial<HistoryEventLike> = {}) => {
    events.push({ id: events.length + 1, previousEventId: after, type, ...details });
    return events.length;
  };
  const entered = (after: number, type: string, name: string) =>
    add(after, `${type}StateEntered`, { stateEnteredEventDetails: { name } });
  return { events, add, entered };
}

describe("the CLI's progress from the execution history", () => {
  it("reports the stage opening, each decision with who and through what, and the one that ended the stage, once each", () => {
    const h = historyBuilder();
    const start = h.add(0, "ExecutionStarted");
    const stage = h.entered(start, "Parallel", "Stage 1 owners");
    const started = h.add(stage, "ParallelStateStarted");
    const askLead = h.entered(started, "Task", "Ask lead in stage 1");
    const askFinance = h.entered(started, "Task", "Ask finance in stage 1");
    const leadScheduled = h.add(askLead, "TaskScheduled");
    const financeScheduled = h.add(askFinance, "TaskScheduled");
    const reader = new ProgressReader();
    assert.deepEqual(
      reader.read(h.events).map((item) => item.kind),
      ["stageOpened", "asked", "asked"],
    );
    h.add(leadScheduled, "TaskSucceeded", {
      taskSucceededEventDetails: {
        output: JSON.stringify({
          stage: "owners",
          approver: "lead",
          decision: "approve",
          decidedAt: "2030-01-01T00:00:00.000Z",
          decidedBy: "lead@example.com",
          channel: "link",
        }),
      },
    });
    h.add(financeScheduled, "TaskFailed", {
      taskFailedEventDetails: { error: "Approval.QuorumReached", cause: "finance approved the request" },
    });
    assert.deepEqual(reader.read(h.events), [
      {
        kind: "decision",
        stage: 0,
        stageName: "owners",
        approver: "lead",
        decision: "approve",
        decidedBy: "lead@example.com",
        decidedAt: "2030-01-01T00:00:00.000Z",
        channel: "link",
      },
      {
        kind: "decision",
        stage: 0,
        stageName: "owners",
        approver: "finance",
        decision: "approve",
        endedStage: "approved",
      },
    ]);
    assert.deepEqual(reader.read(h.events), [], "nothing twice");
    assert.equal(reader.decisions.length, 2);
  });

  it("a missed deadline: what record-expiry recorded, or, when it ended the stage, the error the ask ended with", () => {
    const h = historyBuilder();
    const stage = h.entered(h.add(0, "ExecutionStarted"), "Parallel", "Stage 2 change-board");
    const started = h.add(stage, "ParallelStateStarted");
    const cab = h.add(h.entered(started, "Task", "No decision cab in stage 2"), "TaskScheduled");
    h.add(cab, "TaskSucceeded", {
      taskSucceededEventDetails: {
        output: JSON.stringify({ Payload: { signal: "none", approver: "cab", decision: "expired" } }),
      },
    });
    const ops = h.entered(started, "Task", "No decision ops in stage 2");
    const opsScheduled = h.add(ops, "TaskScheduled", {
      taskScheduledEventDetails: {
        parameters: JSON.stringify({
          Payload: { error: { Error: "Approval.Unreachable", Cause: "no confirmed subscription" } },
        }),
      },
    });
    h.add(opsScheduled, "TaskStarted");
    h.add(h.events.length, "TaskFailed", { taskFailedEventDetails: { error: "Approval.Expired", cause: "{}" } });
    const items = new ProgressReader().read(h.events).filter((item) => item.kind === "decision");
    assert.deepEqual(items, [
      { kind: "decision", stage: 1, stageName: "change-board", approver: "cab", decision: "expired" },
      {
        kind: "decision",
        stage: 1,
        stageName: "change-board",
        approver: "ops",
        decision: "unreachable",
        endedStage: "expired",
      },
    ]);
  });

  it("an ask that failed without a signal (its deadline, a channel error) is no decision yet: the No decision task says", () => {
    const h = historyBuilder();
    const started = h.add(
      h.entered(h.add(0, "ExecutionStarted"), "Parallel", "Stage 1 owners"),
      "ParallelStateStarted",
    );
    const ask = h.add(h.entered(started, "Task", "Ask lead in stage 1"), "TaskScheduled");
    h.add(ask, "TaskFailed", { taskFailedEventDetails: { error: "Approval.ChannelFailed", cause: "x" } });
    assert.deepEqual(
      new ProgressReader().read(h.events).filter((item) => item.kind === "decision"),
      [],
    );
  });
});

function fakeStream(isTTY: boolean) {
  let written = "";
  return {
    stream: { isTTY, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream,
    written: () => written,
  };
}

describe("how the CLI shows progress", () => {
  const decision = {
    kind: "decision" as const,
    stage: 0,
    stageName: "owners",
    approver: "lead",
    decision: "approve" as const,
    decidedBy: "lead@example.com",
  };

  it("on a terminal: a status line rewritten in place, each decision printed above it", () => {
    const out = fakeStream(true);
    const printer = progressPrinter(out.stream, {});
    printer.tick(61_000);
    printer.item(decision);
    printer.tick(62_000);
    printer.done();
    assert.equal(
      out.written(),
      "\r\x1b[2Kwaiting 1m01s: 0 decision(s) of 0 asked, 0 approval(s)" +
        "\r\x1b[2Kstage 1 owners: lead approved (lead@example.com)\nwaiting 1m01s: 0 decision(s) of 0 asked, 0 approval(s)" +
        "\r\x1b[2Kwaiting 1m02s: 1 decision(s) of 0 asked, 1 approval(s)" +
        "\r\x1b[2K",
    );
  });

  it("in CI (CI set, or not a terminal): plain lines, and a line every five minutes, no escape codes", () => {
    for (const [tty, env] of [
      [true, { CI: "true" }],
      [false, {}],
    ] as const) {
      const out = fakeStream(tty);
      const printer = progressPrinter(out.stream, env);
      printer.tick(1_000);
      printer.item(decision);
      printer.tick(60_000);
      printer.tick(5 * 60_000 + 1_000);
      printer.done();
      assert.equal(
        out.written(),
        "stage 1 owners: lead approved (lead@example.com)\nwaiting 5m01s: 1 decision(s) of 0 asked, 1 approval(s)\n",
      );
    }
  });
});
