/** The sandbox CLI's --sign-in flag (local/cli-options.ts): off by default, on when given, and in --help. */
import { strict as assert } from "node:assert";
import { HELP, parseCliOptions } from "../local/cli-options";

describe("npm start -- --sign-in", () => {
  it("is off by default and on when given", () => {
    assert.equal(parseCliOptions([]).signIn, false);
    assert.equal(parseCliOptions(["--sign-in"]).signIn, true);
  });

  it("is described in --help", () => {
    assert.match(HELP, /--sign-in\s+require sign-in on the approval pages/);
  });
});
