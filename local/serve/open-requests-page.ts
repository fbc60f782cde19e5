/**
 * `/` on the sandbox in `--serve` mode: the open requests, newest first, each with its subject,
 * execution, the approvers asked so far with their approval links, and the decisions recorded.
 * Served on 127.0.0.1 only, with the approval page's shell and security headers; everything that
 * came from a request is HTML-escaped.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { DECISION_WORDS } from "../../core/decision-words";
import { htmlDocument, securityHeaders } from "../../lambdas/approval-page/document";
import { escapeHtml } from "../../lambdas/approval-page/html";
import type { ApproverAsked, DecisionArrived } from "../round-events";

/** What the page shows of one open request (the server's ServedRequest has it all). */
export interface OpenRequest {
  name: string;
  startDate: Date;
  subject?: string;
  asked: readonly ApproverAsked[];
  decisions: readonly DecisionArrived[];
}

export interface OpenRequestsView {
  stateMachineArn: string;
  endpoint: string;
  open(): readonly OpenRequest[];
}

function requestHtml(request: OpenRequest): string {
  const asked = request.asked
    .map((entry) => {
      const vote = request.decisions.find((d) => d.stage === entry.stage && d.approver === entry.approver)?.vote;
      const state = vote === undefined ? "" : ` <span class="tag">${escapeHtml(DECISION_WORDS[vote.decision])}</span>`;
      return `<li><span class="who">${escapeHtml(entry.approver)}</span> (stage ${entry.stage + 1}): <a href="${escapeHtml(entry.link)}">${escapeHtml(entry.link)}</a>${state}</li>`;
    })
    .join("\n");
  return [
    `<h2>${escapeHtml(request.subject ?? "(no subject)")}</h2>`,
    `<p class="kicker">${escapeHtml(request.name)} · started ${escapeHtml(request.startDate.toISOString())}</p>`,
    asked === "" ? "<p>Nobody has been asked yet.</p>" : `<ul class="others">\n${asked}\n</ul>`,
  ].join("\n");
}

export function openRequestsHtml(view: OpenRequestsView): string {
  const open = view.open();
  const body = [
    "<h1>Open requests</h1>",
    `<p class="kicker">State machine ${escapeHtml(view.stateMachineArn)}; endpoint ${escapeHtml(view.endpoint)} (pass it as --endpoint-url).</p>`,
    open.length === 0 ? "<p>No request is open. Start one with <code>npx parallel-approval request</code>.</p>" : "",
    ...open.map(requestHtml),
  ].join("\n");
  return htmlDocument("Open requests", body);
}

/** Answers GET / (and HEAD /); true when it did. */
export async function serveOpenRequests(
  req: IncomingMessage,
  res: ServerResponse,
  view: OpenRequestsView,
): Promise<boolean> {
  if ((req.method !== "GET" && req.method !== "HEAD") || (req.url ?? "/").split("?")[0] !== "/") return false;
  const html = openRequestsHtml(view);
  res.writeHead(200, { ...securityHeaders(), "Content-Length": String(Buffer.byteLength(html)) });
  res.end(req.method === "HEAD" ? undefined : html);
  return true;
}
