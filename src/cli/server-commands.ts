// `moor server`: the API under /api/v1 (and, with the UI issue, the web UI at /). It reads the
// cluster through informer caches and acts with its own service account, only after checking the
// caller's roles in the target's project. SIGTERM and SIGINT shut it down.
import { startApiServer } from "../server/start.ts";
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from "../util/log.ts";
import { type Command, EXIT, stringValue, type Values } from "./command.ts";
import { clientFromFlags, clusterOptions } from "./controller-commands.ts";
import { UsageError } from "./output.ts";
import { IDENTITY_USAGE, identityOptions, identityOptionsFromFlags } from "./server-identity.ts";

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

function controllerUrlFlag(values: Values): string | undefined {
  const text = stringValue(values, "controller-url");
  if (text === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(text))
    throw new UsageError(
      `--controller-url takes an http(s) URL such as http://127.0.0.1:8082, got "${text}"`,
    );
  return text;
}

export const serverCommands: Command[] = [
  {
    path: ["server"],
    usage:
      "moor server [--port 8080] [--host 127.0.0.1] [--kubeconfig F] [--database URL|PATH] [--controller-url URL] [--log-level L] [--log-format json|text] " +
      IDENTITY_USAGE,
    summary: "serve the Mooring API (/api/v1) for the cluster in the kubeconfig",
    options: {
      ...clusterOptions,
      port: { type: "string" },
      host: { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      database: { type: "string" },
      // Where the controller's inspect endpoints are (trees, manifests, previews); default its Service.
      "controller-url": { type: "string" },
      ...identityOptions,
    },
    run: async (values) => {
      const log = createLogger({ ...logFlags(values), fields: { component: "server" } });
      const { client, namespace } = clientFromFlags(values);
      const database = stringValue(values, "database");
      const controllerUrl = controllerUrlFlag(values);
      const api = await startApiServer({
        kube: client,
        namespace,
        log,
        port: portFlag(values),
        host: stringValue(values, "host") ?? "127.0.0.1",
        identity: identityOptionsFromFlags(values),
        ...(database === undefined ? {} : { database }),
        ...(controllerUrl === undefined ? {} : { controllerUrl }),
      });
      log.info("serving the Mooring API", { url: `${api.server.url}/api/v1` });
      process.stdout.write(`moor server: serving ${api.server.url}/api/v1\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await api.stop();
      client.close();
      return EXIT.ok;
    },
  },
];
