/**
 * The sandbox with iam approvers, in a real headless Chromium: they are asked through the local
 * SSM Automation (ssm-start), get SSM's notice on their topic, and decide on the local stand-in
 * of the console's Approve/Deny page; the step's EventBridge event reaches ssm-result, which
 * records the decision, as on AWS. Closing the request stops the automations still waiting.
 *
 * One round, in order: finance (link) and three iam approvers, quorum 2 of 4. Audit denies,
 * security approves in the console, finance approves through its link: approved, and ops's
 * automation, still waiting, is cancelled by the close.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { parseStackConfig } from "../../channels/registry";
import { FLAT_STAGE_NAME } from "../../core/config";
import { startSandbox, type ApproverAsked, type Sandbox } from "../../local/sandbox";
import { launchChromium } from "../helpers/browser";

const OUTPUT_DIR = resolve(__dirname, "..", "..", "test-output");
const PHONE = { width: 375, height: 740 };
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

const settings = parseStackConfig({
  approvers: [
    { name: "finance", email: "finance-lead@example.com" },
    { name: "security", email: "security@example.com", iamPrincipal: role("SecurityApprover") },
    { name: "audit", email: "audit@example.com", iamPrincipal: role("AuditApprover") },
    { name: "ops", email: "ops@example.com", iamPrincipal: role("OpsApprover") },
  ],
  quorum: 2,
  approvalTimeout: "24h",
});

/**
 * A comment of exactly 1,000 characters with line breaks: the textarea's maxlength counts each
 * line break as one character, the browser sends it as CRLF (1,009 characters on the wire), and
 * the console counts and stores it as the approval page does, with LF.
 */
const AUDIT_COMMENT = (() => {
  const lines = ["Port 443 is already open on the old balancer."];
  while (lines.join("\n").length < 1000 - 40)
    lines.push(`Checked listener rule ${lines.length}: forwards to the old pool.`);
  const text = lines.join("\n");
  return `${text}\n${"x".repeat(1000 - text.length - 1)}`;
})();

const request = { subject: "Open port 443 on the payments load balancer", requestedBy: "netops" };

async function textOf(page: Page): Promise<string> {
  return (await page.locator("body").innerText()).replace(/\s+/g, " ");
}

async function scrollWidthOf(page: Page): Promise<number> {
  return Number(await page.evaluate("document.documentElement.scrollWidth"));
}

describe("sandbox with iam approvers: the SSM console stand-in, EventBridge and ssm-result", function () {
  this.timeout(120_000);

  let sandbox: Sandbox;
  let browser: Browser;
  let context: BrowserContext;
  let asked: Map<string, ApproverAsked>;

  before(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    sandbox = await startSandbox({ settings, request, port: 0 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    asked = new Map((await sandbox.stageAsked(0)).map((entry) => [entry.approver, entry]));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sandbox?.stop();
  });

  it("asks each iam approver through SSM: a console link and SSM's notice on their topic", () => {
    assert.deepEqual([...asked.keys()], ["finance", "security", "audit", "ops"]);
    assert.equal(asked.get("finance")?.channel, "link");
    for (const name of ["security", "audit", "ops"]) {
      const entry = asked.get(name)!;
      assert.equal(entry.channel, "iam");
      assert.equal(entry.address, role(`${name[0].toUpperCase()}${name.slice(1)}Approver`));
      assert.match(entry.link, /\/console\/[0-9a-f-]{36}$/);
      assert.equal(entry.recipient, `${name}@example.com`, "the topic delivers to the approver's email");
      assert.ok(
        entry.email?.topicArn.endsWith(`:Automation-${name}-local`),
        "the notice goes to the approver's Automation topic",
      );
      assert.ok(entry.email?.message.includes(entry.link));
      assert.ok(
        entry.email?.message.includes(`Approval requested: ${request.subject}`),
        "the notice carries ssm-start's message",
      );
    }
  });

  it("decides nothing when the console links are fetched with GET and HEAD; HEAD carries GET's Content-Length and no body", async () => {
    const before = await sandbox.readRequest();
    for (const name of ["security", "audit", "ops"]) {
      const { link } = asked.get(name)!;
      const get = await fetch(link);
      assert.equal(get.status, 200);
      const body = await get.text();
      const head = await fetch(link, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal((await head.arrayBuffer()).byteLength, 0, "HEAD has no body");
      assert.equal(head.headers.get("content-length"), String(Buffer.byteLength(body)), `${name}: GET's length`);
    }
    assert.deepEqual(await sandbox.readRequest(), before);
    assert.deepEqual(before?.stages[0].votes, {});
  });

  it("answers what the console page cannot take with a page of its own, deciding nothing: bad percent-encoding 404, PUT 405 with Allow, a control character 400", async () => {
    const { link } = asked.get("ops")!;
    for (const path of ["console/%E0%A4%A", "console/%", `console/${link.split("/").pop()}%ZZ`]) {
      const response = await fetch(`${sandbox.pageUrl}${path}`);
      assert.equal(response.status, 404, path);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'/);
      assert.match(await response.text(), /Automation execution not found/);
    }

    const put = await fetch(link, { method: "PUT", body: "decision=approve" });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET, HEAD, POST");
    assert.match(await put.text(), /answers GET, HEAD and POST only/);

    const escape = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ decision: "approve", comment: "fine\u001b[1A\u001b[2K  audit approved" }).toString(),
    });
    assert.equal(escape.status, 400);
    assert.match(await escape.text(), /control character \(U\+001B\)/);

    assert.match(await (await fetch(link)).text(), /Waiting for approval/, "ops's step still waits");
    assert.deepEqual((await sandbox.readRequest())?.stages[0].votes, {});
  });

  it("records audit's denial from the console page, as the principal SSM reports, and keeps the request open", async () => {
    const page = await context.newPage();
    try {
      await page.goto(asked.get("audit")!.link);
      const text = await textOf(page);
      assert.match(text, /Waiting for approval/);
      assert.ok(text.includes(`Signed in as ${role("AuditApprover")}`));
      assert.ok(text.includes(`Approval requested: ${request.subject}`));
      assert.ok((await scrollWidthOf(page)) <= PHONE.width, "the console page fits a 375-pixel screen");
      await page.screenshot({ path: join(OUTPUT_DIR, "console-page-375.png"), fullPage: true });

      await page.check("input[value=reject]");
      assert.equal(AUDIT_COMMENT.length, 1000);
      assert.ok(AUDIT_COMMENT.split("\n").length > 10, "the comment has line breaks");
      await page.fill("textarea[name=comment]", AUDIT_COMMENT);
      await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
      const after = await textOf(page);
      assert.match(after, /You denied this step\./);
      assert.match(after, /Rejected \(step Failed\)/);
      assert.ok(after.includes("Checked listener rule 1: forwards to the old pool."), "the comment is shown");
      assert.equal(await page.locator("form").count(), 0, "nothing left to decide");
    } finally {
      await page.close();
    }
    const record = await sandbox.readRequest();
    assert.equal(record?.status, "open", "one rejection of four with quorum 2 leaves the request open");
    assert.deepEqual(record?.stages[0].votes.audit && { ...record.stages[0].votes.audit, decidedAt: "-" }, {
      decision: "reject",
      comment: AUDIT_COMMENT,
      decidedAt: "-",
      decidedBy: role("AuditApprover"),
      channel: "iam",
    });
  });

  it("approves when security approves in the console and finance through its link; ops's waiting automation is cancelled", async () => {
    const console = await context.newPage();
    const link = await context.newPage();
    try {
      await console.goto(asked.get("security")!.link);
      await console.check("input[value=approve]");
      await Promise.all([console.waitForLoadState("load"), console.click("button[type=submit]")]);
      assert.match(await textOf(console), /You approved this step\./);
      assert.equal((await sandbox.readRequest())?.stages[0].votes.security?.decision, "approve");

      await link.goto(asked.get("finance")!.link);
      await Promise.all([link.waitForLoadState("load"), link.click("button[value=approve]")]);
      assert.match(
        await textOf(link),
        /This completed the quorum: the stage is approved and the request is approved\./,
      );
    } finally {
      await console.close();
      await link.close();
    }

    const result = await sandbox.result;
    const stage = FLAT_STAGE_NAME;
    assert.equal(result.status, "SUCCEEDED");
    assert.equal(result.output?.outcome, "approved");
    assert.deepEqual(
      result.output!.decisions.map(({ stage, approver, decision, decidedBy, channel }) => ({
        stage,
        approver,
        decision,
        decidedBy,
        channel,
      })),
      [
        { stage, approver: "finance", decision: "approve", decidedBy: "finance-lead@example.com", channel: "link" },
        { stage, approver: "security", decision: "approve", decidedBy: role("SecurityApprover"), channel: "iam" },
        { stage, approver: "audit", decision: "reject", decidedBy: role("AuditApprover"), channel: "iam" },
        { stage, approver: "ops", decision: "none", decidedBy: undefined, channel: undefined },
      ],
    );

    const ops = await context.newPage();
    try {
      await ops.goto(asked.get("ops")!.link);
      const text = await textOf(ops);
      assert.match(text, /Cancelled/, "close-request stopped ops's automation");
      assert.equal(await ops.locator("form").count(), 0);
    } finally {
      await ops.close();
    }
    const late = await fetch(asked.get("ops")!.link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "decision=approve",
    });
    assert.equal(late.status, 409);
    assert.equal((await sandbox.readRequest())?.stages[0].votes.ops, undefined, "ops decided nothing");
  });
});
