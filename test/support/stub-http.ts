// The lifecycle the tests' stub API servers share: listen on an ephemeral loopback port, tell the port,
// close with every connection (open watches included).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The port `server` listens on. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Starts `server` on 127.0.0.1 with a port the system picks; resolves with that port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return portOf(server);
}

/** Closes `server` (if started) and every connection it still holds. */
export async function closeNow(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
}
