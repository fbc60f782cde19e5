#!/usr/bin/env bash
# The GitHub Action's step (action.yml): runs `parallel-approval request --wait --json` with the
# inputs (PA_* variables), shows progress in the log, writes the outputs (outcome, execution-arn,
# decisions) to $GITHUB_OUTPUT, and exits with the CLI's code: 0 approved, 2 rejected, 3 expired,
# 4 pending, 1 error. The outputs are written whatever the outcome, so a later step (after
# `continue-on-error: true`) can read them.
set -uo pipefail
: "${GITHUB_ACTION_PATH:?}" "${GITHUB_OUTPUT:?}" "${PA_STATE_MACHINE_ARN:?state-machine-arn is required}" "${PA_SUBJECT:?subject is required}"

args=(request --state-machine-arn "$PA_STATE_MACHINE_ARN" --subject "$PA_SUBJECT" --wait --json)
[ -n "${PA_DETAILS:-}" ] && args+=(--details "$PA_DETAILS")
[ -n "${PA_REVIEW_URL:-}" ] && args+=(--review-url "$PA_REVIEW_URL")
[ -n "${PA_CHANGE:-}" ] && args+=(--change "$PA_CHANGE")
[ -n "${PA_TIMEOUT:-}" ] && args+=(--timeout "$PA_TIMEOUT")
[ -n "${PA_REQUESTED_BY:-}" ] && args+=(--requested-by "$PA_REQUESTED_BY")
# For the sandbox or a private endpoint (not an input: a workflow sets it in env when it needs it).
[ -n "${PA_ENDPOINT_URL:-}" ] && args+=(--endpoint-url "$PA_ENDPOINT_URL")

result="$(mktemp "${RUNNER_TEMP:-/tmp}/parallel-approval.XXXXXX")"
node "$GITHUB_ACTION_PATH/cli/parallel-approval.js" "${args[@]}" >"$result"
code=$?

PA_CODE="$code" PA_RESULT="$result" node -e '
  const fs = require("node:fs");
  const code = Number(process.env.PA_CODE);
  let doc = {};
  try { doc = JSON.parse(fs.readFileSync(process.env.PA_RESULT, "utf8")); } catch {}
  const byCode = { 0: "approved", 2: "rejected", 3: "expired", 4: "pending" };
  const outcome = byCode[code] ?? (doc.status && doc.status !== "SUCCEEDED" ? doc.status.toLowerCase() : "error");
  const lines = [
    `outcome=${outcome}`,
    `execution-arn=${doc.executionArn ?? ""}`,
    // One line of JSON: JSON.stringify escapes every newline.
    `decisions=${JSON.stringify(doc.decisions ?? [])}`,
  ];
  fs.appendFileSync(process.env.GITHUB_OUTPUT, lines.join("\n") + "\n");
  console.log(`parallel-approval: ${outcome}${doc.executionArn ? ` (${doc.executionArn})` : ""}`);
'
rm -f "$result"
exit "$code"
