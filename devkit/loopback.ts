/**
 * Listening on loopback for local AWS endpoint stand-ins. The handlers' SDK clients are created
 * once per process and resolve their endpoint once, so each kind of stand-in reuses the port it
 * had before when it can: a fresh server per test file stays reachable through the cached client.
 */
import type { Server } from "node:http";
import { closeServer, listenOnLoopback as listenOnPort, loopbackUrl } from "../local/loopback";

export { closeServer };

const previousPorts = new Map<string, number>();

/** Listens on 127.0.0.1, on the port this `kind` of server last had if it is free; returns the endpoint URL. */
export async function listenOnLoopback(server: Server, kind: string): Promise<string> {
  const previous = previousPorts.get(kind);
  let port: number;
  try {
    port = await listenOnPort(server, previous ?? 0);
  } catch {
    port = await listenOnPort(server, 0); // the previous port was taken meanwhile
  }
  previousPorts.set(kind, port);
  return loopbackUrl(port);
}

/** Sets environment variables and returns a function that puts the previous values back. */
export function setEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export const LOCAL_REGION = "eu-west-1";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Region and dummy credentials, so SDK clients built from the environment never look further. */
export function localAwsEnv(): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}
