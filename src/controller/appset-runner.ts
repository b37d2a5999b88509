// What runs ApplicationSets while this replica leads: an informer on ApplicationSets in every
// namespace feeding a work queue of their own, and the reasons to generate a set again besides a
// change to it: a registered cluster's Secret added, changed or removed (clusters generators), a
// change to one of its Applications (its status.resources; changes gathered for a few seconds), and a periodic resync, which is also
// the Git generators' poll (a branch head is looked up again at most once per poll interval;
// the mooring.dev/refresh annotation looks it up at once), and a change to any Project (which
// namespaces may use it).
import {
  APPLICATIONSET_API_VERSION,
  APPLICATIONSET_KIND,
  type ApplicationSet,
} from "../core/appset/types.ts";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { Logger } from "../util/log.ts";
import { type GitReader, listClusterFacts } from "./appset-facts.ts";
import { AppSetReconciler } from "./appset-reconciler.ts";
import type { ControllerAudit } from "./audit.ts";
import { SECRET_TYPE_LABEL } from "./destinations.ts";
import { Informer, objectKey } from "./informer.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { ProjectCache } from "./projects.ts";
import { WorkQueue } from "./queue.ts";

/**
 * How long Application changes are gathered before their set is generated again: a second, and
 * 5 ms more per Application the set owns up to 10 s (a reconcile of a set lists all of them and
 * writes a status row for each: 1,000 Applications wait 5 s).
 */
export function appChangesDelayMs(applications: number): number {
  return Math.min(10_000, Math.max(1_000, applications * 5));
}

export interface AppSetRunnerOptions {
  client: KubeClient;
  /** The controller namespace, where registered clusters' Secrets live. */
  namespace: string;
  git: GitReader;
  events: EventRecorder;
  audit: ControllerAudit;
  log: Logger;
  resyncMs: number;
  concurrency: number;
  /** The controller's Project cache: a set's namespace must be admitted by its project. */
  projects: ProjectCache;
  metrics?: ControllerMetrics;
}

export class AppSetRunner {
  private readonly sets: Informer;
  private readonly clusters: Informer;
  private readonly queue: WorkQueue;
  /** Sets with an Application change waiting to be looked at. */
  private readonly appChanges = new Map<string, NodeJS.Timeout>();

  constructor(options: AppSetRunnerOptions) {
    const log = options.log.with({ component: "applicationsets" });
    const reconciler = new AppSetReconciler({
      client: options.client,
      clusters: () => listClusterFacts(options.client, options.namespace),
      git: options.git,
      events: options.events,
      audit: options.audit,
      log,
      resyncMs: options.resyncMs,
      projects: options.projects,
      controllerNamespace: options.namespace,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.queue = new WorkQueue(
      (key) => reconciler.reconcile(key),
      (key, err, failures) =>
        log.warn("applicationset error; retrying with backoff", { set: key, failures, error: String(err) }),
      { concurrency: options.concurrency },
    );
    this.sets = new Informer(options.client, {
      apiVersion: APPLICATIONSET_API_VERSION,
      kind: APPLICATIONSET_KIND,
    });
    this.sets.on((event) => {
      const key = objectKey(event.object);
      if (event.type === "deleted") {
        this.queue.forget(key);
        options.metrics?.removeAppSet(
          event.object.metadata.namespace ?? "",
          event.object.metadata.name ?? "",
        );
      } else if (event.type === "added" || !event.old || !onlyStatusChanged(event.old, event.object))
        this.queue.add(key);
    });
    // Only which clusters exist and their labels matter; the Secret's values are dropped at once.
    this.clusters = new Informer(options.client, {
      apiVersion: "v1",
      kind: "Secret",
      namespace: options.namespace,
      labelSelector: `${SECRET_TYPE_LABEL}=cluster`,
      transform: (secret) => ({ ...secret, data: {} }),
    });
    this.clusters.on(() => this.requeueAll());
    // A project changed to admit (or no longer admit) a set's namespace.
    options.projects.onChange(() => this.requeueAll());
  }

  start(): void {
    this.sets.start();
    this.clusters.start();
  }

  /**
   * An Application changed: the set owning it reports it in status.resources (and a rollout may
   * move on). Changes are gathered for a moment (appChangesDelayMs) and make one reconcile: while
   * a thousand apps sync, the set's Applications are listed and its status written every few
   * seconds, not once per change.
   */
  applicationChanged(app: KubeObject): void {
    const owner = (app.metadata.ownerReferences ?? []).find(
      (o) => o.kind === APPLICATIONSET_KIND && o.controller,
    );
    if (!owner) return;
    const key = `${app.metadata.namespace}/${owner.name}`;
    if (this.appChanges.has(key)) return;
    const owned = (this.sets.get(app.metadata.namespace ?? "", owner.name) as ApplicationSet | undefined)
      ?.status?.resources?.length;
    const timer = setTimeout(
      () => {
        this.appChanges.delete(key);
        this.queue.add(key);
      },
      appChangesDelayMs(owned ?? 0),
    );
    timer.unref();
    this.appChanges.set(key, timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.appChanges.values()) clearTimeout(timer);
    this.appChanges.clear();
    this.sets.stop();
    this.clusters.stop();
    await this.queue.shutdown();
  }

  async idle(): Promise<void> {
    await this.queue.idle();
  }

  private requeueAll(): void {
    for (const set of this.sets.list()) this.queue.add(objectKey(set));
  }
}

function onlyStatusChanged(old: KubeObject, next: KubeObject): boolean {
  return (
    old.metadata.generation === next.metadata.generation &&
    JSON.stringify(old.metadata.annotations ?? {}) === JSON.stringify(next.metadata.annotations ?? {})
  );
}
