/**
 * The request store adapter: the only code that talks to the DynamoDB table (see core/model.ts
 * for the items). Every state change is a single conditional write, so concurrent Lambdas can
 * never record a second vote for an approver in a stage, a vote after the stage's outcome is
 * certain or after close, or close a request twice. Stage fields are addressed by list index
 * (`stages[1].votes.#approver`), which DynamoDB document paths allow:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.Attributes.html
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_RECORD_RETENTION_DAYS } from "../../core/limits";
import { askKey, requestKey, type AskRecord, type AskRef, type RequestRecord, type Vote } from "../../core/model";
import { ENV } from "../../core/environment";
import { freshId } from "../../core/ids";
import { stageOutcomeOf } from "../../core/quorum";
import type {
  ApplyVoteResult,
  AskPlacement,
  CloseFields,
  CloseResult,
  Counting,
  DecisionDestination,
  NewRequestRecord,
  OpenResult,
  PutAskResult,
  RequestStore,
  VoteTarget,
} from "../../core/ports";
import { documentClient } from "./dynamodb-client";

const SECONDS_PER_DAY = 86_400;

/** A record written by version 0.1 (one round, no stages): this version cannot decide it. */
export class LegacyRecordError extends Error {
  constructor(requestId: string) {
    super(
      `request ${requestId} was opened by an earlier version of the workflow (no stages); close it and start it again`,
    );
    this.name = "Approval.LegacyRequest";
  }
}

export interface StoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays?: number;
}

/** `RECORD_RETENTION_DAYS`: whole days, 1 to 3650; unset means the default. */
export function retentionDaysFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_RECORD_RETENTION_DAYS;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(`${ENV.recordRetentionDays} must be a whole number of days from 1 to 3650, got "${value}"`);
  }
  return days;
}

/** The TTL attribute value (epoch seconds) for an item kept `retentionDays` after `from`. */
export function expiryAfter(from: Date, retentionDays: number): number {
  return Math.floor(from.getTime() / 1000) + retentionDays * SECONDS_PER_DAY;
}

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** Runs a conditional write; false when its condition failed. */
async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

const stagePath = (stage: number) => {
  if (!Number.isInteger(stage) || stage < 0 || stage > 99) throw new Error(`stage index ${stage} is out of range`);
  return `stages[${stage}]`;
};

type UpdateInput = Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key">;

/** The table and what every operation needs of it. */
class Table {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly retentionDays: number,
  ) {}

  async get<T>(pk: string): Promise<T | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }),
    );
    return out.Item as T | undefined;
  }

  update(pk: string, input: UpdateInput) {
    return this.client.send(new UpdateCommand({ TableName: this.tableName, Key: { pk }, ...input }));
  }

  async getRequest(requestId: string): Promise<RequestRecord | undefined> {
    const item = await this.get<RequestRecord>(requestKey(requestId));
    if (item !== undefined && !Array.isArray(item.stages)) throw new LegacyRecordError(requestId);
    return item;
  }

  async getAsk(askId: string): Promise<AskRecord | undefined> {
    const item = await this.get<AskRecord>(askKey(askId));
    if (item !== undefined && typeof item.stage !== "number") throw new LegacyRecordError(item.requestId);
    return item;
  }

  async scrubAsk(askId: string, expiresAt: number): Promise<void> {
    // attribute_exists: never create a stub for an ask already gone.
    await conditionally(() =>
      this.update(askKey(askId), {
        UpdateExpression: "REMOVE taskToken SET expiresAt = :ttl",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":ttl": expiresAt },
      }),
    );
  }

  /** Updates a vote that must exist (`VOTE` in the expression is its path); returns the whole record after. */
  async updateVote(target: VoteTarget, expression: string, values?: Record<string, unknown>): Promise<RequestRecord> {
    const votes = `${stagePath(target.stage)}.votes.#approver`;
    const out = await this.update(requestKey(target.requestId), {
      UpdateExpression: expression.replace(/VOTE/g, votes),
      ConditionExpression: `attribute_exists(${votes})`,
      ExpressionAttributeNames: { "#approver": target.approver },
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_NEW",
    });
    return out.Attributes as RequestRecord;
  }
}

async function openRequest(table: Table, record: NewRequestRecord): Promise<OpenResult> {
  const item: RequestRecord = { pk: requestKey(record.requestId), ...record };
  const written = await conditionally(() =>
    table.client.send(
      new PutCommand({ TableName: table.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    ),
  );
  if (written) return { kind: "opened", request: item };
  const existing = await table.getRequest(record.requestId);
  if (existing === undefined || existing.executionArn !== record.executionArn) {
    throw new Error(`request ${record.requestId} exists for another execution`);
  }
  return { kind: "alreadyOpen", request: existing };
}

/** The ask item with this attempt's token (created on the first ask, updated on the next). */
function writeAskItem(table: Table, askId: string, placement: AskPlacement, expiresAt: number) {
  return table.update(askKey(askId), {
    UpdateExpression:
      "SET askId = :askId, requestId = :request, stage = :stage, approver = :approver, address = :address, " +
      "channel = :channel, taskToken = :token, deadline = :deadline, createdAt = if_not_exists(createdAt, :now), " +
      `expiresAt = :ttl${placement.asBackup === undefined ? "" : ", asBackup = :backup"} REMOVE automationExecutionId`,
    ConditionExpression: "attribute_not_exists(pk) OR requestId = :request",
    ExpressionAttributeValues: {
      ":askId": askId,
      ":request": placement.requestId,
      ":stage": placement.stage,
      ":approver": placement.approver,
      ":address": placement.address,
      ":channel": placement.channel,
      ":token": placement.taskToken,
      ":deadline": placement.deadline,
      ":now": placement.createdAt,
      ":ttl": expiresAt,
      ...(placement.asBackup === undefined ? {} : { ":backup": placement.asBackup }),
    },
  });
}

async function putAsk(table: Table, placement: AskPlacement): Promise<PutAskResult> {
  const { requestId, stage, approver } = placement;
  const expiresAt = expiryAfter(new Date(placement.deadline), table.retentionDays);
  for (let attempt = 0; attempt < 3; attempt++) {
    const request = await table.getRequest(requestId);
    if (request === undefined || request.status !== "open") return { kind: "requestNotOpen" };
    const stageRecord = request.stages[stage];
    if (stageRecord?.approvers.includes(approver) && stageOutcomeOf(stageRecord) !== undefined)
      return { kind: "stageEnded" };
    // A backup's ask has its own id, kept beside the approver's (stages with backups have the map).
    const map = placement.asBackup === undefined ? "asks" : "backupAsks";
    const previous: AskRef | undefined = stageRecord?.[map]?.[approver];
    const askId = previous?.askId ?? freshId();
    // The token first: a close that happens after the reference below scrubs it; one that
    // happens before makes the reference fail, and then this function scrubs it itself.
    await writeAskItem(table, askId, placement, expiresAt);
    const ref: AskRef = { askId, channel: placement.channel, deadline: placement.deadline };
    const asks = `${stagePath(stage)}.${map}.#approver`;
    const referenced = await conditionally(() =>
      table.update(requestKey(requestId), {
        UpdateExpression: `SET ${asks} = :ref`,
        ConditionExpression: `#status = :open AND (attribute_not_exists(${asks}) OR ${asks}.askId = :askId)`,
        ExpressionAttributeNames: { "#approver": approver, "#status": "status" },
        ExpressionAttributeValues: { ":ref": ref, ":open": "open", ":askId": askId },
      }),
    );
    if (referenced) return previous === undefined ? { kind: "stored", askId } : { kind: "stored", askId, previous };
    // Closed meanwhile (scrub what was just written), or another attempt referenced its own ask first (retry).
    await table.scrubAsk(askId, expiresAt);
  }
  return { kind: "requestNotOpen" };
}

async function applyVote(table: Table, target: VoteTarget, vote: Vote, counting: Counting): Promise<ApplyVoteResult> {
  const stage = stagePath(target.stage);
  const values: Record<string, unknown> = { ":vote": vote, ":open": "open" };
  const sets = [`${stage}.votes.#approver = :vote`];
  let condition = `#status = :open AND attribute_not_exists(${stage}.votes.#approver)`;
  if (counting.counted) {
    const counter = vote.decision === "approve" ? "approvals" : vote.decision === "reject" ? "rejections" : "misses";
    sets.push(`${stage}.${counter} = ${stage}.${counter} + :one`);
    if (vote.decision !== "approve") sets.push(`${stage}.declined = ${stage}.declined + :one`);
    // The stage's outcome is not certain yet: fewer approvals than the quorum, fewer declines than make it unreachable.
    condition += ` AND ${stage}.approvals < :quorum AND ${stage}.declined < :unreachable`;
    Object.assign(values, { ":one": 1, ":quorum": counting.quorum, ":unreachable": counting.unreachableAt });
  }
  try {
    const out = await table.update(requestKey(target.requestId), {
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { "#approver": target.approver, "#status": "status" },
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_NEW",
    });
    return { kind: "applied", request: out.Attributes as RequestRecord };
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const request = await table.getRequest(target.requestId);
    return request === undefined ? { kind: "notFound" } : { kind: "refused", request };
  }
}

async function closeRequest(table: Table, requestId: string, fields: CloseFields): Promise<CloseResult> {
  const values: Record<string, unknown> = {
    ":open": "open",
    ":closed": "closed",
    ":closedAt": fields.closedAt.toISOString(),
    ":reason": fields.reason,
    ":ttl": expiryAfter(fields.closedAt, table.retentionDays),
  };
  const sets = ["#status = :closed", "closedAt = :closedAt", "closeReason = :reason", "expiresAt = :ttl"];
  if (fields.outcome !== undefined) {
    sets.push("outcome = :outcome");
    values[":outcome"] = fields.outcome;
  }
  if (fields.endedInStage !== undefined) {
    sets.push("endedInStage = :endedInStage");
    values[":endedInStage"] = fields.endedInStage;
  }
  try {
    const out = await table.update(requestKey(requestId), {
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: "#status = :open",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_NEW",
    });
    return { kind: "closed", request: out.Attributes as RequestRecord };
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const request = await table.getRequest(requestId);
    return request === undefined ? { kind: "notFound" } : { kind: "alreadyClosed", request };
  }
}

async function setAskHandle(
  table: Table,
  ask: Pick<AskRecord, "askId" | "requestId" | "stage" | "approver">,
  handle: string,
) {
  await table.update(askKey(ask.askId), {
    UpdateExpression: "SET automationExecutionId = :handle",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":handle": handle },
  });
  const ref = `${stagePath(ask.stage)}.asks.#approver`;
  // Only while open: a close that wins this race has already read the asks, so it cannot release this one.
  const recorded = await conditionally(() =>
    table.update(requestKey(ask.requestId), {
      UpdateExpression: `SET ${ref}.automationExecutionId = :handle`,
      ConditionExpression: `#status = :open AND ${ref}.askId = :askId`,
      ExpressionAttributeNames: { "#approver": ask.approver, "#status": "status" },
      ExpressionAttributeValues: { ":handle": handle, ":open": "open", ":askId": ask.askId },
    }),
  );
  return recorded ? ("recorded" as const) : ("requestNotOpen" as const);
}

const PUBLISHED_ATTRIBUTE: Record<DecisionDestination, "decisionEventSentAt" | "requesterNotifiedAt"> = {
  eventBus: "decisionEventSentAt",
  requesterTopic: "requesterNotifiedAt",
};

/** Only on a closed record, and only the first time: a note that stays as first written. */
async function markDecisionPublished(table: Table, requestId: string, destination: DecisionDestination, at: Date) {
  const attribute = PUBLISHED_ATTRIBUTE[destination];
  await conditionally(() =>
    table.update(requestKey(requestId), {
      UpdateExpression: `SET ${attribute} = :at`,
      ConditionExpression: `#status = :closed AND attribute_not_exists(${attribute})`,
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": at.toISOString(), ":closed": "closed" },
    }),
  );
}

export function createRequestStore(options: StoreOptions): RequestStore {
  const table = new Table(options.client, options.tableName, options.retentionDays ?? DEFAULT_RECORD_RETENTION_DAYS);
  return {
    getRequest: (requestId) => table.getRequest(requestId),
    getAsk: (askId) => table.getAsk(askId),
    openRequest: (record) => openRequest(table, record),
    putAsk: (placement) => putAsk(table, placement),
    applyVote: (target, vote, counting) => applyVote(table, target, vote, counting),
    setPendingSignal: (target, signal) =>
      table.updateVote(target, "SET VOTE.pendingSignal = :signal", { ":signal": signal }),
    clearPendingSignal: (target) => table.updateVote(target, "REMOVE VOTE.pendingSignal"),
    closeRequest: (requestId, fields) => closeRequest(table, requestId, fields),
    setAskHandle: (ask, handle) => setAskHandle(table, ask, handle),
    markDecisionPublished: (requestId, destination, at) => markDecisionPublished(table, requestId, destination, at),
    async scrubTaskTokens(request) {
      const expiresAt = request.expiresAt ?? expiryAfter(new Date(), table.retentionDays);
      const askIds = request.stages.flatMap((stage) =>
        [...Object.values(stage.asks), ...Object.values(stage.backupAsks ?? {})].map((ref) => ref.askId),
      );
      await Promise.all(askIds.map((askId) => table.scrubAsk(askId, expiresAt)));
    },
  };
}

/** The store the handlers use: the container's document client, `TABLE_NAME`, `RECORD_RETENTION_DAYS`. */
export function requestStoreFromEnv(client: DynamoDBDocumentClient = documentClient()): RequestStore {
  const tableName = process.env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  return createRequestStore({
    client,
    tableName,
    retentionDays: retentionDaysFrom(process.env[ENV.recordRetentionDays]),
  });
}
