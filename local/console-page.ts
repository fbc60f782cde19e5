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
import { BodyTooLargeError, readBody } from "./request-body";

export const CONSOLE_PATH = "/console/";
const MAX_COMMENT_LENGTH = 1000;

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

/** Serves GET, HEAD and POST of `/console/<id>`. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, deps: ConsoleDeps): Promise<void> {
  const respond = (response: ConsoleResponse) => {
    res.writeHead(response.statusCode, {
      ...response.headers,
      "content-length": String(Buffer.byteLength(response.body)),
    });
    res.end(req.method === "HEAD" ? undefined : response.body);
  };
  const id = decodeURIComponent((req.url ?? "").slice(CONSOLE_PATH.length).split(/[?#]/)[0]);
  const automation = deps.automation(id);
  if (!automation) return respond(renderConsolePage({ kind: "notFound" }));
  const principal = principalOf(automation);
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD")
    return respond(renderConsolePage({ kind: "automation", automation, principal }));
  if (method !== "POST")
    return respond(renderConsolePage({ kind: "problem", statusCode: 405, message: "Use the form." }));

  let form: URLSearchParams;
  try {
    form = new URLSearchParams((await readBody(req, 16 * 1024)).toString("utf8"));
  } catch (error) {
    return respond(
      renderConsolePage({
        kind: "problem",
        statusCode: error instanceof BodyTooLargeError ? 413 : 400,
        message: "The form could not be read.",
      }),
    );
  }
  const decision = form.get("decision");
  const comment = form.get("comment") ?? undefined;
  if (decision !== "approve" && decision !== "reject") {
    return respond(renderConsolePage({ kind: "problem", statusCode: 400, message: "Choose Approve or Deny." }));
  }
  if (comment !== undefined && comment.length > MAX_COMMENT_LENGTH) {
    return respond(
      renderConsolePage({
        kind: "problem",
        statusCode: 400,
        message: `The comment is longer than ${MAX_COMMENT_LENGTH} characters.`,
      }),
    );
  }
  if (automation.stepStatus !== "Waiting") {
    return respond({
      ...renderConsolePage({
        kind: "automation",
        automation,
        principal,
        notice: "Nothing was submitted: this automation no longer waits for approval.",
      }),
      statusCode: 409,
    });
  }
  await deps.decide(id, decision, comment);
  const notice = decision === "approve" ? "You approved this step." : "You denied this step.";
  return respond(renderConsolePage({ kind: "automation", automation, principal, notice }));
}
