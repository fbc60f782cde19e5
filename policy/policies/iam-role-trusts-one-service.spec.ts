import { strict as assert } from "node:assert";
import { ACCOUNT, policyDocument, role, trustPolicy } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { iamRoleTrustsOneService as policy } from "./iam-role-trusts-one-service";

const trusting = (principal: unknown) => role({ assumeRolePolicy: JSON.stringify(trustPolicy(principal)) });

describe("policy iam-role-trusts-one-service", () => {
  it("accepts a role trusted by exactly one service principal, as a string or an object document", async () => {
    assert.deepEqual(await violationsOf(policy, role()), []);
    assert.deepEqual(
      await violationsOf(policy, role({ assumeRolePolicy: trustPolicy({ Service: ["states.amazonaws.com"] }) })),
      [],
    );
  });

  it("catches a role trusted by several services", async () => {
    const resource = trusting({ Service: ["ssm.amazonaws.com", "lambda.amazonaws.com", "events.amazonaws.com"] });
    assert.deepEqual(await violationsOf(policy, resource), [
      "The trust policy trusts 3 service principals (ssm.amazonaws.com, lambda.amazonaws.com, events.amazonaws.com); give each service its own role.",
    ]);
  });

  it("counts service principals across statements", async () => {
    const resource = role({
      assumeRolePolicy: policyDocument(
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        { Effect: "Allow", Principal: { Service: "edgelambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ),
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      "The trust policy trusts 2 service principals (lambda.amazonaws.com, edgelambda.amazonaws.com); give each service its own role.",
    ]);
  });

  it('catches trust in everyone ("*")', async () => {
    assert.deepEqual(await violationsOf(policy, trusting("*")), [
      'The trust policy trusts everyone ("*"); trust exactly one service principal.',
    ]);
    assert.deepEqual(await violationsOf(policy, trusting({ AWS: "*" })), [
      'The trust policy trusts everyone ("AWS": "*"); trust exactly one service principal.',
    ]);
  });

  it("catches trust in an AWS account (root) or IAM principal", async () => {
    const resource = trusting({ AWS: `arn:aws:iam::${ACCOUNT}:root`, Service: "lambda.amazonaws.com" });
    assert.deepEqual(await violationsOf(policy, resource), [
      `The trust policy trusts the AWS principal "arn:aws:iam::${ACCOUNT}:root"; trust exactly one service principal, never an account or IAM principal.`,
    ]);
    assert.deepEqual(await violationsOf(policy, trusting({ AWS: ACCOUNT })), [
      `The trust policy trusts the AWS principal "${ACCOUNT}"; trust exactly one service principal, never an account or IAM principal.`,
    ]);
  });

  it("catches federated principals and NotPrincipal", async () => {
    assert.deepEqual(await violationsOf(policy, trusting({ Federated: "cognito-identity.amazonaws.com" })), [
      'The trust policy trusts the Federated principal "cognito-identity.amazonaws.com"; trust exactly one service principal.',
    ]);
    const notPrincipal = role({
      assumeRolePolicy: policyDocument(
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        { Effect: "Allow", NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" },
      ),
    });
    assert.deepEqual(await violationsOf(policy, notPrincipal), [
      "The trust policy combines Allow with NotPrincipal, which trusts every principal not listed.",
    ]);
  });

  it("catches a trust policy that trusts no one", async () => {
    const resource = role({
      assumeRolePolicy: policyDocument({ Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }),
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      "The trust policy trusts no service principal; trust exactly one.",
    ]);
  });

  it("reports trust policies and principals unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, role({ assumeRolePolicy: engineUnknown.string })), {
      violations: [],
      notChecked: "Trust policy: could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(await analyze(policy, trusting({ Service: engineUnknown.string })), {
      violations: [],
      notChecked:
        "Trust policy, statement #1: Principal Service: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
