/**
 * The execution output must stay under Step Functions' 256 KiB limit in the worst case: a state
 * output over it fails the execution with States.DataLimitExceeded, which no Catch handles, after
 * the record was closed (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 * Built through the real path (open-request's validation, the recorder, close-request) against
 * dynalite, for MAX_APPROVERS approvers each with a comment at its byte cap made of characters
 * that cost the most (control characters, which JSON escapes to 6 bytes each, stripped first), and
 * every other field at its longest.
 */
import { strict as assert } from "node:assert";
import { INPUT_LIMITS, MAX_APPROVERS, MAX_COMMENT_BYTES, MAX_PAYLOAD_BYTES, MAX_STAGES } from "../core/limits";
import type { ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import type { OpenRequestEvent } from "../core/payloads";
import { recordDecision } from "../core/recorder";
import { jsonBytes } from "../core/text";
import { useLocalRequestStore } from "../devkit/dynalite";
import { handleClose } from "../lambdas/close-request/index";
import { openRequest } from "../lambdas/open-request/index";
import { askStage, fakeCallbacks, T0 } from "./helpers/request-fixtures";

/** Three UTF-8 bytes per UTF-16 unit: the most any valid text costs per character the limits count. */
const WIDE = "€";
/** Room for what the Lambda integration wraps around the payload (status, version, SDK metadata). */
const INTEGRATION_WRAPPER_BYTES = 2048;

const name32 = (prefix: string, i: number) => `${prefix}${String(i).padStart(2, "0")}`.padEnd(32, "z");

/** A comment as hostile as it gets: controls (6 bytes each if kept), quotes, backslashes, newlines, wide characters. */
const HOSTILE_COMMENT = '\u0001\u001b\u009b"\\\n€🚀'.repeat(400);

/** C0 controls but newline, DEL and C1 controls, by code point. */
const isControlButNewline = (char: string) => {
  const code = char.codePointAt(0)!;
  return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
};

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

describe("execution output size, worst case", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));

  async function worstCaseOutput(stageCount: number): Promise<ExecutionOutput> {
    const perStage = MAX_APPROVERS / stageCount;
    const stages = Array.from({ length: stageCount }, (_, s) => ({
      name: name32(`s${s}-`, s),
      quorum: perStage,
      timeoutSeconds: 3600,
      approvers: Array.from({ length: perStage }, (_, a) => name32(`s${s}a`, a)),
      advisors: [],
    }));
    const event: OpenRequestEvent = {
      input: {
        subject: WIDE.repeat(INPUT_LIMITS.subject),
        details: `${WIDE.repeat(INPUT_LIMITS.details - 1)}\n`,
        reviewUrl: `https://e.com/${WIDE.repeat(INPUT_LIMITS.reviewUrl - 14)}`,
        requestedBy: WIDE.repeat(INPUT_LIMITS.requestedBy),
        change: WIDE.repeat(INPUT_LIMITS.change),
      },
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:approval:size-${stageCount}`,
      startedAt: T0.toISOString(),
      stages,
    };
    const { requestId } = await openRequest(store, event, 30);
    const callbacks = fakeCallbacks();
    for (const [index, stage] of stages.entries()) {
      const asks = await askStage(store, requestId, index, stage.approvers, { deadline: "2999-01-01T00:00:00.000Z" });
      for (const approver of stage.approvers) {
        const outcome = await recordDecision(
          { store, callbacks },
          {
            askId: asks.askIds[approver],
            decision: "approve",
            comment: HOSTILE_COMMENT,
            // The longest attribution kept (an IAM principal ARN, an email), longer than allowed.
            decidedBy: `arn:aws:iam::123456789012:role/${"p".repeat(400)}`,
            channel: "link",
          },
        );
        assert.equal(outcome.kind, "recorded", `${approver} recorded`);
      }
    }
    const output = await handleClose({ store, releases: {} }, { requestId });
    assert.ok(!("ignored" in output) && output.outcome === "approved");
    return output as ExecutionOutput;
  }

  for (const stageCount of [1, MAX_STAGES]) {
    it(`${MAX_APPROVERS} approvers in ${stageCount} stage(s), every comment at its byte cap, stays under ${MAX_PAYLOAD_BYTES / 1024} KiB`, async () => {
      const output = await worstCaseOutput(stageCount);
      assert.equal(output.decisions.length, MAX_APPROVERS);
      for (const decision of output.decisions) {
        assert.ok(jsonBytes(decision.comment!) <= MAX_COMMENT_BYTES, "comment capped by bytes");
        assert.ok(jsonBytes(decision.comment!) > MAX_COMMENT_BYTES - 16, "and filled to its cap");
        assert.ok(![...decision.comment!].some(isControlButNewline), "no control character but newline");
      }
      const size = bytesOf(output);
      assert.ok(
        size + INTEGRATION_WRAPPER_BYTES <= MAX_PAYLOAD_BYTES,
        `the output is ${size} bytes; with the integration's wrapper it must fit in ${MAX_PAYLOAD_BYTES}`,
      );
    });
  }

  it("the same comments kept raw would not fit: stripping and the byte cap are what keep it under the limit", () => {
    const raw = {
      decisions: Array.from({ length: 2 * MAX_APPROVERS }, () => ({ comment: HOSTILE_COMMENT.slice(0, 1000) })),
    };
    assert.ok(bytesOf(raw) > MAX_PAYLOAD_BYTES, `${bytesOf(raw)} bytes`);
  });
});
