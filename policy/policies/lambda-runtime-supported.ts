import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { configWithDefaults, packPolicy } from "../lib/validate";

interface Config {
  /** Lowest Node.js major version accepted (`nodejs<N>.x`). */
  minimumNodejsVersion: number;
  /** Runtimes other than Node.js that are accepted. Anything not listed is refused. */
  allowedOtherRuntimes: string[];
}

/**
 * The rule: Node.js runtimes from `minimumNodejsVersion` up; any other runtime only if it is
 * on the allow-list, which holds the runtimes AWS supports with no deprecation date announced
 * before 2027 (Lambda "Supported runtimes" page, autumn 2026). An allow-list rather than a
 * deny-list so that a runtime nobody reviewed is refused, not waved through. Extend it in the
 * policy config when AWS adds runtimes.
 */
const DEFAULT_ALLOWED_OTHER_RUNTIMES = [
  "python3.12",
  "python3.13",
  "python3.14",
  "java21",
  "java25",
  "dotnet10",
  "ruby3.4",
  "provided.al2023",
];

const DEFAULT_CONFIG: Config = { minimumNodejsVersion: 22, allowedOtherRuntimes: DEFAULT_ALLOWED_OTHER_RUNTIMES };

export const lambdaRuntimeSupported = packPolicy({
  name: "lambda-runtime-supported",
  description:
    "Lambda functions use a supported runtime: nodejs22.x or later, or a non-Node.js runtime on the allow-list (not deprecated).",
  resourceTypes: [ResourceTypes.lambdaFunction],
  configSchema: {
    properties: {
      minimumNodejsVersion: {
        type: "integer",
        default: DEFAULT_CONFIG.minimumNodejsVersion,
        description: "Lowest Node.js major version accepted (nodejs<N>.x).",
      },
      allowedOtherRuntimes: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_ALLOWED_OTHER_RUNTIMES,
        description: "Non-Node.js runtimes accepted; any other is refused.",
      },
    },
  },
  validate: ({ props, args, report, notChecked, notApplicable }) => {
    const packageType = valueAt(props, "packageType");
    if (packageType === "Image")
      notApplicable("Policy does not apply to container images, which bring their own runtime");
    const runtime = valueAt(props, "runtime");
    if (runtime === UNKNOWN || packageType === UNKNOWN)
      return notChecked(runtime === UNKNOWN ? "runtime" : "packageType");
    // An absent runtime is refused by AWS itself for a zip package.
    if (typeof runtime !== "string") return;
    const config = configWithDefaults(args, DEFAULT_CONFIG);
    const node = /^nodejs(\d+)\.x$/.exec(runtime);
    if (node) {
      if (Number(node[1]) < config.minimumNodejsVersion) {
        report(
          `Runtime "${runtime}" is older than nodejs${config.minimumNodejsVersion}.x; use nodejs${config.minimumNodejsVersion}.x or later.`,
        );
      }
    } else if (!config.allowedOtherRuntimes.includes(runtime)) {
      report(
        `Runtime "${runtime}" is deprecated or not on the allow-list (allowedOtherRuntimes); use nodejs${config.minimumNodejsVersion}.x or later.`,
      );
    }
  },
});
