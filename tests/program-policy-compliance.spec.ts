/**
 * The program versus the policy pack, the way the Pulumi CLI runs it: index.ts under Pulumi
 * mocks, every resource it registers (whatever its type) sent to @pulumi/policy's own analyzer
 * with its inputs as the engine sends them. For every stack configuration the tests use: no
 * policy reports anything. For a first preview of a new stack, where the ARNs are unknown: no
 * mandatory policy fails, and what could not be checked is reported as an advisory that the
 * update then checks. Broken variants of the program's own resources are caught.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { allPolicies } from "../policy/all-policies";
import { PackPolicy } from "../policy/lib/validate";
import { isUnknown } from "../policy/lib/unknown";
import { analyzeWithPolicyServer, ServerAnalysis, ServerDiagnostic } from "../policy/testing/analyzer";
import { ResourceUnderTest, violationsOf, violationsOfAll } from "../policy/testing/harness";
import { eventbridgeLambdaTargetResilient } from "../policy/policies/eventbridge-lambda-target-resilient";
import { iamNoWildcardActions } from "../policy/policies/iam-no-wildcard-actions";
import { iamPassRoleScoped } from "../policy/policies/iam-passrole-scoped";
import { lambdaPermissionScoped } from "../policy/policies/lambda-permission-scoped";
import { lambdaSizeLimits } from "../policy/policies/lambda-size-limits";
import { snsTopicEncrypted } from "../policy/policies/sns-topic-encrypted";
import { sqsQueuePolicyNoPublicPrincipal } from "../policy/policies/sqs-queue-policy-no-public-principal";
import {
  ACCOUNT_ID,
  exampleApprovers,
  ProgramRun,
  RegisteredResource,
  resourcesOfType,
  runProgram,
  StackConfig,
} from "../devkit/program-under-mocks";

interface Checked {
  resource: RegisteredResource;
  analysis: ServerAnalysis;
}

/** What the engine sends the analyzer: the inputs serialized, values unknown during preview as sentinels. */
async function engineInputs(resource: RegisteredResource): Promise<Record<string, unknown>> {
  return pulumi.runtime.serializeProperties(`${resource.type}::${resource.name}`, resource.inputs);
}

async function analyzeRun(run: ProgramRun): Promise<Checked[]> {
  const checked: Checked[] = [];
  for (const resource of run.resources) {
    const props = await engineInputs(resource);
    checked.push({
      resource,
      analysis: await analyzeWithPolicyServer(allPolicies, { type: resource.type, name: resource.name, props }),
    });
  }
  return checked;
}

function diagnosticsOf(checked: Checked[]): ServerDiagnostic[] {
  return checked.flatMap(({ analysis }) => analysis.diagnostics);
}

function appliesTo(policy: PackPolicy, { analysis }: Checked): boolean {
  return !analysis.notApplicable.has(policy.name);
}

const key = (resource: { type: string; name: string }) => `${resource.type}::${resource.name}`;

const CONFIGURATIONS: Array<{ label: string; config: StackConfig }> = [
  { label: "1 link approver", config: { approvers: exampleApprovers(1) } },
  {
    label: "3 link approvers, quorum 2",
    config: { approvers: exampleApprovers(3), quorum: 2, approvalTimeout: "72h" },
  },
  { label: "25 link approvers", config: { approvers: exampleApprovers(25), quorum: 13 } },
  {
    label: "3 approvers, 1 of them with an IAM principal",
    config: { approvers: exampleApprovers(3, 1), quorum: 2, approvalTimeout: "72h" },
  },
  {
    label: "25 approvers, all with IAM principals",
    config: { approvers: exampleApprovers(25, 25), approvalTimeout: "7d" },
  },
  {
    label: "automated reviewers (a function, a foundation model, an inference profile), then people",
    config: {
      stages: [
        {
          name: "pre-review",
          approvers: [
            {
              name: "lint",
              mode: "vote",
              reviewer: { function: `arn:aws:lambda:eu-west-1:${ACCOUNT_ID}:function:lint` },
            },
            { name: "nova", reviewer: { bedrockModel: "amazon.nova-lite-v1:0", instructions: "Check the risk." } },
            { name: "risk", reviewer: { bedrockModel: "eu.amazon.nova-lite-v1:0", instructions: "Check the risk." } },
          ],
        },
        { name: "owners", approvers: exampleApprovers(2) },
      ],
    },
  },
  {
    label: "sign-in, reminders and a backup",
    config: {
      approvers: [
        {
          name: "finance",
          email: "finance@example.com",
          backup: { name: "deputy", email: "deputy@example.com" },
          escalateAfter: "2d",
        },
        { name: "security", email: "security@example.com" },
      ],
      remindEvery: "1d",
      signIn: { issuer: "https://accounts.google.com", clientId: "client", clientSecretParameter: "/approvals/oidc" },
    },
  },
];

describe("the program passes the policy pack", () => {
  for (const { label, config } of CONFIGURATIONS) {
    it(`with ${label}: no policy reports anything, and each policy checks every resource of its types`, async () => {
      const checked = await analyzeRun(await runProgram(config));
      // Nothing mandatory, and no advisory either: with every value known every check ran, and
      // every policy document was readable (an unreadable one is a mandatory violation).
      assert.deepEqual(diagnosticsOf(checked), []);
      const typesInStack = new Set(checked.map(({ resource }) => resource.type));
      for (const policy of allPolicies) {
        const ofItsTypes = checked.filter(({ resource }) => policy.resourceTypes.includes(resource.type));
        for (const other of checked.filter((c) => !ofItsTypes.includes(c))) {
          assert.ok(!appliesTo(policy, other), `${policy.name} reports ${key(other.resource)} as not applicable`);
        }
        if (policy.resourceTypes.some((type) => typesInStack.has(type))) {
          assert.ok(
            ofItsTypes.some((c) => appliesTo(policy, c)),
            `${policy.name} checked some resource of the stack`,
          );
        }
      }
    });
  }

  it("checks the program's Lambda permissions, queue policy, roles and role policies with the policies written for them", async () => {
    const checked = await analyzeRun(await runProgram({ approvers: exampleApprovers(3, 1), quorum: 2 }));
    for (const [type, policyName] of [
      ["aws:lambda/permission:Permission", "lambda-permission-scoped"],
      ["aws:sqs/queuePolicy:QueuePolicy", "sqs-queue-policy-no-public-principal"],
      ["aws:iam/rolePolicy:RolePolicy", "iam-passrole-scoped"],
      ["aws:iam/role:Role", "iam-role-trusts-one-service"],
    ]) {
      const ofType = checked.filter(({ resource }) => resource.type === type);
      assert.ok(ofType.length > 0, `the stack has a ${type}`);
      for (const c of ofType)
        assert.ok(!c.analysis.notApplicable.has(policyName), `${policyName} checks ${c.resource.name}`);
    }
  });
});

describe("a first preview of a new stack against the policy pack", () => {
  const config: StackConfig = { approvers: exampleApprovers(3, 1), quorum: 2 };
  let preview: Checked[];
  let update: Map<string, Checked>;
  before(async () => {
    preview = await analyzeRun(await runProgram(config, { preview: true }));
    update = new Map((await analyzeRun(await runProgram(config))).map((c) => [key(c.resource), c]));
  });

  const advisories = () => diagnosticsOf(preview).filter((d) => d.enforcementLevel === "advisory");

  it("fails no mandatory policy", () => {
    assert.deepEqual(
      diagnosticsOf(preview).filter((d) => d.enforcementLevel !== "advisory"),
      [],
    );
  });

  it("reports each check it could not run as an advisory: could not be checked during preview; checked at `pulumi up`", () => {
    assert.ok(advisories().length > 0, "a first preview cannot know the ARNs of resources not created yet");
    for (const advisory of advisories()) {
      assert.match(
        advisory.message,
        /^can't run policy '[a-z0-9-]+' from policy pack 'parallel-approval-policies@v0\.1\.0' during preview: .+: could not be checked during preview; checked at `pulumi up`\.$/,
        `${advisory.policy} on ${advisory.resource}`,
      );
    }
  });

  it("reports nothing on resources whose inputs are all known", async () => {
    for (const { resource, analysis } of preview) {
      const props = await engineInputs(resource);
      if (!JSON.stringify(props).includes(pulumi.runtime.unknownValue)) {
        assert.deepEqual(analysis.diagnostics, [], key(resource));
      }
    }
  });

  it("reports the unknown IAM documents, Lambda permission sources and queue policy as not checked by every policy that reads them", async () => {
    const unknownInFirstPreview: Record<string, string> = {
      "aws:iam/rolePolicy:RolePolicy": "policy",
      "aws:lambda/permission:Permission": "sourceArn",
      "aws:sqs/queuePolicy:QueuePolicy": "policy",
    };
    let seen = 0;
    for (const { resource, analysis } of preview) {
      const field = unknownInFirstPreview[resource.type];
      if (field === undefined || !isUnknown((await engineInputs(resource))[field])) continue;
      seen += 1;
      const readers = allPolicies.filter((p) => p.resourceTypes.includes(resource.type)).map((p) => p.name);
      assert.deepEqual(
        analysis.diagnostics.map((d) => d.policy),
        readers,
        key(resource),
      );
    }
    assert.ok(seen >= 3, `${seen} such resources in the preview`);
  });

  it("leaves to `pulumi up` only checks that the update then runs and passes", () => {
    for (const { resource, analysis } of preview) {
      for (const advisory of analysis.diagnostics.filter((d) => d.enforcementLevel === "advisory")) {
        const checkedAtUp = update.get(key(resource));
        assert.ok(checkedAtUp, `the update creates ${key(resource)}`);
        assert.ok(!checkedAtUp.analysis.notApplicable.has(advisory.policy), `${advisory.policy} runs on it`);
        assert.deepEqual(checkedAtUp.analysis.diagnostics, [], `${advisory.policy} on ${key(resource)}`);
      }
    }
  });
});

describe("the policy pack catches broken variants of the program's resources", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ approvers: exampleApprovers(3, 1), quorum: 2 });
  });

  /** The engine hands the pack each resource's inputs. */
  function asPolicyInput(
    resource: RegisteredResource,
    props: Record<string, unknown> = resource.inputs,
  ): ResourceUnderTest {
    return { type: resource.type, name: resource.name, props };
  }

  function allOfType(type: string): RegisteredResource[] {
    const found = resourcesOfType(run, type);
    assert.ok(found.length > 0, `the program creates a ${type}`);
    return found;
  }

  /** A program RolePolicy with one more statement. */
  function rolePolicyWith(statement: Record<string, unknown>): ResourceUnderTest {
    const [original] = allOfType("aws:iam/rolePolicy:RolePolicy");
    const document =
      typeof original.inputs.policy === "string"
        ? JSON.parse(original.inputs.policy)
        : structuredClone(original.inputs.policy);
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    document.Statement = [...statements, statement];
    return asPolicyInput(original, { ...original.inputs, policy: JSON.stringify(document) });
  }

  it("a wildcard action added to a role policy", async () => {
    const broken = rolePolicyWith({ Sid: "Broken", Effect: "Allow", Action: "states:*", Resource: "*" });
    assert.deepEqual(await violationsOf(iamNoWildcardActions, broken), [
      'Policy document, statement "Broken": allows "states:*" (every action of states); list the actions one by one.',
    ]);
  });

  it('an Allow of "*" on "*" added to a role policy: one violation from the whole pack', async () => {
    const broken = rolePolicyWith({ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" });
    assert.deepEqual(
      (await violationsOfAll(allPolicies, [broken])).map(({ policy, message }) => ({ policy, message })),
      [
        {
          policy: "iam-no-wildcard-actions",
          message:
            'Policy document, statement "Everything": allows the action "*" (every action of every service); list the actions one by one.',
        },
      ],
    );
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
    const broken = asPolicyInput(original, { ...original.inputs, policy: JSON.stringify(document) });
    assert.deepEqual(await violationsOf(iamPassRoleScoped, asPolicyInput(original)), [], "as the program writes it");
    assert.deepEqual(await violationsOf(iamPassRoleScoped, broken), [
      `Policy document, statement "${passRole.Sid}": allows iam:PassRole on "arn:aws:iam::${ACCOUNT_ID}:role/*"; name each role by its exact ARN, without wildcards.`,
    ]);
  });

  it("each Lambda permission opened to everyone, or left without its source", async () => {
    for (const permission of allOfType("aws:lambda/permission:Permission")) {
      assert.deepEqual(await violationsOf(lambdaPermissionScoped, asPolicyInput(permission)), [], permission.name);
      const { sourceArn: _removed, ...withoutSource } = permission.inputs;
      assert.deepEqual(await violationsOf(lambdaPermissionScoped, asPolicyInput(permission, withoutSource)), [
        "The permission has no sourceArn or sourceAccount, so any resource of that service, in any account, can invoke the function; set sourceArn to the invoking resource's ARN.",
      ]);
      const toEveryone = await violationsOf(
        lambdaPermissionScoped,
        asPolicyInput(permission, { ...permission.inputs, principal: "*" }),
      );
      assert.deepEqual(toEveryone, [
        'The permission grants everyone (principal "*"); name the one AWS service that invokes the function.',
      ]);
    }
  });

  it('each queue policy granting "*" without its aws:SourceArn condition', async () => {
    for (const queuePolicy of allOfType("aws:sqs/queuePolicy:QueuePolicy")) {
      assert.deepEqual(await violationsOf(sqsQueuePolicyNoPublicPrincipal, asPolicyInput(queuePolicy)), []);
      const document = JSON.parse(queuePolicy.inputs.policy);
      const statements: Array<Record<string, unknown>> = [document.Statement].flat();
      for (const statement of statements) {
        statement.Principal = "*";
        delete statement.Condition;
      }
      const broken = asPolicyInput(queuePolicy, {
        ...queuePolicy.inputs,
        policy: JSON.stringify({ ...document, Statement: statements }),
      });
      assert.deepEqual(
        await violationsOf(sqsQueuePolicyNoPublicPrincipal, broken),
        statements.map(
          (statement) =>
            `Queue policy, statement ${statement.Sid ? `"${statement.Sid}"` : "#1"}: grants everyone ("Principal": "*") without an aws:SourceArn or aws:SourceAccount condition; name the principal, or add a condition on the source.`,
        ),
      );
    }
  });

  it("a 10 GB Lambda", async () => {
    const [fn] = allOfType("aws:lambda/function:Function");
    const broken = asPolicyInput(fn, { ...fn.inputs, memorySize: 10240 });
    assert.deepEqual(await violationsOf(lambdaSizeLimits, broken), ["memorySize is 10240 MB; the limit is 1024 MB."]);
  });

  it("an unencrypted approver topic", async () => {
    const [topic] = allOfType("aws:sns/topic:Topic");
    const { kmsMasterKeyId: _removed, ...unencrypted } = topic.inputs;
    assert.deepEqual(await violationsOf(snsTopicEncrypted, asPolicyInput(topic, unencrypted)), [
      'The topic is not encrypted at rest; set kmsMasterKeyId (e.g. "alias/aws/sns" or a key of your own).',
    ]);
  });

  it("the SSM result rule's target without its dead-letter queue", async () => {
    const [target] = allOfType("aws:cloudwatch/eventTarget:EventTarget");
    const { deadLetterConfig: _removed, ...withoutDlq } = target.inputs;
    assert.deepEqual(await violationsOf(eventbridgeLambdaTargetResilient, asPolicyInput(target, withoutDlq)), [
      "The target invokes a Lambda function without a dead-letter queue; set deadLetterConfig.arn to an SQS queue ARN.",
    ]);
  });
});
