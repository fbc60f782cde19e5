/**
 * Confirming one link (cli/confirm-subscription.ts), with its exit status: 0 when confirmed, 1
 * when SNS refused, 2 for a bad link. Shared by `npm run confirm-subscription` and
 * `parallel-approval confirm-subscription`.
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { confirmWithAuthentication, explainFailure, parseConfirmationLink, UsageError } from "./confirm-subscription";

export async function runConfirmation(text: string): Promise<number> {
  let link;
  try {
    link = parseConfirmationLink(text);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`confirm-subscription: ${error.message}\n`);
    return 2;
  }
  try {
    const arn = await confirmWithAuthentication(new SNSClient({ region: link.region }), link);
    const who = link.endpoint ? ` for ${link.endpoint}` : "";
    process.stdout.write(
      `Confirmed${who}: ${arn}\nUnsubscribing now needs AWS credentials; the unsubscribe link in emails no longer works.\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`confirm-subscription: ${explainFailure(error, link)}\n`);
    return 1;
  }
}
