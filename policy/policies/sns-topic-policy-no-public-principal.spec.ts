import { strict as assert } from "node:assert";
import { ACCOUNT, publishStatement, topic, topicPolicy } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { snsTopicPolicyNoPublicPrincipal as policy } from "./sns-topic-policy-no-public-principal";

const anyone = (overrides: Record<string, unknown> = {}) => ({
  ...publishStatement,
  Sid: "Anyone",
  Principal: { AWS: "*" },
  Condition: undefined,
  ...overrides,
});

describe("policy sns-topic-policy-no-public-principal", () => {
  it("accepts a named service principal, and * with an aws:SourceAccount condition", async () => {
    assert.deepEqual(await violationsOf(policy, topicPolicy()), []);
    assert.deepEqual(
      await violationsOf(
        policy,
        topicPolicy(anyone({ Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } })),
      ),
      [],
    );
    assert.deepEqual(await violationsOf(policy, topic()), [], "a topic without a policy of its own");
  });

  it('catches {"AWS": "*"} and "*" without a source condition, on a TopicPolicy and on a Topic', async () => {
    const message =
      'Topic policy, statement "Anyone": grants everyone ("Principal": "*") without an aws:SourceArn or aws:SourceAccount condition; name the principal, or add a condition on the source.';
    assert.deepEqual(await violationsOf(policy, topicPolicy(anyone())), [message]);
    const onTopic = topic({ policy: JSON.stringify({ Statement: [anyone({ Principal: "*" })] }) });
    assert.deepEqual(await violationsOf(policy, onTopic), [message]);
  });

  it("reports a topic policy unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, topic({ policy: engineUnknown.string })), {
      violations: [],
      notChecked: "Topic policy: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
