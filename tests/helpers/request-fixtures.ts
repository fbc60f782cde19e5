/**
 * Requests and asks written straight into a store, and a fake VoteCallbacks that records what
 * it was asked to deliver, for recorder and handler tests.
 */
import { freshId } from "../../lambdas/shared/ids";
import type { BranchResult, ExecutionInput, Signal } from "../../lambdas/shared/model";
import { newRequestRecord } from "../../lambdas/open-request/request-record";
import type { CallbackDelivery, VoteCallbacks } from "../../lambdas/shared/callbacks";
import type { RequestStore } from "../../lambdas/shared/store";

export const T0 = new Date("2030-01-01T00:00:00.000Z");
export const HOUR_MS = 3_600_000;

export interface SeededRequest {
  requestId: string;
  approvers: string[];
  /** Ask id (the approval page capability) per approver. */
  askIds: Record<string, string>;
  /** Task token per approver: distinct, as Step Functions gives each branch its own. */
  tokens: Record<string, string>;
  deadline: string;
}

export function approverNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `approver-${i + 1}`);
}

/** Opens a request record exactly as open-request writes it (no asks yet), opened at T0 unless said otherwise. */
export async function openRequestRecord(
  store: RequestStore,
  requestId: string,
  options: { approvers: string[]; quorum: number; openedAt?: string } & ExecutionInput,
): Promise<void> {
  const { approvers, quorum, openedAt = T0.toISOString(), ...input } = options;
  const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:approval:${requestId}`;
  await store.openRequest(
    newRequestRecord(requestId, input, { input, executionArn, startedAt: openedAt, approvers, quorum }),
  );
}

/** An open request with one link ask per approver, deadline one hour after T0. */
export async function seedRequest(store: RequestStore, approvers: string[], quorum: number): Promise<SeededRequest> {
  const requestId = freshId();
  await openRequestRecord(store, requestId, { approvers, quorum, subject: "Deploy release 42" });
  const deadline = new Date(T0.getTime() + HOUR_MS).toISOString();
  const askIds: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  for (const approver of approvers) {
    askIds[approver] = freshId();
    tokens[approver] = `token-${approver}-${freshId()}`;
    const stored = await store.putAsk({
      askId: askIds[approver],
      requestId,
      approver,
      address: `${approver}@example.com`,
      channel: "link",
      taskToken: tokens[approver],
      deadline,
      createdAt: T0.toISOString(),
    });
    if (stored !== "referenced") throw new Error(`seedRequest: ask of ${approver} not referenced (${stored})`);
  }
  return { requestId, approvers, askIds, tokens, deadline };
}

export interface DeliveredCallback {
  taskToken: string;
  signal: Signal;
  result: BranchResult;
}

export interface FakeCallbacks extends VoteCallbacks {
  calls: DeliveredCallback[];
  /** What the next deliveries do, in order; once used up, deliveries succeed. */
  script: Array<CallbackDelivery | Error>;
}

export function fakeCallbacks(): FakeCallbacks {
  const fake: FakeCallbacks = {
    calls: [],
    script: [],
    async deliver(taskToken, signal, result) {
      fake.calls.push({ taskToken, signal, result });
      const next = fake.script.shift() ?? "delivered";
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return fake;
}

export const terminalSignals = (calls: DeliveredCallback[]): Signal[] =>
  calls.map((c) => c.signal).filter((s) => s !== "none");
