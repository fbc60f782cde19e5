/**
 * Automated reviewers in the sandbox, in a real headless Chromium: the usual flow, stage 1 an
 * automated review, stage 2 the people. Stage 1 has the shipped Bedrock reviewer advising (the
 * local Converse stand-in, answering from a rules file); stage 2 asks a person and a team's
 * function reviewer that votes (a local module, --reviewer), quorum 2. The person sees the
 * automated advice on their page and in their email before deciding; the advice does not count.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { parseStackConfig } from "../../channels/registry";
import { startSandbox, type ApproverAsked, type Sandbox } from "../../local/sandbox";
import { launchChromium } from "../helpers/browser";

const FIXTURES = resolve(__dirname, "..", "fixtures", "reviewers");
const LINT_ARN = "arn:aws:lambda:eu-west-1:000000000000:function:change-lint";

const settings = parseStackConfig({
  stages: [
    {
      name: "pre-review",
      approvers: [
        {
          name: "risk-model",
          reviewer: {
            bedrockModel: "eu.anthropic.claude-3-5-haiku-20241022-v1:0",
            instructions: "Reject database migrations without a tested rollback.",
          },
        },
      ],
    },
    {
      name: "owners",
      approvers: [
        { name: "finance", email: "finance-lead@example.com" },
        { name: "lint", mode: "vote", reviewer: { function: LINT_ARN } },
      ],
    },
  ],
});

const request = {
  subject: "Deploy billing 2.4.0",
  details: "Database migration 0042 rewrites the invoices table.",
  requestedBy: "release-bot",
};

const textOf = async (page: Page) => (await page.locator("body").innerText()).replace(/\s+/g, " ");

describe("sandbox in a real browser: automated review in stage 1, people in stage 2", function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let browser: Browser;
  let finance: ApproverAsked;

  before(async () => {
    sandbox = await startSandbox({
      settings,
      request,
      port: 0,
      reviewers: {
        modules: { lint: resolve(FIXTURES, "change-lint.ts") },
        bedrockRules: resolve(FIXTURES, "bedrock-rules.json"),
      },
    });
    browser = await launchChromium();
    [finance] = await sandbox.stageAsked(1);
  });
  after(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it("records stage 1's review as advice: shown, not counted, and the stage moves on", async () => {
    const record = await sandbox.readRequest();
    const advice = record!.stages[0].votes["risk-model"];
    assert.equal(advice.decision, "reject");
    assert.equal(advice.channel, "automated");
    assert.equal(advice.decidedBy, "eu.anthropic.claude-3-5-haiku-20241022-v1:0");
    assert.deepEqual(record!.stages[0].advisors, ["risk-model"]);
    assert.equal(record!.stages[0].declined, 0, "advice is not counted");
  });

  it("shows the person asked in stage 2 the automated advice on their page, and their email", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(finance.link);
      const text = await textOf(page);
      assert.ok(
        text.includes(
          "Automated review: reject — Migration 0042 changes the invoices table and names no tested rollback.",
        ),
        text,
      );
      assert.ok(text.includes("risk-model, stage 1, pre-review"), text);
      assert.ok(text.includes("it does not count toward any quorum"), text);
      assert.ok(finance.email?.message.includes("Automated review: reject — Migration 0042"), finance.email?.message);

      await Promise.all([page.waitForLoadState("load"), page.click("button[value=approve]")]);
      assert.match(await textOf(page), /recorded/i);
    } finally {
      await page.close();
    }
    const result = await sandbox.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.equal(result.output?.outcome, "approved");
    const advice = result.output?.decisions.find((d) => d.approver === "risk-model");
    assert.equal(advice?.mode, "advice");
    const lint = result.output?.decisions.find((d) => d.approver === "lint");
    assert.deepEqual([lint?.decision, lint?.channel, lint?.decidedBy], ["approve", "automated", LINT_ARN]);
  });
});
