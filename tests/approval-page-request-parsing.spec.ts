import assert from "node:assert/strict";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import {
  MAX_BODY_BYTES,
  askIdFromPath,
  isFormContentType,
  parseDecisionForm,
  parseRequest,
} from "../lambdas/approval-page/request-parsing";

const ID = "A".repeat(21) + "_-" + "z9".repeat(10);

function event(
  overrides: {
    method?: string;
    path?: string;
    id?: string | null;
    body?: string;
    base64?: boolean;
    headers?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 {
  const id = overrides.id === null ? undefined : (overrides.id ?? ID);
  const method = overrides.method ?? "GET";
  return {
    version: "2.0",
    routeKey: "ANY /r/{id}",
    rawPath: overrides.path ?? `/r/${id ?? ""}`,
    rawQueryString: "",
    headers: overrides.headers ?? { "content-type": "application/x-www-form-urlencoded" },
    pathParameters: id === undefined ? undefined : { id },
    body: overrides.body,
    isBase64Encoded: overrides.base64 ?? false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path: `/r/${id}`, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: "ANY /r/{id}",
      stage: "$default",
      time: "10/Jan/2030:09:00:00 +0000",
      timeEpoch: 1_894_266_000_000,
    },
  };
}

describe("approval page request parsing", () => {
  it("the test id is well formed (43 base64url characters)", () => {
    assert.equal(ID.length, 43);
  });

  describe("methods", () => {
    it("GET shows the ask", () => {
      assert.deepEqual(parseRequest(event()), { kind: "show", method: "GET", askId: ID });
    });

    it("HEAD shows the ask (the handler drops the body)", () => {
      assert.deepEqual(parseRequest(event({ method: "HEAD" })), { kind: "show", method: "HEAD", askId: ID });
    });

    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS", ""]) {
      it(`${method || "a missing method"} is not allowed`, () => {
        assert.deepEqual(parseRequest(event({ method })), {
          kind: "error",
          method,
          page: { kind: "methodNotAllowed" },
        });
      });
    }

    it("on the page route a wrong method is refused before the id format is checked, so both ids answer alike", () => {
      assert.deepEqual((parseRequest(event({ method: "PUT", id: "bad" })) as { page: unknown }).page, {
        kind: "methodNotAllowed",
      });
    });
  });

  describe("id", () => {
    for (const bad of [
      "",
      "short",
      ID + "A",
      ID.slice(1) + "=",
      ID.slice(1) + "/",
      ID.slice(1) + "%",
      ID.slice(1) + "+",
    ]) {
      it(`${JSON.stringify(bad)} is not found, for GET and POST alike`, () => {
        assert.deepEqual(parseRequest(event({ id: bad })), {
          kind: "error",
          method: "GET",
          page: { kind: "notFound" },
        });
        assert.deepEqual(parseRequest(event({ method: "POST", id: bad, body: "decision=approve" })), {
          kind: "error",
          method: "POST",
          page: { kind: "notFound" },
        });
      });
    }

    it("falls back to a raw path of exactly /r/<id> when the route gives no path parameter", () => {
      assert.equal(askIdFromPath(event({ id: null, path: `/r/${ID}` })), ID);
      assert.equal(askIdFromPath(event({ id: null, path: `/r/${ID}/` })), ID);
      for (const other of [`/x/${ID}`, `/other/r/${ID}`, `/r/${ID}/more`, "/r/", "/", "/favicon.ico"]) {
        assert.equal(askIdFromPath(event({ id: null, path: other })), undefined, other);
      }
    });

    it("any other path (the $default route) is not found, whatever the method", () => {
      for (const method of ["GET", "POST", "PUT"]) {
        assert.deepEqual(parseRequest(event({ method, id: null, path: "/favicon.ico" })), {
          kind: "error",
          method,
          page: { kind: "notFound" },
        });
      }
    });
  });

  describe("POST body", () => {
    it("reads a decision and a comment", () => {
      assert.deepEqual(parseRequest(event({ method: "POST", body: "decision=approve&comment=Fine+by+me%21" })), {
        kind: "decide",
        method: "POST",
        askId: ID,
        decision: "approve",
        comment: "Fine by me!",
      });
    });

    it("decodes a base64 body", () => {
      const body = Buffer.from("decision=reject&comment=No%2C+sorry").toString("base64");
      assert.deepEqual(parseRequest(event({ method: "POST", body, base64: true })), {
        kind: "decide",
        method: "POST",
        askId: ID,
        decision: "reject",
        comment: "No, sorry",
      });
    });

    it("leaves out an empty or blank comment", () => {
      assert.deepEqual(parseRequest(event({ method: "POST", body: "decision=reject&comment=+%0D%0A+" })), {
        kind: "decide",
        method: "POST",
        askId: ID,
        decision: "reject",
      });
    });

    it("accepts a body of exactly the limit and refuses one byte more with 413", () => {
      const filler = (n: number) => `decision=approve&x=${"a".repeat(n - "decision=approve&x=".length)}`;
      assert.equal(parseRequest(event({ method: "POST", body: filler(MAX_BODY_BYTES) })).kind, "decide");
      assert.deepEqual(parseRequest(event({ method: "POST", body: filler(MAX_BODY_BYTES + 1) })), {
        kind: "error",
        method: "POST",
        page: { kind: "payloadTooLarge" },
      });
    });

    it("measures the limit after base64 decoding", () => {
      const fits = Buffer.from(`decision=approve&x=${"a".repeat(MAX_BODY_BYTES - 19)}`).toString("base64");
      const tooBig = Buffer.from(`decision=approve&x=${"a".repeat(MAX_BODY_BYTES - 18)}`).toString("base64");
      assert.equal(parseRequest(event({ method: "POST", body: fits, base64: true })).kind, "decide");
      assert.deepEqual(
        (parseRequest(event({ method: "POST", body: tooBig, base64: true })) as { page: unknown }).page,
        { kind: "payloadTooLarge" },
      );
    });

    it("counts bytes, not characters, against the limit", () => {
      const body = `decision=approve&x=${"é".repeat(MAX_BODY_BYTES / 2)}`;
      assert.deepEqual((parseRequest(event({ method: "POST", body })) as { page: unknown }).page, {
        kind: "payloadTooLarge",
      });
    });

    for (const contentType of [
      "text/plain",
      "application/json",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded; charset=iso-8859-1",
    ]) {
      it(`refuses content type ${contentType} with 415`, () => {
        assert.deepEqual(
          parseRequest(event({ method: "POST", body: "decision=approve", headers: { "content-type": contentType } })),
          {
            kind: "error",
            method: "POST",
            page: { kind: "unsupportedMediaType" },
          },
        );
      });
    }

    it("refuses a POST without a content type with 415", () => {
      assert.deepEqual(
        (parseRequest(event({ method: "POST", body: "decision=approve", headers: {} })) as { page: unknown }).page,
        { kind: "unsupportedMediaType" },
      );
    });

    it("refuses a body that is not UTF-8 with 400", () => {
      const body = Buffer.from([0x64, 0x3d, 0xff, 0xfe]).toString("base64");
      assert.deepEqual(
        (parseRequest(event({ method: "POST", body, base64: true })) as { page: { kind: string } }).page.kind,
        "badRequest",
      );
    });
  });

  describe("isFormContentType", () => {
    it("accepts the form type in any case, with or without a UTF-8 charset", () => {
      for (const ok of [
        "application/x-www-form-urlencoded",
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded;charset=UTF-8",
        'application/x-www-form-urlencoded; charset="utf-8"',
      ]) {
        assert.equal(isFormContentType(ok), true, ok);
      }
    });

    it("refuses anything else", () => {
      for (const bad of [
        undefined,
        "",
        "application/x-www-form-urlencodedx",
        "text/html",
        "application/x-www-form-urlencoded; charset=latin1",
      ]) {
        assert.equal(isFormContentType(bad), false, String(bad));
      }
    });
  });

  describe("parseDecisionForm", () => {
    it("needs a decision", () => {
      assert.deepEqual(parseDecisionForm("comment=hi"), { ok: false, problem: "Choose Approve or Reject." });
      assert.deepEqual(parseDecisionForm(""), { ok: false, problem: "Choose Approve or Reject." });
    });

    it("refuses any other decision value, including expired", () => {
      for (const value of ["yes", "APPROVE", "expired", ""]) {
        assert.deepEqual(
          parseDecisionForm(`decision=${value}`),
          { ok: false, problem: "The decision must be Approve or Reject." },
          value,
        );
      }
    });

    it("refuses two decisions, even equal ones", () => {
      assert.equal(parseDecisionForm("decision=approve&decision=reject").ok, false);
      assert.equal(parseDecisionForm("decision=approve&decision=approve").ok, false);
    });

    it("refuses, rather than cuts, a comment within 1000 characters whose UTF-8 exceeds the stored byte cap", () => {
      const japanese = "承認します。".repeat(120); // 720 characters, 2160 bytes
      const result = parseDecisionForm(`decision=approve&comment=${encodeURIComponent(japanese)}`);
      assert.equal(result.ok, false);
      assert.match(
        (result as { problem: string }).problem,
        /too long to store: in UTF-8 it takes 2160 bytes, and at most 1500 fit/,
      );
      const fits = "承認します。".repeat(80); // 480 characters, 1440 bytes
      assert.deepEqual(parseDecisionForm(`decision=approve&comment=${encodeURIComponent(fits)}`), {
        ok: true,
        decision: "approve",
        comment: fits,
      });
    });

    it("refuses two comments", () => {
      assert.equal(parseDecisionForm("decision=approve&comment=a&comment=b").ok, false);
    });

    it("accepts a 1000-character comment and refuses 1001", () => {
      assert.deepEqual(parseDecisionForm(`decision=approve&comment=${"x".repeat(1000)}`), {
        ok: true,
        decision: "approve",
        comment: "x".repeat(1000),
      });
      assert.deepEqual(parseDecisionForm(`decision=approve&comment=${"x".repeat(1001)}`), {
        ok: false,
        problem: "The comment is longer than 1000 characters.",
      });
    });

    it("counts a submitted CRLF line break as one character, as the browser's maxlength does", () => {
      const comment = `${"x".repeat(499)}\r\n${"y".repeat(500)}`;
      const form = new URLSearchParams({ decision: "reject", comment }).toString();
      assert.deepEqual(parseDecisionForm(form), {
        ok: true,
        decision: "reject",
        comment: `${"x".repeat(499)}\n${"y".repeat(500)}`,
      });
    });

    for (const [label, char] of [
      ["NUL", "\u0000"],
      ["BEL", "\u0007"],
      ["ESC", "\u001b"],
      ["DEL", "\u007f"],
      ["U+0085 (NEL)", "\u0085"],
      ["U+009B (CSI)", "\u009b"],
    ] as const) {
      it(`refuses a comment with ${label}, naming the code point and its position`, () => {
        const comment = `ok${char}[2K`;
        const form = new URLSearchParams({ decision: "approve", comment }).toString();
        const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        const result = parseDecisionForm(form);
        assert.deepEqual(result, {
          ok: false,
          problem: `The comment contains a control character (U+${code}) at position 3. Remove it and send again.`,
        });
      });
    }

    it("keeps line breaks (CRLF and a lone CR, as browsers send them, become LF) and turns tabs into spaces", () => {
      assert.deepEqual(
        parseDecisionForm(new URLSearchParams({ decision: "reject", comment: "a\tb\r\nc\rd" }).toString()),
        {
          ok: true,
          decision: "reject",
          comment: "a b\nc\nd",
        },
      );
    });

    it("keeps bidi controls (they are legitimate in right-to-left text; the page shows them neutralised)", () => {
      const comment = "\u202eevorppa\u202c";
      assert.deepEqual(parseDecisionForm(new URLSearchParams({ decision: "reject", comment }).toString()), {
        ok: true,
        decision: "reject",
        comment,
      });
    });

    it("keeps markup in a comment as text (escaping is the renderer's job)", () => {
      assert.deepEqual(parseDecisionForm("decision=approve&comment=%3Cscript%3E"), {
        ok: true,
        decision: "approve",
        comment: "<script>",
      });
    });

    it("ignores unknown fields", () => {
      assert.deepEqual(parseDecisionForm("decision=approve&submit=1"), { ok: true, decision: "approve" });
    });
  });
});
