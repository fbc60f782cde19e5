import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { configWithDefaults, packPolicy } from "../lib/validate";

interface Config {
  /** Longest rotationPeriodInDays accepted (AWS's default period is 365 days). */
  maxRotationPeriodInDays: number;
}

const DEFAULT_CONFIG: Config = { maxRotationPeriodInDays: 365 };

/**
 * A customer managed key (a Key of this stack, e.g. one given to a topic's kmsMasterKeyId
 * instead of "alias/aws/sns") rotates its key material automatically only when asked to.
 * AWS rotates symmetric encryption keys only: not asymmetric or HMAC keys, keys in a custom key
 * store, or keys with imported material (an ExternalKey, which this policy does not cover); the
 * period is 90 to 2560 days, 365 by default
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html).
 * AWS managed keys (alias/aws/*) are rotated by AWS every year and are no resource of the stack.
 */
export const kmsKeyRotationEnabled = packPolicy({
  name: "kms-key-rotation-enabled",
  description:
    "Customer managed KMS keys (symmetric encryption keys) rotate their key material automatically (enableKeyRotation), at least every 365 days (configurable).",
  resourceTypes: [ResourceTypes.kmsKey],
  configSchema: {
    properties: {
      maxRotationPeriodInDays: {
        type: "integer",
        minimum: 90,
        maximum: 2560,
        default: DEFAULT_CONFIG.maxRotationPeriodInDays,
        description: "Longest rotationPeriodInDays accepted, in days (AWS accepts 90 to 2560).",
      },
    },
  },
  validate: ({ props, args, report, notChecked, notApplicable }) => {
    const spec = valueAt(props, "customerMasterKeySpec");
    if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") {
      notApplicable(`Policy does not apply to ${spec} keys: AWS KMS rotates only symmetric encryption keys`);
    }
    for (const store of ["customKeyStoreId", "xksKeyId"]) {
      const value = valueAt(props, store);
      if (typeof value === "string" && value !== "") {
        notApplicable("Policy does not apply to keys in a custom key store, which AWS KMS cannot rotate");
      }
      if (value === UNKNOWN) notChecked(store);
    }
    if (spec === UNKNOWN) notChecked("customerMasterKeySpec");

    const config = configWithDefaults(args, DEFAULT_CONFIG);
    const enabled = valueAt(props, "enableKeyRotation");
    if (enabled === UNKNOWN) notChecked("enableKeyRotation");
    else if (enabled !== true) {
      report("Automatic rotation of the key material is off; set enableKeyRotation to true.");
      return;
    }
    const period = valueAt(props, "rotationPeriodInDays");
    if (period === UNKNOWN) notChecked("rotationPeriodInDays");
    else if (typeof period === "number" && period > config.maxRotationPeriodInDays) {
      report(
        `rotationPeriodInDays is ${period}; the limit is ${config.maxRotationPeriodInDays} days (set rotationPeriodInDays to ${config.maxRotationPeriodInDays} or less).`,
      );
    }
  },
});
