/**
 * A local stand-in for the AWS console's Automation "Approve/Deny" page, for iam approvers
 * (`/console/<automationExecutionId>`). Signed in as the approver's configured IAM principal, it
 * shows the automation's message and status and, while the approve step waits, a form whose
 * submit is SendAutomationSignal on the local SSM. What follows is AWS's path: the step ends, SSM
 * emits the EventBridge event, ssm-result reads the execution and records the decision.
 *
 * Plain HTML, no JavaScript, every value escaped, a strict Content-Security-Policy.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AUTOMATION_PARAMETER as P } from "../channels/iam/automation-contract";
import type { LocalAutomation } from "./fake-ssm";
import { MAX_COMMENT_CHARS as MAX_COMMENT_LENGTH } from "../core/limits";
import { parseDecisionForm } from "../lambdas/approval-page/request-parsing";
import { BodyTooLargeError, readBody } from "./request-body";

export const CONSOLE_PATH = "/console/";

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f2f3f3;color:#16191f;line-height:1.45}
header{background:#232f3e;color:#fff;padding:.7rem 1rem;font-size:.95rem}
header b{color:#ff9900}
header .note{color:#d5dbdb}
main{max-width:46rem;margin:0 auto;padding:1rem}
section{background:#fff;border:1px solid #d5dbdb;border-radius:.5rem;padding:1rem;margin-bottom:1rem;overflow-wrap:anywhere}
h1{font-size:1.25rem;margin:.2rem 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem .8rem;margin:0}
dt{color:#545b64}
dd{margin:0}
pre{white-space:pre-wrap;font:inherit;margin:0}
.note{color:#545b64;font-size:.9rem}
.status{font-weight:600}
fieldset{border:0;padding:0;margin:0 0 .8rem}
label{display:block;margin:.3rem 0}
textarea{width:100%;box-sizing:border-box;min-height:5rem;font:inherit}
button{background:#ec7211;color:#fff;border:0;border-radius:.3rem;padding:.55rem 1.2rem;font:inherit;font-weight:600}
`;
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");
const CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

export type ConsoleView =
  | { kind: "automation"; automation: LocalAutomation; principal: string; notice?: string }
  | { kind: "notFound" }
  | { kind: "problem"; statusCode: number; message: string };

export interface ConsoleResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const STATUS_TEXT: Record<string, string> = {
  Pending: "Pending",
  Waiting: "Waiting for approval",
  Success: "Approved (step Success)",
  Failed: "Rejected (step Failed)",
  TimedOut: "Timed out",
  Cancelled: "Cancelled",
};

function page(statusCode: number, title: string, content: string): ConsoleResponse {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><b>AWS</b> Systems Manager &rsaquo; Automation <span class="note">(local stand-in of the console)</span></header>
<main>${content}</main></body></html>`;
  return {
    statusCode,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CSP,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
    body,
  };
}

function automationSection(automation: LocalAutomation, principal: string): string {
  const message = automation.parameters[P.message]?.[0] ?? "";
  const rows: [string, string][] = [
    ["Execution ID", automation.id],
    ["Document", automation.documentName],
    ["Step", "approve (aws:approve)"],
    ["Status", STATUS_TEXT[automation.stepStatus] ?? automation.stepStatus],
    ["Signed in as", principal],
  ];
  if (automation.decision) {
    rows.push([
      "Decision",
      `${automation.decision.decision} by ${automation.decision.approver} at ${automation.decision.at.toISOString()}`,
    ]);
    if (automation.decision.comment) rows.push(["Comment", automation.decision.comment]);
  }
  const list = rows
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd${k === "Status" ? ' class="status"' : ""}>${escapeHtml(v)}</dd>`)
    .join("");
  return `<section><h1>Approve/Deny</h1><dl>${list}</dl></section><section><pre>${escapeHtml(message)}</pre></section>`;
}

const FORM = `<section><form method="post">
<fieldset><legend>Your decision</legend>
<label><input type="radio" name="decision" value="approve" required> Approve</label>
<label><input type="radio" name="decision" value="reject"> Deny</label></fieldset>
<label for="comment">Comment (optional)</label>
<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_LENGTH}"></textarea>
<p><button type="submit">Submit</button></p></form></section>`;

export function renderConsolePage(view: ConsoleView): ConsoleResponse {
  if (view.kind === "notFound")
    return page(404, "Not found", `<section><h1>Automation execution not found</h1></section>`);
  if (view.kind === "problem")
    return page(view.statusCode, "Problem", `<section><h1>${escapeHtml(view.message)}</h1></section>`);
  const { automation, principal, notice } = view;
  const top = notice ? `<section><p class="status">${escapeHtml(notice)}</p></section>` : "";
  const waiting = automation.stepStatus === "Waiting";
  const tail = waiting
    ? FORM
    : `<section><p class="note">This automation is no longer waiting for approval; there is nothing to decide.</p></section>`;
  return page(200, `Automation ${automation.id}`, top + automationSection(automation, principal) + tail);
}

export interface ConsoleDeps {
  automation(id: string): LocalAutomation | undefined;
  /** SendAutomationSignal as the approver; resolves once the step's event has been handled. */
  decide(id: string, decision: "approve" | "reject", comment: string | undefined): Promise<void>;
}

const principalOf = (automation: LocalAutomation) => automation.parameters[P.approvers]?.[0] ?? "unknown";

/** The methods the console page answers (the `Allow` header of a 405). */
export const CONSOLE_METHODS = "GET, HEAD, POST";

/** The automation id of `/console/<id>`, or undefined when the path does not decode (bad percent-encoding). */
function automationIdOf(url: string): string | undefined {
  try {
    return decodeURIComponent(url.slice(CONSOLE_PATH.length).split(/[?#]/)[0]);
  } catch {
    return undefined;
  }
}

function send(req: IncomingMessage, res: ServerResponse, response: ConsoleResponse): void {
  // HEAD gets GET's headers, Content-Length included, and no body.
  res.writeHead(response.statusCode, {
    ...response.headers,
    "content-length": String(Buffer.byteLength(response.body)),
  });
  res.end(req.method === "HEAD" ? undefined : response.body);
}

const problem = (statusCode: number, message: string) => renderConsolePage({ kind: "problem", statusCode, message });

/**
 * The decision form, read by the approval page's own rule (parseDecisionForm): one decision; a
 * comment counted as the browser's maxlength counts it (CRLF line breaks as one character, tabs
 * as spaces) and stored with LF line breaks; any other control character refused.
 */
async function readDecision(
  req: IncomingMessage,
): Promise<{ decision: "approve" | "reject"; comment?: string } | ConsoleResponse> {
  let text: string;
  try {
    text = (await readBody(req, 16 * 1024)).toString("utf8");
  } catch (error) {
    return problem(error instanceof BodyTooLargeError ? 413 : 400, "The form could not be read.");
  }
  const form = parseDecisionForm(text);
  if (!form.ok) return problem(400, form.problem.replace("Approve or Reject", "Approve or Deny"));
  return form.comment === undefined ? { decision: form.decision } : { decision: form.decision, comment: form.comment };
}

/** Serves GET, HEAD and POST of `/console/<id>`; any other method is 405 with `Allow`. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, deps: ConsoleDeps): Promise<void> {
  const id = automationIdOf(req.url ?? "");
  const automation = id === undefined ? undefined : deps.automation(id);
  if (id === undefined || !automation) return send(req, res, renderConsolePage({ kind: "notFound" }));
  const principal = principalOf(automation);
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD")
    return send(req, res, renderConsolePage({ kind: "automation", automation, principal }));
  if (method !== "POST") {
    const refused = problem(405, "This page answers GET, HEAD and POST only: use the form.");
    return send(req, res, { ...refused, headers: { ...refused.headers, allow: CONSOLE_METHODS } });
  }
  const form = await readDecision(req);
  if ("statusCode" in form) return send(req, res, form);
  if (automation.stepStatus !== "Waiting") {
    const notice = "Nothing was submitted: this automation no longer waits for approval.";
    return send(req, res, {
      ...renderConsolePage({ kind: "automation", automation, principal, notice }),
      statusCode: 409,
    });
  }
  await deps.decide(id, form.decision, form.comment);
  const notice = form.decision === "approve" ? "You approved this step." : "You denied this step.";
  return send(req, res, renderConsolePage({ kind: "automation", automation, principal, notice }));
}
