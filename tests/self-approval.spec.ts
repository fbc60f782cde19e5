/**
 * No self-approval (core/self-approval.ts): the requester is recognised among the approvers by
 * name or email after normalisation; with `deny` (the default) they are not asked in any stage,
 * and a stage that could then never reach its quorum fails the execution at once with
 * Approval.QuorumUnreachable, before anyone is notified. Executed locally with the real handlers
 * against dynalite.
 */
import { strict as assert } from "node:assert";
import type { ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import { isRequester, normalizedIdentity, notAskedPerStage, QUORUM_UNREACHABLE_ERROR } from "../core/self-approval";
import { buildDefinition } from "../core/definition";
import { linkChannel } from "../channels/link/spec";
import { useLocalRequestStore } from "../devkit/dynalite";
import type { LocalExecution } from "../local/state-machine-runner";
import { runLocally } from "../local/state-machine-runner";
import { FUNCTION_ARNS, LocalApprovalWorkflow, linkStage } from "./helpers/local-approval-workflow";

describe("no self-approval", () => {
  describe("recognising the requester", () => {
    it("matches the name or the email, whatever the case, spacing or Unicode form", () => {
      assert.equal(isRequester(" Finance@Example.COM ", { name: "finance", email: "finance@example.com" }), true);
      assert.equal(isRequester("FINANCE", { name: "finance", email: "f@example.com" }), true);
      // NFKC: full-width letters are the same identity.
      assert.equal(isRequester("ｆｉｎａｎｃｅ", { name: "finance" }), true);
      assert.equal(normalizedIdentity("Ａlice@Example.com "), "alice@example.com");
      assert.equal(isRequester("finance-bot", { name: "finance", email: "finance@example.com" }), false);
      assert.equal(isRequester(undefined, { name: "finance" }), false);
      assert.equal(isRequester("  ", { name: "finance" }), false);
    });

    it("lists the requester per stage with deny, nobody with allow", () => {
      const stages = [
        { name: "a", quorum: 1, approvers: ["finance", "security"], advisors: [] },
        { name: "b", quorum: 1, approvers: ["legal"], advisors: ["finance"] },
      ];
      const people = { finance: "finance@example.com", security: "security@example.com", legal: "legal@example.com" };
      assert.deepEqual(notAskedPerStage(stages, people, "finance@example.com", "deny"), [["finance"], ["finance"]]);
      assert.deepEqual(notAskedPerStage(stages, people, "finance@example.com", "allow"), [[], []]);
    });

    it("throws Approval.QuorumUnreachable naming the stage when the requester's absence leaves too few voters", () => {
      assert.throws(
        () =>
          notAskedPerStage(
            [{ name: "owners", quorum: 2, approvers: ["finance", "security"], advisors: [] }],
            { finance: "finance@example.com" },
            "finance@example.com",
            "deny",
          ),
        (error: Error) =>
          error.name === QUORUM_UNREACHABLE_ERROR && /stage "owners" needs 2 approval\(s\).*only 1/.test(error.message),
      );
    });
  });

  describe("executed locally", () => {
    let store: RequestStore;
    useLocalRequestStore((local) => (store = local.store));
    const started: LocalExecution[] = [];
    afterEach(() => {
      for (const execution of started.splice(0)) execution.abort();
    });

    function start(requestedBy: string, quorum: number, selfApproval?: "deny" | "allow") {
      const workflow = new LocalApprovalWorkflow(store);
      const stages = [linkStage("owners", ["finance", "security", "legal"], quorum)];
      const definition = buildDefinition({
        stages,
        functions: FUNCTION_ARNS,
        branches: { link: linkChannel.branch },
        ...(selfApproval === undefined ? {} : { selfApproval }),
      });
      const execution = runLocally(
        definition,
        { subject: "Deploy v2", requestedBy },
        { invoke: workflow.invoke, registry: workflow.registry, retryDelayMs: 0 },
      );
      started.push(execution);
      return { workflow, execution };
    }

    it("does not ask the requester (by default): the others decide, and the output says why they were not asked", async () => {
      const { workflow, execution } = start("Security@Example.com", 2);
      await workflow.untilEmailed(2);
      assert.deepEqual(workflow.emails.map((e) => e.approver).sort(), ["finance", "legal"]);
      await workflow.decide("finance", 0, "approve");
      await workflow.decide("legal", 0, "approve");
      const result = await execution.result;
      assert.equal(result.status, "SUCCEEDED", `${result.error} ${result.cause}`);
      const output = result.output as ExecutionOutput;
      assert.equal(output.outcome, "approved");
      assert.deepEqual(
        output.decisions.map((d) => [d.approver, d.decision, d.reason]),
        [
          ["finance", "approve", undefined],
          ["legal", "approve", undefined],
          ["security", "none", "they requested this change, and self-approval is denied"],
        ],
      );
      assert.deepEqual(output.request.stages[0].notAsked, ["security"]);
      assert.deepEqual(output.request.stages[0].approvers, ["finance", "legal"]);
    });

    it("fails at once with Approval.QuorumUnreachable when every approver is needed and one is the requester; nobody is notified", async () => {
      const { workflow, execution } = start("legal", 3);
      const result = await execution.result;
      assert.equal(result.status, "FAILED");
      assert.equal(result.error, QUORUM_UNREACHABLE_ERROR);
      assert.match(result.cause ?? "", /stage \\"owners\\" needs 3 approval/);
      assert.equal(workflow.invocationsOf("notify-approver").length, 0);
      assert.equal(workflow.emails.length, 0);
    });

    it("with selfApproval allow, asks the requester like anyone else", async () => {
      const { workflow, execution } = start("security@example.com", 3, "allow");
      await workflow.untilEmailed(3);
      assert.deepEqual(workflow.emails.map((e) => e.approver).sort(), ["finance", "legal", "security"]);
      for (const name of ["finance", "security", "legal"]) await workflow.decide(name, 0, "approve");
      const result = await execution.result;
      assert.equal((result.output as ExecutionOutput).outcome, "approved");
    });
  });
});
