/**
 * The largest definition the stack config allows stays under Step Functions' 1 MB quota for a
 * definition: the most approver entries and people, every name at its longest, and every follow-up
 * (reminders, backups) or the iam channel's branch shape, built by the program itself under mocks.
 */
import { strict as assert } from "node:assert";
import { MAX_APPROVERS, MAX_DEFINITION_BYTES, MAX_STAGES } from "../core/limits";
import { ACCOUNT_ID, resourcesOfType, runProgram, type StackConfig } from "../devkit/program-under-mocks";

const ENTRIES_PER_STAGE = MAX_APPROVERS / MAX_STAGES;
/** Approvers appear in two stages each, so their backups bring the people to MAX_APPROVERS. */
const PEOPLE = MAX_APPROVERS / 2;

const longest = (prefix: string, i: number) => `${prefix}${String(i).padStart(2, "0")}`.padEnd(32, "x");
const personOf = (entry: number) => entry % PEOPLE;

function stagesOf(approver: (person: number) => Record<string, unknown>, stage: Record<string, unknown> = {}) {
  return Array.from({ length: MAX_STAGES }, (_, s) => ({
    name: longest("stage", s),
    quorum: 1,
    approvalTimeout: "30d",
    ...stage,
    approvers: Array.from({ length: ENTRIES_PER_STAGE }, (_, a) => approver(personOf(s * ENTRIES_PER_STAGE + a))),
  }));
}

const SHAPES: [string, StackConfig][] = [
  [
    `${MAX_APPROVERS} link entries with reminders and a backup each (${MAX_APPROVERS} people)`,
    {
      stages: stagesOf(
        (person) => ({
          name: longest("p", person),
          email: `${longest("p", person)}@example.com`,
          backup: { name: longest("b", person), email: `${longest("b", person)}@example.com` },
          escalateAfter: "2d",
        }),
        { remindEvery: "1d" },
      ),
    },
  ],
  [
    `${MAX_APPROVERS} iam entries`,
    {
      stages: stagesOf((person) => ({
        name: longest("p", person),
        email: `${longest("p", person)}@example.com`,
        iamPrincipal: `arn:aws:iam::${ACCOUNT_ID}:role/${longest("Approver", person)}`,
      })),
    },
  ],
];

describe("the state machine definition's size", () => {
  for (const [label, config] of SHAPES) {
    it(`stays under Step Functions' 1 MB definition quota with margin: ${MAX_STAGES} stages, ${label}`, async () => {
      const run = await runProgram(config);
      const [machine] = resourcesOfType(run, "aws:sfn/stateMachine:StateMachine");
      const bytes = Buffer.byteLength(machine.inputs.definition, "utf8");
      const branches = Object.values(
        JSON.parse(machine.inputs.definition).States as Record<string, { Branches?: unknown[] }>,
      ).reduce((sum, state) => sum + (state.Branches?.length ?? 0), 0);
      assert.equal(branches, MAX_APPROVERS, "every entry has its branch");
      // Room for what these mocks make short: longer Region, workflow and function names.
      assert.ok(bytes < 0.6 * MAX_DEFINITION_BYTES, `${bytes} bytes leave less than 40% of the quota`);
    });
  }
});
