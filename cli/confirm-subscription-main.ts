/**
 * `npm run confirm-subscription -- '<link>'`: see cli/confirm-subscription.ts. Exit status 0 when
 * confirmed, 1 when SNS refused, 2 for a bad link or flag.
 */
import { parseArgs } from "node:util";
import { runConfirmation } from "./confirm-subscription-run";

const HELP = `Usage: npm run confirm-subscription -- '<confirmation link>'

Confirms an approver's email subscription so that only AWS credentials can cancel it (SNS
ConfirmSubscription with AuthenticateOnUnsubscribe=true): mail scanners that follow the
unsubscribe link in every email can then no longer remove the approver. Copy the "Confirm
subscription" link from the email SNS sent the approver (do not open it) and pass it in quotes.
Uses the AWS SDK's default credentials (AWS_PROFILE, environment, SSO, ...); the caller needs
sns:ConfirmSubscription on the approver's topic.`;

async function main(argv: string[]): Promise<number> {
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
    if (parsed.values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    positionals = parsed.positionals;
  } catch (error) {
    process.stderr.write(`confirm-subscription: ${(error as Error).message}\n`);
    return 2;
  }
  if (positionals.length !== 1) {
    process.stderr.write(
      `confirm-subscription: pass exactly one confirmation link (got ${positionals.length})\n\n${HELP}\n`,
    );
    return 2;
  }
  return runConfirmation(positionals[0]);
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
