/**
 * record-expiry: an approver's task timed out. Records `expired` for them (unless their decision
 * or the request's end came first) and returns the signal the branch must raise.
 */
import { sfnVoteCallbacks } from "../shared/callbacks";
import { sfnClient } from "../shared/clients";
import type { RecordExpiryEvent, RecordExpiryResult } from "../shared/model";
import { recordExpiry } from "../shared/recorder";
import { requestStoreFromEnv } from "../shared/store";

export const handler = (event: RecordExpiryEvent): Promise<RecordExpiryResult> =>
  recordExpiry({ store: requestStoreFromEnv(), callbacks: sfnVoteCallbacks(sfnClient()) }, event);
