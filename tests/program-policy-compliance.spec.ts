/**
 * The program versus the policy pack: index.ts, evaluated under Pulumi mocks for every
 * configuration the tests use, passes every policy of policy/ with zero violations; and the
 * program's own resources, broken the ways the pack exists to catch, are caught.
 */
import { strict as assert } from "node:assert";
import { allPolicies } from "../policy/all-policies";
import { parsePolicyDocument } from "../policy/lib/iam-document";
import { ResourceUnderTest, violationsOf, violationsOfAll } from "../policy/testing/harness";
import { eventbridgeLambdaTargetResilient } from "../policy/policies/eventbridge-lambda-target-resilient";
import { iamNoWildcardActions } from "../policy/policies/iam-no-wildcard-actions";
import { iamPassRoleScoped } from "../policy/policies/iam-passrole-scoped";
import { lambdaSizeLimits } from "../policy/policies/lambda-size-limits";
import { snsTopicEncrypted } from "../policy/policies/sns-topic-encrypted";
import {
  ACCOUNT_ID,
  exampleApprovers,
  ProgramRun,
  RegisteredResource,
  runProgram,
  StackConfig,
} from "./helpers/pulumi-program";

/** The engine hands the pack each resource's inputs. */
function asPolicyInput(resource: RegisteredResource): ResourceUnderTest {
  return { type: resource.type, name: resource.name, props: resource.inputs };
}

function firstOfType(run: ProgramRun, type: string): RegisteredResource {
  const found = run.resources.find((resource) => resource.type === type);
  assert.ok(found, `the program creates a ${type}`);
  return found;
}

/** Resource types the pack checks that every configuration of the program creates. */
const CHECKED_TYPES = [
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:lambda/function:Function",
  "aws:sns/topic:Topic",
  "aws:dynamodb/table:Table",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:sfn/stateMachine:StateMachine",
];
/** What the SSM channel adds when an approver has an IAM principal. */
const CHECKED_TYPES_WITH_IAM_APPROVERS = [
  ...CHECKED_TYPES,
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:sqs/queue:Queue",
];

const CONFIGURATIONS: Array<{ label: string; config: StackConfig; checkedTypes: string[] }> = [
  { label: "1 link approver", config: { approvers: exampleApprovers(1) }, checkedTypes: CHECKED_TYPES },
  {
    label: "3 link approvers, quorum 2",
    config: { approvers: exampleApprovers(3), quorum: 2, approvalTimeout: "72h" },
    checkedTypes: CHECKED_TYPES,
  },
  { label: "25 link approvers", config: { approvers: exampleApprovers(25), quorum: 13 }, checkedTypes: CHECKED_TYPES },
  {
    label: "3 approvers, 1 of them with an IAM principal",
    config: { approvers: exampleApprovers(3, 1), quorum: 2, approvalTimeout: "72h" },
    checkedTypes: CHECKED_TYPES_WITH_IAM_APPROVERS,
  },
  {
    label: "25 approvers, all with IAM principals",
    config: { approvers: exampleApprovers(25, 25), approvalTimeout: "7d" },
    checkedTypes: CHECKED_TYPES_WITH_IAM_APPROVERS,
  },
];

describe("the program passes the policy pack", () => {
  for (const { label, config, checkedTypes } of CONFIGURATIONS) {
    it(`with ${label}: zero violations on every resource`, async () => {
      const run = await runProgram(config);
      const types = new Set(run.resources.map((resource) => resource.type));
      for (const type of checkedTypes) assert.ok(types.has(type), `the run contains a ${type} for the pack to check`);
      // Zero violations means something only if the pack could read the IAM documents.
      for (const resource of run.resources) {
        if (resource.type === "aws:iam/rolePolicy:RolePolicy") {
          assert.equal(
            parsePolicyDocument(resource.inputs.policy).kind,
            "document",
            `${resource.name} has a readable policy`,
          );
        }
        if (resource.type === "aws:iam/role:Role") {
          assert.equal(
            parsePolicyDocument(resource.inputs.assumeRolePolicy).kind,
            "document",
            `${resource.name} has a readable trust policy`,
          );
        }
      }
      const violations = await violationsOfAll(allPolicies, run.resources.map(asPolicyInput));
      assert.deepEqual(violations, []);
    });
  }
});

describe("the policy pack catches broken variants of the program's resources", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ approvers: exampleApprovers(3, 1), quorum: 2 });
  });

  /** A program RolePolicy with one more statement. */
  function rolePolicyWith(statement: Record<string, unknown>): ResourceUnderTest {
    const original = firstOfType(run, "aws:iam/rolePolicy:RolePolicy");
    const document =
      typeof original.inputs.policy === "string"
        ? JSON.parse(original.inputs.policy)
        : structuredClone(original.inputs.policy);
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    document.Statement = [...statements, statement];
    return { ...asPolicyInput(original), props: { ...original.inputs, policy: JSON.stringify(document) } };
  }

  it("a wildcard action added to a role policy", async () => {
    const broken = rolePolicyWith({ Sid: "Broken", Effect: "Allow", Action: "states:*", Resource: "*" });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, broken), [
      'Policy document, statement "Broken": allows "states:*" (every action of states); list the actions one by one.',
    ]);
  });

  it("the program's iam:PassRole statement widened to role/*", async () => {
    const original = run.resources.find(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.inputs.policy).includes("iam:PassRole"),
    );
    assert.ok(original, "a role policy of the SSM channel passes the automation role");
    const document = JSON.parse(original.inputs.policy);
    const passRole = document.Statement.find((statement: { Action: string | string[] }) =>
      [statement.Action].flat().includes("iam:PassRole"),
    );
    passRole.Resource = [`arn:aws:iam::${ACCOUNT_ID}:role/*`];
    const broken = { ...asPolicyInput(original), props: { ...original.inputs, policy: JSON.stringify(document) } };
    assert.deepEqual(await violationsOf(iamPassRoleScoped, asPolicyInput(original)), [], "as the program writes it");
    assert.deepEqual(await violationsOf(iamPassRoleScoped, broken), [
      `Policy document, statement "${passRole.Sid}": allows iam:PassRole on "arn:aws:iam::${ACCOUNT_ID}:role/*"; name each role by its exact ARN, without wildcards.`,
    ]);
  });

  it("a 10 GB Lambda", async () => {
    const fn = firstOfType(run, "aws:lambda/function:Function");
    const broken = { ...asPolicyInput(fn), props: { ...fn.inputs, memorySize: 10240 } };
    assert.deepEqual(await violationsOf(lambdaSizeLimits, broken), ["memorySize is 10240 MB; the limit is 1024 MB."]);
  });

  it("an unencrypted approver topic", async () => {
    const topic = firstOfType(run, "aws:sns/topic:Topic");
    const { kmsMasterKeyId: _removed, ...unencrypted } = topic.inputs;
    assert.deepEqual(await violationsOf(snsTopicEncrypted, { ...asPolicyInput(topic), props: unencrypted }), [
      'The topic is not encrypted at rest; set kmsMasterKeyId (e.g. "alias/aws/sns" or a key of your own).',
    ]);
  });

  it("the SSM result rule's target without its dead-letter queue", async () => {
    const target = firstOfType(run, "aws:cloudwatch/eventTarget:EventTarget");
    const { deadLetterConfig: _removed, ...withoutDlq } = target.inputs;
    assert.deepEqual(
      await violationsOf(eventbridgeLambdaTargetResilient, { ...asPolicyInput(target), props: withoutDlq }),
      [
        "The target invokes a Lambda function without a dead-letter queue; set deadLetterConfig.arn to an SQS queue ARN.",
      ],
    );
  });
});
