/**
 * Which page an approver sees, from the stored records (GET) or the recorder's answer (POST).
 * Pure: records in, a PageView out; render.ts turns it into HTML.
 */
import type { AskRecord, RequestRecord, Vote } from "../shared/model";
import type { RecordOutcome } from "../shared/recorder";
import type { ApproverView, Attempted, PageView, RequestView, VoteView } from "./render";

export function requestViewOf(record: RequestRecord): RequestView {
  const view: RequestView = {
    subject: record.subject,
    status: record.status,
    approverCount: record.approvers.length,
    quorum: record.quorum,
    approvals: record.approvals,
    rejections: record.rejections,
    expirations: record.expirations,
  };
  if (record.details !== undefined) view.details = record.details;
  if (record.reviewUrl !== undefined) view.reviewUrl = record.reviewUrl;
  if (record.requestedBy !== undefined) view.requestedBy = record.requestedBy;
  if (record.outcome !== undefined) view.outcome = record.outcome;
  if (record.closedAt !== undefined) view.closedAt = record.closedAt;
  return view;
}

export function approverViewOf(ask: AskRecord): ApproverView {
  return { name: ask.approver, address: ask.address, deadline: ask.deadline };
}

export function voteViewOf(vote: Vote): VoteView {
  const view: VoteView = { decision: vote.decision, decidedAt: vote.decidedAt };
  if (vote.comment !== undefined) view.comment = vote.comment;
  if (vote.pendingSignal !== undefined) view.pending = true;
  return view;
}

/**
 * The page a GET shows. A closed request shows its outcome (and the approver's vote, if any)
 * first; then the approver's own decision; a vote the deadline recorded, or a deadline now past,
 * shows the missed deadline; otherwise the form.
 */
export function showView(ask: AskRecord, request: RequestRecord, now: Date): PageView {
  const requestView = requestViewOf(request);
  const approver = approverViewOf(ask);
  const vote = request.votes[ask.approver];
  if (request.status !== "open") {
    return vote === undefined
      ? { kind: "closed", request: requestView, approver }
      : { kind: "closed", request: requestView, approver, vote: voteViewOf(vote) };
  }
  if (vote !== undefined && vote.decision !== "expired") {
    return { kind: "alreadyDecided", request: requestView, approver, vote: voteViewOf(vote) };
  }
  if (vote !== undefined || now.getTime() >= Date.parse(ask.deadline)) {
    return { kind: "deadlinePassed", request: requestView, approver };
  }
  return { kind: "form", request: requestView, approver, now };
}

/** The page answering a POST, from what the recorder did with the decision. */
export function decisionView(outcome: RecordOutcome, attempted: Attempted): PageView {
  switch (outcome.kind) {
    case "notFound":
      return { kind: "notFound" };
    case "recorded":
      return {
        kind: "recorded",
        request: requestViewOf(outcome.request),
        approver: approverViewOf(outcome.ask),
        vote: voteViewOf(outcome.vote),
        signal: outcome.signal,
        delivery: outcome.delivery,
      };
    case "duplicate":
      return {
        kind: "alreadyDecided",
        request: requestViewOf(outcome.request),
        approver: approverViewOf(outcome.ask),
        vote: voteViewOf(outcome.vote),
        attempted,
      };
    case "closed": {
      const base = {
        kind: "closed" as const,
        request: requestViewOf(outcome.request),
        approver: approverViewOf(outcome.ask),
        attempted,
      };
      return outcome.vote === undefined ? base : { ...base, vote: voteViewOf(outcome.vote) };
    }
    case "deadlinePassed":
      return {
        kind: "deadlinePassed",
        request: requestViewOf(outcome.request),
        approver: approverViewOf(outcome.ask),
        attempted,
      };
  }
}
