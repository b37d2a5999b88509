// `moor controller`: runs the Application controller in the foreground, out of cluster with a
// kubeconfig or in cluster with its service account. SIGTERM and SIGINT shut it down gracefully.

import { join } from "node:path";
import { defaultAuditDatabase, describeDatabase } from "../audit/open.ts";
import { openAnchoredAuditWriter } from "../audit/open-writer.ts";
import { Controller } from "../controller/controller.ts";
import { Destinations } from "../controller/destinations.ts";
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { parseDuration } from "../core/duration.ts";
import { parseServiceAccount } from "../core/sync-identity.ts";
import { reportConfinement } from "../isolation/startup.ts";
import { KubeClient } from "../kube/client.ts";
import { loadConfig } from "../kube/kubeconfig.ts";
import type { ApiServer } from "../terraform/state-backend.ts";
import { defaultTofuCliConfigPath, providerMirrors, writeProviderCliConfig } from "../toolchain/tofu.ts";
import { mooringHome } from "../util/home.ts";
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from "../util/log.ts";
import { type Command, EXIT, stringValue, type Values } from "./command.ts";
import { LIMIT_USAGE, limitOptions, limitsFromFlags } from "./limit-flags.ts";
import { UsageError } from "./output.ts";

export const clusterOptions = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
  namespace: { type: "string", short: "n" },
} as const;

/** The client for the cluster a command talks to, from --kubeconfig/--context or the defaults. */
export function clientFromFlags(values: Values): {
  client: KubeClient;
  namespace: string;
  /** The API server and how to trust it (no credentials), for tofu runs that bring their own token. */
  apiServer: ApiServer;
} {
  const kubeconfig = stringValue(values, "kubeconfig");
  const context = stringValue(values, "context");
  const config = loadConfig({
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(context ? { context } : {}),
  });
  const { server, caPem, insecureSkipTlsVerify } = config.credentials;
  return {
    client: new KubeClient(config.credentials),
    namespace: stringValue(values, "namespace") ?? CONTROLLER_NAMESPACE,
    apiServer: {
      server,
      ...(caPem ? { caPem } : {}),
      ...(insecureSkipTlsVerify ? { insecureSkipTlsVerify } : {}),
    },
  };
}

function durationFlag(values: Values, name: string): number | undefined {
  const text = stringValue(values, name);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`--${name} takes a duration such as 30s or 3m, got "${text}"`);
  return ms;
}

function intFlag(values: Values, name: string): number | undefined {
  const text = stringValue(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} takes a whole number, got "${text}"`);
  return n;
}

export const controllerCommands: Command[] = [
  {
    path: ["controller"],
    usage: `moor controller [--kubeconfig F] [--context C] [-n mooring] [--port 8082] [--concurrency 8] [--stack-concurrency 2] [--resync 3m] [--repo-poll-interval 60s] [--preview-poll-interval 60s] [--leader-elect=false] [--multi-tenant] [--default-service-account NAME] [--unsafe-unsandboxed-stacks] [--unsafe-unsandboxed-renders] [--database URL|PATH] [--audit-anchor-interval 60s] [--log-level info] [--log-format json|text] ${LIMIT_USAGE}`,
    summary:
      "run the controller for Applications and Stacks in the foreground (metrics and health on --port)",
    options: {
      ...clusterOptions,
      port: { type: "string" },
      host: { type: "string" },
      concurrency: { type: "string" },
      "stack-concurrency": { type: "string" },
      resync: { type: "string" },
      "repo-poll-interval": { type: "string" },
      // Pull-request previews: how often open PRs are listed behind the webhooks; 0 = webhooks only.
      "preview-poll-interval": { type: "string" },
      "leader-elect": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      identity: { type: "string" },
      ...limitOptions,
      // Lockdown for clusters shared by several teams: no app syncs with the controller's rights.
      "multi-tenant": { type: "boolean" },
      "default-service-account": { type: "string" },
      // tofu, helm and kustomize run in a sandbox; these run them unconfined where it cannot start.
      "unsafe-unsandboxed-stacks": { type: "boolean" },
      "unsafe-unsandboxed-renders": { type: "boolean" },
      // The audit trail: a postgres:// URL or an SQLite file (default under MOORING_HOME).
      database: { type: "string" },
      "audit-anchor-interval": { type: "string" },
    },
    run: async (values) => {
      const level = (stringValue(values, "log-level") ?? "info") as LogLevel;
      if (!LOG_LEVELS.includes(level))
        throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
      const format = (stringValue(values, "log-format") ?? "json") as LogFormat;
      if (format !== "json" && format !== "text") throw new UsageError("--log-format must be json or text");
      const leaderElect = stringValue(values, "leader-elect") ?? "true";
      if (leaderElect !== "true" && leaderElect !== "false")
        throw new UsageError("--leader-elect must be true or false");
      const limits = limitsFromFlags(values);
      const log = createLogger({ level, format, fields: { component: "controller" } });
      const { client, namespace, apiServer } = clientFromFlags(values);
      const destinations = new Destinations(client, namespace);
      const port = intFlag(values, "port");
      const concurrency = intFlag(values, "concurrency");
      const stackConcurrency = intFlag(values, "stack-concurrency");
      const resyncMs = durationFlag(values, "resync");
      const repoPollMs = durationFlag(values, "repo-poll-interval");
      const previewPollMs = durationFlag(values, "preview-poll-interval");
      const identity = stringValue(values, "identity");
      const host = stringValue(values, "host");
      const defaultServiceAccount = stringValue(values, "default-service-account");
      if (defaultServiceAccount !== undefined) {
        // Checked with a stand-in namespace: the real one is each app's destination namespace.
        const problem = parseServiceAccount(defaultServiceAccount, "default");
        if (typeof problem === "string") throw new UsageError(`--default-service-account: ${problem}`);
      }
      const multiTenant = values["multi-tenant"] === true;
      const unsafeStacks = values["unsafe-unsandboxed-stacks"] === true;
      const unsafeRenders = values["unsafe-unsandboxed-renders"] === true;
      await reportConfinement(log, { unsafeStacks, unsafeRenders });
      const cliConfigFile = await writeProviderCliConfig(defaultTofuCliConfigPath(), providerMirrors());
      const database = stringValue(values, "database");
      const anchorEveryMs = durationFlag(values, "audit-anchor-interval");
      const audit = await openAnchoredAuditWriter(
        database,
        log,
        anchorEveryMs,
        client,
        namespace,
        () => controller.audit.controller.name,
      );
      const controller = new Controller(client, destinations, log, {
        namespace,
        stacks: {
          cliConfigFile,
          // tofu's state backend reaches this same cluster, as each Stack's ServiceAccount.
          apiServer,
          workRoot: join(mooringHome(), "stacks"),
          sandbox: { unsafeUnsandboxed: unsafeStacks },
          ...(stackConcurrency ? { concurrency: stackConcurrency } : {}),
        },
        leaderElect: leaderElect === "true",
        tenancy: { multiTenant, ...(defaultServiceAccount ? { defaultServiceAccount } : {}) },
        ...(port !== undefined ? { port } : {}),
        ...(host ? { host } : {}),
        ...(concurrency ? { concurrency } : {}),
        ...(resyncMs ? { resyncMs } : {}),
        ...(repoPollMs ? { repoPollMs } : {}),
        ...(previewPollMs !== undefined ? { previewPollMs } : {}),
        ...(identity ? { identity } : {}),
        allowLocalRepos: values["allow-local-repos"] === true,
        unsafeUnsandboxedRenders: unsafeRenders,
        limits,
        audit,
      });
      let exitCode: number = EXIT.ok;
      let finished: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        finished = resolve;
      });
      const shutdown = (signal: string) => {
        log.info("shutting down", { signal });
        void controller
          .stop()
          .then(() => audit.close())
          .then(finished);
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
      await controller.start(() => {
        // Like kube-controller-manager: a replica that lost its lease exits and is restarted.
        exitCode = EXIT.failed;
        void controller
          .stop()
          .then(() => audit.close())
          .then(finished);
      });
      log.info("controller started", {
        namespace,
        metrics: `${controller.address}/metrics`,
        tenancy: multiTenant ? "multi-tenant" : "single-team",
        audit: describeDatabase(database || defaultAuditDatabase()),
        ...(defaultServiceAccount ? { defaultServiceAccount } : {}),
      });
      await stopped;
      client.close();
      return exitCode;
    },
  },
];
