// `moor server`: the API under /api/v1 (and, with the UI issue, the web UI at /). It reads the
// cluster through informer caches and acts with its own service account, only after checking the
// caller's roles in the target's project. SIGTERM and SIGINT shut it down.
import { createApiApp } from "../server/app.ts";
import { ServerCache } from "../server/cache.ts";
import type { ServerDeps } from "../server/context.ts";
import { listen } from "../server/listen.ts";
import { allRoutes } from "../server/routes/index.ts";
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from "../util/log.ts";
import { type Command, EXIT, stringValue, type Values } from "./command.ts";
import { clientFromFlags, clusterOptions, openAuditWriter } from "./controller-commands.ts";
import { UsageError } from "./output.ts";
import { IDENTITY_USAGE, identityFromFlags, identityOptions } from "./server-identity.ts";

function portFlag(values: Values): number {
  const text = stringValue(values, "port") ?? "8080";
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port takes a port number, got "${text}"`);
  return port;
}

function logFlags(values: Values): { level: LogLevel; format: LogFormat } {
  const level = (stringValue(values, "log-level") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level takes one of ${LOG_LEVELS.join(", ")}`);
  const format = (stringValue(values, "log-format") ?? "json") as LogFormat;
  if (format !== "json" && format !== "text") throw new UsageError("--log-format takes json or text");
  return { level, format };
}

export const serverCommands: Command[] = [
  {
    path: ["server"],
    usage:
      "moor server [--port 8080] [--host 127.0.0.1] [--kubeconfig F] [--database URL|PATH] [--log-level L] [--log-format json|text] " +
      IDENTITY_USAGE,
    summary: "serve the Mooring API (/api/v1) for the cluster in the kubeconfig",
    options: {
      ...clusterOptions,
      port: { type: "string" },
      host: { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      database: { type: "string" },
      ...identityOptions,
    },
    run: async (values) => {
      const log = createLogger({ ...logFlags(values), fields: { component: "server" } });
      const { client, namespace } = clientFromFlags(values);
      // The same audit chain as the controller's (`--database`, default the SQLite file under
      // MOORING_HOME); the controller publishes the anchors, the server's are log lines only.
      const audit = await openAuditWriter(stringValue(values, "database"), log, undefined, async () => {});
      // Reads are answered from informer caches; serve once they are filled, or after 20 s with
      // the kinds still missing answering 503 until they are (a CRD not installed yet, say).
      const cache = new ServerCache(client, { namespace, log });
      cache.start();
      if (!(await cache.waitForSync(20_000)))
        log.warn("cache: still reading from the cluster; those reads answer 503 until done", {
          unsynced: cache.unsynced(),
        });
      const login = await identityFromFlags(values, {
        kube: client,
        namespace,
        log,
        clock: Date.now,
        projectRoles: () => cache.projectRoles(),
      });
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
        clock: Date.now,
        log,
        kube: client,
        namespace,
        cache,
      };
      const server = await listen(createApiApp(deps, allRoutes(deps)), {
        port: portFlag(values),
        host: stringValue(values, "host") ?? "127.0.0.1",
      });
      log.info("serving the Mooring API", { url: `${server.url}/api/v1` });
      process.stdout.write(`moor server: serving ${server.url}/api/v1\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await server.close();
      login.stop();
      cache.stop();
      await audit.close();
      client.close();
      return EXIT.ok;
    },
  },
];
