#!/usr/bin/env node
/**
 * The `parallel-approval` command (package.json `bin`). The CLI is TypeScript (cli/main.ts);
 * this launcher registers tsx, a runtime dependency of the package, for the CLI's own modules
 * only (a namespaced registration) and runs it in this very process. So `npx parallel-approval`
 * runs with plain node from the installed package: no build step, nothing downloaded at install
 * time, no bundle that could drift from the source the tests run, and signals and the exit code
 * are this process's own (no child process in between). `node --import tsx` in a shebang would
 * resolve tsx from the caller's working directory, not from this package.
 */
"use strict";
const path = require("node:path");
const { register } = require("tsx/cjs/api");

// The package's own compiler settings, whatever tsconfig the caller's working directory has.
process.env.TSX_TSCONFIG_PATH = path.join(__dirname, "..", "tsconfig.json");
const tsx = register({ namespace: "parallel-approval-cli" });
tsx.require("./main.ts", __filename).run(process.argv);
