// Compare: what would applying Git change in the cluster? Each rendered object is first made
// concrete (namespace defaulted, tracking annotation added), then sent as a server-side apply dry
// run. The server answers with the object exactly as it would be stored — defaults filled in,
// other managers' fields kept, admission applied — so the diff against the live object shows only
// real changes, and a manifest the server would reject is caught here, before anything is applied.
import type { Application } from "../core/application.ts";
import { compareApp, type ObjectDiff } from "../core/diff.ts";
import {
  formatRef,
  groupOf,
  type KubeObject,
  type ObjectRef,
  parseTrackingId,
  refKey,
  refOf,
  TRACKING_ANNOTATION,
  trackingId,
} from "../core/objects.ts";
import { type AppSyncOptions, isHook, objectSyncOptions, parseSyncOptions } from "../core/sync-plan.ts";
import { unknownFieldPaths, withoutFields } from "../core/unknown-fields.ts";
import { type ApplyOptions, KubeApiError, type KubeClient } from "../kube/client.ts";

/** Label on every managed object, so drift watches can select just our objects. */
export const MANAGED_LABEL = "mooring.dev/managed";

export interface ComparedObject {
  ref: ObjectRef;
  /** The object as it will be applied: namespace set, tracking annotation and label added. */
  desired: KubeObject;
  live: KubeObject | null;
  /** The dry-run result; null when it could not run (see error / deferred). */
  predicted: KubeObject | null;
  /** Why the server refused the object: the sync cannot run while any object has one. */
  error?: string;
  /** The error is the API server's 403: the identity the sync acts as may not read or apply it. */
  forbidden?: boolean;
  /**
   * Why the dry run had to wait: the object depends on something the same sync creates first
   * (its Namespace, or the CRD that defines its kind). It counts as a create.
   */
  deferred?: string;
  hook: boolean;
}

export interface Comparison {
  objects: ComparedObject[];
  diffs: ObjectDiff[];
  /** Live objects Git no longer declares that this app's tracking annotation claims. */
  pruneCandidates: KubeObject[];
}

export interface CompareInput {
  app: Application;
  rendered: KubeObject[];
  client: KubeClient;
  /** Refs the app managed after its last sync (from status), to find what Git dropped. */
  previouslyManaged: (ObjectRef & { version: string })[];
  /** Namespaces this sync will create (CreateNamespace, or Namespace objects in Git). */
  createsNamespaces: Set<string>;
  /** How many API requests run at once; default 8. */
  concurrency?: number;
}

function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 403;
}

/** Runs tasks with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Kinds defined by CustomResourceDefinitions in the same render, as `group/Kind`. */
function kindsDefinedBy(objects: readonly KubeObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const obj of objects) {
    if (obj.kind !== "CustomResourceDefinition" || groupOf(obj.apiVersion) !== "apiextensions.k8s.io")
      continue;
    const spec = obj.spec as { group?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind) kinds.add(`${spec.group}/${spec.names.kind}`);
  }
  return kinds;
}

/**
 * Makes a rendered object concrete for this app and cluster. Returns an error string when the
 * object cannot be placed (a namespaced object with no namespace anywhere).
 */
export async function concretise(
  obj: KubeObject,
  app: Application,
  client: KubeClient,
  crdKinds: Set<string>,
): Promise<{ desired: KubeObject; error?: string; unknownKind?: boolean }> {
  const desired: KubeObject = structuredClone(obj);
  desired.metadata ??= {};
  const subject = formatRef(refOf(desired));
  let type: Awaited<ReturnType<KubeClient["discovery"]["resourceFor"]>>;
  try {
    type = await client.discovery.resourceFor(desired.apiVersion, desired.kind);
  } catch (err) {
    return { desired, error: `${subject}: discovery failed: ${(err as Error).message}` };
  }
  if (!type) {
    if (crdKinds.has(`${groupOf(desired.apiVersion)}/${desired.kind}`)) {
      // Namespaced or not is unknown until the CRD exists; trust what the manifest says.
      if (!desired.metadata.namespace && app.spec.destination.namespace) {
        desired.metadata.namespace = app.spec.destination.namespace;
      }
      addTracking(desired, app);
      return { desired, unknownKind: true };
    }
    return {
      desired,
      error: `${subject}: the cluster does not serve kind ${desired.kind} in ${desired.apiVersion}; fix the apiVersion or kind, or add the CRD that defines it`,
    };
  }
  if (type.namespaced) {
    if (!desired.metadata.namespace) {
      const ns = app.spec.destination.namespace;
      if (!ns) {
        return {
          desired,
          error: `${subject}: a namespaced object without a namespace; set metadata.namespace or spec.destination.namespace`,
        };
      }
      desired.metadata.namespace = ns;
    }
  } else {
    delete desired.metadata.namespace;
  }
  addTracking(desired, app);
  return { desired };
}

function addTracking(obj: KubeObject, app: Application): void {
  if (isHook(obj)) return;
  const ref = refOf(obj);
  obj.metadata.annotations = {
    ...obj.metadata.annotations,
    [TRACKING_ANNOTATION]: trackingId({ namespace: app.metadata.namespace, name: app.metadata.name }, ref),
  };
  obj.metadata.labels = { ...obj.metadata.labels, [MANAGED_LABEL]: "true" };
}

/** Validate=false on the object, else on the app: fields the schema does not declare are dropped. */
function lenient(obj: KubeObject, options: Pick<AppSyncOptions, "validate">): boolean {
  const own = objectSyncOptions(obj);
  return ((own.ok ? own.value.validate : undefined) ?? options.validate) === false;
}

/**
 * Server-side apply (or its dry run) honouring `Validate=false`: the server refuses fields its
 * schema does not declare even when told to ignore them, so the fields it names are taken out and
 * the rest applied again (core/unknown-fields.ts), as `kubectl apply --validate=false` would
 * drop them. The compare's dry run and the sync's apply both go through here, so they agree.
 */
export async function applyObject(
  client: KubeClient,
  obj: KubeObject,
  options: Pick<AppSyncOptions, "validate">,
  apply: ApplyOptions = {},
): Promise<KubeObject> {
  if (!lenient(obj, options)) return client.apply(obj, apply);
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.apply(current, { ...apply, fieldValidation: "Ignore" });
    } catch (err) {
      const paths = err instanceof KubeApiError && attempt < 5 ? unknownFieldPaths(err.message) : [];
      if (paths.length === 0) throw err;
      current = withoutFields(current, paths);
    }
  }
}

export async function compareWithCluster(input: CompareInput): Promise<Comparison> {
  const { app, client } = input;
  const appOptions = parseSyncOptions(app.spec.syncPolicy?.syncOptions).options;
  const crdKinds = kindsDefinedBy(input.rendered);
  const limit = input.concurrency ?? 8;
  const objects = await mapLimit(input.rendered, limit, async (obj): Promise<ComparedObject> => {
    const hook = isHook(obj);
    const placed = await concretise(obj, app, client, crdKinds);
    const ref = refOf(placed.desired);
    if (placed.error)
      return { ref, desired: placed.desired, live: null, predicted: null, error: placed.error, hook };
    if (placed.unknownKind) {
      return {
        ref,
        desired: placed.desired,
        live: null,
        predicted: null,
        deferred: "its CustomResourceDefinition is created by this sync",
        hook,
      };
    }
    if (hook) return { ref, desired: placed.desired, live: null, predicted: null, hook };
    const { namespace = "", name = "" } = placed.desired.metadata;
    let live: KubeObject | null;
    try {
      live = await client.get(placed.desired.apiVersion, placed.desired.kind, namespace, name);
    } catch (err) {
      return {
        ref,
        desired: placed.desired,
        live: null,
        predicted: null,
        error: (err as Error).message,
        ...(isForbidden(err) ? { forbidden: true } : {}),
        hook,
      };
    }
    try {
      const predicted = await applyObject(client, placed.desired, appOptions, { dryRun: true });
      return { ref, desired: placed.desired, live, predicted, hook };
    } catch (err) {
      if (
        err instanceof KubeApiError &&
        err.status === 404 &&
        namespace &&
        input.createsNamespaces.has(namespace) &&
        !live
      ) {
        return {
          ref,
          desired: placed.desired,
          live,
          predicted: null,
          deferred: `its namespace ${namespace} is created by this sync`,
          hook,
        };
      }
      return {
        ref,
        desired: placed.desired,
        live,
        predicted: null,
        error: (err as Error).message,
        ...(isForbidden(err) ? { forbidden: true } : {}),
        hook,
      };
    }
  });

  // What Git dropped: objects the app managed before that are no longer rendered. An object still
  // in Git is not dropped even when the server refused it (invalid, or forbidden to this identity).
  const desired = new Set<string>();
  for (const o of objects) if (!o.hook) desired.add(refKey(o.ref));

  const dropped = input.previouslyManaged.filter((r) => !desired.has(refKey(r)));
  const pruneCandidates: KubeObject[] = [];
  await mapLimit(dropped, limit, async (r) => {
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    // Only a 404 means the object is gone (get answers null); a 403 must not read as "gone", or
    // an object this identity may not see would silently never be pruned.
    const live = await client.get(apiVersion, r.kind, r.namespace, r.name).catch((err: unknown) => {
      if (err instanceof KubeApiError && err.reason === "UnknownKind") return null;
      throw err;
    });
    if (!live) return;
    const claim = parseTrackingId(live.metadata.annotations?.[TRACKING_ANNOTATION] ?? "");
    if (claim?.app.namespace !== app.metadata.namespace || claim.app.name !== app.metadata.name) return;
    pruneCandidates.push(live);
  });
  return withDiffs(app, objects, pruneCandidates);
}

/** The comparison of these objects and prune candidates: the diffs are worked out from them. */
function withDiffs(app: Application, objects: ComparedObject[], pruneCandidates: KubeObject[]): Comparison {
  const desiredByKey = new Map<string, KubeObject>();
  const liveByKey = new Map<string, KubeObject>();
  for (const o of objects) {
    if (o.hook || o.error) continue;
    const key = refKey(o.ref);
    desiredByKey.set(key, o.predicted ?? o.desired);
    if (o.live) liveByKey.set(key, o.live);
  }
  for (const live of pruneCandidates) liveByKey.set(refKey(refOf(live)), live);
  const diffs = compareApp(desiredByKey, liveByKey, {
    ignoreDifferences: app.spec.ignoreDifferences ?? [],
    app: { namespace: app.metadata.namespace, name: app.metadata.name },
  });
  return { objects, diffs, pruneCandidates };
}

/**
 * The comparison after a sync that succeeded, without asking the cluster again: what the API
 * server answered to each apply is the object as it now is, and what a dry run of the same
 * manifest would predict (the apply just made it so); pruned objects are gone; everything the
 * sync did not touch is as it was compared. Anything that changes an object afterwards (a
 * controller, a person) shows up through the drift watches, which compare afresh.
 */
export function observeSync(
  app: Application,
  before: Comparison,
  applied: ReadonlyMap<string, KubeObject>,
  prunedKeys: ReadonlySet<string>,
): Comparison {
  const objects = before.objects.map((o): ComparedObject => {
    const now = o.hook || o.error ? undefined : applied.get(refKey(o.ref));
    if (!now) return o;
    const { deferred: _deferred, ...rest } = o;
    return { ...rest, live: now, predicted: now };
  });
  const pruneCandidates = before.pruneCandidates.filter((p) => !prunedKeys.has(refKey(refOf(p))));
  return withDiffs(app, objects, pruneCandidates);
}
