// Starting the API server in a process: audit writer, informer caches, identity services, routes,
// then the listening socket. `moor server` and `moor up` both start it this way, so what the demo
// serves is exactly what an installation serves.
import { openAuditWriter } from "../audit/open-writer.ts";
import { DEFAULT_CONTROLLER_URL } from "../core/inspect/protocol.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../util/log.ts";
import { createApiApp } from "./app.ts";
import { type IdentityOptions, openIdentity } from "./authenticate.ts";
import { ServerCache } from "./cache.ts";
import type { ServerDeps } from "./context.ts";
import { InspectClient } from "./inspect-client.ts";
import { type ListeningServer, listen } from "./listen.ts";
import { allRoutes } from "./routes/index.ts";
import { mountUi } from "./ui.ts";

export interface ApiServerOptions {
  kube: KubeClient;
  /** The controller namespace (`mooring`). */
  namespace: string;
  log: Logger;
  port: number;
  host: string;
  /** Take any free port when `port` is in use (the demo); otherwise fail as a server should. */
  anyPortIfTaken?: boolean;
  /** The audit database (`postgres://...` or a SQLite path); default the SQLite file under MOORING_HOME. */
  database?: string;
  identity?: IdentityOptions;
  /** How long to wait for the caches before serving; default 20 s. */
  cacheSyncMs?: number;
  /**
   * The controller's HTTP root, asked for resource trees, manifests and previews (it reads and
   * renders; the server may not); default the in-cluster Service, DEFAULT_CONTROLLER_URL.
   */
  controllerUrl?: string;
}

export interface RunningApiServer {
  server: ListeningServer;
  deps: ServerDeps;
  /** Stops serving, then the caches, identity services and audit writer (flushing what is queued). */
  stop(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const { kube, namespace, log } = options;
  const clock = Date.now;
  // The same audit chain as the controller's; the controller publishes the anchors, the
  // server's are log lines only.
  const audit = await openAuditWriter(options.database, log, undefined, async () => {});
  // Reads are answered from informer caches; serve once they are filled, or after the wait with
  // the kinds still missing answering 503 until they are (a CRD not installed yet, say).
  const cache = new ServerCache(kube, { namespace, log });
  cache.start();
  if (!(await cache.waitForSync(options.cacheSyncMs ?? 20_000))) {
    log.warn("cache: still reading from the cluster; those reads answer 503 until done", {
      unsynced: cache.unsynced(),
    });
  }
  const login = await openIdentity(
    { kube, namespace, log, clock, projectRoles: () => cache.projectRoles() },
    options.identity ?? {},
  );
  const deps: ServerDeps = {
    authenticator: login.authenticator,
    identity: login.identity,
    // Each record also goes to the log at debug level, for operators following a live server.
    audit: {
      record: (entry) => {
        log.debug("audit", { audit: entry });
        return audit.record(entry);
      },
    },
    auditStore: audit.store,
    clock,
    log,
    kube,
    namespace,
    cache,
    inspect: new InspectClient({ url: options.controllerUrl ?? DEFAULT_CONTROLLER_URL, kube, namespace }),
  };
  const app = createApiApp(deps, allRoutes(deps));
  // The web UI at `/` (ui/dist), after the API so /api/v1 answers first.
  mountUi(app, { sso: login.identity?.oidc !== undefined });
  let server: ListeningServer;
  try {
    server = await listen(app, { port: options.port, host: options.host });
  } catch (err) {
    if (!options.anyPortIfTaken || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    server = await listen(app, { port: 0, host: options.host });
  }
  return {
    server,
    deps,
    stop: async () => {
      await server.close();
      login.stop();
      cache.stop();
      await audit.close();
    },
  };
}
