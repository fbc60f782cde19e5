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
import { parseWorkflowConfig } from "../components/config";
import { startSandbox, type ApproverAsked, type Sandbox } from "../local/sandbox";
import { launchChromium } from "./helpers/browser";

const OUTPUT_DIR = resolve(__dirname, "..", "test-output");
const PHONE = { width: 375, height: 740 };
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

const settings = parseWorkflowConfig({
  approvers: [
    { name: "finance", email: "finance-lead@example.com" },
    { name: "security", email: "security@example.com", iamPrincipal: role("SecurityApprover") },
    { name: "audit", email: "audit@example.com", iamPrincipal: role("AuditApprover") },
    { name: "ops", email: "ops@example.com", iamPrincipal: role("OpsApprover") },
  ],
  quorum: 2,
  approvalTimeout: "24h",
});

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
    asked = new Map((await sandbox.allAsked).map((entry) => [entry.approver, entry]));
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

  it("decides nothing when the console links are fetched with GET and HEAD", async () => {
    const before = await sandbox.readRequest();
    for (const name of ["security", "audit", "ops"]) {
      const { link } = asked.get(name)!;
      assert.equal((await fetch(link)).status, 200);
      assert.equal((await fetch(link, { method: "HEAD" })).status, 200);
    }
    assert.deepEqual(await sandbox.readRequest(), before);
    assert.deepEqual(before?.votes, {});
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
      await page.fill("textarea[name=comment]", "Port 443 is already open on the old balancer");
      await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
      const after = await textOf(page);
      assert.match(after, /You denied this step\./);
      assert.match(after, /Rejected \(step Failed\)/);
      assert.equal(await page.locator("form").count(), 0, "nothing left to decide");
    } finally {
      await page.close();
    }
    const record = await sandbox.readRequest();
    assert.equal(record?.status, "open", "one rejection of four with quorum 2 leaves the request open");
    assert.deepEqual(record?.votes.audit && { ...record.votes.audit, decidedAt: "-" }, {
      decision: "reject",
      comment: "Port 443 is already open on the old balancer",
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
      assert.equal((await sandbox.readRequest())?.votes.security?.decision, "approve");

      await link.goto(asked.get("finance")!.link);
      await Promise.all([link.waitForLoadState("load"), link.click("button[value=approve]")]);
      assert.match(await textOf(link), /This completed the quorum: the request is approved\./);
    } finally {
      await console.close();
      await link.close();
    }

    const result = await sandbox.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.equal(result.output?.outcome, "approved");
    assert.deepEqual(
      result.output!.decisions.map(({ approver, decision, decidedBy, channel }) => ({
        approver,
        decision,
        decidedBy,
        channel,
      })),
      [
        { approver: "finance", decision: "approve", decidedBy: "finance-lead@example.com", channel: "link" },
        { approver: "security", decision: "approve", decidedBy: role("SecurityApprover"), channel: "iam" },
        { approver: "audit", decision: "reject", decidedBy: role("AuditApprover"), channel: "iam" },
        { approver: "ops", decision: "none", decidedBy: undefined, channel: undefined },
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
    assert.equal((await sandbox.readRequest())?.votes.ops, undefined, "ops decided nothing");
  });
});
