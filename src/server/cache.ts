// What `moor server` knows of the cluster, held in memory by informers (src/controller/informer.ts)
// so that a read is answered from memory and never costs an API-server round trip: Applications
// and Stacks in every namespace, the Projects, registered clusters and repositories, and the
// Kubernetes Events about Applications and Stacks. Argo CD's list of a few thousand apps takes
// tens of seconds because each request walks the cluster cache; here each object is summarised
// once when it changes (src/core/query/summaries.ts) and lists only filter, sort and cut pages.
//
// Secrets: cluster and repository Secrets are watched by label, and each is reduced before it is
// stored to its name, labels and the facts that are not secret (cluster name, server URL, allowed
// namespaces; repository URL without any user or password, and which kinds of credentials it
// has). Credential values never stay in this process and never reach an answer.
//
// Events are reduced to what a timeline shows (type, reason, message, count, times) and indexed by
// the object they are about; each object keeps its newest MAX_EVENTS_PER_OBJECT, and the API server
// expires Events after an hour (--event-ttl), which bounds the rest.
//
// Every change is told to subscribers (the live stream, src/server/routes/stream.ts) with the
// project it belongs to, so a subscriber can check what its caller may see before sending it.

import { ARGOCD_SECRET_TYPE_LABEL, IN_CLUSTER, SECRET_TYPE_LABEL } from "../controller/destinations.ts";
import { Informer, type InformerEvent, objectKey } from "../controller/informer.ts";
import type { ProjectRole } from "../core/access/authorize.ts";
import { parseProjectRoles } from "../core/access/authorize.ts";
import { APPLICATION_API_VERSION } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { PROJECT_API_VERSION, PROJECT_KIND, projectNameOf } from "../core/project/project.ts";
import { type SortKey, type SortOrder, sortRows } from "../core/query/page.ts";
import {
  type AppSort,
  type AppSummary,
  appRow,
  appSortKey,
  type Row,
  type StackSort,
  type StackSummary,
  stackRow,
  stackSortKey,
} from "../core/query/summaries.ts";
import { redactRepoURL } from "../core/repo-url.ts";
import { STACK_API_VERSION, STACK_KIND } from "../core/stack/spec.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../util/log.ts";

export const MAX_EVENTS_PER_OBJECT = 50;
/** Kinds a subscriber hears about. Secrets are never among them. */
export const CACHE_KINDS = ["Application", "Stack", "Event", "Project"] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

export interface CacheChange {
  kind: CacheKind;
  type: "added" | "modified" | "deleted";
  namespace: string;
  name: string;
  /** The project the object (or the object an Event is about) belongs to; the project's own name for a Project. */
  project: string;
  /** For an Event: the Event, reduced (namespace and name above are the object it is about). */
  event?: EventInfo;
}

/** A registered cluster, as the API shows it. */
export interface ClusterInfo {
  name: string;
  server: string;
  /** Namespaces the cluster may be used in; absent: all. */
  namespaces?: string[];
  /** Set when the Secret scopes the cluster to one project (Argo CD's `project` key). */
  project?: string;
  secretName: string;
  createdAt?: string;
}

/** A registered repository, as the API shows it: never a credential. */
export interface RepositoryInfo {
  url: string;
  type: "repository" | "repo-creds";
  /** Which kinds of credentials the Secret holds, not their values. */
  credentials: ("username" | "password" | "bearerToken" | "sshPrivateKey" | "sshKnownHosts")[];
  project?: string;
  secretName: string;
  createdAt?: string;
}

/** An Event about an Application or a Stack, as a timeline shows it. */
export interface EventInfo {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  involved: { kind: string; namespace: string; name: string };
  source?: string;
}

const CREDENTIAL_KEYS = ["username", "password", "bearerToken", "sshPrivateKey", "sshKnownHosts"] as const;

function decoded(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const value = data?.[key];
  if (typeof value === "string") return Buffer.from(value, "base64").toString("utf8");
  const plain = (secret.stringData as Record<string, string> | undefined)?.[key];
  return typeof plain === "string" ? plain : undefined;
}

function secretType(secret: KubeObject): string | undefined {
  const labels = secret.metadata.labels ?? {};
  return labels[SECRET_TYPE_LABEL] ?? labels[ARGOCD_SECRET_TYPE_LABEL];
}

/**
 * The part of a cluster or repository Secret the server keeps: metadata and the facts that are
 * not secret, under `info`. The Secret's data is not copied.
 */
export function reduceSecret(secret: KubeObject): KubeObject | undefined {
  const type = secretType(secret);
  const metadata = {
    name: secret.metadata.name ?? "",
    namespace: secret.metadata.namespace ?? "",
    ...(secret.metadata.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
    ...(secret.metadata.creationTimestamp ? { creationTimestamp: secret.metadata.creationTimestamp } : {}),
    ...(secret.metadata.labels ? { labels: { ...secret.metadata.labels } } : {}),
  };
  const project = decoded(secret, "project")?.trim() || undefined;
  if (type === "cluster") {
    const namespaces = decoded(secret, "namespaces")
      ?.split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    const info: ClusterInfo = {
      name: decoded(secret, "name")?.trim() || metadata.name,
      server: decoded(secret, "server")?.trim() ?? "",
      secretName: metadata.name,
      ...(namespaces && namespaces.length > 0 ? { namespaces } : {}),
      ...(project ? { project } : {}),
      ...(metadata.creationTimestamp ? { createdAt: metadata.creationTimestamp } : {}),
    };
    return { apiVersion: "v1", kind: "Secret", metadata, info };
  }
  if (type === "repository" || type === "repo-creds") {
    const url = decoded(secret, "url")?.trim();
    if (!url) return undefined;
    const info: RepositoryInfo = {
      url: redactRepoURL(url),
      type,
      credentials: CREDENTIAL_KEYS.filter((key) => (decoded(secret, key) ?? "") !== ""),
      secretName: metadata.name,
      ...(project ? { project } : {}),
      ...(metadata.creationTimestamp ? { createdAt: metadata.creationTimestamp } : {}),
    };
    return { apiVersion: "v1", kind: "Secret", metadata, info };
  }
  return undefined;
}

/** An Event reduced to what a timeline shows; undefined for Events about other kinds. */
export function reduceEvent(event: KubeObject): KubeObject | undefined {
  const involved = (event.involvedObject ?? {}) as Record<string, unknown>;
  const kind = String(involved.kind ?? "");
  if (kind !== "Application" && kind !== "Stack") return undefined;
  const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const source = event.source as { component?: string } | undefined;
  const info: EventInfo = {
    type: str(event.type) ?? "Normal",
    reason: str(event.reason) ?? "",
    message: str(event.message) ?? "",
    count: typeof event.count === "number" ? event.count : 1,
    involved: { kind, namespace: str(involved.namespace) ?? "", name: str(involved.name) ?? "" },
  };
  const first = str(event.firstTimestamp) ?? str(event.eventTime);
  const last = str(event.lastTimestamp) ?? first;
  if (first) info.firstTimestamp = first;
  if (last) info.lastTimestamp = last;
  if (str(source?.component)) info.source = source?.component as string;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: event.metadata.name ?? "",
      namespace: event.metadata.namespace ?? "",
      ...(event.metadata.resourceVersion ? { resourceVersion: event.metadata.resourceVersion } : {}),
    },
    info,
  };
}

/**
 * Rows sorted one way per (sort, order) asked for, kept between requests. Sorting 10,000 rows
 * costs ~10 ms here, and the controller rewrites statuses all the time, so a change does not
 * throw the order away when it cannot move the row: a status update of an app sorted by name
 * swaps the row in place. Only a change of a row's sort key, an added or a deleted row makes the
 * next request sort again.
 */
export class SortedRows<S, K extends string> {
  private readonly keyFor: (sort: K) => (row: Row<S>) => SortKey;
  private readonly memo = new Map<
    string,
    { rows: Row<S>[]; index: Map<string, number>; keyOf: (row: Row<S>) => SortKey; valid: boolean }
  >();

  constructor(keyFor: (sort: K) => (row: Row<S>) => SortKey) {
    this.keyFor = keyFor;
  }

  get(all: () => Row<S>[], sort: K, order: SortOrder): readonly Row<S>[] {
    const name = `${sort}:${order}`;
    const hit = this.memo.get(name);
    if (hit?.valid) return hit.rows;
    const keyOf = this.keyFor(sort);
    const rows = sortRows(all(), keyOf, order);
    const index = new Map(rows.map((row, i) => [`${row.namespace}/${row.name}`, i]));
    this.memo.set(name, { rows, index, keyOf, valid: true });
    return rows;
  }

  /** Tells every kept order that the row `key` changed from `old` to `next` (undefined: absent). */
  changed(key: string, old: Row<S> | undefined, next: Row<S> | undefined): void {
    for (const entry of this.memo.values()) {
      if (!entry.valid) continue;
      const at = entry.index.get(key);
      if (old !== undefined && next !== undefined && at !== undefined) {
        const [a0, a1, a2] = entry.keyOf(old);
        const [b0, b1, b2] = entry.keyOf(next);
        if (a0 === b0 && a1 === b1 && a2 === b2) {
          entry.rows[at] = next;
          continue;
        }
      }
      entry.valid = false;
    }
  }
}

export interface ProjectRoles {
  name: string;
  roles: ProjectRole[];
}

export interface ServerCacheOptions {
  /** The controller namespace: Projects and cluster/repository Secrets live there. */
  namespace: string;
  log: Logger;
}

type Listener = (change: CacheChange) => void;

export class ServerCache {
  private readonly client: KubeClient;
  private readonly options: ServerCacheOptions;
  readonly apps: Informer;
  readonly stacksInformer: Informer;
  readonly projectsInformer: Informer;
  readonly secrets: Informer;
  readonly events: Informer;
  private readonly appRows = new Map<string, Row<AppSummary>>();
  private readonly stackRows = new Map<string, Row<StackSummary>>();
  private readonly sortedApps = new SortedRows<AppSummary, AppSort>(appSortKey);
  private readonly sortedStacks = new SortedRows<StackSummary, StackSort>(stackSortKey);
  private roles: ProjectRoles[] = [];
  /** resourceVersions of projects whose invalid roles were already logged. */
  private readonly loggedInvalid = new Set<string>();
  /** Event keys per involved object (`Kind/namespace/name`), oldest first. */
  private readonly eventIndex = new Map<string, string[]>();
  private readonly listeners = new Set<Listener>();

  constructor(client: KubeClient, options: ServerCacheOptions) {
    this.client = client;
    this.options = options;
    const onError = (what: string) => (err: unknown, failures: number) => {
      if (failures === 1 || failures % 10 === 0)
        options.log.warn("cache: cannot list or watch; retrying", {
          kind: what,
          failures,
          error: String(err),
        });
    };
    this.apps = new Informer(client, {
      apiVersion: APPLICATION_API_VERSION,
      kind: "Application",
      onError: onError("Application"),
    });
    this.stacksInformer = new Informer(client, {
      apiVersion: STACK_API_VERSION,
      kind: STACK_KIND,
      onError: onError("Stack"),
    });
    this.projectsInformer = new Informer(client, {
      apiVersion: PROJECT_API_VERSION,
      kind: PROJECT_KIND,
      namespace: options.namespace,
      onError: onError("Project"),
    });
    this.secrets = new Informer(client, {
      apiVersion: "v1",
      kind: "Secret",
      namespace: options.namespace,
      labelSelector: `${SECRET_TYPE_LABEL} in (cluster,repository,repo-creds)`,
      transform: reduceSecret,
      onError: onError("Secret"),
    });
    this.events = new Informer(client, {
      apiVersion: "v1",
      kind: "Event",
      fieldSelector: `involvedObject.apiVersion=${APPLICATION_API_VERSION}`,
      transform: reduceEvent,
      onError: onError("Event"),
    });
    this.apps.on((event) => this.onApp(event));
    this.stacksInformer.on((event) => this.onStack(event));
    this.projectsInformer.on((event) => this.onProject(event));
    this.events.on((event) => this.onEvent(event));
  }

  start(): void {
    for (const informer of this.informers()) informer.start();
  }

  stop(): void {
    for (const informer of this.informers()) informer.stop();
    this.listeners.clear();
  }

  private informers(): Informer[] {
    return [this.apps, this.stacksInformer, this.projectsInformer, this.secrets, this.events];
  }

  /** Resolves when every informer has listed once; false when `timeoutMs` passed first. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const synced = Promise.all(this.informers().map((i) => i.waitForSync())).then(() => true as const);
    try {
      return await Promise.race([synced, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kinds whose first list has not completed (the API answers 503 for them meanwhile). */
  unsynced(): string[] {
    const names: [Informer, string][] = [
      [this.apps, "Application"],
      [this.stacksInformer, "Stack"],
      [this.projectsInformer, "Project"],
      [this.secrets, "Secret"],
      [this.events, "Event"],
    ];
    return names.filter(([informer]) => !informer.hasSynced).map(([, name]) => name);
  }

  hasSynced(kind: "Application" | "Stack" | "Project" | "Secret" | "Event"): boolean {
    const informer = {
      Application: this.apps,
      Stack: this.stacksInformer,
      Project: this.projectsInformer,
      Secret: this.secrets,
      Event: this.events,
    }[kind];
    return informer.hasSynced;
  }

  /** Tells `listener` about every later change; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Open subscriptions (live streams), for tests and metrics. */
  get subscribers(): number {
    return this.listeners.size;
  }

  private tell(change: CacheChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.options.log.warn("cache: a subscriber failed", { error: String(err) });
      }
    }
  }

  // ---- Applications and Stacks ----

  private onApp(event: InformerEvent): void {
    const key = objectKey(event.object);
    const old = this.appRows.get(key);
    const next = event.type === "deleted" ? undefined : appRow(event.object);
    if (next === undefined) this.appRows.delete(key);
    else this.appRows.set(key, next);
    this.sortedApps.changed(key, old, next);
    this.tell(this.change("Application", event));
  }

  private onStack(event: InformerEvent): void {
    const key = objectKey(event.object);
    const old = this.stackRows.get(key);
    const next = event.type === "deleted" ? undefined : stackRow(event.object);
    if (next === undefined) this.stackRows.delete(key);
    else this.stackRows.set(key, next);
    this.sortedStacks.changed(key, old, next);
    this.tell(this.change("Stack", event));
  }

  private change(kind: CacheKind, event: InformerEvent): CacheChange {
    return {
      kind,
      type: event.type,
      namespace: event.object.metadata.namespace ?? "",
      name: event.object.metadata.name ?? "",
      project: projectNameOf(event.object),
    };
  }

  application(namespace: string, name: string): KubeObject | undefined {
    return this.apps.get(namespace, name);
  }

  stack(namespace: string, name: string): KubeObject | undefined {
    return this.stacksInformer.get(namespace, name);
  }

  /** Application rows sorted by `sort` (see SortedRows for when they are sorted again). */
  applicationRows(sort: AppSort, order: SortOrder): readonly Row<AppSummary>[] {
    return this.sortedApps.get(() => [...this.appRows.values()], sort, order);
  }

  stackRowsSorted(sort: StackSort, order: SortOrder): readonly Row<StackSummary>[] {
    return this.sortedStacks.get(() => [...this.stackRows.values()], sort, order);
  }

  /** The list row of one Application, as the list shows it. */
  applicationSummary(namespace: string, name: string): AppSummary | undefined {
    return this.appRows.get(`${namespace}/${name}`)?.summary;
  }

  stackSummary(namespace: string, name: string): StackSummary | undefined {
    return this.stackRows.get(`${namespace}/${name}`)?.summary;
  }

  // ---- Projects and roles ----

  private onProject(event: InformerEvent): void {
    this.roles = this.parseRoles();
    this.tell({
      kind: "Project",
      type: event.type,
      namespace: "",
      name: event.object.metadata.name ?? "",
      project: event.object.metadata.name ?? "",
    });
  }

  private parseRoles(): ProjectRoles[] {
    const out: ProjectRoles[] = [];
    for (const project of this.projectsInformer.list()) {
      const name = project.metadata.name ?? "";
      const spec = (project.spec ?? {}) as { roles?: unknown };
      const parsed = parseProjectRoles(name, spec.roles);
      if (parsed.ok) {
        out.push({ name, roles: parsed.roles });
        continue;
      }
      // Invalid roles grant nothing: a half-read role list must never grant part of what was meant.
      out.push({ name, roles: [] });
      const version = `${name}@${project.metadata.resourceVersion ?? ""}`;
      if (!this.loggedInvalid.has(version)) {
        this.loggedInvalid.add(version);
        this.options.log.warn("project roles are invalid and grant nothing until fixed", {
          project: name,
          problems: parsed.problems,
        });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every Project's parsed spec.roles; a project with invalid roles holds none. */
  projectRoles(): readonly ProjectRoles[] {
    return this.roles;
  }

  projectNames(): string[] {
    return this.roles.map((p) => p.name);
  }

  projects(): KubeObject[] {
    return this.projectsInformer.list();
  }

  project(name: string): KubeObject | undefined {
    return this.projectsInformer.get(this.options.namespace, name);
  }

  // ---- clusters and repositories ----

  /** Registered clusters by name, with the cluster Mooring runs in first. */
  clusters(): ClusterInfo[] {
    const registered = this.secrets
      .list()
      .filter((s) => secretType(s) === "cluster")
      .map((s) => s.info as ClusterInfo)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const inCluster: ClusterInfo = {
      name: IN_CLUSTER,
      server: "https://kubernetes.default.svc",
      secretName: "",
    };
    return [inCluster, ...registered.filter((c) => c.name !== IN_CLUSTER)];
  }

  repositories(): RepositoryInfo[] {
    return this.secrets
      .list()
      .map((s) => s.info as RepositoryInfo | ClusterInfo)
      .filter((info): info is RepositoryInfo => "url" in info)
      .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  // ---- Events ----

  private onEvent(event: InformerEvent): void {
    const info = event.object.info as EventInfo;
    const involved = `${info.involved.kind}/${info.involved.namespace}/${info.involved.name}`;
    const key = objectKey(event.object);
    const list = this.eventIndex.get(involved) ?? [];
    const at = list.indexOf(key);
    if (at >= 0) list.splice(at, 1);
    if (event.type !== "deleted") {
      list.push(key);
      if (list.length > MAX_EVENTS_PER_OBJECT) list.splice(0, list.length - MAX_EVENTS_PER_OBJECT);
    }
    if (list.length === 0) this.eventIndex.delete(involved);
    else this.eventIndex.set(involved, list);
    const owner =
      info.involved.kind === "Application"
        ? this.apps.get(info.involved.namespace, info.involved.name)
        : this.stacksInformer.get(info.involved.namespace, info.involved.name);
    if (event.type === "deleted") return;
    this.tell({
      kind: "Event",
      type: event.type,
      namespace: info.involved.namespace,
      name: info.involved.name,
      project: owner ? projectNameOf(owner) : "",
      event: info,
    });
  }

  /** Events about one Application or Stack, newest last. */
  eventsFor(kind: "Application" | "Stack", namespace: string, name: string): EventInfo[] {
    const keys = this.eventIndex.get(`${kind}/${namespace}/${name}`) ?? [];
    const out: EventInfo[] = [];
    for (const key of keys) {
      const slash = key.indexOf("/");
      const event = this.events.get(key.slice(0, slash), key.slice(slash + 1));
      if (event) out.push(event.info as EventInfo);
    }
    return out.sort((a, b) => ((a.lastTimestamp ?? "") < (b.lastTimestamp ?? "") ? -1 : 1));
  }

  /** The client the server reads through when a cache cannot answer (plan texts). */
  get kube(): KubeClient {
    return this.client;
  }
}
