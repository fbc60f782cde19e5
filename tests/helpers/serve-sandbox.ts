/**
 * The sandbox in `--serve` mode for tests: a stack of its own (one stage, two approvers, both
 * needed), the approvers' links of each request as they are asked, decisions posted to the
 * approval page as a browser posts the form, and a Step Functions client on its endpoint.
 */
import { request as httpRequest } from "node:http";
import { SFNClient } from "@aws-sdk/client-sfn";
import { parseStackConfig } from "../../channels/registry";
import type { ApproverAsked } from "../../local/round-events";
import { startSandboxServer, type SandboxServer, type ServedRequest } from "../../local/serve/sandbox-server";

export const TWO_OWNERS = {
  approvers: [
    { name: "lead", email: "lead@example.com" },
    { name: "finance", email: "finance@example.com" },
  ],
  approvalTimeout: "72h",
};

export const SANDBOX_ENV = {
  AWS_ACCESS_KEY_ID: "sandbox",
  AWS_SECRET_ACCESS_KEY: "sandbox",
  // Only the variables above count: never the user's files or an instance role.
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  AWS_EC2_METADATA_DISABLED: "true",
};

export interface ServeHarness {
  server: SandboxServer;
  sfn: SFNClient;
  /** The approvers of the next request whose stage is asked (resolves once all of the stage are). */
  nextAsked(): Promise<{ execution: ServedRequest; asked: readonly ApproverAsked[] }>;
  stop(): Promise<void>;
}

export async function startServeHarness(
  options: { config?: Record<string, unknown>; timeoutSeconds?: number; user?: string } = {},
): Promise<ServeHarness> {
  const waiters: ((value: { execution: ServedRequest; asked: readonly ApproverAsked[] }) => void)[] = [];
  const ready: { execution: ServedRequest; asked: readonly ApproverAsked[] }[] = [];
  const server = await startSandboxServer({
    settings: parseStackConfig(options.config ?? TWO_OWNERS),
    port: 0,
    user: options.user ?? "ci-tester",
    ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    onEvent: (event) => {
      if (event.type !== "request" || event.event.type !== "stageAsked") return;
      const found = { execution: event.execution, asked: event.event.asked };
      const waiter = waiters.shift();
      if (waiter) waiter(found);
      else ready.push(found);
    },
  });
  const sfn = new SFNClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
    maxAttempts: 1,
  });
  return {
    server,
    sfn,
    nextAsked: () => {
      const found = ready.shift();
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push(resolve));
    },
    stop: async () => {
      sfn.destroy();
      await server.stop();
    },
  };
}

export interface Page {
  status: number;
  body: string;
}

/** GET (or POST a form to) a sandbox page. */
export function fetchPage(url: string, form?: Record<string, string>): Promise<Page> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Decides through an approver's link, as the page's form does; the page must answer 200. */
export async function decide(
  asked: readonly ApproverAsked[],
  approver: string,
  decision: "approve" | "reject",
  comment?: string,
): Promise<void> {
  const entry = asked.find((a) => a.approver === approver);
  if (entry === undefined) throw new Error(`${approver} was not asked`);
  const page = await fetchPage(entry.link, { decision, ...(comment === undefined ? {} : { comment }) });
  if (page.status !== 200) throw new Error(`deciding for ${approver} answered ${page.status}`);
}
