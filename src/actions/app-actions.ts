// What a person may ask of an Application, once, for both the command line (`moor app sync ...`)
// and the API (`POST /applications/{namespace}/{name}/sync`). An action never syncs by itself: it
// checks that the request makes sense now, then writes the request the controller answers —
// - sync, rollback, unpin, terminate: the Application's `operation` field (who asked goes in
//   `operation.initiatedBy`, which the controller copies into the operation state, the history and
//   the audit trail);
// - refresh: the `mooring.dev/refresh` annotation (`normal`, or `hard` to render without cache);
// - suspend / resume: `spec.suspend`, which makes the controller leave the app alone;
// - delete: the object itself, after letting go of the managed objects when cascade is off.
// Each returns what was requested and the Application as it was read before, so a caller can wait
// for the controller's answer (the CLI's --wait) or answer 202 at once (the API).

import { FINALIZER, type Operation } from "../controller/app-reconciler.ts";
import { applicationSources, isMultiSource, primarySource } from "../core/app-sources.ts";
import { type Application, REFRESH_ANNOTATION } from "../core/application.ts";
import { isRunning } from "../core/sync-operation.ts";
import type { KubeClient } from "../kube/client.ts";
import { ActionError, type Initiator } from "./action-error.ts";
import { AppApi, type AppWithOperation } from "./app-client.ts";
import { operationProgress, revisionText, statusOf } from "./status-text.ts";

/** One object of the app to sync alone; namespace may be left out for cluster-scoped kinds. */
export interface SyncResource {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface SyncOptions {
  /** Sync this revision instead of the target revision (default: the target revision). */
  revision?: string;
  /** Delete live objects Git no longer has (default: false). */
  prune?: boolean;
  /** Ask the API server to validate every change without persisting any (default: false). */
  dryRun?: boolean;
  /** Sync only these objects (default: all; hooks run only in a sync of the whole app). */
  resources?: SyncResource[];
}

/** The request as the controller reads it from `operation` (sync with its selection and dry run). */
export type AppOperation = Omit<Operation, "sync"> & { sync?: SyncOptions };

export interface AppActionResult {
  /** The action, as the audit trail and the API name it. */
  action: AppAction;
  /** The Application as read just before the request was written. */
  app: AppWithOperation;
  /** One line saying what was requested, as the CLI prints it. */
  message: string;
}

export const APP_ACTIONS = [
  "sync",
  "refresh",
  "rollback",
  "unpin",
  "terminate",
  "suspend",
  "resume",
  "delete",
] as const;
export type AppAction = (typeof APP_ACTIONS)[number];

function appId(namespace: string, name: string): string {
  return `Application ${namespace}/${name}`;
}

/** Reads the app; a missing one is refused as not-found, naming where it was looked for. */
export async function loadApp(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<AppWithOperation> {
  const app = await new AppApi(client, namespace).find(name);
  if (!app) {
    throw new ActionError(
      "not-found",
      appId(namespace, name),
      `application ${name} not found in namespace ${namespace}; \`moor app list -n ${namespace}\` lists the applications there`,
    );
  }
  return app;
}

/** The controller must be free to act on a request: not suspended, not being deleted. */
export function assertActionable(app: Application, what: string): void {
  const { name, namespace } = app.metadata;
  const id = appId(namespace ?? "", name);
  if (app.metadata.deletionTimestamp)
    throw new ActionError("conflict", id, `application ${name} is being deleted; cannot ${what} it`);
  if (app.spec.suspend) {
    throw new ActionError(
      "conflict",
      id,
      `application ${name} is suspended (spec.suspend), so the controller ignores requests; set spec.suspend to false to ${what} it`,
    );
  }
}

/** How a chosen object reads in messages: `apps/Deployment/web/api`. */
export function formatSyncResource(r: SyncResource): string {
  return `${r.group ? `${r.group}/` : ""}${r.kind}/${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}

/** Replaces any pending operation with a sync of the app (or of the chosen objects). */
export async function syncApp(
  client: KubeClient,
  namespace: string,
  name: string,
  options: SyncOptions,
  initiator: Initiator,
): Promise<AppActionResult & { operation: AppOperation }> {
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  assertActionable(app, "sync");
  if (options.resources && options.resources.length === 0) {
    throw new ActionError(
      "invalid",
      appId(namespace, name),
      `no objects chosen to sync in application ${name}: leave resources out to sync the whole app`,
    );
  }
  // One revision cannot name a commit of each source (Argo CD's per-source revisions are not offered).
  if (options.revision && isMultiSource(app.spec)) {
    throw new ActionError(
      "invalid",
      appId(namespace, name),
      `application ${name} has ${app.spec.sources?.length} sources, so a sync cannot take one --revision; sync without it, or set each source's targetRevision in spec.sources`,
    );
  }
  const sync: SyncOptions = {
    ...(options.revision ? { revision: options.revision } : {}),
    ...(options.prune === true ? { prune: true } : {}),
    ...(options.dryRun === true ? { dryRun: true } : {}),
    ...(options.resources ? { resources: options.resources.map((r) => ({ ...r })) } : {}),
  };
  const operation: AppOperation = { sync, initiatedBy: { username: initiator } };
  await api.requestOperation(name, operation as Operation);
  const chosen = options.resources ? ` of ${options.resources.map(formatSyncResource).join(", ")}` : "";
  const message = `${options.dryRun === true ? "dry-run " : ""}sync${chosen} of application ${name} requested${options.revision ? ` at revision ${options.revision}` : ""}${options.prune === true ? " with prune" : ""}`;
  return { action: "sync", app, operation, message };
}

/** Asks the controller to look at Git and the cluster again; a pending hard refresh stays hard. */
export async function refreshApp(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { hard?: boolean },
  _initiator: Initiator,
): Promise<AppActionResult & { hard: boolean }> {
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  assertActionable(app, "refresh");
  const hard = options.hard === true || app.metadata.annotations?.[REFRESH_ANNOTATION] === "hard";
  await api.requestRefresh(name, hard, REFRESH_ANNOTATION);
  return {
    action: "refresh",
    app,
    hard,
    message: `${options.hard === true ? "hard " : ""}refresh of application ${name} requested`,
  };
}

/** Deploys the revision of history entry `id` again and pins the app to it. */
export async function rollbackApp(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { id: number },
  initiator: Initiator,
): Promise<AppActionResult & { revision?: string }> {
  const { id } = options;
  if (!Number.isInteger(id) || id < 1) {
    throw new ActionError(
      "invalid",
      appId(namespace, name),
      `history ID must be a whole number, got "${id}"; \`moor app history ${name}\` lists them`,
    );
  }
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  assertActionable(app, "roll back");
  const history = statusOf(app).history ?? [];
  const entry = history.find((h) => h.id === id);
  if (history.length > 0 && !entry) {
    throw new ActionError(
      "not-found",
      appId(namespace, name),
      `application ${name} has no history entry ${id} (it has ${history.map((h) => h.id).join(", ")}); \`moor app history ${name}\` lists them`,
    );
  }
  await api.requestOperation(name, { rollback: { id }, initiatedBy: { username: initiator } });
  const target = followedText(app);
  return {
    action: "rollback",
    app,
    ...(entry ? { revision: entry.revision } : {}),
    message:
      `rollback of application ${name} to history ${id}${entry ? ` (${revisionText(entry.revision)})` : ""} requested\n` +
      `the application stays pinned to that revision until a new commit arrives on ${target} or \`moor app unpin ${name}\``,
  };
}

/** What the app follows: its target revision, or for a multi-source app each source's. */
function followedText(app: Application): string {
  if (!isMultiSource(app.spec)) return primarySource(app.spec).targetRevision || "HEAD";
  const targets = applicationSources(app.spec).map((s) => s.targetRevision || "HEAD");
  return `its sources' targets (${targets.join(", ")})`;
}

/** Releases the pin a rollback set, so the app follows its target revision again. */
export async function unpinApp(
  client: KubeClient,
  namespace: string,
  name: string,
  _options: Record<string, never>,
  initiator: Initiator,
): Promise<AppActionResult> {
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  assertActionable(app, "unpin");
  const target = followedText(app);
  await api.requestOperation(name, { unpin: true, initiatedBy: { username: initiator } });
  const pin = statusOf(app).pin;
  return {
    action: "unpin",
    app,
    message: pin
      ? `unpin of application ${name} requested: it leaves ${revisionText(pin.revision)} and follows ${target} again`
      : `unpin of application ${name} requested (its status shows no pin); it follows ${target}`,
  };
}

/** Stops the running sync; refused when none runs. Returns the app as the patch left it. */
export async function terminateApp(
  client: KubeClient,
  namespace: string,
  name: string,
  _options: Record<string, never>,
  initiator: Initiator,
): Promise<AppActionResult & { updated: AppWithOperation }> {
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  const op = statusOf(app).operationState;
  if (!op || !isRunning(op)) {
    throw new ActionError(
      "conflict",
      appId(namespace, name),
      `application ${name} has no running operation to terminate${op ? ` (its last sync ${op.phase} ${op.finishedAt ? `at ${op.finishedAt}` : ""})`.trimEnd() : ""}`,
    );
  }
  const updated = await api.requestTerminate(name, initiator);
  return {
    action: "terminate",
    app,
    updated,
    message: `termination of the running sync of application ${name} requested (${operationProgress(op)}); \`moor app get ${name}\` shows when it stopped`,
  };
}

/**
 * Suspends (or resumes) the app: with spec.suspend the controller neither compares, syncs nor
 * heals it, and refuses requests, until it is resumed.
 */
export async function setAppSuspended(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { suspend: boolean },
  _initiator: Initiator,
): Promise<AppActionResult & { changed: boolean }> {
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  const action = options.suspend ? "suspend" : "resume";
  if (app.metadata.deletionTimestamp) {
    throw new ActionError(
      "conflict",
      appId(namespace, name),
      `application ${name} is being deleted; cannot ${action} it`,
    );
  }
  const changed = (app.spec.suspend === true) !== options.suspend;
  if (changed) await api.patch(name, { spec: { suspend: options.suspend } });
  return {
    action,
    app,
    changed,
    message: options.suspend
      ? `application ${name} ${changed ? "suspended" : "was suspended already"}: the controller leaves it alone until it is resumed`
      : `application ${name} ${changed ? "resumed" : "was not suspended"}: the controller compares and syncs it again`,
  };
}

/** Deletes the app; with cascade off, lets go of its managed objects first so they stay. */
export async function deleteApp(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { cascade: boolean },
  _initiator: Initiator,
): Promise<AppActionResult & { gone: boolean; finalizers: string[] }> {
  const api = new AppApi(client, namespace);
  const app = await loadApp(client, namespace, name);
  if (!options.cascade) await api.orphan(name);
  await api.delete(name);
  const after = await api.find(name);
  const finalizers = after?.metadata.finalizers ?? [];
  const message = !after
    ? `application ${name} deleted${options.cascade ? "" : "; its managed objects were kept"}`
    : finalizers.includes(FINALIZER)
      ? `application ${name} is being deleted; the controller deletes its managed objects first`
      : `application ${name} is being deleted, held by finalizers ${finalizers.join(", ")}`;
  return { action: "delete", app, gone: !after, finalizers, message };
}
