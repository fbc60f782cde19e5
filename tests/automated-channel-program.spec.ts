/**
 * The automated channel in the program under Pulumi mocks: which functions a stack with automated
 * reviewers gets, and their roles checked by IAM simulation. automated-review may invoke exactly
 * the configured reviewer functions (and the shipped Bedrock reviewer), nothing else; the Bedrock
 * reviewer may run exactly the configured models (a foundation model in the stack's Region, an
 * inference profile and the foundation models it routes to, those only through the profile).
 */
import { strict as assert } from "node:assert";
import {
  ACCOUNT_ID,
  PROFILE_DESTINATIONS,
  REGION,
  resourcesOfType,
  runProgram,
  type ProgramRun,
} from "../devkit/program-under-mocks";
import { ENV } from "../core/environment";
import { grantedActions, isAllowed, resourcesGranted, roleNamed } from "./helpers/iam-simulation";

const LINT = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:change-lint`;
const NOVA = "amazon.nova-lite-v1:0";
const HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
const EU_HAIKU = `eu.${HAIKU}`;
const model = (region: string, id: string) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const PROFILE_ARN = `arn:aws:bedrock:${REGION}:${ACCOUNT_ID}:inference-profile/${EU_HAIKU}`;

const stages = [
  {
    name: "pre-review",
    approvers: [
      { name: "lint", mode: "vote", reviewer: { function: LINT } },
      { name: "risk", reviewer: { bedrockModel: EU_HAIKU, instructions: "Reject migrations without rollback." } },
      { name: "nova", reviewer: { bedrockModel: NOVA, instructions: "Check the blast radius." } },
    ],
  },
  { name: "owners", approvers: [{ name: "finance", email: "finance@example.com" }] },
];

const functionArnOf = (run: ProgramRun, key: string) =>
  resourcesOfType(run, "aws:lambda/function:Function").find((f) => f.name === `approval-${key}`)?.state.arn as
    string | undefined;

describe("automated channel in the program (Pulumi mocks, IAM simulation)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stages });
  });

  it("adds automated-review and the shipped Bedrock reviewer, no topic for a reviewer, and passes the reviewer's ARN to automated-review", () => {
    const review = resourcesOfType(run, "aws:lambda/function:Function").find(
      (f) => f.name === "approval-automated-review",
    )!;
    assert.ok(review, "automated-review exists");
    assert.equal(review.inputs.timeout, 60);
    assert.equal(
      review.inputs.environment.variables[ENV.bedrockReviewerFunction],
      functionArnOf(run, "bedrock-reviewer"),
    );
    const topics = resourcesOfType(run, "aws:sns/topic:Topic").map((t) => t.name);
    assert.deepEqual(topics, ["approval-finance"]);
  });

  describe("automated-review's role", () => {
    const role = () => roleNamed(run, "approval-automated-review-role");

    it("may invoke exactly the configured reviewer function and the shipped Bedrock reviewer", async () => {
      assert.deepEqual(
        resourcesGranted(role(), "lambda:InvokeFunction"),
        [functionArnOf(run, "bedrock-reviewer"), LINT].sort(),
      );
      assert.equal(await isAllowed(role(), "lambda:InvokeFunction", LINT), true);
      assert.equal(await isAllowed(role(), "lambda:InvokeFunction", functionArnOf(run, "bedrock-reviewer")!), true);
    });

    it("may not invoke any other function: another name, another alias of the reviewer, the workflow's own functions", async () => {
      assert.equal(
        await isAllowed(role(), "lambda:InvokeFunction", `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:other`),
        false,
      );
      assert.equal(await isAllowed(role(), "lambda:InvokeFunction", `${LINT}:prod`), false);
      assert.equal(await isAllowed(role(), "lambda:InvokeFunction", functionArnOf(run, "close-request")!), false);
    });

    it("may not call Bedrock itself, and does nothing else", async () => {
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", model(REGION, NOVA)), false);
      assert.deepEqual(grantedActions(role()), [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "lambda:InvokeFunction",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ]);
    });
  });

  describe("the Bedrock reviewer's role", () => {
    const role = () => roleNamed(run, "approval-bedrock-reviewer-role");

    it("may run the configured foundation model in the stack's Region, and no other model or Region", async () => {
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", model(REGION, NOVA)), true);
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", model("us-east-1", NOVA)), false);
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", model(REGION, "amazon.nova-pro-v1:0")), false);
    });

    it("may run the configured inference profile, and the foundation model in each Region it routes to through it", async () => {
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", PROFILE_ARN), true);
      for (const region of PROFILE_DESTINATIONS.eu)
        assert.equal(
          await isAllowed(role(), "bedrock:InvokeModel", model(region, HAIKU), {
            "bedrock:InferenceProfileArn": PROFILE_ARN,
          }),
          true,
          region,
        );
    });

    it("may not run the profile's model directly, through another profile, or in a Region the profile does not route to", async () => {
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", model(REGION, HAIKU)), false, "directly");
      const other = `arn:aws:bedrock:${REGION}:${ACCOUNT_ID}:inference-profile/us.${HAIKU}`;
      assert.equal(
        await isAllowed(role(), "bedrock:InvokeModel", model(REGION, HAIKU), { "bedrock:InferenceProfileArn": other }),
        false,
        "through another profile",
      );
      assert.equal(await isAllowed(role(), "bedrock:InvokeModel", other), false);
      assert.equal(
        await isAllowed(role(), "bedrock:InvokeModel", model("us-east-1", HAIKU), {
          "bedrock:InferenceProfileArn": PROFILE_ARN,
        }),
        false,
        "a Region outside the profile",
      );
    });

    it("does nothing else: no store, no functions, no streaming", async () => {
      assert.deepEqual(grantedActions(role()), ["bedrock:InvokeModel", "logs:CreateLogStream", "logs:PutLogEvents"]);
    });
  });

  it("the state machine may invoke automated-review, not the Bedrock reviewer", async () => {
    const role = roleNamed(run, "approval-workflow-role");
    assert.equal(await isAllowed(role, "lambda:InvokeFunction", functionArnOf(run, "automated-review")!), true);
    assert.equal(await isAllowed(role, "lambda:InvokeFunction", functionArnOf(run, "bedrock-reviewer")!), false);
  });

  it("a stack with function reviewers only has no Bedrock reviewer function and no Bedrock grant anywhere", async () => {
    const only = await runProgram({
      stages: [{ name: "pre", approvers: [{ name: "lint", mode: "vote", reviewer: { function: LINT } }] }],
    });
    assert.equal(functionArnOf(only, "bedrock-reviewer"), undefined);
    const review = resourcesOfType(only, "aws:lambda/function:Function").find(
      (f) => f.name === "approval-automated-review",
    )!;
    assert.equal(review.inputs.environment.variables[ENV.bedrockReviewerFunction], "");
    assert.deepEqual(resourcesGranted(roleNamed(only, "approval-automated-review-role"), "lambda:InvokeFunction"), [
      LINT,
    ]);
    for (const policy of resourcesOfType(only, "aws:iam/rolePolicy:RolePolicy"))
      assert.ok(!String(policy.inputs.policy).includes("bedrock:"), policy.name);
  });
});
