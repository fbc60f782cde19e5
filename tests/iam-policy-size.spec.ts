/**
 * The approver limit follows from IAM's policy size: the roles that list approver topics one by
 * one (notify: publish and check subscriptions; the SSM automation role: publish) must stay under
 * IAM's limit on a role's inline policies, 10,240 characters not counting white space,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, at MAX_APPROVERS
 * approvers with the longest names.
 */
import { strict as assert } from "node:assert";
import { MAX_APPROVERS } from "../core/limits";
import { evaluateProgram, type ProgramRun } from "../devkit/program-under-mocks";

const IAM_ROLE_POLICY_LIMIT = 10_240;
/** Real ARNs may be longer than the mocks' (a longer Region name, Pulumi's random suffix): keep this much room per topic. */
const ROOM_PER_TOPIC = 16;

const longName = (index: number) => `approver-${String(index).padStart(2, "0")}-${"x".repeat(20)}`;

function inlinePolicySizes(run: ProgramRun): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const policy of run.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
    sizes.set(policy.name, String(policy.state.policy).replace(/\s/g, "").length);
  }
  return sizes;
}

describe("role policy sizes at the approver limit", () => {
  for (const channel of ["link", "iam"] as const) {
    it(`every role's inline policy stays under IAM's 10,240 characters with ${MAX_APPROVERS} ${channel} approvers of 32-character names`, async () => {
      const approvers = Array.from({ length: MAX_APPROVERS }, (_, i) => ({
        name: longName(i),
        email: `${longName(i)}@example.com`,
        ...(channel === "iam" ? { iamPrincipal: `arn:aws:iam::123456789012:role/${"r".repeat(64)}` } : {}),
      }));
      assert.equal(approvers[0].name.length, 32);
      const run = await evaluateProgram({ approvers, approvalTimeout: "7d" });
      assert.equal(run.error, undefined);
      const sizes = inlinePolicySizes(run);
      assert.ok(sizes.size > 0);
      for (const [role, size] of sizes) {
        assert.ok(size + MAX_APPROVERS * ROOM_PER_TOPIC < IAM_ROLE_POLICY_LIMIT, `${role}: ${size} characters`);
      }
    });
  }
});
