/**
 * The sandbox end to end, in a real headless Chromium: one approval request in two stages, decided
 * through the approval pages as people would, with the workflow's own definition and handlers
 * underneath (local/sandbox.ts).
 *
 * Stage 1 "pre-review" asks lead alone; stage 2 "owners" asks finance, security and platform with
 * quorum 2. The request is one story, so the steps run in order and share the sandbox: stage 1
 * asks only lead, mail scanners decide nothing, lead approves and stage 2 opens; finance approves
 * and security rejects (still open: one rejection leaves the quorum reachable); platform sees
 * both decisions with their comments on the page and approves, which approves the request.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { parseStackConfig } from "../../channels/registry";
import { decisionLine, outcomeText } from "../../local/report";
import { startSandbox, type ApproverAsked, type Sandbox, type SandboxEvent } from "../../local/sandbox";
import { launchChromium } from "../helpers/browser";

const OUTPUT_DIR = resolve(__dirname, "..", "..", "test-output");
const PHONE = { width: 375, height: 740 };

const settings = parseStackConfig({
  stages: [
    { name: "pre-review", approvers: [{ name: "lead", email: "release-lead@example.com" }] },
    {
      name: "owners",
      quorum: 2,
      approvers: [
        { name: "finance", email: "finance-lead@example.com" },
        { name: "security", email: "security@example.com" },
        { name: "platform", email: "platform-oncall@example.com" },
      ],
    },
  ],
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

async function assertFitsThePhone(page: Page, what: string): Promise<void> {
  const scrollWidth = await scrollWidthOf(page);
  assert.ok(scrollWidth <= PHONE.width, `${what} is ${scrollWidth}px wide on a ${PHONE.width}px screen`);
}

/** Submits the page's form with one of its buttons and waits for the answer page. */
async function decideOn(page: Page, decision: "approve" | "reject", comment?: string): Promise<void> {
  if (comment !== undefined) await page.fill("textarea[name=comment]", comment);
  await Promise.all([page.waitForLoadState("load"), page.click(`button[value=${decision}]`)]);
}

describe("sandbox in a real browser: a two-stage request decided through the approval pages", function () {
  this.timeout(120_000);

  let sandbox: Sandbox;
  let browser: Browser;
  let context: BrowserContext;
  let lead: ApproverAsked;
  let owners: Map<string, ApproverAsked>;
  const events: SandboxEvent[] = [];

  before(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    sandbox = await startSandbox({ settings, request, port: 0, onEvent: (event) => events.push(event) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    [lead] = await sandbox.stageAsked(0);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sandbox?.stop();
  });

  it("asks stage 1's approver alone, with one email holding a personal link, and serves only on 127.0.0.1", () => {
    assert.equal(lead.approver, "lead");
    assert.equal(lead.stage, 0);
    assert.match(sandbox.pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(lead.link, new RegExp(`^${sandbox.pageUrl.replace(/\./g, "\\.")}r/[A-Za-z0-9_-]{43}$`));
    assert.ok(lead.email?.message.includes(lead.link), "the email carries the link");
    assert.equal(lead.email?.subject, `Approval requested: ${request.subject}`);
    assert.deepEqual(
      sandbox.outbox.map((m) => m.topicArn.split(":").pop()),
      ["Automation-lead-local"],
      "nobody of stage 2 is notified while stage 1 is open",
    );
    assert.deepEqual(
      sandbox.asked.map((a) => a.approver),
      ["lead"],
    );
  });

  it("decides nothing when a mail scanner fetches the link with GET and HEAD; HEAD carries GET's Content-Length and no body", async () => {
    const before = await sandbox.readRequest();
    const get = await fetch(lead.link);
    assert.equal(get.status, 200);
    const body = await get.text();
    assert.match(body, /Your decision is needed/);
    const head = await fetch(lead.link, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal((await head.arrayBuffer()).byteLength, 0, "HEAD has no body");
    assert.equal(head.headers.get("content-length"), String(Buffer.byteLength(body)), "HEAD tells GET's length");
    assert.equal(head.headers.get("content-security-policy"), get.headers.get("content-security-policy"));

    const after = await sandbox.readRequest();
    assert.ok(before && after);
    assert.deepEqual(after, before, "the request record is unchanged");
    assert.deepEqual(after.stages[0].votes, {});
    assert.equal(after.stages[0].approvals + after.stages[0].declined, 0);
    assert.equal(sandbox.decisions.length, 0);
  });

  it("shows stage 1 of 2 on lead's page; lead's approval approves the stage and moves the request on to stage 2", async () => {
    const page = await context.newPage();
    try {
      await page.goto(lead.link);
      assert.equal(await page.locator("h1").innerText(), request.subject);
      const text = await textOf(page);
      for (const expected of ["stage 1 of 2: pre-review", "Open, waiting for decisions", "release-bot"]) {
        assert.ok(text.includes(expected), `the page shows "${expected}"`);
      }
      await decideOn(page, "approve", "Change window booked");
      assert.match(
        await textOf(page),
        /Recorded\. This completed the quorum: the stage is approved and the request moves on to stage 2 of 2\./,
      );
    } finally {
      await page.close();
    }
    owners = new Map((await sandbox.stageAsked(1)).map((entry) => [entry.approver, entry]));
    assert.deepEqual(
      [...owners.keys()],
      ["finance", "security", "platform"],
      "stage 2 asks its approvers in config order",
    );
    assert.ok([...owners.values()].every((entry) => entry.stage === 1));
    assert.equal(new Set([...owners.values()].map((e) => e.link)).size, 3, "each approver has a link of their own");
  });

  it("shows stage 2 of 2 on a 375-pixel-wide screen without horizontal scrolling, and saves a screenshot", async () => {
    const page = await context.newPage();
    try {
      await page.goto(owners.get("finance")!.link);
      const text = await textOf(page);
      for (const expected of [
        "stage 2 of 2: owners",
        "Database migration 0042 adds an index online.",
        request.reviewUrl,
        "finance",
        "finance-lead@example.com",
        "Open, waiting for decisions",
        "2 of 3 approvals needed",
        "Nobody else has decided yet.",
      ]) {
        assert.ok(text.includes(expected), `the page shows "${expected}"`);
      }
      assert.ok(!text.includes("Change window booked"), "stage 1's decisions are not stage 2's");
      await assertFitsThePhone(page, "the stage 2 page");
      await page.screenshot({ path: join(OUTPUT_DIR, "approval-page-375.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("records finance's approval and security's rejection with their comments, and says so on each page", async () => {
    const finance = await context.newPage();
    const security = await context.newPage();
    try {
      await finance.goto(owners.get("finance")!.link);
      await security.goto(owners.get("security")!.link);

      await decideOn(finance, "approve", "Numbers check out <b>really</b>");
      const financeText = await textOf(finance);
      assert.match(financeText, /Your approval was recorded, waiting for the others\./);
      assert.match(financeText, /Numbers check out <b>really<\/b>/, "the comment is shown as text, not markup");
      assert.equal(await finance.locator("b").count(), 0);

      await decideOn(security, "reject", "Needs a tested rollback plan");
      const securityText = await textOf(security);
      assert.match(securityText, /Your rejection was recorded, waiting for the others\./);
      assert.match(securityText, /Needs a tested rollback plan/);
      assert.match(securityText, /so far 1 approved, 1 rejected/);
      assert.match(
        securityText,
        /finance: Approved, .*Numbers check out <b>really<\/b>/,
        "finance's decision is listed",
      );
      await assertFitsThePhone(security, "the answer page");
      await security.screenshot({ path: join(OUTPUT_DIR, "approval-recorded-375.png"), fullPage: true });

      const record = await sandbox.readRequest();
      assert.equal(record?.status, "open", "one rejection of three with quorum 2 leaves the request open");
      assert.equal(record?.stages[1].votes.finance?.comment, "Numbers check out <b>really</b>");
      assert.equal(record?.stages[1].votes.security?.decision, "reject");
    } finally {
      await finance.close();
      await security.close();
    }
  });

  it("shows platform who else in stage 2 decided, with their decisions and comments, at 375 px; platform's approval approves the request", async () => {
    const platform = await context.newPage();
    try {
      await platform.goto(owners.get("platform")!.link);
      assert.equal(await platform.locator("h2", { hasText: "Decisions in this stage" }).count(), 1);
      const others = (await platform.locator("ul.others").innerText()).replace(/\s+/g, " ");
      assert.match(
        others,
        /^finance: Approved, .* Numbers check out <b>really<\/b> security: Rejected, .* Needs a tested rollback plan$/,
      );
      assert.ok(!others.includes("lead"), "lead decided in stage 1, not in this one");
      assert.match(await textOf(platform), /stage 2 of 2: owners/);
      await assertFitsThePhone(platform, "the page with the others' decisions");
      await platform.screenshot({ path: join(OUTPUT_DIR, "approval-stage-2-others-375.png"), fullPage: true });

      await decideOn(platform, "approve");
      assert.match(
        await textOf(platform),
        /Recorded\. This completed the quorum: the stage is approved and the request is approved\./,
      );
    } finally {
      await platform.close();
    }
  });

  it("ends approved with each stage's outcome and every decision with its stage, reported in order and printed as the CLI prints them", async () => {
    const result = await sandbox.result;
    assert.equal(result.status, "SUCCEEDED");
    const output = result.output!;
    assert.equal(output.outcome, "approved");
    assert.equal(output.endedInStage, undefined);
    assert.deepEqual(
      output.stages.map(({ name, outcome, quorum }) => ({ name, outcome, quorum })),
      [
        { name: "pre-review", outcome: "approved", quorum: 1 },
        { name: "owners", outcome: "approved", quorum: 2 },
      ],
    );
    const decisions = output.decisions.map(({ stage, approver, decision, comment, decidedBy, channel }) => ({
      stage,
      approver,
      decision,
      comment,
      decidedBy,
      channel,
    }));
    assert.deepEqual(decisions, [
      {
        stage: "pre-review",
        approver: "lead",
        decision: "approve",
        comment: "Change window booked",
        decidedBy: "release-lead@example.com",
        channel: "link",
      },
      {
        stage: "owners",
        approver: "finance",
        decision: "approve",
        comment: "Numbers check out <b>really</b>",
        decidedBy: "finance-lead@example.com",
        channel: "link",
      },
      {
        stage: "owners",
        approver: "security",
        decision: "reject",
        comment: "Needs a tested rollback plan",
        decidedBy: "security@example.com",
        channel: "link",
      },
      {
        stage: "owners",
        approver: "platform",
        decision: "approve",
        comment: undefined,
        decidedBy: "platform-oncall@example.com",
        channel: "link",
      },
    ]);
    assert.deepEqual(output.stages[1].decisions, output.decisions.slice(1), "each stage lists its own decisions");
    assert.equal(output.request.subject, request.subject);

    assert.deepEqual(
      sandbox.decisions.map((d) => [d.stage, d.stageName, d.approver]),
      [
        [0, "pre-review", "lead"],
        [1, "owners", "finance"],
        [1, "owners", "security"],
        [1, "owners", "platform"],
      ],
    );
    const printed = sandbox.decisions.map(decisionLine);
    assert.match(
      printed[0],
      /^ {2}\d\d:\d\d:\d\d {2}lead approved: "Change window booked" \(release-lead@example\.com, link\)$/,
    );
    assert.match(
      printed[1],
      /finance approved: "Numbers check out <b>really<\/b>" \(finance-lead@example\.com, link\)$/,
    );
    assert.match(printed[2], /security rejected: "Needs a tested rollback plan" \(security@example\.com, link\)$/);
    assert.match(printed[3], /platform approved \(platform-oncall@example\.com, link\)$/);
    assert.match(
      outcomeText(result),
      /Outcome: APPROVED\n {2}stage 1 pre-review: approved \(1 of 1 approved; quorum 1\)\n {2}stage 2 owners: approved \(2 of 3 approved; quorum 2\)\n/,
    );

    const story = events
      .filter((e) => !["log", "warning"].includes(e.type))
      .map((e) => ("stage" in e ? `${e.type}:${e.stage}` : e.type));
    assert.deepEqual(
      story,
      [
        "stageOpened:0",
        "asked:0",
        "stageAsked:0",
        "decision:0",
        "stageEnded:0",
        "stageOpened:1",
        "asked:1",
        "asked:1",
        "asked:1",
        "stageAsked:1",
        "decision:1",
        "decision:1",
        "decision:1",
        "stageEnded:1",
        "closed",
      ],
      "each stage opens, is asked, decides and ends before the next one opens; the outcome comes last",
    );
    const ended = events.filter((e) => e.type === "stageEnded");
    assert.deepEqual(
      ended.map((e) => e.type === "stageEnded" && e.outcome),
      ["approved", "approved"],
    );
  });

  it("shows every link as closed after the request closed, and records nothing more", async () => {
    const page = await context.newPage();
    try {
      await page.goto(owners.get("security")!.link);
      const text = await textOf(page);
      assert.match(text, /This request is closed: approved\./);
      assert.match(text, /Your decision: Rejected/);
      assert.equal(await page.locator("form button[value=approve]").count(), 0, "no form once closed");
    } finally {
      await page.close();
    }

    for (const link of [owners.get("finance")!.link, lead.link]) {
      const late = await fetch(link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=reject&comment=changed+my+mind",
      });
      assert.equal(late.status, 409);
    }
    const record = await sandbox.readRequest();
    assert.equal(record?.status, "closed");
    assert.equal(record?.stages[1].votes.finance?.decision, "approve", "the late decision changed nothing");
    assert.equal(record?.stages[0].votes.lead?.decision, "approve");
  });
});
