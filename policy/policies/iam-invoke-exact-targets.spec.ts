import { strict as assert } from "node:assert";
import { ACCOUNT, compliantStatements, rolePolicy } from "../testing/fixtures";
import { violationsOf } from "../testing/harness";
import { iamInvokeExactTargets as policy } from "./iam-invoke-exact-targets";

const REVIEWER = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:change-reviewer`;
const MODEL = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0";
const PROFILE = `arn:aws:bedrock:eu-west-1:${ACCOUNT}:inference-profile/eu.anthropic.claude-3-5-haiku-20241022-v1:0`;

describe("policy iam-invoke-exact-targets", () => {
  it("accepts lambda:InvokeFunction on exact function ARNs (an alias too) and bedrock:InvokeModel on exact model and profile ARNs", async () => {
    const resource = rolePolicy(
      ...compliantStatements,
      { Sid: "Reviewers", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [REVIEWER, `${REVIEWER}:live`] },
      { Sid: "Models", Effect: "Allow", Action: "bedrock:InvokeModel", Resource: [MODEL, PROFILE] },
      {
        Sid: "Routed",
        Effect: "Allow",
        Action: "bedrock:InvokeModel",
        Resource: MODEL.replace("eu-west-1", "eu-central-1"),
        Condition: { ArnEquals: { "bedrock:InferenceProfileArn": PROFILE } },
      },
    );
    assert.deepEqual(await violationsOf(policy, resource), []);
  });

  it("catches lambda:InvokeFunction on function:* and on a name pattern", async () => {
    const resource = rolePolicy({
      Sid: "Reviewers",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: [
        `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:*`,
        `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:review-?`,
      ],
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      `Policy document, statement "Reviewers": allows lambda:InvokeFunction on "arn:aws:lambda:eu-west-1:${ACCOUNT}:function:*"; name each function by its exact ARN, without wildcards.`,
      `Policy document, statement "Reviewers": allows lambda:InvokeFunction on "arn:aws:lambda:eu-west-1:${ACCOUNT}:function:review-?"; name each function by its exact ARN, without wildcards.`,
    ]);
  });

  it("catches bedrock:InvokeModel on foundation-model/*, on every Region, and on *", async () => {
    const resource = rolePolicy({
      Sid: "Models",
      Effect: "Allow",
      Action: ["bedrock:InvokeModel"],
      Resource: ["arn:aws:bedrock:eu-west-1::foundation-model/*", MODEL.replace("eu-west-1", "*"), "*"],
    });
    assert.equal((await violationsOf(policy, resource)).length, 3);
  });

  it("sees the actions granted through a partial wildcard such as bedrock:InvokeModel* or lambda:Invoke*", async () => {
    const resource = rolePolicy(
      { Effect: "Allow", Action: "bedrock:InvokeModel*", Resource: "arn:aws:bedrock:*::foundation-model/*" },
      { Effect: "Allow", Action: "lambda:Invoke*", Resource: "*" },
    );
    // bedrock:InvokeModel* covers InvokeModel and InvokeModelWithResponseStream: one report each.
    assert.equal((await violationsOf(policy, resource)).length, 3);
  });

  it("leaves other actions alone", async () => {
    const resource = rolePolicy({ Effect: "Allow", Action: "lambda:GetFunction", Resource: "*" });
    assert.deepEqual(await violationsOf(policy, resource), []);
  });
});
