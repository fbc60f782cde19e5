import { strict as assert } from "node:assert";
import { engineUnknown } from "../testing/harness";
import { hasUnknown, knownValues, parsePolicyDocument } from "./iam-document";
import { UNKNOWN } from "./unknown";

const document = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "Publish", Effect: "Allow", Action: "sns:Publish", Resource: ["arn:aws:sns:eu-west-1:123456789012:t"] },
  ],
};

describe("policy/lib/iam-document: parsing IAM policy documents", () => {
  it("reads the same statements from a JSON string and from an object", () => {
    const fromString = parsePolicyDocument(JSON.stringify(document));
    const fromObject = parsePolicyDocument(document);
    assert.deepEqual(fromString, fromObject);
    assert.equal(fromObject.kind, "document");
    if (fromObject.kind !== "document") return;
    const [statement] = fromObject.statements;
    assert.equal(statement.sid, "Publish");
    assert.deepEqual(statement.action, ["sns:Publish"], "a single string becomes a list");
    assert.deepEqual(statement.resource, ["arn:aws:sns:eu-west-1:123456789012:t"]);
  });

  it("accepts a single statement object instead of a list", () => {
    const parsed = parsePolicyDocument({ Statement: { Effect: "Deny", Action: "*", Resource: "*" } });
    assert.equal(parsed.kind === "document" && parsed.statements.length, 1);
  });

  it("reports a document that is entirely unknown during preview as unknown", () => {
    assert.deepEqual(parsePolicyDocument(engineUnknown.string), { kind: "unknown" });
    assert.deepEqual(parsePolicyDocument({ Statement: engineUnknown.array }), { kind: "unknown" });
  });

  it("keeps unknown entries inside a known document as UNKNOWN and sets unknown statements aside", () => {
    const parsed = parsePolicyDocument({
      Statement: [
        engineUnknown.object,
        {
          Effect: "Allow",
          Action: "sns:Publish",
          Resource: [engineUnknown.string, "arn:aws:sns:eu-west-1:123456789012:t"],
        },
      ],
    });
    assert.equal(parsed.kind, "document");
    if (parsed.kind !== "document") return;
    assert.equal(parsed.statements.length, 1);
    assert.deepEqual(parsed.unknownStatements, [1], "the unknown statement's position, for the preview advisory");
    assert.equal(parsed.statements[0].position, 2);
    assert.deepEqual(parsed.statements[0].resource, [UNKNOWN, "arn:aws:sns:eu-west-1:123456789012:t"]);
    assert.deepEqual(knownValues(parsed.statements[0].resource), ["arn:aws:sns:eu-west-1:123456789012:t"]);
    assert.equal(hasUnknown(parsed.statements[0].resource), true);
  });

  it("says why a malformed document is invalid", () => {
    assert.deepEqual(parsePolicyDocument("{not json"), { kind: "invalid", reason: "it is not valid JSON" });
    assert.deepEqual(parsePolicyDocument("[]"), { kind: "invalid", reason: "it is not a JSON object" });
    assert.deepEqual(parsePolicyDocument({ Version: "2012-10-17" }), {
      kind: "invalid",
      reason: "it has no Statement",
    });
    assert.deepEqual(parsePolicyDocument({ Statement: ["x"] }), {
      kind: "invalid",
      reason: "statement #1 is not an object",
    });
  });

  it("treats a missing document as absent", () => {
    assert.deepEqual(parsePolicyDocument(undefined), { kind: "absent" });
    assert.deepEqual(parsePolicyDocument(""), { kind: "absent" });
  });
});
