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
import { askKey, requestKey, type AskRecord, type AskRef, type RequestRecord } from "../../core/model";
import { ENV } from "../../core/environment";
import { freshId } from "../../core/ids";
import type { RequestStore, VoteTarget } from "../../core/ports";
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

export function createRequestStore(options: StoreOptions): RequestStore {
  const { client, tableName } = options;
  const retentionDays = options.retentionDays ?? DEFAULT_RECORD_RETENTION_DAYS;
  const key = (pk: string) => ({ TableName: tableName, Key: { pk } });
  const update = (pk: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key">) =>
    client.send(new UpdateCommand({ ...key(pk), ...input }));

  async function getRequest(requestId: string): Promise<RequestRecord | undefined> {
    const out = await client.send(new GetCommand({ ...key(requestKey(requestId)), ConsistentRead: true }));
    const item = out.Item as RequestRecord | undefined;
    if (item !== undefined && !Array.isArray(item.stages)) throw new LegacyRecordError(requestId);
    return item;
  }

  async function getAsk(askId: string): Promise<AskRecord | undefined> {
    const out = await client.send(new GetCommand({ ...key(askKey(askId)), ConsistentRead: true }));
    const item = out.Item as AskRecord | undefined;
    if (item !== undefined && typeof item.stage !== "number") throw new LegacyRecordError(item.requestId);
    return item;
  }

  async function scrubAsk(askId: string, expiresAt: number): Promise<void> {
    // attribute_exists: never create a stub for an ask already gone.
    await conditionally(() =>
      update(askKey(askId), {
        UpdateExpression: "REMOVE taskToken SET expiresAt = :ttl",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":ttl": expiresAt },
      }),
    );
  }

  /** Updates a vote that must exist; returns the whole record after the update. */
  async function updateVote(
    target: VoteTarget,
    expression: string,
    values?: Record<string, unknown>,
  ): Promise<RequestRecord> {
    const votes = `${stagePath(target.stage)}.votes.#approver`;
    const out = await update(requestKey(target.requestId), {
      UpdateExpression: expression.replace(/VOTE/g, votes),
      ConditionExpression: `attribute_exists(${votes})`,
      ExpressionAttributeNames: { "#approver": target.approver },
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_NEW",
    });
    return out.Attributes as RequestRecord;
  }

  return {
    getRequest,
    getAsk,

    async openRequest(record) {
      const item: RequestRecord = { pk: requestKey(record.requestId), ...record };
      const written = await conditionally(() =>
        client.send(
          new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
        ),
      );
      if (written) return { kind: "opened", request: item };
      const existing = await getRequest(record.requestId);
      if (existing === undefined || existing.executionArn !== record.executionArn) {
        throw new Error(`request ${record.requestId} exists for another execution`);
      }
      return { kind: "alreadyOpen", request: existing };
    },

    async putAsk(placement) {
      const { requestId, stage, approver } = placement;
      const expiresAt = expiryAfter(new Date(placement.deadline), retentionDays);
      for (let attempt = 0; attempt < 3; attempt++) {
        const request = await getRequest(requestId);
        if (request === undefined || request.status !== "open") return { kind: "requestNotOpen" };
        const previous: AskRef | undefined = request.stages[stage]?.asks[approver];
        const askId = previous?.askId ?? freshId();
        // The token first: a close that happens after the reference below scrubs it; one that
        // happens before makes the reference fail, and then this function scrubs it itself.
        await update(askKey(askId), {
          UpdateExpression:
            "SET askId = :askId, requestId = :request, stage = :stage, approver = :approver, address = :address, channel = :channel, " +
            "taskToken = :token, deadline = :deadline, createdAt = if_not_exists(createdAt, :now), expiresAt = :ttl " +
            "REMOVE automationExecutionId",
          ConditionExpression: "attribute_not_exists(pk) OR requestId = :request",
          ExpressionAttributeValues: {
            ":askId": askId,
            ":request": requestId,
            ":stage": stage,
            ":approver": approver,
            ":address": placement.address,
            ":channel": placement.channel,
            ":token": placement.taskToken,
            ":deadline": placement.deadline,
            ":now": placement.createdAt,
            ":ttl": expiresAt,
          },
        });
        const ref: AskRef = { askId, channel: placement.channel, deadline: placement.deadline };
        const asks = `${stagePath(stage)}.asks.#approver`;
        const referenced = await conditionally(() =>
          update(requestKey(requestId), {
            UpdateExpression: `SET ${asks} = :ref`,
            ConditionExpression: `#status = :open AND (attribute_not_exists(${asks}) OR ${asks}.askId = :askId)`,
            ExpressionAttributeNames: { "#approver": approver, "#status": "status" },
            ExpressionAttributeValues: { ":ref": ref, ":open": "open", ":askId": askId },
          }),
        );
        if (referenced) return previous === undefined ? { kind: "stored", askId } : { kind: "stored", askId, previous };
        // Closed meanwhile (scrub what was just written), or another attempt referenced its own ask first (retry).
        await scrubAsk(askId, expiresAt);
      }
      return { kind: "requestNotOpen" };
    },

    async applyVote(target, vote, counting) {
      const stage = stagePath(target.stage);
      const names: Record<string, string> = { "#approver": target.approver, "#status": "status" };
      const values: Record<string, unknown> = { ":vote": vote, ":open": "open" };
      const sets = [`${stage}.votes.#approver = :vote`];
      let condition = `#status = :open AND attribute_not_exists(${stage}.votes.#approver)`;
      if (counting.counted) {
        const counter =
          vote.decision === "approve" ? "approvals" : vote.decision === "reject" ? "rejections" : "misses";
        sets.push(`${stage}.${counter} = ${stage}.${counter} + :one`);
        if (vote.decision !== "approve") sets.push(`${stage}.declined = ${stage}.declined + :one`);
        // The stage's outcome is not certain yet: fewer approvals than the quorum, fewer declines than make it unreachable.
        condition += ` AND ${stage}.approvals < :quorum AND ${stage}.declined < :unreachable`;
        Object.assign(values, { ":one": 1, ":quorum": counting.quorum, ":unreachable": counting.unreachableAt });
      }
      try {
        const out = await update(requestKey(target.requestId), {
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        });
        return { kind: "applied", request: out.Attributes as RequestRecord };
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const request = await getRequest(target.requestId);
        return request === undefined ? { kind: "notFound" } : { kind: "refused", request };
      }
    },

    setPendingSignal(target, signal) {
      return updateVote(target, "SET VOTE.pendingSignal = :signal", { ":signal": signal });
    },

    clearPendingSignal(target) {
      return updateVote(target, "REMOVE VOTE.pendingSignal");
    },

    async closeRequest(requestId, fields) {
      const values: Record<string, unknown> = {
        ":open": "open",
        ":closed": "closed",
        ":closedAt": fields.closedAt.toISOString(),
        ":reason": fields.reason,
        ":ttl": expiryAfter(fields.closedAt, retentionDays),
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
        const out = await update(requestKey(requestId), {
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "#status = :open",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        });
        return { kind: "closed", request: out.Attributes as RequestRecord };
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const request = await getRequest(requestId);
        return request === undefined ? { kind: "notFound" } : { kind: "alreadyClosed", request };
      }
    },

    async setAskHandle(ask, handle) {
      await update(askKey(ask.askId), {
        UpdateExpression: "SET automationExecutionId = :handle",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":handle": handle },
      });
      const ref = `${stagePath(ask.stage)}.asks.#approver`;
      // Only while open: a close that wins this race has already read the asks, so it cannot release this one.
      const recorded = await conditionally(() =>
        update(requestKey(ask.requestId), {
          UpdateExpression: `SET ${ref}.automationExecutionId = :handle`,
          ConditionExpression: `#status = :open AND ${ref}.askId = :askId`,
          ExpressionAttributeNames: { "#approver": ask.approver, "#status": "status" },
          ExpressionAttributeValues: { ":handle": handle, ":open": "open", ":askId": ask.askId },
        }),
      );
      return recorded ? "recorded" : "requestNotOpen";
    },

    async scrubTaskTokens(request) {
      const expiresAt = request.expiresAt ?? expiryAfter(new Date(), retentionDays);
      const askIds = request.stages.flatMap((stage) => Object.values(stage.asks).map((ref) => ref.askId));
      await Promise.all(askIds.map((askId) => scrubAsk(askId, expiresAt)));
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
