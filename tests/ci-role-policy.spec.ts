/**
 * The least-privilege policy the README gives the CI role that runs the GitHub Action, checked by
 * IAM simulation as printed there: it may start executions of exactly that state machine, follow
 * exactly its executions (DescribeExecution, GetExecutionHistory), and never answer a waiting
 * task, even where another policy would allow it. Those are exactly the calls the CLI makes
 * (cli/aws.ts names them in its AccessDenied messages).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";

const README = readFileSync(resolve(__dirname, "..", "README.md"), "utf8");
const MARKER = "<!-- ci-role-policy:";
const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:approval-workflow-0a1b2c3";
const EXECUTIONS = "arn:aws:states:eu-west-1:123456789012:execution:approval-workflow-0a1b2c3";

function readmePolicy(): unknown {
  const after = README.slice(README.indexOf(MARKER));
  const block = /```json\n([\s\S]*?)\n```/.exec(after);
  if (README.indexOf(MARKER) < 0 || block === null) throw new Error("the README's CI role policy block is missing");
  return JSON.parse(block[1]);
}

async function allowed(action: string, resource: string, extra: unknown[] = []): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: "arn:aws:iam::123456789012:role/deploy-ci",
        action,
        resource: { resource, accountId: "123456789012" },
        contextVariables: {},
      },
      identityPolicies: [readmePolicy(), ...extra].map((policy, index) => ({ name: `p${index}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(`simulation of ${action}: ${JSON.stringify(result)}`);
  return result.overallResult === "Allowed";
}

describe("the README's policy for the CI role (IAM simulation)", () => {
  it("may start executions of exactly the stack's state machine", async () => {
    assert.equal(await allowed("states:StartExecution", MACHINE), true);
    assert.equal(await allowed("states:StartExecution", `${MACHINE}-other`), false);
    assert.equal(await allowed("states:StartExecution", MACHINE.replace("123456789012", "999999999999")), false);
  });

  it("may follow exactly that state machine's executions: DescribeExecution and GetExecutionHistory", async () => {
    for (const action of ["states:DescribeExecution", "states:GetExecutionHistory"]) {
      assert.equal(await allowed(action, `${EXECUTIONS}:deploy-42`), true, action);
      assert.equal(await allowed(action, `${EXECUTIONS}-other:deploy-42`), false, `${action} elsewhere`);
    }
  });

  it("may not stop executions, touch the request store or read anything else", async () => {
    assert.equal(await allowed("states:StopExecution", `${EXECUTIONS}:deploy-42`), false);
    assert.equal(
      await allowed("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/approval-requests"),
      false,
    );
    assert.equal(await allowed("states:ListExecutions", MACHINE), false);
  });

  it("can never answer a waiting task, even with another policy that allows it", async () => {
    const broad = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "states:*", Resource: "*" }] };
    for (const action of ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]) {
      assert.equal(await allowed(action, "*"), false, action);
      assert.equal(await allowed(action, "*", [broad]), false, `${action} despite states:*`);
    }
    assert.equal(
      await allowed("states:StopExecution", `${EXECUTIONS}:x`, [broad]),
      true,
      "the broad policy does allow the rest",
    );
  });
});
