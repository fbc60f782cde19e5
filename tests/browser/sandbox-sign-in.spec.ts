/**
 * The sandbox with sign-in (`npm start -- --sign-in`), in a real headless Chromium: the approval
 * pages of a one-stage request (lead and finance, both needed) behind a real OpenID Provider on
 * loopback (oidc-provider). One story, in order: without a session a page only shows the request;
 * signed in as the wrong person, lead's page is a 403 saying who is signed in and who may decide,
 * and a decision posted to it records nothing; signed in as lead, lead's approval is recorded with
 * the verified identity; an expired or tampered session means signing in again; finance then
 * signs in (switching from lead's single sign-on session) and approves, which approves the request.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { parseStackConfig } from "../../channels/registry";
import { seal, SESSION_COOKIE } from "../../lambdas/approval-page/sign-in/session";
import { startSandbox, type ApproverAsked, type Sandbox } from "../../local/sandbox";
import { launchChromium } from "../helpers/browser";

const settings = parseStackConfig({
  stages: [
    {
      name: "owners",
      approvers: [
        { name: "lead", email: "release-lead@example.com" },
        { name: "finance", email: "finance-lead@example.com" },
      ],
    },
  ],
  approvalTimeout: "72h",
});

async function textOf(page: Page): Promise<string> {
  return (await page.locator("body").innerText()).replace(/\s+/g, " ");
}

describe("sandbox with sign-in, in a real browser", function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let lead: ApproverAsked;
  let finance: ApproverAsked;

  before(async () => {
    sandbox = await startSandbox({
      settings,
      request: { subject: "Rotate the payments signing key", requestedBy: "release-bot" },
      port: 0,
      signIn: true,
    });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    [lead, finance] = await sandbox.stageAsked(0);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sandbox?.stop();
  });

  /** On the local provider's page, sign in as `email`; back on the approval page. */
  async function chooseOnProvider(email: string): Promise<void> {
    await page.waitForURL((url) => url.href.startsWith(sandbox.signIn!.issuer));
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(sandbox.pageUrl) && !url.pathname.startsWith("/auth/")),
      page.click(`button[value="${email}"]`),
    ]);
  }

  const votes = async () => (await sandbox.readRequest())!.stages[0].votes;

  it("without a session, the page shows the request and a sign-in button, and no decision form", async () => {
    const response = await page.goto(lead.link);
    assert.equal(response?.status(), 200);
    const text = await textOf(page);
    assert.match(text, /Rotate the payments signing key/);
    assert.match(text, /Sign in to decide/);
    assert.equal(await page.locator("button[name=decision]").count(), 0);
  });

  it("signed in as the wrong person: lead's page is a 403 naming who is signed in and who may decide; a posted decision records nothing", async () => {
    await page.click('a.button:has-text("Sign in to decide")');
    await chooseOnProvider("finance-lead@example.com");
    assert.equal(new URL(page.url()).pathname, new URL(lead.link).pathname);
    const text = await textOf(page);
    assert.match(
      text,
      /You are signed in as finance-lead@example\.com ?\. Only release-lead@example\.com \(lead\) may decide/,
    );
    assert.equal(await page.locator("button[name=decision]").count(), 0);

    // A decision sent to lead's link with finance's session (the form of finance's own page, aimed at lead's link).
    await page.goto(finance.link);
    assert.match(await textOf(page), /Signed in as finance-lead@example\.com/);
    await page.evaluate(`document.querySelector("form").setAttribute("action", ${JSON.stringify(lead.link)})`);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.click("button[value=approve]"),
    ]);
    assert.equal(answer.status(), 403);
    assert.match(await textOf(page), /Only release-lead@example\.com \(lead\) may decide/);
    assert.deepEqual(await votes(), {});
  });

  it("signed in as lead: the approval is recorded with the verified email and identity", async () => {
    await page.goto(lead.link);
    await page.click('a.button:has-text("Sign in as release-lead@example.com")');
    await chooseOnProvider("release-lead@example.com");
    assert.match(await textOf(page), /Signed in as release-lead@example\.com/);
    await page.fill("textarea[name=comment]", "Key ceremony booked");
    await Promise.all([page.waitForLoadState("load"), page.click("button[value=approve]")]);
    assert.match(await textOf(page), /Your approval was recorded/);
    const vote = (await votes()).lead;
    assert.equal(vote.decision, "approve");
    assert.equal(vote.decidedBy, "release-lead@example.com");
    assert.deepEqual(vote.identity, {
      issuer: sandbox.signIn!.issuer,
      subject: sandbox.signIn!.subjectOf("release-lead@example.com"),
    });
  });

  it("an expired or tampered session means signing in again; nothing is recorded meanwhile", async () => {
    const [current] = (await context.cookies(sandbox.pageUrl)).filter((c) => c.name === SESSION_COOKIE);
    assert.ok(current, "the session cookie is set");
    assert.equal(current.httpOnly, true);
    assert.equal(current.sameSite, "Lax");
    const person = { email: "finance-lead@example.com", issuer: sandbox.signIn!.issuer, subject: "x", csrf: "y" };
    const expired = await seal("session", person, sandbox.signIn!.sessionKey, new Date(Date.now() - 3600_000));
    const tampered = `${current.value.slice(0, -4)}${current.value.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    for (const value of [expired, tampered]) {
      await context.addCookies([{ ...current, value }]);
      await page.goto(finance.link);
      assert.match(await textOf(page), /Sign in to decide/);
      const refused = await page.request.post(finance.link, { form: { decision: "approve", csrf: "y" } });
      assert.equal(refused.status(), 401);
      assert.match(await refused.text(), /Sign in again/);
    }
    assert.equal((await votes()).finance, undefined);
  });

  it("finance signs in and approves: the request is approved, each decision with its verified identity", async () => {
    await page.goto(finance.link);
    // The provider still has lead's session (single sign-on): back at once, signed in as lead.
    await Promise.all([
      page.waitForURL((url) => url.pathname === new URL(finance.link).pathname && url.search === ""),
      page.click('a.button:has-text("Sign in to decide")'),
    ]);
    await page.waitForURL((url) => url.pathname === new URL(finance.link).pathname);
    assert.match(
      await textOf(page),
      /You are signed in as release-lead@example\.com ?\. Only finance-lead@example\.com/,
    );
    // Switching person makes the provider authenticate again (max_age=0).
    await page.click('a.button:has-text("Sign in as finance-lead@example.com")');
    await chooseOnProvider("finance-lead@example.com");
    await Promise.all([page.waitForLoadState("load"), page.click("button[value=approve]")]);
    assert.match(await textOf(page), /the request is approved/);
    const result = await sandbox.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.equal(result.output?.outcome, "approved");
    assert.deepEqual(
      result.output?.decisions.map((d) => [d.approver, d.decidedBy, d.identity?.issuer]),
      [
        ["lead", "release-lead@example.com", sandbox.signIn!.issuer],
        ["finance", "finance-lead@example.com", sandbox.signIn!.issuer],
      ],
    );
  });
});
