/**
 * Which page an approver sees, from the stored records (GET) or the recorder's answer (POST).
 * Pure: records in, a PageView out; render.ts turns it into HTML. What may still be decided is
 * the recorder's own rule (core/eligibility.ts), so the page never offers a form the recorder
 * would refuse.
 */
import { adviceFor } from "../../core/advice";
import { eligibilityOf, type Eligibility } from "../../core/eligibility";
import type { AskRecord, RequestRecord, Vote } from "../../core/model";
import { stageOutcomeOf } from "../../core/quorum";
import type { RecordOutcome } from "../../core/recorder";
import type { ApproverView, Attempted, OtherDecisionView, PageView, RequestView, StageView, VoteView } from "./render";

function stageViewOf(record: RequestRecord, index: number, viewer: string): StageView {
  const stage = record.stages[index];
  const others: OtherDecisionView[] = Object.entries(stage.votes)
    .filter(([approver]) => approver !== viewer)
    .sort(([, a], [, b]) => a.decidedAt.localeCompare(b.decidedAt))
    .map(([approver, vote]) => {
      const view: OtherDecisionView = { approver, decision: vote.decision, decidedAt: vote.decidedAt };
      if (vote.comment !== undefined) view.comment = vote.comment;
      if (vote.reason !== undefined) view.reason = vote.reason;
      if (!stage.approvers.includes(approver)) view.advice = true;
      return view;
    });
  const view: StageView = {
    index,
    count: record.stages.length,
    name: stage.name,
    quorum: stage.quorum,
    voters: stage.approvers.length,
    approvals: stage.approvals,
    rejections: stage.rejections,
    misses: stage.misses,
    others,
    waitingFor:
      record.status === "open" ? stage.approvers.filter((a) => a !== viewer && stage.votes[a] === undefined) : [],
  };
  const outcome = stageOutcomeOf(stage);
  if (outcome !== undefined) view.outcome = outcome;
  return view;
}

export function requestViewOf(record: RequestRecord, ask: AskRecord): RequestView {
  const view: RequestView = {
    subject: record.subject,
    status: record.status,
    stage: stageViewOf(record, ask.stage, ask.approver),
  };
  for (const field of ["details", "reviewUrl", "requestedBy", "change", "outcome", "closedAt"] as const) {
    if (record[field] !== undefined) (view as unknown as Record<string, unknown>)[field] = record[field];
  }
  const advice = adviceFor(record, ask.stage);
  if (advice.length > 0) view.advice = advice;
  return view;
}

export function approverViewOf(ask: AskRecord, record: RequestRecord): ApproverView {
  const view: ApproverView = { name: ask.approver, address: ask.address, deadline: ask.deadline };
  if (!record.stages[ask.stage].approvers.includes(ask.approver)) view.advice = true;
  if (ask.asBackup !== undefined) view.asBackup = ask.asBackup;
  return view;
}

export function voteViewOf(vote: Vote): VoteView {
  const view: VoteView = { decision: vote.decision, decidedAt: vote.decidedAt, decidedBy: vote.decidedBy };
  if (vote.comment !== undefined) view.comment = vote.comment;
  if (vote.reason !== undefined) view.reason = vote.reason;
  if (vote.pendingSignal !== undefined) view.pending = true;
  return view;
}

/** The page for a person who may not decide (or no longer), from the rule that said so. */
function refusedView(
  why: Exclude<Eligibility, { kind: "eligible" }>,
  request: RequestView,
  approver: ApproverView,
  attempted?: Attempted,
  signInPath?: string,
): PageView {
  const base = attempted === undefined ? { request, approver } : { request, approver, attempted };
  switch (why.kind) {
    case "alreadyDecided":
      // Once the request closed, its outcome leads the page; their own decision is shown with it.
      return request.status === "closed"
        ? { kind: "closed", ...base, vote: voteViewOf(why.vote) }
        : { kind: "alreadyDecided", ...base, vote: voteViewOf(why.vote) };
    case "noLongerAsked":
      return { kind: "noLongerAsked", ...base, vote: voteViewOf(why.vote) };
    case "requestClosed":
      return why.vote === undefined
        ? { kind: "closed", ...base }
        : { kind: "closed", ...base, vote: voteViewOf(why.vote) };
    case "stageEnded":
      return { kind: "stageEnded", ...base };
    case "deadlinePassed":
      return { kind: "deadlinePassed", ...base };
    case "notTheApprover":
      return signInPath === undefined
        ? { kind: "notTheApprover", ...base, signedIn: why.signedIn }
        : { kind: "notTheApprover", ...base, signedIn: why.signedIn, signInPath };
    case "requester":
      return { kind: "requesterRefused", ...base, signedIn: why.signedIn };
  }
}

/** What the page knows of sign-in for one request: off (undefined), signed out, or who is signed in. */
export interface SignInState {
  signInPath: string;
  session?: { email: string; csrf: string };
}

/**
 * The page a GET shows: the form while the approver may decide, otherwise why not. With sign-in,
 * the signed-in person is part of the rule (core/eligibility.ts), and a person not signed in gets
 * the request with a sign-in button instead of the form.
 */
export function showView(ask: AskRecord, record: RequestRecord, now: Date, signIn?: SignInState): PageView {
  const request = requestViewOf(record, ask);
  const approver = approverViewOf(ask, record);
  const session = signIn?.session;
  const decider = session === undefined ? undefined : { email: session.email, address: ask.address };
  const why = eligibilityOf(record, ask.stage, ask.approver, ask.deadline, now, decider);
  if (why.kind !== "eligible") return refusedView(why, request, approver, undefined, signIn?.signInPath);
  if (signIn === undefined) return { kind: "form", request, approver, now };
  const form =
    session === undefined
      ? { signInPath: signIn.signInPath }
      : { signInPath: signIn.signInPath, signedIn: session.email, csrf: session.csrf };
  return { kind: "form", request, approver, now, signIn: form };
}

/** The page answering a POST, from what the recorder did with the decision. */
export function decisionView(outcome: RecordOutcome, attempted: Attempted, signInPath?: string): PageView {
  if (outcome.kind === "notFound") return { kind: "notFound" };
  const request = requestViewOf(outcome.request, outcome.ask);
  const approver = approverViewOf(outcome.ask, outcome.request);
  if (outcome.kind === "refused") return refusedView(outcome.why, request, approver, attempted, signInPath);
  return {
    kind: "recorded",
    request,
    approver,
    vote: voteViewOf(outcome.vote),
    signal: outcome.signal,
    delivery: outcome.delivery,
  };
}
