/**
 * Automated reviewers in the workflow, executed locally: the definition run by the local runner,
 * the real automated-review handler (and the real people's handlers) against dynalite. A `vote`
 * reviewer counts like a person; one that gives no valid answer abstains, which never approves
 * and counts like a missed deadline; an `advice` reviewer is shown to the people of later stages,
 * in their email and on their page, and does not count.
 */
import { strict as assert } from "node:assert";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { DefinitionStage } from "../core/definition";
import type { DecisionEntry, ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import { clientConfig } from "../lambdas/adapters/aws-client-config";
import { reviewWithBedrock } from "../lambdas/bedrock-reviewer/index";
import { startFakeBedrockRuntime, type FakeBedrockRuntime } from "../local/fake-bedrock-runtime";
import type { LocalExecution } from "../local/state-machine-runner";
import { linkStage } from "./helpers/local-approval-workflow";
import {
  BEDROCK_REVIEWER_ARN,
  bedrockReviewer,
  functionReviewer,
  LocalAutomatedWorkflow,
  reviewerArnOf,
} from "./helpers/local-automated-workflow";
import { pageText } from "./helpers/page-text";
import { HAIKU, INSTRUCTIONS } from "./helpers/reviewer-inputs";

const REQUEST = {
  subject: "Deploy billing v2",
  details: "Migration 0042 drops the invoices table.",
  requestedBy: "ci@example.com",
};

describe("automated reviewers in the workflow, executed locally with the real handlers", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));
  let savedLevel: string | undefined;
  before(() => {
    savedLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "silent";
  });
  after(() => {
    if (savedLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = savedLevel;
  });

  const started: LocalExecution[] = [];
  afterEach(() => {
    for (const execution of started.splice(0)) execution.abort();
  });

  const reviewStage = (
    name: string,
    approvers: DefinitionStage["approvers"],
    quorum = approvers.filter((a) => a.mode === "vote").length,
  ): DefinitionStage => ({
    name,
    quorum,
    timeoutSeconds: 3600,
    approvers,
  });

  function start(workflow: LocalAutomatedWorkflow, stages: DefinitionStage[]) {
    const execution = workflow.start(stages, REQUEST);
    started.push(execution);
    return execution;
  }

  async function succeeded(execution: LocalExecution): Promise<ExecutionOutput> {
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED", `execution ended ${result.status}: ${result.error} ${result.cause}`);
    return result.output as ExecutionOutput;
  }

  const entryOf = (output: ExecutionOutput, approver: string): DecisionEntry => {
    const entry = output.decisions.find((d) => d.approver === approver);
    assert.ok(entry, `${approver} is in the output`);
    return entry;
  };

  describe("an automated vote stage", () => {
    it("that approves: its vote counts like a person's (channel automated, decidedBy the function, comment its reasoning) and stage 2's people are asked", async () => {
      const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", async () => ({
        decision: "approve",
        comment: "The migration is backward compatible.",
      }));
      const execution = start(workflow, [
        reviewStage("pre-review", [functionReviewer("lint")]),
        linkStage("owners", ["finance"]),
      ]);
      await workflow.people.untilEmailed(1);
      await workflow.people.decide("finance", 1, "approve");
      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved");
      const lint = entryOf(output, "lint");
      assert.deepEqual(
        {
          decision: lint.decision,
          channel: lint.channel,
          decidedBy: lint.decidedBy,
          comment: lint.comment,
          mode: lint.mode,
        },
        {
          decision: "approve",
          channel: "automated",
          decidedBy: reviewerArnOf("lint"),
          comment: "The migration is backward compatible.",
          mode: undefined,
        },
      );
      assert.deepEqual(
        output.stages.map((s) => s.outcome),
        ["approved", "approved"],
      );
    });

    it("gives the reviewer the request, its stage and the decisions so far (the reviewer contract)", async () => {
      const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", async () => ({
        decision: "approve",
        comment: "ok",
      }));
      const execution = start(workflow, [
        linkStage("owners", ["finance"]),
        reviewStage("gate", [functionReviewer("lint")]),
      ]);
      await workflow.people.untilEmailed(1);
      await workflow.people.decide("finance", 0, "approve", "budget ok");
      await succeeded(execution);
      const [input] = workflow.inputs;
      assert.equal(input.contract, "parallel-approval/reviewer@1");
      assert.deepEqual(input.reviewer, { name: "lint", mode: "vote" });
      assert.equal(input.request.subject, REQUEST.subject);
      assert.equal(input.request.details, REQUEST.details);
      assert.equal(input.request.requestedBy, REQUEST.requestedBy);
      assert.deepEqual(input.stage, { index: 1, name: "gate", count: 2, quorum: 1 });
      assert.deepEqual(
        input.decisions.map((d) => [d.stage, d.approver, d.decision, d.comment]),
        [["owners", "finance", "approve", "budget ok"]],
      );
      assert.ok(Date.parse(input.deadline) > Date.now() - 60_000);
    });

    it("that rejects: the request is rejected in stage 1 and stage 2's people are never asked", async () => {
      const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", async () => ({
        decision: "reject",
        comment: "Drops a table without a rollback plan.",
      }));
      const output = await succeeded(
        start(workflow, [reviewStage("pre-review", [functionReviewer("lint")]), linkStage("owners", ["finance"])]),
      );
      assert.equal(output.outcome, "rejected");
      assert.equal(output.endedInStage, "pre-review");
      assert.deepEqual(
        output.stages.map((s) => s.outcome),
        ["rejected", "notReached"],
      );
      assert.equal(entryOf(output, "lint").comment, "Drops a table without a rollback plan.");
      assert.equal(workflow.people.emails.length, 0);
    });

    const noAnswers: [string, () => Promise<unknown>, RegExp][] = [
      [
        "throws",
        async () => Promise.reject(new TypeError("cannot read the diff")),
        /the reviewer failed: TypeError: cannot read the diff/,
      ],
      [
        "answers without reasoning",
        async () => ({ decision: "approve" }),
        /outside the schema: comment must be a string/,
      ],
      ["answers approved: true", async () => ({ approved: true }), /outside the schema/],
      ["answers a string", async () => "approve", /outside the schema: the answer is string/],
      ["never answers", () => new Promise(() => undefined), /did not answer within/],
    ];
    for (const [what, fn, reason] of noAnswers) {
      it(`that abstains (the reviewer ${what}): recorded abstained with the reason, counted like a missed deadline, never approved`, async () => {
        const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", fn);
        workflow.remainingMs = 3500; // a deadline of half a second for the one that never answers
        const output = await succeeded(
          start(workflow, [reviewStage("pre-review", [functionReviewer("lint")]), linkStage("owners", ["finance"])]),
        );
        assert.equal(output.outcome, "expired");
        const lint = entryOf(output, "lint");
        assert.equal(lint.decision, "abstained");
        assert.equal(lint.channel, "automated");
        assert.match(lint.reason ?? "", reason);
        assert.equal(workflow.people.emails.length, 0);
      });
    }

    it("that abstains among people: it counts like a missed deadline, and the people still decide the stage", async () => {
      const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", async () =>
        Promise.reject(new Error("down")),
      );
      const execution = start(workflow, [
        reviewStage("owners", [functionReviewer("lint"), ...linkStage("x", ["finance", "security"]).approvers], 2),
      ]);
      await workflow.people.untilEmailed(2);
      await workflow.people.decide("finance", 0, "approve");
      await workflow.people.decide("security", 0, "approve");
      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved");
      assert.equal(entryOf(output, "lint").decision, "abstained");
    });

    it("throttled past every retry: the state machine backs off and asks again, then records abstained", async () => {
      let calls = 0;
      const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", async () => {
        calls++;
        const error = new Error("Rate exceeded");
        error.name = "ThrottlingException";
        throw error;
      });
      const output = await succeeded(start(workflow, [reviewStage("pre-review", [functionReviewer("lint")])]));
      assert.equal(calls, 8, "asked once, then again on each of the state machine's 7 retries");
      const lint = entryOf(output, "lint");
      assert.equal(lint.decision, "abstained");
      assert.match(lint.reason ?? "", /throttled after every retry/);
      assert.equal(output.outcome, "expired");
    });

    it("throttled, then answering: the retried ask's answer counts", async () => {
      let calls = 0;
      const workflow = new LocalAutomatedWorkflow(store).reviewer("lint", async () => {
        if (calls++ === 0) throw Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
        return { decision: "approve", comment: "fine" };
      });
      const output = await succeeded(start(workflow, [reviewStage("pre-review", [functionReviewer("lint")])]));
      assert.equal(output.outcome, "approved");
      assert.equal(calls, 2);
    });
  });

  describe("advice from the shipped Bedrock reviewer (local Converse stand-in)", () => {
    let bedrock: FakeBedrockRuntime;
    let client: BedrockRuntimeClient;
    before(async () => {
      bedrock = await startFakeBedrockRuntime({
        rules: {
          rules: [],
          default: { decision: "reject", comment: "Migration 0042 drops a table and names no rollback." },
        },
      });
      client = new BedrockRuntimeClient({
        ...clientConfig,
        endpoint: bedrock.endpoint,
        region: "eu-west-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
    });
    after(async () => {
      client.destroy();
      await bedrock.stop();
    });

    it("is shown to the next stage's people in the email and on the page, is in the output as advice, and does not count", async () => {
      const workflow = new LocalAutomatedWorkflow(store);
      workflow.reviewers.set(BEDROCK_REVIEWER_ARN, (input) => reviewWithBedrock(client, input, 45_000));
      const execution = start(workflow, [
        reviewStage("pre-review", [bedrockReviewer("risk-model", HAIKU, INSTRUCTIONS)]),
        linkStage("owners", ["finance"]),
      ]);
      await workflow.people.untilEmailed(1);
      const line = "Automated review: reject — Migration 0042 drops a table and names no rollback.";
      assert.ok(workflow.people.emails[0].body.includes(line), workflow.people.emails[0].body);
      const page = pageText((await workflow.people.view("finance", 1)).body);
      assert.ok(page.includes(line), page);
      await workflow.people.decide("finance", 1, "approve", "accepted the risk");
      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved", "the rejecting advice did not count");
      const advice = entryOf(output, "risk-model");
      assert.equal(advice.mode, "advice");
      assert.equal(advice.decision, "reject");
      assert.equal(advice.decidedBy, HAIKU);
      assert.equal(bedrock.received[0].modelId, HAIKU);
    });

    it("given in the same stage, is on the people's pages once it is recorded", async () => {
      const workflow = new LocalAutomatedWorkflow(store);
      workflow.reviewers.set(BEDROCK_REVIEWER_ARN, (input) => reviewWithBedrock(client, input, 45_000));
      const execution = start(workflow, [
        reviewStage("owners", [
          bedrockReviewer("risk-model", HAIKU, INSTRUCTIONS),
          ...linkStage("x", ["finance"]).approvers,
        ]),
      ]);
      await workflow.people.untilEmailed(1);
      for (
        let i = 0;
        i < 50 && !(await store.getRequest(await requestIdOf(workflow)))?.stages[0].votes["risk-model"];
        i++
      )
        await new Promise((resolve) => setTimeout(resolve, 20));
      const page = pageText((await workflow.people.view("finance", 0)).body);
      assert.ok(page.includes("Automated review: reject — Migration 0042"), page);
      await workflow.people.decide("finance", 0, "approve");
      assert.equal((await succeeded(execution)).outcome, "approved");
    });
  });

  async function requestIdOf(workflow: LocalAutomatedWorkflow): Promise<string> {
    return (workflow.people.invocationsOf("open-request")[0].result as { requestId: string }).requestId;
  }
});
