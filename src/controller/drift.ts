// Drift: someone changed or deleted an object an Application manages. We watch every kind our
// apps manage (only objects carrying our managed label), and when an object changes by a hand
// other than ours, we note who made the change — the field manager in metadata.managedFields that
// touched it, such as kubectl-edit or kubectl-scale — and wake the owning app at once. With
// selfHeal on, the app's next reconcile puts the object back; otherwise the drift is reported.
// Rewriting or removing an object's tracking annotation is such a change too: it is drift of the
// app that claimed the object before, whatever the annotation names now.
import type { DriftRecord } from "../core/app-status.ts";
import { FIELD_MANAGER } from "../core/application.ts";
import {
  type KubeObject,
  type ManagedFieldsEntry,
  parseTrackingId,
  refOf,
  TRACKING_ANNOTATION,
} from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { MANAGED_LABEL } from "./compare.ts";
import { Informer, type InformerEvent } from "./informer.ts";
import { HOOK_OF_ANNOTATION } from "./sync.ts";

export type AppKey = string;

/** A kind to watch, in one namespace or (no namespace) across the cluster. */
export interface WatchTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
}

interface Watched {
  client: KubeClient;
  informers: Map<string, Informer>;
}

/**
 * Which manager changed the object between two versions: an entry that is new or whose time or
 * fields changed. Ours and status-only updates by controllers are not drift.
 */
export function driftManager(old: KubeObject | undefined, current: KubeObject): string | null {
  const before = new Map<string, ManagedFieldsEntry>();
  for (const e of old?.metadata.managedFields ?? []) before.set(entryKey(e), e);
  const changed = (current.metadata.managedFields ?? []).filter((e) => {
    const prev = before.get(entryKey(e));
    return !prev || prev.time !== e.time || JSON.stringify(prev.fieldsV1) !== JSON.stringify(e.fieldsV1);
  });
  const candidates = (old ? changed : (current.metadata.managedFields ?? [])).filter(
    (e) => e.manager !== FIELD_MANAGER && e.subresource !== "status",
  );
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
  const newest = candidates[0];
  if (!newest?.manager) return null;
  // `kubectl scale` writes through the scale subresource as manager "kubectl"; say which.
  return newest.subresource ? `${newest.manager} (${newest.subresource})` : newest.manager;
}

function entryKey(e: ManagedFieldsEntry): string {
  return `${e.manager}|${e.operation}|${e.subresource ?? ""}|${e.apiVersion}`;
}

/**
 * The app whose sync created this hook (its `mooring.dev/hook-of`). Hooks carry no tracking id;
 * an object that has one is a managed object, whatever else it says.
 */
export function hookOwner(obj: KubeObject): AppKey | null {
  const annotations = obj.metadata.annotations ?? {};
  if (annotations[TRACKING_ANNOTATION]) return null;
  return annotations[HOOK_OF_ANNOTATION] || null;
}

/** The app that claims an object through its tracking annotation. */
export function owningApp(obj: KubeObject): AppKey | null {
  const claim = parseTrackingId(obj.metadata.annotations?.[TRACKING_ANNOTATION] ?? "");
  return claim ? `${claim.app.namespace}/${claim.app.name}` : null;
}

/**
 * The app a change is drift for: the one that claimed the object before the change. Someone
 * who rewrites or removes the tracking annotation takes the object away from its app, which is
 * drift of that app (its sync writes the annotation back), not news for whoever is named now.
 */
export function changedApp(old: KubeObject | undefined, current: KubeObject): AppKey | null {
  return (old ? owningApp(old) : null) ?? owningApp(current);
}

export class DriftWatcher {
  private readonly clusters = new Map<string, Watched>();
  private readonly pending = new Map<AppKey, DriftRecord[]>();
  /**
   * Changes already handled, as `uid@resourceVersion/type`: watches of different identities can
   * see the same object (a cluster-wide one and a ServiceAccount's per-namespace one), and one
   * change must be recorded once.
   */
  private readonly seen = new Set<string>();
  private readonly wake: (app: AppKey, urgent: boolean) => void;
  private readonly now: () => Date;
  private stopped = false;

  private readonly onRefused: (message: string) => void;

  /**
   * wake(app, urgent): urgent for drift, not urgent for status changes that only affect health.
   * onRefused: told once per watch that the API server refuses (403) — the identity may apply a
   * kind but not list or watch it, so drift there goes unnoticed until the next resync.
   */
  constructor(
    wake: (app: AppKey, urgent: boolean) => void,
    now: () => Date = () => new Date(),
    onRefused: (message: string) => void = () => {},
  ) {
    this.wake = wake;
    this.now = now;
    this.onRefused = onRefused;
  }

  /**
   * Makes sure the kinds an app manages on a cluster are watched. `scope` names the cluster and
   * the identity the watches run as: apps acting as the same ServiceAccount share them, and an
   * account allowed only some namespaces watches only those (targets with a namespace).
   */
  watch(scope: string, client: KubeClient, targets: Iterable<WatchTarget>): void {
    // A reconcile still running at shutdown must not start watches nobody will stop.
    if (this.stopped) return;
    let cluster = this.clusters.get(scope);
    if (!cluster || cluster.client !== client) {
      if (cluster) for (const inf of cluster.informers.values()) inf.stop();
      cluster = { client, informers: new Map() };
      this.clusters.set(scope, cluster);
    }
    for (const { apiVersion, kind, namespace } of targets) {
      const key = `${apiVersion}/${kind}@${namespace ?? "*"}`;
      if (cluster.informers.has(key)) continue;
      const informer = new Informer(client, {
        apiVersion,
        kind,
        ...(namespace ? { namespace } : {}),
        labelSelector: `${MANAGED_LABEL}=true`,
        onError: (err, failures) => {
          if (failures !== 1 || !(err instanceof KubeApiError && err.status === 403)) return;
          this.onRefused(
            `drift watch of ${kind} ${namespace ? `in namespace ${namespace}` : "across the cluster"} on ${scope} refused: ${err.message}; grant list and watch on it so drift is seen at once (until then it is found at the resync)`,
          );
        },
      });
      informer.on((event) => this.onEvent(informer, event));
      cluster.informers.set(key, informer);
      informer.start();
    }
  }

  /** Drift noticed for an app since the last call (and forgets it). */
  take(app: AppKey): DriftRecord[] {
    const records = this.pending.get(app) ?? [];
    this.pending.delete(app);
    return records;
  }

  /** How many kinds are watched across clusters (for metrics and tests). */
  get watchedKinds(): number {
    let n = 0;
    for (const c of this.clusters.values()) n += c.informers.size;
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.clusters.values()) for (const inf of c.informers.values()) inf.stop();
    this.clusters.clear();
  }

  private onEvent(informer: Informer, event: InformerEvent): void {
    if (!informer.hasSynced) return; // the initial list is not a change
    // A hook changing (a Job finishing) is not drift: it wakes the app whose sync waits for it.
    const hookOf = hookOwner(event.object);
    if (hookOf) {
      this.wake(hookOf, true);
      return;
    }
    const app = event.type === "modified" ? changedApp(event.old, event.object) : owningApp(event.object);
    if (!app) return;
    const change = `${event.object.metadata.uid ?? ""}@${event.object.metadata.resourceVersion ?? ""}/${event.type}`;
    if (this.seen.has(change)) return;
    this.seen.add(change);
    if (this.seen.size > 10_000) this.seen.delete(this.seen.values().next().value as string);
    const ref = refOf(event.object);
    const base = {
      group: ref.group,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      detectedAt: this.now().toISOString(),
    };
    if (event.type === "deleted") {
      // A delete carries no field manager; the API audit log would be the place to find who.
      this.record(app, { ...base, manager: "unknown (deleted)", change: "deleted" });
      this.wake(app, true);
      return;
    }
    const manager = event.type === "modified" ? driftManager(event.old, event.object) : null;
    if (manager) {
      this.record(app, { ...base, manager, change: "modified" });
      this.wake(app, true);
    } else {
      // Our own change, or a controller's status update: health may have moved.
      this.wake(app, false);
    }
  }

  private record(app: AppKey, record: DriftRecord): void {
    const list = this.pending.get(app) ?? [];
    list.push(record);
    this.pending.set(app, list.slice(-50));
  }
}
