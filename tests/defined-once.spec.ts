/**
 * Names and limits defined once: environment variable names in core/environment.ts, the page's
 * route in core/routes.ts, the record retention in core/limits.ts. Everything else imports them.
 */
import { strict as assert } from "node:assert";
import { FunctionFactory } from "../components/functions";
import { ENV } from "../core/environment";
import type { FunctionSpec } from "../core/topology";
import { codeLines, PROGRAM_FOLDERS } from "./helpers/source-lines";

// Checked by tsc (npm run typecheck), not by mocha: the topology's environment contract and what
// the component provides are names of core/environment.ts, not any string. Exported, so that an
// unused-variable error cannot satisfy a directive.
// @ts-expect-error an optional variable that is not in ENV is refused
export const _optional: FunctionSpec["optionalEnv"] = ["TABLE_NAM"];
// @ts-expect-error a variable that is not in ENV is refused
export const _env: FunctionSpec["env"] = [ENV.tableName, "RETENTION_DAYS"];
// @ts-expect-error the factory provides only variables of ENV
export const _provide = (factory: FunctionFactory) => factory.provide("TABLE", "t");

describe("names and limits defined once", () => {
  it("no source outside core/environment.ts spells an environment variable name of the functions", () => {
    const names = Object.values(ENV);
    const spelt = new RegExp(`(["'\`](${names.join("|")})["'\`])|\\b(${names.join("|")})\\s*:`);
    const hits = codeLines(PROGRAM_FOLDERS)
      .filter(({ at }) => !at.startsWith("core/environment.ts:"))
      .filter(({ line }) => spelt.test(line));
    assert.deepEqual(hits, []);
  });

  it("no source outside core/routes.ts spells the page's /r/ path (they use its route and link helpers)", () => {
    const hits = codeLines(PROGRAM_FOLDERS)
      .filter(({ at }) => !at.startsWith("core/routes.ts:"))
      .filter(({ line }) => line.includes("/r/"));
    assert.deepEqual(hits, []);
  });

  it("the record retention's default is spelt only in core/limits.ts (the sandbox and the bench import it)", () => {
    const hits = codeLines(PROGRAM_FOLDERS).filter(({ line }) => /RECORD_RETENTION_DAYS\s*=\s*["'\d]/.test(line));
    assert.deepEqual(
      hits.map(({ at }) => at.split(":")[0]),
      ["core/limits.ts"],
    );
  });
});
