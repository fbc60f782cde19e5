import { strict as assert } from "node:assert";
import { table } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { dynamodbTableEncryptedWithPitr as policy } from "./dynamodb-table-encrypted-with-pitr";

describe("policy dynamodb-table-encrypted-with-pitr", () => {
  it("accepts a table with KMS encryption and point-in-time recovery", async () => {
    assert.deepEqual(await violationsOf(policy, table()), []);
  });

  it("catches a table without KMS encryption", async () => {
    assert.deepEqual(await violationsOf(policy, table({ serverSideEncryption: undefined })), [
      "The table is not encrypted with a KMS key; set serverSideEncryption.enabled to true.",
    ]);
    assert.equal((await violationsOf(policy, table({ serverSideEncryption: { enabled: false } }))).length, 1);
  });

  it("catches a table without point-in-time recovery", async () => {
    assert.deepEqual(await violationsOf(policy, table({ pointInTimeRecovery: { enabled: false } })), [
      "The table has no point-in-time recovery; set pointInTimeRecovery.enabled to true.",
    ]);
  });

  it("reports values unknown during preview as not checked", async () => {
    assert.deepEqual(
      await analyze(
        policy,
        table({ serverSideEncryption: engineUnknown.object, pointInTimeRecovery: { enabled: engineUnknown.boolean } }),
      ),
      {
        violations: [],
        notChecked:
          "serverSideEncryption.enabled; pointInTimeRecovery.enabled: could not be checked during preview; checked at `pulumi up`.",
      },
    );
  });
});
