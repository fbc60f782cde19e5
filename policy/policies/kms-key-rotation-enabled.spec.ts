import { strict as assert } from "node:assert";
import { kmsKey } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { kmsKeyRotationEnabled as policy } from "./kms-key-rotation-enabled";

describe("policy kms-key-rotation-enabled", () => {
  it("accepts a symmetric key with automatic rotation, at AWS's default period or a shorter one", async () => {
    assert.deepEqual(await violationsOf(policy, kmsKey()), []);
    assert.deepEqual(await violationsOf(policy, kmsKey({ rotationPeriodInDays: 180 })), []);
    assert.deepEqual(await violationsOf(policy, kmsKey({ customerMasterKeySpec: "SYMMETRIC_DEFAULT" })), []);
  });

  it("catches a key without automatic rotation", async () => {
    const message = "Automatic rotation of the key material is off; set enableKeyRotation to true.";
    assert.deepEqual(await violationsOf(policy, kmsKey({ enableKeyRotation: undefined })), [message]);
    assert.deepEqual(await violationsOf(policy, kmsKey({ enableKeyRotation: false })), [message]);
  });

  it("catches a rotation period longer than the configured limit", async () => {
    assert.deepEqual(await violationsOf(policy, kmsKey({ rotationPeriodInDays: 730 })), [
      "rotationPeriodInDays is 730; the limit is 365 days (set rotationPeriodInDays to 365 or less).",
    ]);
    assert.deepEqual(
      await violationsOf(policy, kmsKey({ rotationPeriodInDays: 180 }), { maxRotationPeriodInDays: 90 }),
      ["rotationPeriodInDays is 180; the limit is 90 days (set rotationPeriodInDays to 90 or less)."],
    );
  });

  it("does not apply to asymmetric and HMAC keys or keys in a custom key store, which AWS cannot rotate", async () => {
    for (const customerMasterKeySpec of ["RSA_2048", "ECC_NIST_P256", "HMAC_256"]) {
      assert.deepEqual(await analyze(policy, kmsKey({ customerMasterKeySpec, enableKeyRotation: false })), {
        violations: [],
        notApplicable: `Policy does not apply to ${customerMasterKeySpec} keys: AWS KMS rotates only symmetric encryption keys`,
      });
    }
    assert.deepEqual(
      await analyze(policy, kmsKey({ customKeyStoreId: "cks-1234567890abcdef0", enableKeyRotation: false })),
      {
        violations: [],
        notApplicable: "Policy does not apply to keys in a custom key store, which AWS KMS cannot rotate",
      },
    );
  });

  it("reports settings unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, kmsKey({ enableKeyRotation: engineUnknown.boolean })), {
      violations: [],
      notChecked: "enableKeyRotation: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
