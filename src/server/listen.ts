// Starts the API server on a TCP port. Loopback by default: exposing it is a choice the operator
// makes with --host (in a cluster, behind a Service and an Ingress with TLS).
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface ListeningServer {
  /** `http://127.0.0.1:PORT`, the port resolved when 0 was asked for. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(app: Hono, options: { port: number; host: string }): Promise<ListeningServer> {
  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Server-sent event streams hold connections open; close them so shutdown is prompt.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
