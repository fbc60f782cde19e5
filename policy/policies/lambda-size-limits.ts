import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { configWithDefaults, packPolicy } from "../lib/validate";

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
export const lambdaSizeLimits = packPolicy({
  name: "lambda-size-limits",
  description: "Lambda functions stay small: memory at most 1024 MB and timeout at most 60 s (both configurable).",
  resourceTypes: [ResourceTypes.lambdaFunction],
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
  validate: ({ props, args, report, notChecked }) => {
    const config = configWithDefaults(args, DEFAULT_CONFIG);
    const memorySize = valueAt(props, "memorySize");
    const timeout = valueAt(props, "timeout");
    if (memorySize === UNKNOWN) notChecked("memorySize");
    else if (typeof memorySize === "number" && memorySize > config.maxMemoryMb) {
      report(`memorySize is ${memorySize} MB; the limit is ${config.maxMemoryMb} MB.`);
    }
    if (timeout === UNKNOWN) notChecked("timeout");
    else if (typeof timeout === "number" && timeout > config.maxTimeoutSeconds) {
      report(`timeout is ${timeout} s; the limit is ${config.maxTimeoutSeconds} s.`);
    }
  },
});
