/**
 * What the sandbox CLI reads: the stack file, through the program's own validation, and its
 * flags, with a sensible default request.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { ConfigError } from "../components/config";
import { DEFAULT_PORT, DEFAULT_REQUEST, parseCliOptions, UsageError } from "../local/cli-options";
import { readStackSettings, StackConfigError, stackSettingsFromYaml } from "../local/stack-config";

const ROOT = resolve(__dirname, "..");

describe("sandbox stack config (Pulumi.<stack>.yaml)", () => {
  it("reads the dev stack's approvers, quorum, timeout and region through the program's validation", () => {
    const dev = readStackSettings(ROOT, "dev");
    assert.equal(dev.file, "Pulumi.dev.yaml");
    assert.ok(dev.settings.approvers.length >= 1);
    assert.ok(dev.settings.quorum >= 1 && dev.settings.quorum <= dev.settings.approvers.length);
    assert.ok(dev.settings.approvalTimeoutSeconds >= 60);
    assert.match(dev.region, /^[a-z]{2}-[a-z]+-\d$/);
  });

  it("applies the program's defaults: quorum = every approver, 7 days, region eu-west-1", () => {
    const yaml =
      "config:\n  parallel-approval:approvers:\n    - name: a\n      email: a@example.com\n    - name: b\n      email: b@example.com\n";
    const stack = stackSettingsFromYaml(yaml, "x");
    assert.equal(stack.settings.quorum, 2);
    assert.equal(stack.settings.approvalTimeoutSeconds, 7 * 86400);
    assert.equal(stack.region, "eu-west-1");
    assert.deepEqual(
      stack.settings.approvers.map((a) => a.channel),
      ["link", "link"],
    );
  });

  it("refuses invalid settings with the program's ConfigError, naming the entry", () => {
    const yaml =
      "config:\n  parallel-approval:approvers:\n    - name: a\n      email: not-an-email\n  parallel-approval:quorum: 3\n";
    assert.throws(
      () => stackSettingsFromYaml(yaml, "x"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /approvers\[0\] \(a\)\.email/);
        assert.match(error.message, /quorum 3 is more than the 1 approver/);
        return true;
      },
    );
  });

  it("says which file is missing, and refuses a file that is not YAML", () => {
    assert.throws(
      () => readStackSettings(ROOT, "no-such-stack"),
      (error: unknown) =>
        error instanceof StackConfigError && /Pulumi\.no-such-stack\.yaml not found/.test(error.message),
    );
    assert.throws(() => stackSettingsFromYaml("config: [unclosed", "x"), StackConfigError);
    assert.throws(() => readStackSettings(ROOT, "../etc"), StackConfigError);
  });
});

describe("sandbox CLI flags", () => {
  it("defaults to the dev stack, port 8787 and a sample request asked by the current user", () => {
    const options = parseCliOptions([], { requestedBy: "alice" });
    assert.equal(options.stack, "dev");
    assert.equal(options.port, DEFAULT_PORT);
    assert.deepEqual(options.request, { ...DEFAULT_REQUEST, requestedBy: "alice" });
    assert.equal(options.timeoutSeconds, undefined);
    assert.equal(options.keepOpen, false);
  });

  it("takes the request, the stack, the port, a timeout and --keep-open from flags; an empty flag drops an optional field", () => {
    const options = parseCliOptions([
      "--stack",
      "prod",
      "--subject",
      "S",
      "--details",
      "",
      "--review-url",
      "https://x.example/1",
      "--requested-by",
      "bob",
      "--port",
      "0",
      "--timeout",
      "2m",
      "--keep-open",
    ]);
    assert.equal(options.stack, "prod");
    assert.equal(options.port, 0);
    assert.equal(options.timeoutSeconds, 120);
    assert.equal(options.keepOpen, true);
    assert.deepEqual(options.request, { subject: "S", reviewUrl: "https://x.example/1", requestedBy: "bob" });
  });

  it("refuses a bad port, a bad duration, an unknown flag and a stray argument", () => {
    for (const argv of [["--port", "http"], ["--port", "70000"], ["--timeout", "soon"], ["--nope"], ["extra"]]) {
      assert.throws(() => parseCliOptions(argv), UsageError, argv.join(" "));
    }
  });
});
