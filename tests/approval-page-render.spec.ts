import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  ALLOWED_METHODS,
  escapeHtml,
  renderPage,
  safeReviewUrl,
  timeLeft,
  type ApproverView,
  type PageResponse,
  type PageView,
  type RequestView,
  type StageView,
} from "../lambdas/approval-page/render";
import { MAX_COMMENT_CHARS } from "../core/limits";

const NOW = new Date("2030-01-10T09:00:00.000Z");

function stage(overrides: Partial<StageView> = {}): StageView {
  return {
    index: 0,
    count: 1,
    name: "approval",
    quorum: 2,
    voters: 3,
    approvals: 1,
    rejections: 0,
    misses: 0,
    others: [],
    waitingFor: [],
    ...overrides,
  };
}

function request(overrides: Partial<RequestView> = {}, stageOverrides: Partial<StageView> = {}): RequestView {
  return {
    subject: "Deploy billing v2 to production",
    details: "Migrates the invoices table.\nDowntime: none expected.",
    reviewUrl: "https://git.example.com/billing/pull/42",
    requestedBy: "ci@example.com",
    status: "open",
    stage: stage(stageOverrides),
    ...overrides,
  };
}

const approver: ApproverView = {
  name: "finance",
  address: "finance-lead@example.com",
  deadline: "2030-01-13T09:00:00.000Z",
};
const vote = { decision: "approve" as const, comment: "Looks fine.", decidedAt: "2030-01-10T08:30:00.000Z" };

const HOSTILE = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'`;

/** Every page the renderer knows, in one state each. */
const ALL_VIEWS: PageView[] = [
  { kind: "form", request: request(), approver, now: NOW },
  { kind: "recorded", request: request(), approver, vote, signal: "none", delivery: "delivered" },
  { kind: "alreadyDecided", request: request(), approver, vote, attempted: "reject" },
  { kind: "closed", request: request({ status: "closed", outcome: "approved" }), approver, vote },
  { kind: "deadlinePassed", request: request(), approver },
  { kind: "stageEnded", request: request({}, { approvals: 2, outcome: "approved" }), approver },
  {
    kind: "noLongerAsked",
    request: request(),
    approver,
    vote: { decision: "expired", reason: "the deadline passed without a decision", decidedAt: vote.decidedAt },
  },
  { kind: "notFound" },
  { kind: "legacy" },
  { kind: "badRequest", problem: "Choose Approve or Reject." },
  { kind: "unsupportedMediaType" },
  { kind: "methodNotAllowed" },
  { kind: "payloadTooLarge" },
  { kind: "internalError" },
];

/** The body's text with tags removed and whitespace collapsed, for sentence assertions. */
function text(page: PageResponse): string {
  return page.body
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");
}

/** Every tag in the markup: text from the request can only ever appear between them. */
function tags(body: string): string[] {
  return body.match(/<[^>]*>/g) ?? [];
}

describe("approval page rendering", () => {
  describe("escapeHtml", () => {
    it("escapes the five characters that can break out of text or a quoted attribute", () => {
      assert.equal(escapeHtml(`&<>"'`), "&amp;&lt;&gt;&quot;&#39;");
    });

    it("leaves other text, including line breaks and non-ASCII, unchanged", () => {
      assert.equal(escapeHtml("Grüße\nline two"), "Grüße\nline two");
    });

    it("escapes an ampersand once, so entities in the input are shown, not interpreted", () => {
      assert.equal(escapeHtml("&lt;b&gt;"), "&amp;lt;b&amp;gt;");
    });
  });

  describe("safeReviewUrl", () => {
    it("accepts an absolute https URL", () => {
      assert.equal(safeReviewUrl("https://example.com/pr/1?x=1"), "https://example.com/pr/1?x=1");
    });

    for (const bad of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,hi",
      "http://example.com",
      "/relative",
      "//example.com/x",
      "https://user:pw@example.com/",
      "not a url",
    ]) {
      it(`drops ${JSON.stringify(bad)}`, () => {
        assert.equal(safeReviewUrl(bad), undefined);
      });
    }
  });

  describe("hostile request text", () => {
    const hostileRequest = request({
      subject: HOSTILE,
      details: HOSTILE,
      requestedBy: HOSTILE,
      reviewUrl: "javascript:alert(3)",
    });
    const hostileApprover: ApproverView = {
      name: HOSTILE,
      address: `x"@example.com<script>`,
      deadline: approver.deadline,
    };
    const hostileVote = { decision: "approve" as const, comment: HOSTILE, decidedAt: vote.decidedAt };
    const views: PageView[] = [
      { kind: "form", request: hostileRequest, approver: hostileApprover, now: NOW },
      {
        kind: "recorded",
        request: hostileRequest,
        approver: hostileApprover,
        vote: hostileVote,
        signal: "none",
        delivery: "delivered",
      },
      { kind: "alreadyDecided", request: hostileRequest, approver: hostileApprover, vote: hostileVote },
      {
        kind: "closed",
        request: { ...hostileRequest, status: "closed", outcome: "rejected" },
        approver: hostileApprover,
        vote: hostileVote,
      },
      { kind: "deadlinePassed", request: hostileRequest, approver: hostileApprover },
      { kind: "badRequest", problem: HOSTILE },
    ];

    for (const view of views) {
      it(`is escaped on the ${view.kind} page`, () => {
        const { body } = renderPage(view);
        assert.ok(!/<script/i.test(body), "no <script> tag");
        assert.ok(!/<img/i.test(body), "no injected <img> tag");
        assert.ok(!tags(body).some((tag) => /onerror/i.test(tag)), "no injected event handler attribute");
        assert.ok(!body.includes("javascript:"), "no javascript: URL");
        assert.ok(
          body.includes("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;"),
        );
      });
    }

    it("renders no review link for a javascript: URL", () => {
      const { body } = renderPage({ kind: "form", request: hostileRequest, approver, now: NOW });
      assert.ok(!/<a [^>]*href="(?!")/i.test(body), "no link with a target");
      assert.ok(!text({ statusCode: 200, headers: {}, body }).includes("Review"));
    });

    it("escapes a quote inside an https review URL attribute", () => {
      const { body } = renderPage({
        kind: "form",
        request: request({ reviewUrl: `https://example.com/?q="><script>` }),
        approver,
        now: NOW,
      });
      assert.ok(!/<script/i.test(body));
      const href = /<a href="([^"]*)" rel="noreferrer noopener"/.exec(body);
      assert.ok(href, "review link rendered");
      assert.ok(href[1].startsWith("https://example.com/?q="));
    });
  });

  describe("headers", () => {
    for (const view of ALL_VIEWS) {
      it(`the ${view.kind} page carries the strict security headers`, () => {
        const { headers } = renderPage(view);
        assert.equal(headers["Content-Type"], "text/html; charset=utf-8");
        assert.equal(headers["Cache-Control"], "no-store");
        assert.equal(headers["Referrer-Policy"], "no-referrer");
        assert.equal(headers["X-Content-Type-Options"], "nosniff");
        assert.equal(headers["X-Frame-Options"], "DENY");
        assert.equal(headers["Strict-Transport-Security"], "max-age=31536000");
        const csp = headers["Content-Security-Policy"];
        for (const directive of [
          "default-src 'none'",
          "form-action 'self'",
          "base-uri 'none'",
          "frame-ancestors 'none'",
          "img-src 'none'",
        ]) {
          assert.ok(csp.split("; ").includes(directive), `CSP has ${directive}`);
        }
        assert.ok(!/script-src|unsafe-inline|unsafe-eval/.test(csp), "CSP allows no script and no unsafe-inline");
      });
    }

    it("the CSP style hash is the hash of the page's one inline style block", () => {
      const { headers, body } = renderPage(ALL_VIEWS[0]);
      const styles = [...body.matchAll(/<style>([\s\S]*?)<\/style>/g)];
      assert.equal(styles.length, 1);
      const hash = createHash("sha256").update(styles[0][1], "utf8").digest("base64");
      assert.ok(headers["Content-Security-Policy"].split("; ").includes(`style-src 'sha256-${hash}'`));
    });

    it("no page has a style attribute, which the CSP would block", () => {
      for (const view of ALL_VIEWS) assert.ok(!/\sstyle=/i.test(renderPage(view).body), view.kind);
    });

    it("405 lists the allowed methods in Allow; other pages have no Allow header", () => {
      assert.equal(renderPage({ kind: "methodNotAllowed" }).headers.Allow, ALLOWED_METHODS);
      assert.equal(ALLOWED_METHODS, "GET, HEAD, POST");
      assert.equal(renderPage({ kind: "notFound" }).headers.Allow, undefined);
    });
  });

  describe("markup", () => {
    it("no page contains a script element or an inline event handler", () => {
      for (const view of ALL_VIEWS) {
        const { body } = renderPage(view);
        assert.ok(!/<script/i.test(body), view.kind);
        assert.ok(!tags(body).some((tag) => /\son[a-z]+=/i.test(tag)), view.kind);
      }
    });

    it("every page is mobile-ready: viewport meta, UTF-8, no fixed pixel widths", () => {
      for (const view of ALL_VIEWS) {
        const { body } = renderPage(view);
        assert.ok(body.includes(`<meta name="viewport" content="width=device-width, initial-scale=1">`), view.kind);
        assert.ok(body.includes(`<meta charset="utf-8">`), view.kind);
        assert.ok(!/(?:^|[;{\s])(?:min-)?width:\s*\d+px/.test(body), view.kind);
      }
      assert.ok(/overflow-wrap:anywhere/.test(renderPage(ALL_VIEWS[0]).body), "long words and URLs wrap");
    });

    it("the form posts to the page itself and works without JavaScript", () => {
      const { body } = renderPage(ALL_VIEWS[0]);
      const forms = [...body.matchAll(/<form([^>]*)>/g)];
      assert.equal(forms.length, 1);
      assert.match(forms[0][1], /method="post"/);
      assert.ok(!/action=/.test(forms[0][1]), "no action: posts back to the same capability URL");
      const buttons = [...body.matchAll(/<button([^>]*)>/g)].map((m) => m[1]);
      assert.equal(buttons.length, 2);
      assert.ok(buttons.every((b) => /type="submit"/.test(b) && /name="decision"/.test(b)));
      assert.deepEqual(
        buttons.map((b) => /value="([^"]*)"/.exec(b)?.[1]),
        ["approve", "reject"],
      );
      assert.match(body, /<textarea id="comment" name="comment" maxlength="1000"/);
      assert.equal(MAX_COMMENT_CHARS, 1000, "the page allows the comment length the limits define");
      assert.match(body, /<label for="comment">/);
    });

    it("the form shows the subject, details with line breaks kept, requester, review link, approver, deadline, state and quorum", () => {
      const page = renderPage(ALL_VIEWS[0]);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Deploy billing v2 to production<\/h1>/);
      assert.match(page.body, /<div class="details">Migrates the invoices table.\nDowntime: none expected.<\/div>/);
      assert.match(page.body, /\.details\{white-space:pre-wrap/);
      assert.match(page.body, /<a href="https:\/\/git.example.com\/billing\/pull\/42" rel="noreferrer noopener"/);
      const t = text(page);
      assert.ok(t.includes("Requested by ci@example.com"));
      assert.ok(t.includes("Approver finance (finance-lead@example.com)"));
      assert.ok(t.includes("Sunday 13 January 2030 at 09:00 UTC (2030-01-13T09:00:00.000Z)"), t);
      assert.match(page.body, /<time datetime="2030-01-13T09:00:00.000Z">/);
      assert.ok(t.includes("Your deadline is in 3 days."));
      assert.ok(t.includes("State Open, waiting for decisions"));
      assert.ok(t.includes("2 of 3 approvals needed; so far 1 approved"));
    });

    it("says all must approve when the quorum is every approver", () => {
      const t = text(
        renderPage({ kind: "form", request: request({}, { quorum: 3, approvals: 0 }), approver, now: NOW }),
      );
      assert.ok(t.includes("all 3 approvers must approve; so far 0 approved"));
    });

    it("omits the optional parts that are absent", () => {
      const page = renderPage({
        kind: "form",
        request: request({ details: undefined, reviewUrl: undefined, requestedBy: undefined }),
        approver,
        now: NOW,
      });
      assert.ok(!page.body.includes(`class="details"`));
      assert.ok(!text(page).includes("Requested by"));
      assert.ok(!/<a href="https/.test(page.body));
    });
  });

  describe("states", () => {
    const cases: Array<{ name: string; view: PageView; status: number; sentence: string }> = [
      { name: "form", view: ALL_VIEWS[0], status: 200, sentence: "Your decision is needed" },
      {
        name: "recorded, quorum reached",
        view: {
          kind: "recorded",
          request: request({}, { approvals: 2, outcome: "approved" }),
          approver,
          vote,
          signal: "quorumReached",
          delivery: "delivered",
        },
        status: 200,
        sentence: "Recorded. This completed the quorum: the stage is approved and the request is approved.",
      },
      {
        name: "recorded, approval made impossible",
        view: {
          kind: "recorded",
          request: request({ status: "open" }, { rejections: 2, outcome: "rejected" }),
          approver,
          vote: { ...vote, decision: "reject" },
          signal: "rejected",
          delivery: "delivered",
        },
        status: 200,
        sentence: "This made approval impossible: the request is rejected.",
      },
      {
        name: "recorded, waiting",
        view: { kind: "recorded", request: request(), approver, vote, signal: "none", delivery: "delivered" },
        status: 200,
        sentence: "Your approval was recorded, waiting for the others.",
      },
      {
        name: "recorded and counted, its callback meeting the stage another vote just ended",
        view: {
          kind: "recorded",
          request: request({}, { approvals: 2, outcome: "approved" }),
          approver,
          vote,
          signal: "none",
          delivery: "closed",
        },
        status: 200,
        sentence:
          "Your approval was recorded and counted. The stage was decided with it: approved. Another decision recorded at the same moment completed it; the request is approved.",
      },
      {
        name: "recorded and counted in stage 1 of 2, the stage decided with it",
        view: {
          kind: "recorded",
          request: request({}, { index: 0, count: 2, approvals: 2, outcome: "approved" }),
          approver,
          vote,
          signal: "none",
          delivery: "closed",
        },
        status: 200,
        sentence: "completed it; the request moves on to stage 2 of 2.",
      },
      {
        name: "recorded, but the workflow had stopped",
        view: {
          kind: "recorded",
          request: request({ status: "closed" }),
          approver,
          vote,
          signal: "none",
          delivery: "closed",
        },
        status: 200,
        sentence:
          "Your approval was recorded, but the workflow had stopped. The request was closed without an outcome; your decision did not change that.",
      },
      {
        name: "recorded, delivery pending",
        view: {
          kind: "recorded",
          request: request(),
          approver,
          vote: { ...vote, decision: "reject" },
          signal: "rejected",
          delivery: "pending",
        },
        status: 200,
        sentence: "Your rejection was recorded. The workflow will pick it up.",
      },
      {
        name: "already decided (shown)",
        view: { kind: "alreadyDecided", request: request(), approver, vote },
        status: 200,
        sentence:
          "You already decided on this request. Your decision: Approved , on Thursday 10 January 2030 at 08:30 UTC",
      },
      {
        name: "already decided (second POST)",
        view: { kind: "alreadyDecided", request: request(), approver, vote, attempted: "reject" },
        status: 409,
        sentence: "Your rejection was not recorded . Your decision: Approved",
      },
      {
        name: "closed, with your vote",
        view: {
          kind: "closed",
          request: request({ status: "closed", outcome: "approved", closedAt: "2030-01-11T10:00:00Z" }),
          approver,
          vote,
        },
        status: 200,
        sentence: "This request is closed: approved. Closed on Friday 11 January 2030 at 10:00 UTC",
      },
      {
        name: "closed, without a vote, after POST",
        view: {
          kind: "closed",
          request: request({ status: "closed", outcome: "rejected" }),
          approver,
          attempted: "approve",
        },
        status: 409,
        sentence: "This request is closed: rejected. Your approval was not recorded . You did not decide on it.",
      },
      {
        name: "stage ended (POST)",
        view: {
          kind: "stageEnded",
          request: request({}, { approvals: 2, outcome: "approved", index: 0, count: 2 }),
          approver,
          attempted: "reject",
        },
        status: 409,
        sentence:
          "This stage has ended: approved. Your rejection was not recorded . The other approvers' decisions settled it before yours; the request moves on to stage 2 of 2.",
      },
      {
        name: "stage ended (shown), rejected",
        view: {
          kind: "stageEnded",
          request: request({}, { rejections: 2, outcome: "rejected" }),
          approver,
        },
        status: 200,
        sentence: "This stage has ended: rejected. The other approvers' decisions settled it before yours",
      },
      {
        name: "no longer asked: recorded unreachable",
        view: {
          kind: "noLongerAsked",
          request: request(),
          approver,
          vote: {
            decision: "unreachable",
            reason: "finance has no confirmed email subscription",
            decidedAt: vote.decidedAt,
          },
          attempted: "approve",
        },
        status: 409,
        sentence:
          "Your part in this stage has ended. Your approval was not recorded . Your decision: Not reached (no confirmed email subscription) , on Thursday 10 January 2030 at 08:30 UTC (2030-01-10T08:30:00.000Z) . finance has no confirmed email subscription.",
      },
      {
        name: "deadline passed",
        view: { kind: "deadlinePassed", request: request(), approver, attempted: "approve" },
        status: 409,
        sentence: "The deadline for your decision has passed.",
      },
      { name: "not found", view: { kind: "notFound" }, status: 404, sentence: "This approval link is not valid." },
      {
        name: "bad request",
        view: { kind: "badRequest", problem: "Choose Approve or Reject." },
        status: 400,
        sentence: "Choose Approve or Reject. Nothing was recorded.",
      },
      {
        name: "unsupported media type",
        view: { kind: "unsupportedMediaType" },
        status: 415,
        sentence: "Decisions must be sent with the form on the approval page.",
      },
      {
        name: "method not allowed",
        view: { kind: "methodNotAllowed" },
        status: 405,
        sentence: "This page only answers GET, HEAD and POST.",
      },
      {
        name: "payload too large",
        view: { kind: "payloadTooLarge" },
        status: 413,
        sentence: "The form data was larger than this page accepts.",
      },
      {
        name: "internal error",
        view: { kind: "internalError" },
        status: 500,
        sentence: "The approval page could not answer just now.",
      },
    ];

    for (const c of cases) {
      it(`${c.name}: status ${c.status} and says "${c.sentence.slice(0, 50)}"`, () => {
        const page = renderPage(c.view);
        assert.equal(page.statusCode, c.status);
        assert.ok(text(page).includes(c.sentence), text(page));
      });
    }

    it("only the open form page offers a form", () => {
      for (const view of ALL_VIEWS) assert.equal(/<form/.test(renderPage(view).body), view.kind === "form", view.kind);
    });

    /** The decision a resend form posts, or undefined if the page has none. */
    function resendDecision(view: PageView): string | undefined {
      const form =
        /<form method="post" class="resend"><input type="hidden" name="decision" value="([^"]*)"><button type="submit"[^>]*>Send my decision again<\/button><\/form>/.exec(
          renderPage(view).body,
        );
      return form?.[1];
    }

    it("a vote the workflow has not acknowledged offers to send the same decision again", () => {
      const pendingVote = { ...vote, decision: "reject" as const, pending: true };
      assert.equal(
        resendDecision({
          kind: "recorded",
          request: request(),
          approver,
          vote: pendingVote,
          signal: "none",
          delivery: "pending",
        }),
        "reject",
      );
      assert.equal(
        resendDecision({ kind: "alreadyDecided", request: request(), approver, vote: pendingVote }),
        "reject",
      );
      const t = text(renderPage({ kind: "alreadyDecided", request: request(), approver, vote: pendingVote }));
      assert.ok(t.includes("The workflow has not acknowledged it yet."));
    });

    it("no resend form once the vote was acknowledged or the request closed", () => {
      assert.equal(resendDecision({ kind: "alreadyDecided", request: request(), approver, vote }), undefined);
      assert.equal(
        resendDecision({
          kind: "alreadyDecided",
          request: request({ status: "closed", outcome: "approved" }),
          approver,
          vote: { ...vote, pending: true },
        }),
        undefined,
      );
    });

    it("the internal error page leaks no details", () => {
      const t = text(renderPage({ kind: "internalError" }));
      assert.ok(!/error:|stack|exception|dynamo/i.test(t));
    });
  });

  describe("timeLeft", () => {
    it("rounds down to the largest sensible unit", () => {
      const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
      assert.equal(timeLeft(at(30_000), NOW), "in less than a minute");
      assert.equal(timeLeft(at(60_000), NOW), "in 1 minute");
      assert.equal(timeLeft(at(59 * 60_000), NOW), "in 59 minutes");
      assert.equal(timeLeft(at(47 * 3_600_000), NOW), "in 47 hours");
      assert.equal(timeLeft(at(72 * 3_600_000), NOW), "in 3 days");
    });

    it("is undefined once the deadline passed or for an unreadable date", () => {
      assert.equal(timeLeft(NOW.toISOString(), NOW), undefined);
      assert.equal(timeLeft("soon", NOW), undefined);
    });
  });
});

describe("approval page: stages and the others' decisions", () => {
  const others = [
    {
      approver: "security",
      decision: "reject" as const,
      decidedAt: "2030-01-10T08:00:00.000Z",
      comment: "Needs a rollback plan",
    },
    {
      approver: "legal",
      decision: "unreachable" as const,
      decidedAt: "2030-01-10T08:05:00.000Z",
      reason: "legal has no confirmed email subscription",
    },
    { approver: "risk-model", decision: "approve" as const, decidedAt: "2030-01-10T08:10:00.000Z", advice: true },
  ];

  it("a request of several stages says which stage this is, in the kicker", () => {
    const t = text(
      renderPage({ kind: "form", request: request({}, { index: 1, count: 3, name: "owners" }), approver, now: NOW }),
    );
    assert.ok(t.includes("Approval request · stage 2 of 3: owners"), t);
  });

  it("a one-stage request says nothing about stages", () => {
    const t = text(renderPage({ kind: "form", request: request(), approver, now: NOW }));
    assert.ok(t.includes("Approval request Deploy billing v2"), t);
    assert.ok(!/stage \d of/.test(t));
  });

  it("lists who else in this stage decided: name, decision, time, comment or reason, advice marked", () => {
    const view: PageView = {
      kind: "form",
      request: request({}, { index: 1, count: 2, name: "owners", others, waitingFor: ["ops"] }),
      approver,
      now: NOW,
    };
    const t = text(renderPage(view));
    assert.ok(t.includes("Decisions in this stage"), t);
    assert.ok(
      t.includes(
        "security : Rejected , Thursday 10 January 2030 at 08:00 UTC (2030-01-10T08:00:00.000Z) Needs a rollback plan",
      ),
      t,
    );
    assert.ok(t.includes("legal : Not reached (no confirmed email subscription)"), t);
    assert.ok(t.includes("legal has no confirmed email subscription"));
    assert.ok(t.includes("risk-model advice : Approved"), t);
    assert.ok(t.includes("Waiting for: ops"));
  });

  it("says when nobody else has decided yet", () => {
    const t = text(
      renderPage({ kind: "form", request: request({}, { waitingFor: ["security"] }), approver, now: NOW }),
    );
    assert.ok(t.includes("Decisions so far Nobody else has decided yet. Waiting for: security"), t);
  });

  it("an advisor's own page says their decision does not count", () => {
    const t = text(renderPage({ kind: "form", request: request(), approver: { ...approver, advice: true }, now: NOW }));
    assert.ok(t.includes("advice: does not count"), t);
  });

  it("the progress line counts approvals, rejections and missed decisions of the stage", () => {
    const t = text(
      renderPage({
        kind: "form",
        request: request({}, { approvals: 1, rejections: 1, misses: 1, voters: 5, quorum: 3 }),
        approver,
        now: NOW,
      }),
    );
    assert.ok(t.includes("3 of 5 approvals needed; so far 1 approved, 1 rejected, 1 did not decide"), t);
  });
});

describe("approval page: bidi controls are shown neutralised", () => {
  const BIDI = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069].map((c) =>
    String.fromCodePoint(c),
  );
  const RAW_BIDI = /[\u202a-\u202e\u2066-\u2069]/;

  for (const char of BIDI) {
    const code = char.codePointAt(0)!.toString(16).toUpperCase();
    it(`U+${code} in the subject, details, requester, change and comments becomes a visible marker, and never reaches the page raw`, () => {
      const hostile = `approve${char}tcejer`;
      const views: PageView[] = [
        {
          kind: "form",
          request: request(
            { subject: hostile, details: hostile, requestedBy: hostile, change: hostile },
            { others: [{ approver: "security", decision: "approve", decidedAt: vote.decidedAt, comment: hostile }] },
          ),
          approver,
          now: NOW,
        },
        {
          kind: "recorded",
          request: request({ subject: hostile }),
          approver,
          vote: { ...vote, comment: hostile },
          signal: "none",
          delivery: "delivered",
        },
        {
          kind: "noLongerAsked",
          request: request({ subject: hostile }),
          approver,
          vote: { decision: "failed", reason: hostile, decidedAt: vote.decidedAt },
        },
      ];
      for (const view of views) {
        const { body } = renderPage(view);
        assert.ok(!RAW_BIDI.test(body), `${view.kind}: no raw U+${code}`);
        assert.ok(body.includes(`approve<span class="ctl">[U+${code}]</span>tcejer`), view.kind);
        assert.match(body, new RegExp(`<title>[^<]*approve\\[U\\+${code}\\]tcejer</title>`), "the tab title too");
      }
    });
  }
});

describe("approval page notice tone", () => {
  const waiting = (decision: "approve" | "reject") =>
    renderPage({
      kind: "recorded",
      request: request(),
      approver,
      vote: { ...vote, decision },
      signal: "none",
      delivery: "delivered",
    }).body;

  it("shows a recorded approval that did not end the request as a success", () => {
    assert.match(waiting("approve"), /class="notice ok"/);
  });

  it("shows a recorded rejection that did not end the request neutrally, not as a green success", () => {
    assert.doesNotMatch(waiting("reject"), /class="notice ok"/);
    assert.match(waiting("reject"), /class="notice"/);
  });
});
