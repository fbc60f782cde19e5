/**
 * The sandbox end to end, in a real headless Chromium: one approval round with three approvers
 * and quorum 2, decided through the approval pages as people would, with the workflow's own
 * definition and handlers underneath (local/sandbox.ts).
 *
 * The round is one story, so the steps run in order and share the sandbox: mail scanners first
 * (they must decide nothing), then finance approves and security rejects (still open: one
 * rejection leaves the quorum reachable), then platform approves, which approves the request.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { parseWorkflowConfig } from "../components/config";
import { decisionLine, outcomeText } from "../local/report";
import { startSandbox, type ApproverAsked, type Sandbox, type SandboxEvent } from "../local/sandbox";
import { launchChromium } from "./helpers/browser";

const OUTPUT_DIR = resolve(__dirname, "..", "test-output");
const PHONE = { width: 375, height: 740 };

const settings = parseWorkflowConfig({
  approvers: [
    { name: "finance", email: "finance-lead@example.com" },
    { name: "security", email: "security@example.com" },
    { name: "platform", email: "platform-oncall@example.com" },
  ],
  quorum: 2,
  approvalTimeout: "72h",
});

const request = {
  subject: "Deploy payments-api 2.4.0 to production",
  details: "Database migration 0042 adds an index online.\nRollback: redeploy 2.3.9.",
  reviewUrl: "https://github.com/example/payments-api/pull/42",
  requestedBy: "release-bot",
};

/** A page's text, whitespace collapsed, for assertions that do not depend on markup. */
async function textOf(page: Page): Promise<string> {
  return (await page.locator("body").innerText()).replace(/\s+/g, " ");
}

/** The page's full width: more than the viewport means horizontal scrolling. (A string: tsconfig has no DOM types.) */
async function scrollWidthOf(page: Page): Promise<number> {
  return Number(await page.evaluate("document.documentElement.scrollWidth"));
}

describe("sandbox in a real browser: a whole approval round through the approval pages", function () {
  this.timeout(120_000);

  let sandbox: Sandbox;
  let browser: Browser;
  let context: BrowserContext;
  let links: Map<string, ApproverAsked>;
  const events: SandboxEvent[] = [];

  before(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    sandbox = await startSandbox({ settings, request, port: 0, onEvent: (event) => events.push(event) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const asked = await sandbox.allAsked;
    links = new Map(asked.map((entry) => [entry.approver, entry]));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sandbox?.stop();
  });

  it("asks every approver with one email holding their personal approval link, and serves only on 127.0.0.1", () => {
    assert.deepEqual([...links.keys()], ["finance", "security", "platform"]);
    assert.match(sandbox.pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const [name, entry] of links) {
      assert.match(entry.link, new RegExp(`^${sandbox.pageUrl.replace(/\./g, "\\.")}r/[A-Za-z0-9_-]{43}$`), name);
      assert.ok(entry.email?.message.includes(entry.link), `the email to ${name} carries its link`);
      assert.equal(entry.email?.subject, `Approval requested: ${request.subject}`);
    }
    assert.equal(new Set([...links.values()].map((e) => e.link)).size, 3, "each approver has a link of their own");
  });

  it("decides nothing when a mail scanner fetches every link with GET and HEAD", async () => {
    const before = await sandbox.readRequest();
    for (const { link } of links.values()) {
      const get = await fetch(link);
      assert.equal(get.status, 200);
      assert.match(await get.text(), /Your decision is needed/);
      const head = await fetch(link, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal((await head.arrayBuffer()).byteLength, 0, "HEAD has no body");
    }
    const after = await sandbox.readRequest();
    assert.ok(before && after);
    assert.deepEqual(after, before, "the request record is unchanged");
    assert.deepEqual(after.votes, {});
    assert.equal(after.approvals + after.rejections + after.expirations, 0);
    assert.equal(sandbox.decisions.length, 0);
  });

  it("shows the request on a 375-pixel-wide screen without horizontal scrolling, and saves a screenshot", async () => {
    const page = await context.newPage();
    try {
      await page.goto(links.get("finance")!.link);
      assert.equal(await page.locator("h1").innerText(), request.subject);
      const text = await textOf(page);
      for (const expected of [
        "Database migration 0042 adds an index online.",
        "release-bot",
        request.reviewUrl,
        "finance",
        "finance-lead@example.com",
        "Open, waiting for decisions",
        "2 of 3 approvals needed",
      ]) {
        assert.ok(text.includes(expected), `the page shows "${expected}"`);
      }
      const scrollWidth = await scrollWidthOf(page);
      assert.ok(scrollWidth <= PHONE.width, `page is ${scrollWidth}px wide on a ${PHONE.width}px screen`);
      await page.screenshot({ path: join(OUTPUT_DIR, "approval-page-375.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("records finance's approval and security's rejection with their comments, and says so on each page", async () => {
    const finance = await context.newPage();
    const security = await context.newPage();
    try {
      await finance.goto(links.get("finance")!.link);
      await security.goto(links.get("security")!.link);

      await finance.fill("textarea[name=comment]", "Numbers check out <b>really</b>");
      await Promise.all([finance.waitForLoadState("load"), finance.click("button[value=approve]")]);
      const financeText = await textOf(finance);
      assert.match(financeText, /Your approval was recorded, waiting for the others\./);
      assert.match(financeText, /Numbers check out <b>really<\/b>/, "the comment is shown as text, not markup");
      assert.equal(await finance.locator("b").count(), 0);

      await security.fill("textarea[name=comment]", "Needs a tested rollback plan");
      await Promise.all([security.waitForLoadState("load"), security.click("button[value=reject]")]);
      const securityText = await textOf(security);
      assert.match(securityText, /Your rejection was recorded, waiting for the others\./);
      assert.match(securityText, /Needs a tested rollback plan/);
      assert.match(securityText, /1 approved, 1 rejected/);

      const scrollWidth = await scrollWidthOf(security);
      assert.ok(scrollWidth <= PHONE.width, `the answer page is ${scrollWidth}px wide on a ${PHONE.width}px screen`);
      await security.screenshot({ path: join(OUTPUT_DIR, "approval-recorded-375.png"), fullPage: true });

      const record = await sandbox.readRequest();
      assert.equal(record?.status, "open", "one rejection of three with quorum 2 leaves the request open");
      assert.equal(record?.votes.finance?.comment, "Numbers check out <b>really</b>");
      assert.equal(record?.votes.security?.decision, "reject");
    } finally {
      await finance.close();
      await security.close();
    }
  });

  it("approves the request when platform's approval completes the quorum, with the right output and printed lines", async () => {
    const platform = await context.newPage();
    try {
      await platform.goto(links.get("platform")!.link);
      await Promise.all([platform.waitForLoadState("load"), platform.click("button[value=approve]")]);
      assert.match(await textOf(platform), /Recorded\. This completed the quorum: the request is approved\./);
    } finally {
      await platform.close();
    }

    const result = await sandbox.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.equal(result.output?.outcome, "approved");
    const decisions = result.output!.decisions.map(({ approver, decision, comment, decidedBy, channel }) => ({
      approver,
      decision,
      comment,
      decidedBy,
      channel,
    }));
    assert.deepEqual(decisions, [
      {
        approver: "finance",
        decision: "approve",
        comment: "Numbers check out <b>really</b>",
        decidedBy: "finance-lead@example.com",
        channel: "link",
      },
      {
        approver: "security",
        decision: "reject",
        comment: "Needs a tested rollback plan",
        decidedBy: "security@example.com",
        channel: "link",
      },
      {
        approver: "platform",
        decision: "approve",
        comment: undefined,
        decidedBy: "platform-oncall@example.com",
        channel: "link",
      },
    ]);
    assert.equal(result.output?.request.subject, request.subject);

    // What the CLI prints for this round: each decision as it arrived, then the outcome.
    assert.deepEqual(
      sandbox.decisions.map((d) => d.approver),
      ["finance", "security", "platform"],
    );
    const printed = sandbox.decisions.map(decisionLine);
    assert.match(
      printed[0],
      /finance approved: "Numbers check out <b>really<\/b>" \(finance-lead@example\.com, link\)$/,
    );
    assert.match(printed[1], /security rejected: "Needs a tested rollback plan" \(security@example\.com, link\)$/);
    assert.match(printed[2], /platform approved \(platform-oncall@example\.com, link\)$/);
    assert.match(outcomeText(result), /Outcome: APPROVED \(2 of 3 approved; quorum 2\)/);
    assert.deepEqual(
      events.filter((e) => e.type === "decision" || e.type === "closed").map((e) => e.type),
      ["decision", "decision", "decision", "closed"],
      "decisions are reported before the outcome",
    );
  });

  it("shows every link as closed after the request closed, and records nothing more", async () => {
    const page = await context.newPage();
    try {
      await page.goto(links.get("security")!.link);
      const text = await textOf(page);
      assert.match(text, /This request is closed: approved\./);
      assert.match(text, /Your decision: Rejected/);
      assert.equal(await page.locator("form button[value=approve]").count(), 0, "no form once closed");
    } finally {
      await page.close();
    }

    const late = await fetch(links.get("finance")!.link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "decision=reject&comment=changed+my+mind",
    });
    assert.equal(late.status, 409);
    const record = await sandbox.readRequest();
    assert.equal(record?.status, "closed");
    assert.equal(record?.votes.finance?.decision, "approve", "the late decision changed nothing");
  });
});
