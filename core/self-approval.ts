/**
 * No self-approval: with `selfApproval: deny` (the default) the person who asks for a change is
 * not one of its approvers. `requestedBy` is compared with each approver's name and email after
 * normalisation (Unicode NFKC, trimmed, case-folded), so "Finance-Lead@Example.com " is the
 * approver finance-lead@example.com. Such an approver is not asked in any stage; if that leaves a
 * stage unable to reach its quorum, the request fails at once (Approval.QuorumUnreachable), before
 * anyone is notified. With sign-in, a signed-in identity equal to the requester cannot decide
 * either (the page checks it with `isRequester`). Pure.
 *
 * The CLI and the GitHub Action default `requestedBy` to the caller's STS identity. For an
 * assumed-role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) whose session name
 * is an email address, as an IAM Identity Center user's session is when usernames are emails (the
 * session is named after the username: observed, not documented) and a SAML-federated one is when
 * the identity provider sets RoleSessionName to it
 * (https://docs.aws.amazon.com/en_us/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html),
 * that email is compared with the approvers' emails too. Other ARNs (an IAM user, a federated
 * user, a session named otherwise) match no approver.
 */
import { WorkflowError } from "./errors";

export const QUORUM_UNREACHABLE_ERROR = "Approval.QuorumUnreachable";
/** An ask function's error for an approver who is not asked (the requester): their part ends, uncounted. */
export const NOT_ASKED_ERROR = "Approval.NotAsked";

export const NOT_ASKED_REASON = "they requested this change, and self-approval is denied";

/** An identity as compared: NFKC, trimmed, lower case. */
export function normalizedIdentity(text: string): string {
  return text.normalize("NFKC").trim().toLowerCase();
}

/** Whether a requester may be asked to approve their own request (stack config `selfApproval`). */
export type SelfApproval = "deny" | "allow";

export interface Person {
  name: string;
  email?: string;
}

/** An assumed-role session's ARN; the session name is the last part (IAM's RoleSessionName characters). */
const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/([\w+=,.@-]{2,64})$/;
/** Shaped like an email address: one @, something on either side, a dot in the domain. */
const EMAIL_SHAPED = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The email an assumed-role ARN's session is named after (normalised), or undefined. */
export function sessionEmailOf(requestedBy: string): string | undefined {
  const session = ASSUMED_ROLE_ARN.exec(requestedBy.trim())?.[1];
  return session !== undefined && EMAIL_SHAPED.test(session) ? normalizedIdentity(session) : undefined;
}

/** True when `requestedBy` names this person (by name or email, or their email as an assumed-role session's name). */
export function isRequester(requestedBy: string | undefined, person: Person): boolean {
  if (requestedBy === undefined) return false;
  const requester = normalizedIdentity(requestedBy);
  if (requester === "") return false;
  const email = person.email === undefined ? undefined : normalizedIdentity(person.email);
  return (
    normalizedIdentity(person.name) === requester ||
    (email !== undefined && (email === requester || email === sessionEmailOf(requestedBy)))
  );
}

export interface StageVoters {
  name: string;
  quorum: number;
  /** Voting approvers, in config order. */
  approvers: string[];
  advisors: string[];
}

/**
 * Per stage, the approvers who are not asked because they are the requester. Throws
 * Approval.QuorumUnreachable when a stage could then never reach its quorum.
 */
export function notAskedPerStage(
  stages: readonly StageVoters[],
  people: Readonly<Record<string, string | undefined>>,
  requestedBy: string | undefined,
  mode: SelfApproval,
): string[][] {
  if (mode === "allow") return stages.map(() => []);
  const notAsked = stages.map((stage) =>
    [...stage.approvers, ...stage.advisors].filter((name) => isRequester(requestedBy, { name, email: people[name] })),
  );
  stages.forEach((stage, index) => {
    const voters = stage.approvers.filter((name) => !notAsked[index].includes(name)).length;
    if (notAsked[index].length > 0 && voters < stage.quorum) {
      throw new WorkflowError(
        QUORUM_UNREACHABLE_ERROR,
        `stage "${stage.name}" needs ${stage.quorum} approval(s), but without the requester (${notAsked[index].join(", ")}: ${NOT_ASKED_REASON}) only ${voters} approver(s) can decide; nobody was asked`,
      );
    }
  });
  return notAsked;
}

/** What an ask function checks first: an approver the request does not ask (the requester) is not asked. */
export function refuseIfNotAsked(
  request: { stages: readonly { notAsked?: readonly string[] }[] },
  stage: number,
  approver: string,
): void {
  if (request.stages[stage]?.notAsked?.includes(approver)) {
    throw new WorkflowError(NOT_ASKED_ERROR, `${approver} is not asked: ${NOT_ASKED_REASON}`);
  }
}
