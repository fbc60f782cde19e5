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
import {
  isRequester,
  normalizedIdentity,
  notAskedPerStage,
  QUORUM_UNREACHABLE_ERROR,
  sessionEmailOf,
} from "../core/self-approval";
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

    // The CLI and the Action send the caller's STS ARN. An IAM Identity Center session is named
    // after the user (e.g. arn:aws:sts::…:assumed-role/AWSReservedSSO_<set>_<hash>/<username>).
    const SSO_ROLE = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Deployer_0123456789abcdef";
    it("matches an approver's email as the session name of an assumed-role ARN (an approver's own pipeline run)", () => {
      const finance = { name: "finance", email: "finance@example.com" };
      assert.equal(isRequester(`${SSO_ROLE}/Finance@Example.com`, finance), true);
      assert.equal(
        isRequester(`arn:aws-us-gov:sts::123456789012:assumed-role/deploy/finance@example.com`, finance),
        true,
      );
      assert.equal(sessionEmailOf(` ${SSO_ROLE}/Finance@Example.com `), "finance@example.com");
      // The signed-in page check passes the verified email as both name and email.
      assert.equal(
        isRequester(`${SSO_ROLE}/finance@example.com`, { name: "finance@example.com", email: "finance@example.com" }),
        true,
      );
    });

    it("does not match other ARNs: another person's session, a session not named by email, an IAM user, a malformed ARN", () => {
      const finance = { name: "finance", email: "finance@example.com" };
      for (const requestedBy of [
        `${SSO_ROLE}/security@example.com`,
        "arn:aws:sts::123456789012:assumed-role/github-deploy/GitHubActions",
        // A session named like the approver's name is no email: names are not matched inside ARNs.
        "arn:aws:sts::123456789012:assumed-role/deploy/finance",
        "arn:aws:iam::123456789012:user/finance@example.com",
        "arn:aws:sts::123456789012:federated-user/finance@example.com",
        "arn:aws:sts::123456789012:assumed-role/finance@example.com",
        "arn:aws:sts::12345:assumed-role/deploy/finance@example.com",
      ]) {
        assert.equal(isRequester(requestedBy, finance), false, requestedBy);
      }
      assert.equal(isRequester(`${SSO_ROLE}/finance@example.com`, { name: "finance" }), false, "no email, no match");
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

    function start(
      requestedBy: string,
      quorum: number,
      selfApproval?: "deny" | "allow",
      stages = [linkStage("owners", ["finance", "security", "legal"], quorum)],
    ) {
      const workflow = new LocalApprovalWorkflow(store);
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

    it("fails at once when a later stage is the one left unable to reach its quorum: nobody of stage 1 is notified either", async () => {
      const stages = [linkStage("owners", ["finance", "security"], 1), linkStage("board", ["legal"], 1)];
      const { workflow, execution } = start("legal@example.com", 1, undefined, stages);
      const result = await execution.result;
      assert.equal(result.status, "FAILED");
      assert.equal(result.error, QUORUM_UNREACHABLE_ERROR);
      assert.match(result.cause ?? "", /stage \\"board\\" needs 1 approval/);
      assert.equal(workflow.invocationsOf("notify-approver").length, 0);
      assert.equal(workflow.emails.length, 0);
    });

    it("does not ask an approver whose own Identity Center session started the request (the CLI's default requestedBy)", async () => {
      const { workflow, execution } = start(
        "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Deployer_0123456789abcdef/security@example.com",
        2,
      );
      await workflow.untilEmailed(2);
      assert.deepEqual(workflow.emails.map((e) => e.approver).sort(), ["finance", "legal"]);
      await workflow.decide("finance", 0, "approve");
      await workflow.decide("legal", 0, "approve");
      const output = (await execution.result).output as ExecutionOutput;
      assert.deepEqual(output.request.stages[0].notAsked, ["security"]);
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
