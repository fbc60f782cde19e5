/**
 * The request store adapter: the only code that talks to the DynamoDB table. One table, two kinds
 * of item (see model.ts): the request record (`request#<id>`) and one ask per approver
 * (`ask#<id>`). Every state change is a single conditional write, so concurrent Lambdas can never
 * record a second vote for an approver, a vote after close, or close a request twice.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./clients";
import {
  askKey,
  requestKey,
  type AskRecord,
  type AskRef,
  type Decision,
  type Outcome,
  type RequestRecord,
  type Signal,
  type Vote,
} from "./model";

export const DEFAULT_RETENTION_DAYS = 30;
const SECONDS_PER_DAY = 86_400;

/** A request record as first written: everything but the key, which the store derives. */
export type NewRequestRecord = Omit<RequestRecord, "pk">;
/** An ask as first written: the store derives the key and the initial TTL (deadline + retention). */
export type NewAsk = Omit<AskRecord, "pk" | "expiresAt">;

export type ApplyVoteResult =
  | { kind: "applied"; request: RequestRecord }
  /** The approver already has a vote (whatever the status). */
  | { kind: "alreadyVoted"; request: RequestRecord; vote: Vote }
  | { kind: "closed"; request: RequestRecord }
  | { kind: "notFound" };

export type CloseResult =
  { kind: "closed"; request: RequestRecord } | { kind: "alreadyClosed"; request: RequestRecord } | { kind: "notFound" };

/** `requestNotOpen`: the request closed (or does not exist); the ask was written but its token removed. */
export type PutAskResult = "referenced" | "requestNotOpen";

/**
 * `requestNotOpen`: the request closed (or no longer references this ask), so nobody will stop the
 * automation at close: the caller must.
 */
export type RecordAutomationResult = "recorded" | "requestNotOpen";

export interface RequestStore {
  openRequest(record: NewRequestRecord): Promise<RequestRecord>;
  /** Writes the ask and references it from the request record as `asks.<approver>`. */
  putAsk(ask: NewAsk): Promise<PutAskResult>;
  getAsk(askId: string): Promise<AskRecord | undefined>;
  getRequest(requestId: string): Promise<RequestRecord | undefined>;
  /** Atomically adds the approver's vote and counts it, unless closed or already voted. */
  applyVote(requestId: string, approver: string, vote: Vote): Promise<ApplyVoteResult>;
  setPendingSignal(requestId: string, approver: string, signal: Signal): Promise<RequestRecord>;
  clearPendingSignal(requestId: string, approver: string): Promise<RequestRecord>;
  /** Closes an open request (outcome omitted when none is certain) and starts its retention TTL. */
  closeRequest(requestId: string, outcome: Outcome | undefined, closedAt: Date): Promise<CloseResult>;
  /** Removes the task token from every ask of the request and gives each the request's TTL. */
  scrubTaskTokens(request: RequestRecord): Promise<void>;
  /**
   * iam channel: notes the SSM automation started for an ask, on the ask and on the open request
   * (`asks.<approver>.automationExecutionId`, which closing the request reads to stop it).
   */
  recordAutomationExecution(
    ask: Pick<AskRecord, "askId" | "requestId" | "approver">,
    automationExecutionId: string,
  ): Promise<RecordAutomationResult>;
}

export interface StoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays?: number;
}

/** `RECORD_RETENTION_DAYS`: whole days, 1 to 3650; unset means the default. */
export function retentionDaysFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_RETENTION_DAYS;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(`RECORD_RETENTION_DAYS must be a whole number of days from 1 to 3650, got "${value}"`);
  }
  return days;
}

/** The TTL attribute value (epoch seconds) for an item kept `retentionDays` after `from`. */
export function expiryAfter(from: Date, retentionDays: number): number {
  return Math.floor(from.getTime() / 1000) + retentionDays * SECONDS_PER_DAY;
}

const COUNTER_OF: Record<Decision, "approvals" | "rejections" | "expirations"> = {
  approve: "approvals",
  reject: "rejections",
  expired: "expirations",
};

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

export function createRequestStore(options: StoreOptions): RequestStore {
  const { client, tableName } = options;
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;

  async function getRequest(requestId: string): Promise<RequestRecord | undefined> {
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: requestKey(requestId) }, ConsistentRead: true }),
    );
    return out.Item as RequestRecord | undefined;
  }

  async function getAsk(askId: string): Promise<AskRecord | undefined> {
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: askKey(askId) }, ConsistentRead: true }),
    );
    return out.Item as AskRecord | undefined;
  }

  async function scrubAsk(askId: string, expiresAt: number): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: askKey(askId) },
          UpdateExpression: "REMOVE taskToken SET expiresAt = :ttl",
          ConditionExpression: "attribute_exists(pk)", // never create a stub for an ask already gone
          ExpressionAttributeValues: { ":ttl": expiresAt },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  /** Updates a vote that must exist; returns the whole record after the update. */
  async function updateVote(
    requestId: string,
    approver: string,
    update: string,
    values?: Record<string, unknown>,
  ): Promise<RequestRecord> {
    const out = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: requestKey(requestId) },
        UpdateExpression: update,
        ConditionExpression: "attribute_exists(votes.#approver)",
        ExpressionAttributeNames: { "#approver": approver },
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return out.Attributes as RequestRecord;
  }

  return {
    getRequest,
    getAsk,

    async openRequest(record) {
      const item: RequestRecord = { pk: requestKey(record.requestId), ...record };
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
      );
      return item;
    },

    async putAsk(ask) {
      const expiresAt = expiryAfter(new Date(ask.deadline), retentionDays);
      const item: AskRecord = { pk: askKey(ask.askId), ...ask, expiresAt };
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
      );
      const ref: AskRef = { askId: ask.askId, channel: ask.channel, deadline: ask.deadline };
      if (ask.automationExecutionId !== undefined) ref.automationExecutionId = ask.automationExecutionId;
      try {
        // The record gets the ask's TTL too, so a request whose execution was stopped before it
        // could close still disappears (closing replaces it with closedAt + retention).
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: requestKey(ask.requestId) },
            UpdateExpression: "SET asks.#approver = :ref, expiresAt = :ttl",
            ConditionExpression: "#status = :open",
            ExpressionAttributeNames: { "#approver": ask.approver, "#status": "status" },
            ExpressionAttributeValues: { ":ref": ref, ":open": "open", ":ttl": expiresAt },
          }),
        );
        return "referenced";
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        // The request closed (or vanished) while this ask was being written: its token must not
        // linger. (No read here: the notify function may only write.)
        await scrubAsk(ask.askId, expiresAt);
        return "requestNotOpen";
      }
    },

    async applyVote(requestId, approver, vote) {
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: requestKey(requestId) },
            UpdateExpression: "SET votes.#approver = :vote, #counter = #counter + :one",
            ConditionExpression: "#status = :open AND attribute_not_exists(votes.#approver)",
            ExpressionAttributeNames: {
              "#approver": approver,
              "#counter": COUNTER_OF[vote.decision],
              "#status": "status",
            },
            ExpressionAttributeValues: { ":vote": vote, ":one": 1, ":open": "open" },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { kind: "applied", request: out.Attributes as RequestRecord };
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const request = await getRequest(requestId);
        if (request === undefined) return { kind: "notFound" };
        const existing = request.votes[approver];
        if (existing !== undefined) return { kind: "alreadyVoted", request, vote: existing };
        if (request.status !== "open") return { kind: "closed", request };
        // Records only move forward (votes added, then closed), so one of the above must hold.
        throw new Error(`vote of ${approver} on request ${requestId} was refused for no visible reason`);
      }
    },

    setPendingSignal(requestId, approver, signal) {
      return updateVote(requestId, approver, "SET votes.#approver.pendingSignal = :signal", { ":signal": signal });
    },

    clearPendingSignal(requestId, approver) {
      return updateVote(requestId, approver, "REMOVE votes.#approver.pendingSignal");
    },

    async closeRequest(requestId, outcome, closedAt) {
      const values: Record<string, unknown> = {
        ":open": "open",
        ":closed": "closed",
        ":closedAt": closedAt.toISOString(),
        ":ttl": expiryAfter(closedAt, retentionDays),
      };
      let update = "SET #status = :closed, closedAt = :closedAt, expiresAt = :ttl";
      if (outcome !== undefined) {
        update += ", outcome = :outcome";
        values[":outcome"] = outcome;
      }
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: requestKey(requestId) },
            UpdateExpression: update,
            ConditionExpression: "#status = :open",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        );
        return { kind: "closed", request: out.Attributes as RequestRecord };
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const request = await getRequest(requestId);
        return request === undefined ? { kind: "notFound" } : { kind: "alreadyClosed", request };
      }
    },

    async recordAutomationExecution(ask, automationExecutionId) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: askKey(ask.askId) },
          UpdateExpression: "SET automationExecutionId = :execution",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":execution": automationExecutionId },
        }),
      );
      try {
        // Only while open: a close that wins this race has already read the asks, so it cannot stop this automation.
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: requestKey(ask.requestId) },
            UpdateExpression: "SET asks.#approver.automationExecutionId = :execution",
            ConditionExpression: "#status = :open AND asks.#approver.askId = :askId",
            ExpressionAttributeNames: { "#approver": ask.approver, "#status": "status" },
            ExpressionAttributeValues: { ":execution": automationExecutionId, ":open": "open", ":askId": ask.askId },
          }),
        );
        return "recorded";
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        return "requestNotOpen";
      }
    },

    async scrubTaskTokens(request) {
      const expiresAt = request.expiresAt ?? expiryAfter(new Date(), retentionDays);
      await Promise.all(Object.values(request.asks).map((ref) => scrubAsk(ref.askId, expiresAt)));
    },
  };
}

/** The store the handlers use: the container's document client, `TABLE_NAME`, `RECORD_RETENTION_DAYS`. */
export function requestStoreFromEnv(client: DynamoDBDocumentClient = documentClient()): RequestStore {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error("TABLE_NAME is not set");
  return createRequestStore({ client, tableName, retentionDays: retentionDaysFrom(process.env.RECORD_RETENTION_DAYS) });
}
