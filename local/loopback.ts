/**
 * Listening on 127.0.0.1 only, and closing for good. Everything the sandbox serves (the approval
 * page, the local AWS endpoints, dynalite) goes through here, so nothing is ever reachable from
 * another machine and `stop()` leaves no socket open.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export const LOOPBACK_HOST = "127.0.0.1";

/** The port a user asked for is taken; the message says what to do. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; pass --port N`);
    this.name = "PortInUseError";
  }
}

/** Listens on 127.0.0.1:`port` (0: any free port) and returns the port it got. */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port) : error);
    };
    server.once("error", onError);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Closes the server and drops its open connections: a browser keeps idle keep-alive sockets
 * open, which would otherwise hold `close()` (and the process) until they time out.
 */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export function loopbackUrl(port: number): string {
  return `http://${LOOPBACK_HOST}:${port}`;
}
