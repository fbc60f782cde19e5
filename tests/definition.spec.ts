/**
 * The state machine definition as built from stages: valid for AWS's own ASL validator (the AWS
 * Toolkit's amazon-states-language-service) and for asl-validator, laid out as DESIGN.md says
 * (open, one Parallel per stage, close; no Choice state), with the retries and catches every task
 * needs. Executing it is in workflow-*.spec.ts.
 */
import { NOT_ASKED_ERROR } from "../core/self-approval";
import { strict as assert } from "node:assert";
import { getLanguageService, TextDocument } from "amazon-states-language-service";
import { iamChannel } from "../channels/iam/spec";
import { linkChannel } from "../channels/link/spec";
import type { AslBranch, AslDefinition, AslParallelState, AslState, AslTaskState } from "../core/asl";
import { MAX_STATE_NAME_LENGTH } from "../core/asl";
import {
  buildDefinition,
  LAMBDA_THROTTLED_ERROR,
  STATE,
  branchStateNames,
  stageStateName,
  type DefinitionApprover,
  type DefinitionArgs,
  type DefinitionStage,
} from "../core/definition";
import {
  CHANNEL_FAILED_ERROR,
  CHANNEL_THROTTLED_ERROR,
  SIGNAL_ERRORS,
  TASK_TIMEOUT_ERROR,
  UNREACHABLE_ERROR,
  WORKFLOW_FAILED_ERROR,
} from "../core/errors";
import { MAX_APPROVERS, MAX_STAGES } from "../core/limits";
import { THROTTLING_ERROR_NAMES } from "../core/throttling";
import { THROTTLING_ERROR_NAMES as HANDLER_THROTTLING_NAMES } from "../lambdas/adapters/aws-errors";
import {
  FUNCTION_ARNS,
  functionArn,
  linkApprover,
  linkStage,
  workflowDefinition,
} from "./helpers/local-approval-workflow";

// asl-validator ships no type declarations.
const validateAsl: (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
} = require("asl-validator");

const aslService = getLanguageService({});

/** Every diagnostic AWS's validator reports for the definition (errors and warnings alike). */
async function awsDiagnostics(definition: AslDefinition): Promise<string[]> {
  const document = TextDocument.create("file:///definition.asl.json", "json", 1, JSON.stringify(definition, null, 2));
  const diagnostics = await aslService.doValidation(document, aslService.parseJSONDocument(document));
  return diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

const iamApprover = (name: string): DefinitionApprover => ({
  name,
  channel: "iam",
  mode: "vote",
  address: `arn:aws:iam::123456789012:role/${name}`,
  topicArn: `arn:aws:sns:eu-west-1:123456789012:Automation-approval-${name}`,
  options: {},
});

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

function mixedArgs(stages: DefinitionStage[]): DefinitionArgs {
  return {
    stages,
    functions: { ...FUNCTION_ARNS, "ssm-start": functionArn("ssm-start") },
    branches: { link: linkChannel.branch, iam: iamChannel.branch },
  };
}

/** Every state of the definition with the names of its parents, branches included. */
function allStates(branch: AslBranch): [string, AslState][] {
  return Object.entries(branch.States).flatMap(([name, state]): [string, AslState][] => [
    [name, state],
    ...(state.Type === "Parallel" ? state.Branches.flatMap(allStates) : []),
  ]);
}

const tasks = (definition: AslDefinition) =>
  allStates(definition).filter((entry): entry is [string, AslTaskState] => entry[1].Type === "Task");

function stageState(definition: AslDefinition, index: number, name: string): AslParallelState {
  const state = definition.States[stageStateName(index, name)];
  assert.ok(state?.Type === "Parallel", `${stageStateName(index, name)} is a Parallel state`);
  return state;
}

/** The longest names config allows: 32 characters, and the most stages and approvers. */
const longest = (prefix: string, i: number) => `${prefix}${String(i).padStart(2, "0")}`.padEnd(32, "x");

const SHAPES: [string, DefinitionStage[]][] = [
  ["one stage of one approver", [linkStage("approval", ["finance"])]],
  ["one stage of 25 approvers", [linkStage("approval", names("approver", 25), 13)]],
  [
    "three stages (1 + 3 + 2)",
    [linkStage("pre-review", ["risk"]), linkStage("owners", ["a", "b", "c"], 2), linkStage("board", ["d", "e"])],
  ],
  [
    `${MAX_STAGES} stages holding ${MAX_APPROVERS} approvers, every name 32 characters long`,
    Array.from({ length: MAX_STAGES }, (_, s) =>
      linkStage(
        longest("stage", s),
        Array.from({ length: MAX_APPROVERS / MAX_STAGES }, (_, a) => longest(`s${s}a`, a)),
        1,
      ),
    ),
  ],
];

describe("state machine definition", () => {
  describe("validity", () => {
    for (const [label, stages] of SHAPES) {
      it(`is valid for AWS's ASL validator and asl-validator, with unique names of at most 80 characters: ${label}`, async () => {
        const definition = workflowDefinition(stages);
        assert.deepEqual(await awsDiagnostics(definition), []);
        // asl-validator mutates its input: validate a copy.
        const { isValid, errorsText } = validateAsl(structuredClone(definition));
        assert.ok(isValid, errorsText("\n"));
        const stateNames = allStates(definition).map(([name]) => name);
        assert.equal(new Set(stateNames).size, stateNames.length, "state names repeat");
        assert.ok(stateNames.every((name) => name.length <= MAX_STATE_NAME_LENGTH));
      });
    }

    it("is valid for AWS's validator with link and iam approvers in one stage", async () => {
      const definition = buildDefinition(
        mixedArgs([
          { name: "owners", quorum: 2, timeoutSeconds: 3600, approvers: [linkApprover("finance"), iamApprover("sec")] },
        ]),
      );
      assert.deepEqual(await awsDiagnostics(definition), []);
    });

    it("AWS's validator is no rubber stamp: it reports a state nothing reaches and a missing Next", async () => {
      const definition = workflowDefinition([linkStage("approval", ["finance"])]);
      const broken = { ...definition, States: { ...definition.States, Orphan: { Type: "Pass" } } };
      assert.notDeepEqual(await awsDiagnostics(broken as unknown as AslDefinition), []);
    });
  });

  describe("layout", () => {
    it("opens the request, runs one Parallel per stage in order, then closes; no Choice or Pass state", () => {
      const definition = workflowDefinition([
        linkStage("pre-review", ["risk"]),
        linkStage("owners", ["a", "b"], 1),
        linkStage("board", ["c"]),
      ]);
      assert.equal(definition.StartAt, STATE.openRequest);
      const open = definition.States[STATE.openRequest];
      assert.ok(open.Type === "Task");
      assert.equal(open.Next, "Stage 1 pre-review");
      assert.deepEqual(Object.keys(definition.States).sort(), [
        STATE.closeAfterFailure,
        STATE.closeRequest,
        STATE.openRequest,
        "Stage 1 pre-review",
        "Stage 2 owners",
        "Stage 3 board",
        STATE.workflowFailed,
      ]);
      assert.deepEqual(
        allStates(definition)
          .map(([, state]) => state.Type)
          .filter((type) => !["Task", "Parallel", "Fail"].includes(type)),
        [],
      );
      const close = definition.States[STATE.closeRequest];
      assert.ok(close.Type === "Task" && close.End === true && close.OutputPath === "$.Payload");
      const failed = definition.States[STATE.workflowFailed];
      assert.ok(failed.Type === "Fail");
      assert.equal(failed.Error, WORKFLOW_FAILED_ERROR);
      const afterFailure = definition.States[STATE.closeAfterFailure];
      assert.ok(afterFailure.Type === "Task");
      assert.equal(afterFailure.Next, STATE.workflowFailed);
      assert.deepEqual(afterFailure.Parameters?.Payload, { "requestId.$": "$.requestId", reason: "failed" });
    });

    it("an approved stage moves on to the next stage (the last to Close request); rejected or expired closes; any other error closes after failure", () => {
      const definition = workflowDefinition([linkStage("owners", ["a", "b"], 1), linkStage("board", ["c"])]);
      const catchesOf = (state: AslParallelState) => state.Catch?.map((c) => [c.ErrorEquals, c.Next]);
      assert.deepEqual(catchesOf(stageState(definition, 0, "owners")), [
        [[SIGNAL_ERRORS.quorumReached], "Stage 2 board"],
        [[SIGNAL_ERRORS.rejected, SIGNAL_ERRORS.expired], STATE.closeRequest],
        [["States.ALL"], STATE.closeAfterFailure],
      ]);
      assert.deepEqual(catchesOf(stageState(definition, 1, "board")), [
        [[SIGNAL_ERRORS.quorumReached], STATE.closeRequest],
        [[SIGNAL_ERRORS.rejected, SIGNAL_ERRORS.expired], STATE.closeRequest],
        [["States.ALL"], STATE.closeAfterFailure],
      ]);
      // A stage whose branches all end normally (advisors only) moves on too.
      assert.equal(stageState(definition, 0, "owners").Next, "Stage 2 board");
      assert.equal(stageState(definition, 0, "owners").ResultPath, null, "branch results are not kept");
    });

    it("gives open-request the execution, its start and each stage's voters, advisors, quorum and timeout", () => {
      const stage: DefinitionStage = {
        name: "owners",
        quorum: 1,
        timeoutSeconds: 600,
        approvers: [linkApprover("finance"), { ...linkApprover("model"), mode: "advice" }],
      };
      const open = workflowDefinition([stage]).States[STATE.openRequest];
      assert.ok(open.Type === "Task");
      assert.deepEqual(open.Parameters?.Payload, {
        "input.$": "$",
        "executionArn.$": "$$.Execution.Id",
        "startedAt.$": "$$.Execution.StartTime",
        stages: [{ name: "owners", quorum: 1, timeoutSeconds: 600, approvers: ["finance"], advisors: ["model"] }],
        // To recognise the requester among the approvers (no self-approval by default).
        selfApproval: "deny",
        people: { finance: "finance@example.com", model: "model@example.com" },
      });
      assert.deepEqual(open.ResultSelector, { "requestId.$": "$.Payload.requestId", "request.$": "$.Payload.request" });
    });

    it("asks each approver of a stage in its own branch, through their channel, waiting at most the stage's timeout", () => {
      const definition = buildDefinition(
        mixedArgs([
          { name: "owners", quorum: 2, timeoutSeconds: 7200, approvers: [linkApprover("finance"), iamApprover("sec")] },
        ]),
      );
      const branches = stageState(definition, 0, "owners").Branches;
      assert.deepEqual(
        branches.map((branch) => {
          const ask = branch.States[branch.StartAt];
          assert.ok(ask.Type === "Task");
          return [branch.StartAt, ask.Resource, ask.TimeoutSeconds, ask.Parameters?.FunctionName];
        }),
        [
          [
            "Ask finance in stage 1",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            7200,
            functionArn("notify-approver"),
          ],
          ["Ask sec in stage 1", "arn:aws:states:::lambda:invoke.waitForTaskToken", 7200, functionArn("ssm-start")],
        ],
      );
    });

    it('passes the ask function its own task token, the request, the stage ("2 of 2") and the approver', () => {
      const definition = workflowDefinition([linkStage("pre", ["risk"]), linkStage("owners", ["finance"], 1, 900)]);
      const branch = stageState(definition, 1, "owners").Branches[0];
      const ask = branch.States["Ask finance in stage 2"];
      assert.ok(ask.Type === "Task");
      assert.deepEqual(ask.Parameters?.Payload, {
        "taskToken.$": "$$.Task.Token",
        "requestId.$": "$.requestId",
        "request.$": "$.request",
        stage: { index: 1, name: "owners", count: 2 },
        approver: {
          name: "finance",
          mode: "vote",
          address: "finance@example.com",
          topicArn: linkApprover("finance").topicArn!,
          options: {},
        },
        timeoutSeconds: 900,
      });
      assert.equal(ask.ResultPath, null);
    });

    it("a deadline, an unreachable approver or a failed or throttled channel ends the branch in its no-decision task, which gets the error", () => {
      const definition = workflowDefinition([linkStage("owners", ["finance"])]);
      const branch = stageState(definition, 0, "owners").Branches[0];
      const names = branchStateNames(0, "finance");
      const ask = branch.States[names.ask];
      assert.ok(ask.Type === "Task");
      assert.deepEqual(ask.Catch, [
        {
          ErrorEquals: [
            TASK_TIMEOUT_ERROR,
            NOT_ASKED_ERROR,
            UNREACHABLE_ERROR,
            CHANNEL_FAILED_ERROR,
            CHANNEL_THROTTLED_ERROR,
          ],
          ResultPath: "$.noDecision",
          Next: names.noDecision,
        },
      ]);
      const noDecision = branch.States[names.noDecision];
      assert.ok(noDecision.Type === "Task");
      assert.equal(noDecision.Parameters?.FunctionName, functionArn("record-expiry"));
      assert.deepEqual(noDecision.Parameters?.Payload, {
        "requestId.$": "$.requestId",
        stage: 0,
        approver: "finance",
        channel: "link",
        "error.$": "$.noDecision",
      });
      assert.equal(noDecision.End, true);
      assert.equal(noDecision.Catch, undefined, "its signal error ends the stage");
    });

    it("the same approver in two stages gets a branch of their own in each", () => {
      const definition = workflowDefinition([linkStage("first", ["alice", "bob"]), linkStage("second", ["alice"])]);
      assert.deepEqual(
        stageState(definition, 0, "first").Branches.map((b) => b.StartAt),
        ["Ask alice in stage 1", "Ask bob in stage 1"],
      );
      assert.deepEqual(
        stageState(definition, 1, "second").Branches.map((b) => b.StartAt),
        ["Ask alice in stage 2"],
      );
    });
  });

  describe("retries", () => {
    const definition = buildDefinition(
      mixedArgs([
        { name: "owners", quorum: 1, timeoutSeconds: 3600, approvers: [linkApprover("finance"), iamApprover("sec")] },
        linkStage("board", ["chair"]),
      ]),
    );

    it("every Lambda task retries Lambda.TooManyRequestsException with exponential backoff and full jitter", () => {
      const lambdaTasks = tasks(definition);
      assert.equal(lambdaTasks.length, 3 + 3 * 2, "open, close, close after failure, ask + no decision per approver");
      for (const [name, task] of lambdaTasks) {
        const throttled = task.Retry?.find((r) => r.ErrorEquals.includes(LAMBDA_THROTTLED_ERROR));
        assert.ok(throttled, `${name} retries ${LAMBDA_THROTTLED_ERROR}`);
        assert.ok((throttled.BackoffRate ?? 2) > 1, `${name}: backoff`);
        assert.equal(throttled.JitterStrategy, "FULL", `${name}: jitter`);
        assert.ok((throttled.MaxAttempts ?? 3) >= 5, `${name}: more attempts than the default 3`);
        assert.ok(throttled.MaxDelaySeconds !== undefined, `${name}: capped delay`);
        assert.ok(
          task.Retry?.some((r) => r.ErrorEquals.includes("Lambda.ServiceException")),
          `${name} retries Lambda service errors`,
        );
      }
    });

    it("every Lambda task retries the SDK's throttling errors (the request store's DynamoDB throttling) with backoff and full jitter", () => {
      const lambdaTasks = tasks(definition);
      assert.equal(lambdaTasks.length, 3 + 3 * 2);
      for (const [name, task] of lambdaTasks) {
        for (const error of ["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"]) {
          const retrier = task.Retry?.find((r) => r.ErrorEquals.includes(error));
          assert.ok(retrier, `${name} retries ${error}`);
          assert.deepEqual(
            retrier.ErrorEquals,
            [...THROTTLING_ERROR_NAMES],
            `${name}: the one list of throttling names`,
          );
          assert.ok((retrier.BackoffRate ?? 2) > 1, `${name}: backoff`);
          assert.equal(retrier.JitterStrategy, "FULL", `${name}: full jitter`);
          assert.ok((retrier.MaxAttempts ?? 3) >= 3, `${name}: several attempts`);
          assert.ok(retrier.MaxDelaySeconds !== undefined, `${name}: capped delay`);
        }
      }
    });

    it("the handlers count as throttling exactly the names the state machine retries", () => {
      assert.deepEqual([...HANDLER_THROTTLING_NAMES].sort(), [...THROTTLING_ERROR_NAMES].sort());
      assert.ok(THROTTLING_ERROR_NAMES.includes("ProvisionedThroughputExceededException"));
    });

    it("every channel's ask task retries its channel's throttling with backoff and jitter before counting the approver as failed", () => {
      const asks = tasks(definition).filter(([name]) => name.startsWith("Ask "));
      assert.deepEqual(
        asks.map(([name]) => name),
        ["Ask finance in stage 1", "Ask sec in stage 1", "Ask chair in stage 2"],
      );
      for (const [name, ask] of asks) {
        const throttled = ask.Retry?.find((r) => r.ErrorEquals.includes(CHANNEL_THROTTLED_ERROR));
        assert.ok(throttled, `${name} retries ${CHANNEL_THROTTLED_ERROR}`);
        assert.ok((throttled.BackoffRate ?? 2) > 1 && throttled.JitterStrategy === "FULL", name);
        assert.ok((throttled.MaxAttempts ?? 3) > 1, name);
      }
    });

    it("no task outside a channel's ask retries a signal or input error", () => {
      const retried = tasks(definition).flatMap(([, task]) => (task.Retry ?? []).flatMap((r) => r.ErrorEquals));
      for (const error of [...Object.values(SIGNAL_ERRORS), "Approval.InvalidInput", "States.ALL", "States.Timeout"]) {
        assert.ok(!retried.includes(error), `${error} is not retried`);
      }
    });
  });

  describe("refused arguments", () => {
    const build =
      (stages: DefinitionStage[], overrides: Partial<DefinitionArgs> = {}) =>
      () =>
        buildDefinition({ ...mixedArgs(stages), ...overrides });

    it("refuses no stage, an empty stage, and stage or approver names that would break state names", () => {
      assert.throws(build([]), /at least one stage/);
      assert.throws(build([{ ...linkStage("owners", ["a"]), approvers: [] }]), /stage "owners" has no approvers/);
      assert.throws(
        build([linkStage("owners", ["a"]), linkStage("owners", ["b"])]),
        /"owners" is invalid or listed twice/,
      );
      assert.throws(build([linkStage("Owners Team", ["a"])]), /"Owners Team" is invalid/);
      assert.throws(
        build([linkStage("owners", ["a", "a"])]),
        /approver "a" of stage "owners" is invalid or listed twice/,
      );
      assert.throws(build([linkStage("owners", ["Finance Team"])]), /approver "Finance Team"/);
    });

    it("refuses a quorum outside 1..voters and a timeout that is not a positive whole number of seconds", () => {
      assert.throws(build([linkStage("owners", ["a", "b"], 3)]), /quorum 3 of stage "owners" must be from 1 to 2/);
      assert.throws(build([linkStage("owners", ["a"], 0)]), /quorum 0 of stage "owners"/);
      assert.throws(build([linkStage("owners", ["a"], 1, 0)]), /timeoutSeconds 0 of stage "owners"/);
      assert.throws(build([linkStage("owners", ["a"], 1, 1.5)]), /timeoutSeconds 1.5/);
    });

    it("refuses an approver whose channel has no branch shape or no ask function ARN", () => {
      assert.throws(
        build([{ name: "owners", quorum: 1, timeoutSeconds: 60, approvers: [iamApprover("sec")] }], {
          branches: { link: linkChannel.branch },
        }),
        /no branch shape for channel "iam"/,
      );
      assert.throws(
        build([{ name: "owners", quorum: 1, timeoutSeconds: 60, approvers: [iamApprover("sec")] }], {
          functions: FUNCTION_ARNS,
        }),
        /no ARN for function "ssm-start"/,
      );
    });
  });
});
