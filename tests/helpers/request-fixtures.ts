/**
 * Requests and asks written straight into a store, and a fake TaskCallbacks that records what it
 * was asked to deliver, for recorder and handler tests. Records are opened exactly as
 * open-request writes them (lambdas/open-request/request-record.ts) and asks are placed through
 * the store's own putAsk, so the ask ids are the store's.
 */
import { FLAT_STAGE_NAME } from "../../core/config";
import { requestIdFor } from "../../core/ids";
import type { ExecutionInput, RequestRecord, Signal } from "../../core/model";
import type { BranchResult, CallbackDelivery, RequestStore, TaskCallbacks } from "../../core/ports";
import type { StageLayout } from "../../core/payloads";
import { newRequestRecord } from "../../lambdas/open-request/request-record";

export const T0 = new Date("2030-01-01T00:00:00.000Z");
export const HOUR_MS = 3_600_000;
const RETENTION_DAYS = 30;

export function approverNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `approver-${i + 1}`);
}

/** One stage as a test describes it; quorum defaults to every voter, timeout to one hour. */
export interface StageSpec {
  name?: string;
  approvers: string[];
  advisors?: string[];
  quorum?: number;
  timeoutSeconds?: number;
  /** Approvers who have a backup (their stage keeps the backups' asks). */
  backups?: string[];
}

export type RecordShape =
  { approvers: string[]; quorum: number; stages?: never } | { stages: StageSpec[]; approvers?: never; quorum?: never };

export type OpenOptions = RecordShape & ExecutionInput & { openedAt?: string; executionArn?: string };

/** The execution ARN a fixture request belongs to. */
export const executionArnOf = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:approval:${name}`;

export function stageLayouts(shape: RecordShape): StageLayout[] {
  const specs: StageSpec[] = shape.stages ?? [{ name: "approval", approvers: shape.approvers!, quorum: shape.quorum }];
  return specs.map((spec, i) => ({
    name: spec.name ?? `stage-${i + 1}`,
    quorum: spec.quorum ?? spec.approvers.length,
    timeoutSeconds: spec.timeoutSeconds ?? 3600,
    approvers: spec.approvers,
    advisors: spec.advisors ?? [],
    ...(spec.backups === undefined ? {} : { backups: spec.backups }),
  }));
}

/** Opens a request record exactly as open-request writes it (no asks yet), opened at T0 unless said otherwise. */
export async function openRequestRecord(
  store: RequestStore,
  requestId: string,
  options: OpenOptions,
): Promise<RequestRecord> {
  const { approvers, quorum, stages, openedAt = T0.toISOString(), executionArn, ...input } = options;
  const event = {
    input,
    executionArn: executionArn ?? executionArnOf(requestId),
    startedAt: openedAt,
    stages: stageLayouts(stages ? { stages } : { approvers: approvers!, quorum: quorum! }),
  };
  const opened = await store.openRequest(newRequestRecord(requestId, input, event, RETENTION_DAYS));
  return opened.request;
}

export interface PlacedAsks {
  /** Ask id (the approval page capability) per approver. */
  askIds: Record<string, string>;
  /** Task token per approver: distinct, as Step Functions gives each branch its own. */
  tokens: Record<string, string>;
  deadline: string;
}

let tokenSerial = 0;

/** Asks each approver of one stage through the store (link channel unless said otherwise), deadline one hour after T0. */
export async function askStage(
  store: RequestStore,
  requestId: string,
  stage: number,
  approvers: string[],
  options: { channel?: string; deadline?: string } = {},
): Promise<PlacedAsks> {
  const deadline = options.deadline ?? new Date(T0.getTime() + HOUR_MS).toISOString();
  const askIds: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  for (const approver of approvers) {
    tokens[approver] = `token-${approver}-stage-${stage}-${++tokenSerial}`;
    const stored = await store.putAsk({
      requestId,
      stage,
      approver,
      address: `${approver}@example.com`,
      channel: options.channel ?? "link",
      taskToken: tokens[approver],
      deadline,
      createdAt: T0.toISOString(),
    });
    if (stored.kind !== "stored") throw new Error(`askStage: ask of ${approver} not stored (${stored.kind})`);
    askIds[approver] = stored.askId;
  }
  return { askIds, tokens, deadline };
}

export interface SeededRequest extends PlacedAsks {
  requestId: string;
  /** The approvers of stage 0, each asked. */
  approvers: string[];
}

let seedSerial = 0;

/** An open one-stage request with one link ask per approver, deadline one hour after T0. */
export async function seedRequest(
  store: RequestStore,
  approvers: string[],
  quorum: number,
  input: ExecutionInput = { subject: "Deploy release 42" },
): Promise<SeededRequest> {
  return seedStagedRequest(store, [{ name: FLAT_STAGE_NAME, approvers, quorum }], input);
}

/** An open request of several stages; only the first stage's approvers are asked yet. */
export async function seedStagedRequest(
  store: RequestStore,
  stages: StageSpec[],
  input: ExecutionInput = { subject: "Deploy release 42" },
): Promise<SeededRequest> {
  const requestId = requestIdFor(executionArnOf(`seed-${++seedSerial}-${Date.now()}`));
  await openRequestRecord(store, requestId, { stages, ...input });
  const first = [...stages[0].approvers, ...(stages[0].advisors ?? [])];
  return { requestId, approvers: first, ...(await askStage(store, requestId, 0, first)) };
}

export interface DeliveredCallback {
  taskToken: string;
  signal: Signal;
  result: BranchResult;
}

export interface FakeCallbacks extends TaskCallbacks {
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

/**
 * Callbacks that behave like one stage's Parallel state: the first stage-ending signal ends it,
 * and from then on every task of the stage is gone ("closed"). `holdBranchResults` makes every
 * SendTaskSuccess wait until a stage-ending signal was delivered, which reproduces the race in
 * which approvers' own callbacks arrive just after another vote ended the stage.
 */
export function parallelStageCallbacks(options: { holdBranchResults?: boolean } = {}) {
  let ended = false;
  let release!: () => void;
  const stageEnded = new Promise<void>((resolve) => (release = resolve));
  const calls: (DeliveredCallback & { delivery: CallbackDelivery })[] = [];
  const callbacks: TaskCallbacks = {
    async deliver(taskToken, signal, result) {
      if (signal === "none" && options.holdBranchResults) await stageEnded;
      const delivery: CallbackDelivery = ended ? "closed" : "delivered";
      if (signal !== "none") {
        ended = true;
        release();
      }
      calls.push({ taskToken, signal, result, delivery });
      return delivery;
    },
  };
  return { callbacks, calls };
}
