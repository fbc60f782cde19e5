import { strict as assert } from "node:assert";
import { ACCOUNT, arn, deadLetterStatement, queue, queuePolicy } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { sqsQueuePolicyNoPublicPrincipal as policy } from "./sqs-queue-policy-no-public-principal";

const everyone = (overrides: Record<string, unknown> = {}) => ({
  ...deadLetterStatement,
  Sid: "Everyone",
  Principal: "*",
  Condition: undefined,
  ...overrides,
});
const PUBLIC =
  'Queue policy, statement "Everyone": grants everyone ("Principal": "*") without an aws:SourceArn or aws:SourceAccount condition; name the principal, or add a condition on the source.';

describe("policy sqs-queue-policy-no-public-principal", () => {
  it("accepts a named service principal, and * with an aws:SourceArn or aws:SourceAccount condition", async () => {
    assert.deepEqual(await violationsOf(policy, queuePolicy()), []);
    const ruleArn = arn("events", "rule/approval-ssm-step-ended");
    assert.deepEqual(
      await violationsOf(
        policy,
        queuePolicy(
          everyone({ Condition: { ArnLike: { "aws:SourceArn": ruleArn } } }),
          everyone({
            Sid: "Account",
            Principal: { AWS: "*" },
            Condition: { StringEquals: { "AWS:SourceAccount": ACCOUNT } },
          }),
        ),
      ),
      [],
    );
    assert.deepEqual(await violationsOf(policy, queue()), [], "a queue without a policy of its own");
  });

  it('catches "Principal": "*" and {"AWS": "*"} without a source condition', async () => {
    assert.deepEqual(await violationsOf(policy, queuePolicy(everyone())), [PUBLIC]);
    assert.deepEqual(await violationsOf(policy, queuePolicy(everyone({ Principal: { AWS: ["*"] } }))), [PUBLIC]);
  });

  it("catches conditions that do not restrict the source", async () => {
    for (const Condition of [
      { ArnLikeIfExists: { "aws:SourceArn": arn("events", "rule/x") } },
      { Null: { "aws:SourceArn": "false" } },
      { ArnNotEquals: { "aws:SourceArn": arn("events", "rule/x") } },
      { ArnLike: { "aws:SourceArn": "*" } },
      { StringEquals: { "aws:SourceAccount": "*" } },
      { "ForAllValues:ArnEquals": { "aws:SourceArn": arn("events", "rule/x") } },
      { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
    ]) {
      assert.deepEqual(
        await violationsOf(policy, queuePolicy(everyone({ Condition }))),
        [PUBLIC],
        JSON.stringify(Condition),
      );
    }
  });

  it("checks the policy set on a Queue itself, and catches Allow with NotPrincipal", async () => {
    const inline = queue({
      policy: JSON.stringify({
        Statement: [
          { Sid: "AllBut", Effect: "Allow", NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sqs:*" },
        ],
      }),
    });
    assert.deepEqual(await violationsOf(policy, inline), [
      'Queue policy, statement "AllBut": combines Allow with NotPrincipal, which grants every principal not listed; name the principal in Principal.',
    ]);
  });

  it("reports a policy that is not a valid document", async () => {
    assert.deepEqual(await violationsOf(policy, { ...queuePolicy(), props: { queueUrl: "u", policy: "{" } }), [
      "The queue policy is not a valid IAM policy document: it is not valid JSON.",
    ]);
  });

  it("reports a policy, principal or condition unknown during preview as not checked", async () => {
    assert.deepEqual(
      await analyze(policy, { ...queuePolicy(), props: { queueUrl: "u", policy: engineUnknown.string } }),
      {
        violations: [],
        notChecked: "Queue policy: could not be checked during preview; checked at `pulumi up`.",
      },
    );
    const partly = {
      ...queuePolicy(),
      props: {
        queueUrl: "u",
        policy: {
          Statement: [
            everyone({ Condition: { ArnEquals: { "aws:SourceArn": engineUnknown.string } } }),
            everyone({ Sid: "Who", Principal: engineUnknown.object }),
          ],
        },
      },
    };
    assert.deepEqual(await analyze(policy, partly), {
      violations: [],
      notChecked:
        'Queue policy, statement "Everyone": Condition; Queue policy, statement "Who": Principal: could not be checked during preview; checked at `pulumi up`.',
    });
  });
});
