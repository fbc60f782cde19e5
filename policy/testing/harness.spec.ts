import { strict as assert } from "node:assert";
import { allPolicies } from "../all-policies";
import { analyzeWithPolicyServer, previewAdvisoryMessage, ServerDiagnostic, violationMessage } from "./analyzer";
import * as fixtures from "./fixtures";
import { analyze, engineUnknown, ResourceUnderTest } from "./harness";

/** Compliant, violating, preview-unknown and not-applicable resources, for every policy of the pack. */
const RESOURCES: Array<[string, ResourceUnderTest]> = [
  ["a compliant role", fixtures.role()],
  ["a role whose trust policy is unknown during preview", fixtures.role({ assumeRolePolicy: engineUnknown.string })],
  ["a compliant role policy", fixtures.rolePolicy(...fixtures.compliantStatements)],
  ['a role policy allowing "*" on "*"', fixtures.rolePolicy({ Effect: "Allow", Action: "*", Resource: "*" })],
  [
    "an old Lambda without JSON logs and with an unknown memory size",
    fixtures.lambdaFunction({ runtime: "nodejs16.x", memorySize: engineUnknown.number, loggingConfig: undefined }),
  ],
  ["a container-image Lambda", fixtures.lambdaFunction({ packageType: "Image", runtime: undefined })],
  ["a Lambda permission for everyone", fixtures.lambdaPermission({ principal: "*", sourceArn: undefined })],
  ["a topic whose policy is unknown during preview", fixtures.topic({ policy: engineUnknown.string })],
  ["a compliant queue", fixtures.queue()],
  [
    'a queue policy granting "*" without a condition',
    fixtures.queuePolicy({ ...fixtures.deadLetterStatement, Principal: "*", Condition: undefined }),
  ],
  ["an asymmetric KMS key", fixtures.kmsKey({ customerMasterKeySpec: "RSA_2048" })],
  ["a KMS key without rotation", fixtures.kmsKey({ enableKeyRotation: false })],
  ["a table without point-in-time recovery", fixtures.table({ pointInTimeRecovery: undefined })],
  ["a log group whose retention is unknown", fixtures.logGroup({ retentionInDays: engineUnknown.number })],
  ["a compliant state machine", fixtures.stateMachine()],
  [
    "an EventBridge target that is a state machine",
    fixtures.eventTarget({ arn: fixtures.arn("states", "stateMachine:s") }),
  ],
  [
    "a resource type no policy checks",
    { type: "aws:apigatewayv2/api:Api", name: "page-api", props: { protocolType: "HTTP" } },
  ],
];

describe("policy/testing/harness: agrees with @pulumi/policy's own analyzer", () => {
  for (const [label, resource] of RESOURCES) {
    it(`reports the same for ${label}`, async () => {
      const expected: ServerDiagnostic[] = [];
      const expectedNotApplicable = new Map<string, string>();
      for (const policy of allPolicies) {
        const analysis = await analyze(policy, resource);
        for (const message of analysis.violations) {
          expected.push({
            policy: policy.name,
            resource: resource.name!,
            enforcementLevel: "mandatory",
            message: violationMessage(policy, message),
          });
        }
        if (analysis.notChecked !== undefined) {
          expected.push({
            policy: policy.name,
            resource: resource.name!,
            enforcementLevel: "advisory",
            message: previewAdvisoryMessage(policy.name, analysis.notChecked),
          });
        }
        if (analysis.notApplicable !== undefined) expectedNotApplicable.set(policy.name, analysis.notApplicable);
      }
      const server = await analyzeWithPolicyServer(allPolicies, { ...resource, name: resource.name! });
      assert.deepEqual(server.diagnostics, expected);
      assert.deepEqual(server.notApplicable, expectedNotApplicable);
    });
  }

  it("covers violations, preview advisories and not-applicable policies (else the agreement proves little)", async () => {
    const levels = new Set<string>();
    let notApplicable = 0;
    for (const [, resource] of RESOURCES) {
      const server = await analyzeWithPolicyServer(allPolicies, { ...resource, name: resource.name! });
      for (const diagnostic of server.diagnostics) levels.add(diagnostic.enforcementLevel);
      notApplicable += server.notApplicable.size;
    }
    assert.deepEqual([...levels].sort(), ["advisory", "mandatory"]);
    assert.ok(notApplicable > RESOURCES.length, `${notApplicable} not-applicable results`);
  });
});
