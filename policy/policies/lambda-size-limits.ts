import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { configWithDefaults, validateResourcesOfTypes } from "../lib/validate";

interface Config {
  maxMemoryMb: number;
  maxTimeoutSeconds: number;
}

const DEFAULT_CONFIG: Config = { maxMemoryMb: 1024, maxTimeoutSeconds: 60 };

/**
 * The workflow's functions are short callbacks (store a token, publish, record a vote). A
 * 10 GB or 15-minute function there is a mistake that costs money and hides hangs.
 * Absent values take AWS's defaults (128 MB, 3 s), which are within any sane limit.
 */
export const lambdaSizeLimits: ResourceValidationPolicy = {
  name: "lambda-size-limits",
  description: "Lambda functions stay small: memory at most 1024 MB and timeout at most 60 s (both configurable).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxMemoryMb: {
        type: "integer",
        default: DEFAULT_CONFIG.maxMemoryMb,
        description: "Largest memorySize accepted, in MB.",
      },
      maxTimeoutSeconds: {
        type: "integer",
        default: DEFAULT_CONFIG.maxTimeoutSeconds,
        description: "Longest timeout accepted, in seconds.",
      },
    },
  },
  validateResource: validateResourcesOfTypes([ResourceTypes.lambdaFunction], (props, args, reportViolation) => {
    const config = configWithDefaults(args, DEFAULT_CONFIG);
    const { memorySize, timeout } = props;
    if (typeof memorySize === "number" && memorySize > config.maxMemoryMb) {
      reportViolation(`memorySize is ${memorySize} MB; the limit is ${config.maxMemoryMb} MB.`);
    }
    if (typeof timeout === "number" && timeout > config.maxTimeoutSeconds) {
      reportViolation(`timeout is ${timeout} s; the limit is ${config.maxTimeoutSeconds} s.`);
    }
  }),
};
