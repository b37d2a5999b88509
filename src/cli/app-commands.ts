// `moor app ...`: Applications from the command line, as with `argocd app`. The CLI never syncs
// by itself: create applies the Application, and sync, rollback, unpin and refresh write a
// request the controller answers (the `operation` field, the `mooring.dev/refresh` annotation);
// with --wait the CLI watches the status until the controller has answered, bounded by --timeout.
// `diff --local|--revision` and `manifests` render and compare here, the way the controller would.
import { readFileSync } from "node:fs";
import {
  deleteApp,
  refreshApp,
  rollbackApp,
  type SyncOptions,
  type SyncResource,
  setAppSuspended,
  syncApp,
  terminateApp,
  unpinApp,
} from "../actions/app-actions.ts";
import { REFRESH_ANNOTATION } from "../controller/app-reconciler.ts";
import type { ApplicationStatus } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { formatRef } from "../core/objects.ts";
import { projectNameOf } from "../core/project/project.ts";
import { ApiClientError } from "./api-client.ts";
import { AppApi, AppError, type AppWithOperation, requesterName } from "./app-client.ts";
import { DIFF_EXIT, type DiffReport, diffFromComparison, diffFromStatus } from "./app-diff.ts";
import { compareDesired, desiredObjects, liveObjects, openDestination, yamlStream } from "./app-manifests.ts";
import {
  remoteAction,
  remoteApp,
  remoteAppRows,
  remoteDelete,
  remoteLogin,
  remoteNamespace,
  rowAsApplication,
  SERVER_FLAG,
  serverOption,
} from "./app-remote.ts";
import { applicationFromFlags, sameApplication, specDifferences } from "./app-spec.ts";
import {
  renderAppList,
  renderAppSummary,
  renderHistory,
  renderResources,
  shortSha,
  statusOf,
} from "./app-view.ts";
import {
  deletedVerdict,
  operationVerdict,
  pollApp,
  readyVerdict,
  refreshVerdict,
  requestBefore,
  type Verdict,
} from "./app-wait.ts";
import { type Command, EXIT, outputOption, stringValue, stringValues, type Values } from "./command.ts";
import { CLUSTER_FLAGS, finish, forPrinting, oneName, print, seconds, timeoutFlag } from "./command-kit.ts";
import { clientFromFlags, clusterOptions } from "./controller-commands.ts";
import { age, parseOutputFormat, renderStructured, UsageError } from "./output.ts";
import { createProgress, type Progress } from "./progress.ts";
import { kubeconfigOnly, remoteDiffStatus } from "./reads-remote.ts";

/** Runs work with the Applications API of the namespace in the flags; closes the client after. */
async function withApps<T>(
  values: Values,
  work: (api: AppApi) => Promise<T>,
  namespace?: string,
): Promise<T> {
  const { client, namespace: fromFlags } = clientFromFlags(values);
  try {
    return await work(new AppApi(client, namespace ?? fromFlags));
  } finally {
    client.close();
  }
}

function controllerSilent(namespace: string, timeoutMs: number): string {
  return `the controller did not answer within ${seconds(timeoutMs)}: is it running? (\`moor controller\`, or the mooring-controller Deployment in namespace ${namespace})`;
}

/** Where an action goes: straight to the cluster, or through a Mooring server (./app-remote.ts). */
interface AppTarget {
  namespace: string;
  find(name: string): Promise<AppWithOperation | null>;
  /** Performs the action; answers the line to print and the app as read before the request. */
  act(
    action: "sync" | "refresh" | "rollback" | "unpin" | "suspend" | "resume",
    name: string,
    body: Record<string, unknown>,
  ): Promise<{ message: string; app: AppWithOperation }>;
}

function appNotFound(name: string, namespace: string): AppError {
  return new AppError(
    `application ${name} not found in namespace ${namespace}; \`moor app list -n ${namespace}\` lists the applications there`,
  );
}

/** The Application, or the same "not found" error either way goes. */
async function getApp(
  target: Pick<AppTarget, "find" | "namespace">,
  name: string,
): Promise<AppWithOperation> {
  const app = await target.find(name);
  if (!app) throw appNotFound(name, target.namespace);
  return app;
}

/** Runs work against the cluster (kubeconfig) or, logged in, through the server. */
async function withTarget<T>(values: Values, work: (target: AppTarget) => Promise<T>): Promise<T> {
  const login = remoteLogin(values);
  if (login) {
    const namespace = remoteNamespace(values);
    const find = (name: string) => remoteApp(login, namespace, name);
    return work({
      namespace,
      find,
      act: async (action, name, body) => {
        const app = await find(name);
        if (!app) throw appNotFound(name, namespace);
        const answer = await remoteAction(login, "applications", namespace, name, action, body);
        return { message: answer.message, app };
      },
    });
  }
  return withApps(values, (api) => {
    const who = requesterName(values);
    const { client, namespace } = api;
    return work({
      namespace,
      find: (name) => api.find(name),
      act: async (action, name, body) => {
        switch (action) {
          case "sync":
            return syncApp(client, namespace, name, body as SyncOptions, who);
          case "refresh":
            return refreshApp(client, namespace, name, body as { hard?: boolean }, who);
          case "rollback":
            return rollbackApp(client, namespace, name, body as { id: number }, who);
          case "unpin":
            return unpinApp(client, namespace, name, {}, who);
          case "suspend":
          case "resume":
            return setAppSuspended(client, namespace, name, { suspend: action === "suspend" }, who);
        }
      },
    });
  });
}

/** `--resource GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME`, as argocd app sync takes it. */
export function parseResourceFlag(text: string): SyncResource {
  const parts = text.split(":");
  const [group, kind, target] = parts;
  const slash = target?.indexOf("/") ?? -1;
  const name = target && slash >= 0 ? target.slice(slash + 1) : target;
  if (parts.length !== 3 || !kind || !name) {
    throw new UsageError(
      `--resource takes GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (an empty GROUP for core kinds: :ConfigMap:shop/settings), got "${text}"`,
    );
  }
  return {
    group: group ?? "",
    kind,
    ...(target && slash >= 0 ? { namespace: target.slice(0, slash) } : {}),
    name,
  };
}

/** Waits until the controller has answered a refresh request. */
async function waitForRefresh(
  api: Pick<AppTarget, "find">,
  app: AppWithOperation,
  options: { timeoutMs: number; progress: Progress },
): Promise<{ app: AppWithOperation; verdict: Verdict; timedOut: boolean }> {
  const name = app.metadata.name;
  const result = await pollApp(
    () => api.find(name),
    (current) => refreshVerdict(name, current),
    { timeoutMs: options.timeoutMs, progress: options.progress },
  );
  return { app: (result.app ?? app) as AppWithOperation, verdict: result.verdict, timedOut: result.timedOut };
}

async function waitForOperation(
  api: Pick<AppTarget, "find" | "namespace">,
  app: AppWithOperation,
  what: string,
  before: ReturnType<typeof requestBefore>,
  timeoutMs: number,
): Promise<number> {
  const name = app.metadata.name;
  const progress = createProgress();
  const result = await pollApp(
    () => api.find(name),
    (current) => operationVerdict(name, what, current, before),
    { timeoutMs, progress },
  );
  return finish(progress, result.verdict, result.timedOut, controllerSilent(api.namespace, timeoutMs));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// ---- create, list, get -------------------------------------------------------------------

const createCommand: Command = {
  path: ["app", "create"],
  usage: `moor app create NAME --repo URL [--revision REV] [--path P] [--dest-namespace NS] [--dest-cluster NAME] [--project P] [--sync-policy automated|none] [--auto-prune] [--self-heal] [--sync-option K=V]... [--helm-set k=v]... [--helm-values-file F]... [--release-name R] [--directory-recurse] [--upsert] [-f app.yaml] ${CLUSTER_FLAGS} [-o json|yaml]`,
  summary:
    "create an Application (server-side apply as moor-cli); an existing one is replaced only with --upsert",
  options: {
    ...clusterOptions,
    ...outputOption,
    repo: { type: "string" },
    revision: { type: "string" },
    path: { type: "string" },
    "dest-namespace": { type: "string" },
    "dest-cluster": { type: "string" },
    project: { type: "string" },
    "sync-policy": { type: "string" },
    "auto-prune": { type: "boolean" },
    "self-heal": { type: "boolean" },
    "sync-option": { type: "string", multiple: true },
    "helm-set": { type: "string", multiple: true },
    "helm-values-file": { type: "string", multiple: true },
    "release-name": { type: "string" },
    "directory-recurse": { type: "boolean" },
    upsert: { type: "boolean" },
    file: { type: "string", short: "f" },
  },
  run: async (values, args) => {
    if (args.length > 1) throw new UsageError(`expected one application name, got ${args.length}`);
    const output = parseOutputFormat(stringValue(values, "output"));
    const file = stringValue(values, "file");
    let manifest: { text: string; source: string } | undefined;
    if (file !== undefined) {
      try {
        manifest = {
          text: file === "-" ? await readStdin() : readFileSync(file, "utf8"),
          source: file === "-" ? "stdin" : file,
        };
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
    }
    const desired = applicationFromFlags({
      ...(args[0] ? { name: args[0] } : {}),
      values,
      ...(manifest ? { manifest } : {}),
    });
    const { name, namespace } = desired.metadata;
    return withApps(
      values,
      async (api) => {
        const existing = await api.find(name);
        let action = "created";
        let applied: Application | null = existing;
        if (existing?.metadata.deletionTimestamp) {
          throw new AppError(
            `application ${name} is being deleted; wait until it is gone (\`moor app delete ${name} --wait\`)`,
          );
        }
        if (existing && sameApplication(existing, desired)) {
          action = "unchanged";
        } else if (existing && values.upsert !== true) {
          throw new AppError(
            `application ${name} already exists in namespace ${namespace} with a different spec; pass --upsert to replace it (\`moor app get ${name} -o yaml\` shows the current one)`,
          );
        } else {
          action = existing ? "updated" : "created";
          applied = await api.apply(desired, true);
          const leftovers = specDifferences(applied.spec, desired.spec);
          if (leftovers.length > 0) {
            process.stderr.write(
              `warning: application ${name} keeps fields other field managers set: ${leftovers.join(", ")}; remove them with kubectl edit\n`,
            );
          }
        }
        if ((output === "json" || output === "yaml") && applied) {
          print(renderStructured(forPrinting(applied), output));
        } else {
          print(`application ${name} ${action}`);
        }
        return EXIT.ok;
      },
      namespace,
    );
  },
};

const listCommand: Command = {
  path: ["app", "list"],
  usage: `moor app list [-A] [-p PROJECT] ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml|name]`,
  summary: "list Applications with their sync and health status, revision and source",
  options: {
    ...clusterOptions,
    ...serverOption,
    ...outputOption,
    "all-namespaces": { type: "boolean", short: "A" },
    project: { type: "string", short: "p" },
  },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const output = parseOutputFormat(stringValue(values, "output"));
    const all = values["all-namespaces"] === true;
    const login = remoteLogin(values);
    if (login) {
      // Through the server: the list rows it serves (only the projects this login may see).
      const namespace = remoteNamespace(values);
      const project = stringValue(values, "project");
      const rows = await remoteAppRows(login, {
        ...(all ? {} : { namespace }),
        ...(project ? { project } : {}),
      });
      if (output === "json" || output === "yaml") print(renderStructured(rows, output));
      else if (output === "name") for (const r of rows) print(r.name);
      else if (rows.length === 0)
        process.stderr.write(
          `no applications${project === undefined ? "" : ` of project ${project}`} in ${all ? "any namespace" : `namespace ${namespace}`}\n`,
        );
      else print(renderAppList(rows.map(rowAsApplication), { allNamespaces: all }));
      return EXIT.ok;
    }
    return withApps(values, async (api) => {
      const project = stringValue(values, "project");
      const apps = (await api.list(all)).filter((a) => project === undefined || projectNameOf(a) === project);
      if (output === "json" || output === "yaml") print(renderStructured(apps.map(forPrinting), output));
      else if (output === "name") for (const a of apps) print(a.metadata.name);
      else if (apps.length === 0)
        process.stderr.write(
          `no applications${project === undefined ? "" : ` of project ${project}`} in ${all ? "any namespace" : `namespace ${api.namespace}`}\n`,
        );
      else print(renderAppList(apps, { allNamespaces: all }));
      return EXIT.ok;
    });
  },
};

const getCommand: Command = {
  path: ["app", "get"],
  usage: `moor app get NAME ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml]`,
  summary: "show an Application: source, destination, sync and health, last sync, and its resources",
  options: { ...clusterOptions, ...serverOption, ...outputOption },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app get NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    return withTarget(values, async (api) => {
      const app = await api.find(name);
      if (!app) {
        throw new AppError(
          `application ${name} not found in namespace ${api.namespace}; \`moor app list -n ${api.namespace}\` lists the applications there`,
        );
      }
      if (output === "json" || output === "yaml") print(renderStructured(forPrinting(app), output));
      else if (output === "name") print(app.metadata.name);
      else print(`${renderAppSummary(app)}\n\n${renderResources(statusOf(app).resources ?? [])}`);
      return EXIT.ok;
    });
  },
};

// ---- diff and manifests ------------------------------------------------------------------------

async function computedDiff(api: AppApi, app: AppWithOperation, values: Values): Promise<DiffReport> {
  const local = stringValue(values, "local");
  const revision = stringValue(values, "revision");
  const destination = await openDestination(app, api.client, api.namespace);
  try {
    const desired = await desiredObjects(app, api.client, destination.client, api.namespace, {
      ...(local ? { localDir: local } : {}),
      ...(revision ? { revision } : {}),
    });
    const comparison = await compareDesired(app, destination.client, desired.objects);
    const compared = comparison.objects.filter((o) => !o.hook);
    return diffFromComparison(
      app.metadata.name,
      comparison.diffs,
      compared.filter((o) => o.error).map((o) => o.error ?? ""),
      compared.filter((o) => o.deferred).map((o) => ({ ref: formatRef(o.ref), why: o.deferred ?? "" })),
    );
  } finally {
    destination.done();
  }
}

/**
 * Where `moor app diff` reads the controller's last comparison from: the cluster, or the server
 * (which serves each object's field changes apart from the Application).
 */
interface DiffSource extends Pick<AppTarget, "find" | "namespace"> {
  /** Asks the controller to compare again (keeping a hard refresh already asked for). */
  requestRefresh(app: AppWithOperation): Promise<void>;
  /** The status with each object's recorded field changes. */
  statusWithDiff(app: AppWithOperation): Promise<Partial<ApplicationStatus>>;
}

function clusterDiffSource(api: AppApi): DiffSource {
  return {
    namespace: api.namespace,
    find: (name) => api.find(name),
    requestRefresh: async (app) => {
      const hard = app.metadata.annotations?.[REFRESH_ANNOTATION] === "hard";
      await api.requestRefresh(app.metadata.name, hard, REFRESH_ANNOTATION);
    },
    statusWithDiff: async (app) => statusOf(app),
  };
}

function serverDiffSource(login: NonNullable<ReturnType<typeof remoteLogin>>, namespace: string): DiffSource {
  return {
    namespace,
    find: (name) => remoteApp(login, namespace, name),
    requestRefresh: async (app) => {
      const name = app.metadata.name;
      try {
        await remoteAction(login, "applications", namespace, name, "refresh", {});
      } catch (err) {
        if (!(err instanceof ApiClientError && err.status === 403)) throw err;
        throw new AppError(
          `${err.message}; pass --no-refresh to show the diff of its last comparison, which reading the application allows`,
        );
      }
    },
    statusWithDiff: (app) => remoteDiffStatus(login, app),
  };
}

async function statusDiff(source: DiffSource, app: AppWithOperation, values: Values): Promise<DiffReport> {
  const name = app.metadata.name;
  let current = app;
  if (values["no-refresh"] === true) {
    // The last comparison, as it stands.
  } else if (app.spec.suspend) {
    process.stderr.write(
      `application ${name} is suspended: showing its last comparison (${app.status && statusOf(app).reconciledAt ? `${age(statusOf(app).reconciledAt ?? "")} ago` : "none yet"})\n`,
    );
  } else {
    const timeoutMs = timeoutFlag(values) ?? 60_000;
    const progress = createProgress();
    await source.requestRefresh(app);
    const refreshed = await waitForRefresh(source, app, { timeoutMs, progress });
    if (refreshed.verdict.state !== "done") {
      progress.fail(
        refreshed.timedOut ? `refresh of application ${name}: no answer` : refreshed.verdict.label,
      );
      const when = statusOf(app).reconciledAt;
      throw new AppError(
        `${refreshed.timedOut ? controllerSilent(source.namespace, timeoutMs) : refreshed.verdict.label}; pass --no-refresh to show the diff of its last comparison${when ? ` (${age(when)} ago)` : ""}`,
      );
    }
    progress.done(refreshed.verdict.label);
    current = refreshed.app;
  }
  return diffFromStatus(name, await source.statusWithDiff(current));
}

const diffCommand: Command = {
  path: ["app", "diff"],
  usage: `moor app diff NAME [--revision REV | --local DIR] [--no-refresh] [--timeout 60s] ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary: "show what differs between Git and the cluster; exit 0 in sync, 1 differences, 2 error",
  options: {
    ...clusterOptions,
    ...serverOption,
    revision: { type: "string" },
    local: { type: "string" },
    "no-refresh": { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app diff NAME");
    if (stringValue(values, "local") && stringValue(values, "revision")) {
      throw new UsageError("--local and --revision cannot be used together");
    }
    const computed =
      stringValue(values, "local") !== undefined || stringValue(values, "revision") !== undefined;
    try {
      const login = remoteLogin(values);
      const report = login
        ? await (async () => {
            if (computed) {
              const flag = stringValue(values, "local") !== undefined ? "--local" : "--revision";
              throw new AppError(
                kubeconfigOnly(
                  `moor app diff ${flag}`,
                  "renders the manifests here and compares them with the cluster",
                ),
              );
            }
            const source = serverDiffSource(login, remoteNamespace(values));
            return statusDiff(source, await getApp(source, name), values);
          })()
        : await withApps(values, async (api) => {
            const app = await api.get(name);
            return computed
              ? computedDiff(api, app, values)
              : statusDiff(clusterDiffSource(api), app, values);
          });
      print(report.text);
      if (report.problem) process.stderr.write(`moor app diff: ${report.problem}\n`);
      return report.code;
    } catch (err) {
      // Exit code 1 means "there is a diff", so every failure to answer is a 2.
      process.stderr.write(`moor app diff: ${err instanceof Error ? err.message : String(err)}\n`);
      return DIFF_EXIT.error;
    }
  },
};

const manifestsCommand: Command = {
  path: ["app", "manifests"],
  usage: `moor app manifests NAME [--source git|live] [--revision REV] [--local DIR] ${CLUSTER_FLAGS}`,
  summary:
    "print the objects an Application renders from Git (default) or the live ones, Secret values masked",
  options: {
    ...clusterOptions,
    source: { type: "string" },
    revision: { type: "string" },
    local: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app manifests NAME");
    const source = stringValue(values, "source") ?? "git";
    if (source !== "git" && source !== "live")
      throw new UsageError(`--source takes git or live, got "${source}"`);
    const local = stringValue(values, "local");
    const revision = stringValue(values, "revision");
    if (source === "live" && (local || revision))
      throw new UsageError("--revision and --local apply to --source git");
    return withApps(values, async (api) => {
      const app = await api.get(name);
      const destination = await openDestination(app, api.client, api.namespace);
      try {
        if (source === "live") {
          const live = await liveObjects(app, destination.client);
          print(yamlStream(live.objects));
          for (const ref of live.missing) process.stderr.write(`not found in the cluster: ${ref}\n`);
          return EXIT.ok;
        }
        const desired = await desiredObjects(app, api.client, destination.client, api.namespace, {
          ...(local ? { localDir: local } : {}),
          ...(revision ? { revision } : {}),
        });
        print(yamlStream(desired.objects));
        return EXIT.ok;
      } finally {
        destination.done();
      }
    });
  },
};

// ---- requests to the controller ---------------------------------------------------------------

const syncCommand: Command = {
  path: ["app", "sync"],
  usage: `moor app sync NAME [--revision REV] [--prune] [--dry-run] [--resource GROUP:KIND:[NAMESPACE/]NAME]... [--wait] [--timeout 5m] ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "ask the controller to sync an Application now (--dry-run: change nothing; --resource: only those objects); --wait waits for the result (exit 1 if it fails)",
  options: {
    ...clusterOptions,
    ...serverOption,
    revision: { type: "string" },
    prune: { type: "boolean" },
    "dry-run": { type: "boolean" },
    resource: { type: "string", multiple: true },
    wait: { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app sync NAME");
    const timeoutMs = timeoutFlag(values) ?? 300_000;
    const revision = stringValue(values, "revision");
    const resources = stringValues(values, "resource")?.map(parseResourceFlag);
    const options: SyncOptions = {
      ...(revision ? { revision } : {}),
      ...(values.prune === true ? { prune: true } : {}),
      ...(values["dry-run"] === true ? { dryRun: true } : {}),
      ...(resources ? { resources } : {}),
    };
    return withTarget(values, async (api) => {
      const { app, message } = await api.act("sync", name, { ...options });
      const before = requestBefore(app);
      print(message);
      if (values.wait !== true) return EXIT.ok;
      return waitForOperation(api, app, "sync", before, timeoutMs);
    });
  },
};

const rollbackCommand: Command = {
  path: ["app", "rollback"],
  usage: `moor app rollback NAME ID [--wait] [--timeout 5m] ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary: "deploy the revision of history entry ID again and pin the Application to it",
  options: { ...clusterOptions, ...serverOption, wait: { type: "boolean" }, timeout: { type: "string" } },
  run: async (values, args) => {
    if (args.length !== 2 || !args[0] || !args[1])
      throw new UsageError("expected an application name and a history ID");
    const [name, idText] = args as [string, string];
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 1) {
      throw new UsageError(
        `history ID must be a whole number, got "${idText}"; \`moor app history ${name}\` lists them`,
      );
    }
    const timeoutMs = timeoutFlag(values) ?? 300_000;
    return withTarget(values, async (api) => {
      const { app, message } = await api.act("rollback", name, { id });
      const before = requestBefore(app);
      print(message);
      if (values.wait !== true) return EXIT.ok;
      return waitForOperation(api, app, "rollback", before, timeoutMs);
    });
  },
};

const terminateOpCommand: Command = {
  path: ["app", "terminate-op"],
  usage: `moor app terminate-op NAME ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o json|yaml]`,
  summary:
    "stop the running sync of an Application: its running hooks are deleted, no further step runs, and it ends Failed",
  options: { ...clusterOptions, ...serverOption, ...outputOption },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app terminate-op NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    const login = remoteLogin(values);
    if (login) {
      const namespace = remoteNamespace(values);
      const answer = await remoteAction(login, "applications", namespace, name, "terminate");
      if (output === "json" || output === "yaml") {
        const updated = await remoteApp(login, namespace, name);
        print(renderStructured(updated ? forPrinting(updated) : null, output));
      } else print(answer.message);
      return EXIT.ok;
    }
    return withApps(values, async (api) => {
      const { updated, message } = await terminateApp(
        api.client,
        api.namespace,
        name,
        {},
        requesterName(values),
      );
      if (output === "json" || output === "yaml") print(renderStructured(forPrinting(updated), output));
      else print(message);
      return EXIT.ok;
    });
  },
};

const unpinCommand: Command = {
  path: ["app", "unpin"],
  usage: `moor app unpin NAME ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary: "release the pin a rollback set, so the Application follows its target revision again",
  options: { ...clusterOptions, ...serverOption },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app unpin NAME");
    return withTarget(values, async (api) => {
      print((await api.act("unpin", name, {})).message);
      return EXIT.ok;
    });
  },
};

function suspendCommand(suspend: boolean): Command {
  const verb = suspend ? "suspend" : "resume";
  return {
    path: ["app", verb],
    usage: `moor app ${verb} NAME ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
    summary: suspend
      ? "suspend an Application (spec.suspend): the controller neither compares, syncs nor heals it until it is resumed"
      : "resume a suspended Application: the controller compares and syncs it again",
    options: { ...clusterOptions, ...serverOption },
    run: async (values, args) => {
      const name = oneName(args, "application", `moor app ${verb} NAME`);
      return withTarget(values, async (api) => {
        print((await api.act(verb, name, {})).message);
        return EXIT.ok;
      });
    },
  };
}

const refreshCommand: Command = {
  path: ["app", "refresh"],
  usage: `moor app refresh NAME [--hard] [--no-wait] [--timeout 60s] ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary: "ask the controller to look at Git and the cluster again now (--hard: render without cache)",
  options: {
    ...clusterOptions,
    ...serverOption,
    hard: { type: "boolean" },
    "no-wait": { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app refresh NAME");
    const timeoutMs = timeoutFlag(values) ?? 60_000;
    const hard = values.hard === true;
    return withTarget(values, async (api) => {
      const { app, message } = await api.act("refresh", name, { hard });
      if (values["no-wait"] === true) {
        print(message);
        return EXIT.ok;
      }
      const progress = createProgress();
      const result = await waitForRefresh(api, app, { timeoutMs, progress });
      const code = finish(
        progress,
        result.verdict,
        result.timedOut,
        controllerSilent(api.namespace, timeoutMs),
      );
      if (code === EXIT.ok) {
        const status = statusOf(result.app);
        print(
          `application ${name}: ${status.sync?.status ?? "Unknown"}${status.sync?.revision ? ` to ${shortSha(status.sync.revision)}` : ""}, ${status.health?.status ?? "Unknown"}`,
        );
      }
      return code;
    });
  },
};

const historyCommand: Command = {
  path: ["app", "history"],
  usage: `moor app history NAME ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml]`,
  summary: "list the revisions an Application deployed, newest last; * marks the pinned one",
  options: { ...clusterOptions, ...serverOption, ...outputOption },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app history NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    return withTarget(values, async (api) => {
      const app = await getApp(api, name);
      if (output === "json" || output === "yaml")
        print(renderStructured(statusOf(app).history ?? [], output));
      else if (output === "name") for (const h of statusOf(app).history ?? []) print(String(h.id));
      else print(renderHistory(app));
      return EXIT.ok;
    });
  },
};

const waitCommand: Command = {
  path: ["app", "wait"],
  usage: `moor app wait NAME [--sync] [--health] [--timeout 5m] ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "wait until an Application is Synced and Healthy (default both); exit 1 on timeout or when it stalls",
  options: {
    ...clusterOptions,
    ...serverOption,
    sync: { type: "boolean" },
    health: { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app wait NAME");
    const timeoutMs = timeoutFlag(values) ?? 300_000;
    const either = values.sync === true || values.health === true;
    const wanted = { sync: !either || values.sync === true, health: !either || values.health === true };
    return withTarget(values, async (api) => {
      await getApp(api, name);
      const progress = createProgress();
      const result = await pollApp(
        () => api.find(name),
        (app) => readyVerdict(name, app, wanted),
        { timeoutMs, progress },
      );
      return finish(progress, result.verdict, result.timedOut, `timed out after ${seconds(timeoutMs)}`);
    });
  },
};

const deleteCommand: Command = {
  path: ["app", "delete"],
  usage: `moor app delete NAME [--cascade=true|false] [--wait] [--timeout 5m] ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary: "delete an Application and what it manages (--cascade=false keeps the managed objects)",
  options: {
    ...clusterOptions,
    ...serverOption,
    cascade: { type: "string" },
    wait: { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "application", "moor app delete NAME");
    const cascade = stringValue(values, "cascade") ?? "true";
    if (cascade !== "true" && cascade !== "false")
      throw new UsageError(`--cascade takes true or false, got "${cascade}"`);
    const timeoutMs = timeoutFlag(values) ?? 300_000;
    const waitForDeletion = async (api: Pick<AppTarget, "find" | "namespace">): Promise<number> => {
      const progress = createProgress();
      const result = await pollApp(
        () => api.find(name),
        (app) => deletedVerdict(name, app),
        { timeoutMs, progress },
      );
      return finish(
        progress,
        result.verdict,
        result.timedOut,
        `${controllerSilent(api.namespace, timeoutMs)}; to keep the managed objects instead: \`moor app delete ${name} --cascade=false\``,
      );
    };
    const login = remoteLogin(values);
    if (login) {
      const namespace = remoteNamespace(values);
      const answer = await remoteDelete(login, "applications", namespace, name, `?cascade=${cascade}`);
      print(answer.message);
      if (answer.request.gone === true || values.wait !== true) return EXIT.ok;
      return waitForDeletion({ namespace, find: (n) => remoteApp(login, namespace, n) });
    }
    return withApps(values, async (api) => {
      const { gone, message } = await deleteApp(
        api.client,
        api.namespace,
        name,
        { cascade: cascade === "true" },
        requesterName(values),
      );
      print(message);
      if (gone || values.wait !== true) return EXIT.ok;
      return waitForDeletion(api);
    });
  },
};

export const appCommands: Command[] = [
  createCommand,
  listCommand,
  getCommand,
  diffCommand,
  syncCommand,
  refreshCommand,
  historyCommand,
  rollbackCommand,
  unpinCommand,
  suspendCommand(true),
  suspendCommand(false),
  terminateOpCommand,
  waitCommand,
  deleteCommand,
  manifestsCommand,
];
