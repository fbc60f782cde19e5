import { strict as assert } from "node:assert";
import { compliantStatements, policyDocument, role, rolePolicy, arn } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { iamNoWildcardActions } from "./iam-no-wildcard-actions";

describe("policy iam-no-wildcard-actions", () => {
  it("accepts actions listed one by one", async () => {
    assert.deepEqual(await violationsOf(iamNoWildcardActions, rolePolicy(...compliantStatements)), []);
  });

  it('catches the action "*"', async () => {
    const resource = rolePolicy({ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), [
      'Policy document, statement "Everything": allows the action "*" (every action of every service); list the actions one by one.',
    ]);
  });

  it('catches a wildcard action such as "sns:*" added to a compliant policy', async () => {
    const resource = rolePolicy(...compliantStatements, {
      Effect: "Allow",
      Action: ["sns:*"],
      Resource: arn("sns", "Automation-finance"),
    });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), [
      'Policy document, statement #6: allows "sns:*" (every action of sns); list the actions one by one.',
    ]);
  });

  it('catches partial wildcards such as "dynamodb:Get*" unless configured to accept them', async () => {
    const resource = rolePolicy({
      Sid: "Read",
      Effect: "Allow",
      Action: "dynamodb:Get*",
      Resource: arn("dynamodb", "table/t"),
    });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), [
      'Policy document, statement "Read": allows the wildcard action "dynamodb:Get*"; list the actions one by one.',
    ]);
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource, { allowPartialWildcards: true }), []);
    const serviceWide = rolePolicy({ Effect: "Allow", Action: "dynamodb:*", Resource: arn("dynamodb", "table/t") });
    assert.equal(
      (await violationsOf(iamNoWildcardActions, serviceWide, { allowPartialWildcards: true })).length,
      1,
      "never service:*",
    );
  });

  it("catches Allow with NotAction", async () => {
    const resource = rolePolicy({ Sid: "AllButIam", Effect: "Allow", NotAction: "iam:*", Resource: "*" });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), [
      'Policy document, statement "AllButIam": combines Allow with NotAction, which allows every action not listed; list the allowed actions in Action.',
    ]);
  });

  it("leaves Deny statements alone (a broad Deny only narrows)", async () => {
    const resource = rolePolicy(...compliantStatements, {
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), []);
  });

  it("checks a role's inline policies, given as an object as well as a string", async () => {
    const resource = role({
      inlinePolicies: [
        { name: "ok", policy: JSON.stringify(policyDocument(...compliantStatements)) },
        { name: "broad", policy: policyDocument({ Effect: "Allow", Action: "states:*", Resource: "*" }) },
      ],
    });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), [
      'Inline policy "broad", statement #1: allows "states:*" (every action of states); list the actions one by one.',
    ]);
  });

  it("checks aws:iam/policy:Policy documents", async () => {
    const resource = {
      type: "aws:iam/policy:Policy",
      props: { policy: JSON.stringify(policyDocument({ Effect: "Allow", Action: "*", Resource: "*" })) },
    };
    assert.equal((await violationsOf(iamNoWildcardActions, resource)).length, 1);
  });

  it("reports a document that is not valid JSON", async () => {
    const resource = { type: "aws:iam/rolePolicy:RolePolicy", props: { role: "r", policy: "{ Statement: " } };
    assert.deepEqual(await violationsOf(iamNoWildcardActions, resource), [
      "Policy document is not a valid IAM policy document: it is not valid JSON.",
    ]);
  });

  it("reports documents, statements and actions unknown during preview as not checked, and checks the rest", async () => {
    assert.deepEqual(
      await analyze(iamNoWildcardActions, {
        type: "aws:iam/rolePolicy:RolePolicy",
        props: { role: "r", policy: engineUnknown.string },
      }),
      { violations: [], notChecked: "Policy document: could not be checked during preview; checked at `pulumi up`." },
    );
    assert.deepEqual(await analyze(iamNoWildcardActions, role({ inlinePolicies: engineUnknown.array })), {
      violations: [],
      notChecked: "Inline policies: could not be checked during preview; checked at `pulumi up`.",
    });
    const partlyUnknown = role({
      inlinePolicies: [
        engineUnknown.object,
        {
          name: "publish",
          policy: policyDocument(
            { Effect: "Allow", Action: ["sns:Publish", engineUnknown.string as string], Resource: "*" },
            engineUnknown.object as any,
            { Effect: engineUnknown.string as any, Action: "*", Resource: "*" },
            { Sid: "Broken", Effect: "Allow", Action: "sns:*", Resource: arn("sns", "t") },
          ),
        },
      ],
    });
    assert.deepEqual(await analyze(iamNoWildcardActions, partlyUnknown), {
      violations: [
        'Inline policy "publish", statement "Broken": allows "sns:*" (every action of sns); list the actions one by one.',
      ],
      notChecked:
        'Inline policy #1; Inline policy "publish", statement #2; Inline policy "publish", statement #3: Effect; Inline policy "publish", statement #1: Action: could not be checked during preview; checked at `pulumi up`.',
    });
  });

  it("can be disabled through its enforcement level", async () => {
    assert.deepEqual(
      await violationsOf(iamNoWildcardActions, rolePolicy({ Effect: "Allow", Action: "*", Resource: "*" }), {
        enforcementLevel: "disabled",
      }),
      [],
    );
  });
});
