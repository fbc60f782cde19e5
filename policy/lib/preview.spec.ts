import { strict as assert } from "node:assert";
import { analyzeWithPolicyServer } from "../testing/analyzer";
import { engineUnknown } from "../testing/harness";
import { packPolicy } from "./validate";
import { UNKNOWN, valueAt } from "./unknown";

/** A policy with two checks, so that one can be skipped while the other reports. */
const twoChecks = packPolicy({
  name: "two-checks",
  description: "Functions are small and short.",
  resourceTypes: ["aws:lambda/function:Function"],
  validate: ({ props, report, notChecked }) => {
    for (const field of ["memorySize", "timeout"]) {
      const value = valueAt(props, field);
      if (value === UNKNOWN) notChecked(field);
      else if (typeof value === "number" && value > 100) report(`${field} is ${value}.`);
    }
  },
});

const fn = (props: Record<string, unknown>) => ({ type: "aws:lambda/function:Function", name: "f", props });

describe("policy/lib/preview: checks skipped during preview, as @pulumi/policy's server reports them", () => {
  it("reports the skipped check as one advisory and keeps the mandatory violation found before it", async () => {
    const { diagnostics } = await analyzeWithPolicyServer(
      [twoChecks],
      fn({ memorySize: engineUnknown.number, timeout: 900 }),
    );
    assert.deepEqual(
      diagnostics.map(({ enforcementLevel, message }) => ({ enforcementLevel, message })),
      [
        { enforcementLevel: "mandatory", message: "Functions are small and short.\ntimeout is 900." },
        {
          enforcementLevel: "advisory",
          message:
            "can't run policy 'two-checks' from policy pack 'parallel-approval-policies@v0.1.0' during preview: memorySize: could not be checked during preview; checked at `pulumi up`.",
        },
      ],
    );
  });

  it("names every skipped check in that one advisory", async () => {
    const { diagnostics } = await analyzeWithPolicyServer(
      [twoChecks],
      fn({ memorySize: engineUnknown.number, timeout: engineUnknown.number }),
    );
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].enforcementLevel, "advisory");
    assert.match(
      diagnostics[0].message,
      /during preview: memorySize; timeout: could not be checked during preview; checked at `pulumi up`\.$/,
    );
  });

  it("reports nothing when every value is known and compliant", async () => {
    assert.deepEqual((await analyzeWithPolicyServer([twoChecks], fn({ memorySize: 64, timeout: 3 }))).diagnostics, []);
  });

  it("reports a resource of another type as not applicable, naming the types the policy applies to", async () => {
    const { diagnostics, notApplicable } = await analyzeWithPolicyServer([twoChecks], {
      type: "aws:sns/topic:Topic",
      name: "t",
      props: { memorySize: 900 },
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      [...notApplicable],
      [["two-checks", "Policy only applies to resources of type 'aws:lambda/function:Function'"]],
    );
  });
});
