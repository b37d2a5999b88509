// What a list shows of each Application and Stack: one small row per object, built once when the
// object changes (not at every request), holding what the list filters and sorts on. A row is what
// a dashboard table shows: name, project, source, destination, sync, health, the last sync; the
// full object is one `get` away. Rows never carry anything secret: an Application's or a Stack's
// spec and status hold no Secret values (the controller masks them in diffs), and rows leave out
// the heavy parts (resources, history, diffs) anyway.
//
// Filters are the ones Argo CD's application list offers (project, cluster, namespace, health,
// sync, labels, a search box), given as lists that match any of their values; the search is a
// case-insensitive substring of the name, repository URL, path or chart. A multi-source
// Application (`spec.sources`) is found through any of its sources, and its row carries them all
// with one revision each; `source` stays the first rendered one, for clients that show one.
import type { SourceSummary } from "../app-status.ts";
import { projectNameOf } from "../project/project.ts";
import type { SortKey } from "./page.ts";
import { type LabelSelector, matchesSelector } from "./selector.ts";

/** The cluster an Application without spec.destination.cluster deploys to. */
const IN_CLUSTER = "in-cluster";

export interface AppSummary {
  namespace: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  /** The first source that renders objects (the only one of a single-source app). */
  source: SourceSummary;
  /** Every source, in spec order: `spec.sources`, or `spec.source` alone. */
  sources: SourceSummary[];
  destination: { cluster: string; namespace: string };
  /** Synced, OutOfSync or Unknown; Unknown until the controller first compared. */
  sync: string;
  /** Healthy, Progressing, Degraded, Suspended, Missing or Unknown. */
  health: string;
  /** The commit the cluster was compared against (a multi-source app's revisions joined). */
  revision?: string;
  /** Multi-source apps: the revision of each source, in spec order. */
  revisions?: string[];
  /** The last sync operation's phase (Running, Succeeded, Failed...). */
  operation?: string;
  /** When the last sync finished (or the last deploy in history). */
  lastSyncedAt?: string;
  reconciledAt?: string;
  autoSync: boolean;
  suspended: boolean;
  createdAt?: string;
}

export interface StackSummary {
  namespace: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  source: { repoURL: string; path: string; targetRevision: string };
  /** The Ready condition's status: True, False or Unknown. */
  ready: string;
  /** The Ready condition's reason, e.g. Applied, PlanPending, Stalled. */
  reason: string;
  drifted: boolean;
  /** The id of a plan waiting for approval. */
  pendingPlan?: string;
  lastAppliedAt?: string;
  /** The last apply's result: succeeded or failed. */
  lastApplyResult?: string;
  /** The last plan, pending or not: its id, the commit it was made from and what it changes. */
  lastPlan?: StackPlanRow;
  suspended: boolean;
  createdAt?: string;
}

/** What a list row tells of a Stack's last plan (counts as `tofu plan` prints them). */
export interface StackPlanRow {
  id: string;
  revision: string;
  add: number;
  change: number;
  destroy: number;
  pending: boolean;
}

/** A summary with what filtering and sorting read, computed once per object version. */
export interface Row<S> {
  summary: S;
  namespace: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  /** Lower-case name and every source's repository URL, path and chart joined, for the search box. */
  text: string;
}

type Loose = Record<string, unknown>;

function record(value: unknown): Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function labelsOf(metadata: Loose): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(metadata.labels))) {
    if (typeof value === "string") labels[key] = value;
  }
  return labels;
}

function sourceOf(value: unknown): SourceSummary {
  const source = record(value);
  const summary: SourceSummary = {
    repoURL: text(source.repoURL) ?? "",
    path: text(source.path) ?? "",
    targetRevision: text(source.targetRevision) ?? "HEAD",
  };
  const chart = text(source.chart);
  const ref = text(source.ref);
  if (chart !== undefined) summary.chart = chart;
  if (ref !== undefined) summary.ref = ref;
  return summary;
}

/** `spec.sources` when it lists any, else `spec.source` (core/app-sources.ts, read loosely). */
function sourcesOf(spec: Loose): SourceSummary[] {
  const listed = Array.isArray(spec.sources) && spec.sources.length > 0 ? spec.sources : [spec.source];
  return listed.map(sourceOf);
}

/** The first source that renders objects: a ref without path or chart only lends its files. */
function primaryOf(sources: readonly SourceSummary[]): SourceSummary {
  return (sources.find((s) => !(s.ref && !s.path && !s.chart)) ?? sources[0]) as SourceSummary;
}

function searchText(name: string, sources: readonly SourceSummary[]): string {
  const parts = sources.flatMap((s) => [s.repoURL, s.path, s.chart ?? ""].filter((p) => p !== ""));
  return [name, ...parts].join("\n").toLowerCase();
}

function revisionsOf(sync: Loose): string[] | undefined {
  const revisions = sync.revisions;
  return Array.isArray(revisions) && revisions.every((r) => typeof r === "string") && revisions.length > 0
    ? [...revisions]
    : undefined;
}

function withOptional<T extends object>(base: T, extra: Record<string, string | undefined>): T {
  const out = Object.assign({}, base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** The list row of an Application object as the cluster holds it. */
export function appRow(app: { metadata: object; spec?: unknown; status?: unknown }): Row<AppSummary> {
  const metadata = app.metadata as Loose;
  const spec = record(app.spec);
  const status = record(app.status);
  const namespace = text(metadata.namespace) ?? "";
  const name = text(metadata.name) ?? "";
  const project = projectNameOf(app);
  const labels = labelsOf(metadata);
  const sources = sourcesOf(spec);
  const destination = record(spec.destination);
  const sync = record(status.sync);
  const health = record(status.health);
  const operation = record(status.operationState);
  const history = Array.isArray(status.history) ? status.history : [];
  const lastDeploy = record(history.at(-1));
  const summary = withOptional<AppSummary>(
    {
      namespace,
      name,
      project,
      labels,
      source: primaryOf(sources),
      sources,
      destination: {
        cluster: text(destination.cluster) ?? IN_CLUSTER,
        namespace: text(destination.namespace) ?? "",
      },
      sync: text(sync.status) ?? "Unknown",
      health: text(health.status) ?? "Unknown",
      autoSync: record(spec.syncPolicy).automated !== undefined,
      suspended: spec.suspend === true,
    },
    {
      revision: text(sync.revision),
      operation: text(operation.phase),
      lastSyncedAt: text(operation.finishedAt) ?? text(lastDeploy.deployedAt),
      reconciledAt: text(status.reconciledAt),
      createdAt: text(metadata.creationTimestamp),
    },
  );
  const revisions = revisionsOf(sync);
  if (revisions !== undefined) summary.revisions = revisions;
  return { summary, namespace, name, project, labels, text: searchText(name, sources) };
}

/** The list row of a Stack object as the cluster holds it. */
export function stackRow(stack: { metadata: object; spec?: unknown; status?: unknown }): Row<StackSummary> {
  const metadata = stack.metadata as Loose;
  const spec = record(stack.spec);
  const status = record(stack.status);
  const namespace = text(metadata.namespace) ?? "";
  const name = text(metadata.name) ?? "";
  const project = projectNameOf(stack);
  const labels = labelsOf(metadata);
  const source = sourceOf(spec.source);
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(record) : [];
  const ready = conditions.find((c) => c.type === "Ready");
  const lastPlan = record(status.lastPlan);
  const summary = withOptional<StackSummary>(
    {
      namespace,
      name,
      project,
      labels,
      source,
      ready: text(ready?.status) ?? "Unknown",
      reason: text(ready?.reason) ?? "",
      drifted: record(status.drift).drifted === true,
      suspended: spec.suspend === true,
    },
    {
      pendingPlan: lastPlan.pending === true ? text(lastPlan.id) : undefined,
      lastAppliedAt: text(record(status.lastApply).appliedAt),
      lastApplyResult: text(record(status.lastApply).result),
      createdAt: text(metadata.creationTimestamp),
    },
  );
  const planRow = stackPlanRow(lastPlan);
  if (planRow !== undefined) summary.lastPlan = planRow;
  return {
    summary,
    namespace,
    name,
    project,
    labels,
    text: searchText(name, [source]),
  };
}

function stackPlanRow(plan: Loose): StackPlanRow | undefined {
  const id = text(plan.id);
  if (id === undefined) return undefined;
  const counts = record(plan.summary);
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  return {
    id,
    revision: text(plan.revision) ?? "",
    add: count(counts.add),
    change: count(counts.change),
    destroy: count(counts.destroy),
    pending: plan.pending === true,
  };
}

// ---- filters and sorts ----------------------------------------------------------------------

/** Filters of a list; each list matches any of its values, absent or empty matches all. */
export interface ListFilters {
  projects?: readonly string[];
  namespaces?: readonly string[];
  clusters?: readonly string[];
  health?: readonly string[];
  sync?: readonly string[];
  selector?: LabelSelector;
  /** Case-insensitive substring of the name or of any source's repository URL, path or chart. */
  search?: string;
}

function anyOf(values: readonly string[] | undefined, value: string): boolean {
  return values === undefined || values.length === 0 || values.includes(value);
}

function common<S>(row: Row<S>, filters: ListFilters, search: string | undefined): boolean {
  return (
    anyOf(filters.projects, row.project) &&
    anyOf(filters.namespaces, row.namespace) &&
    (filters.selector === undefined || matchesSelector(filters.selector, row.labels)) &&
    (search === undefined || row.text.includes(search))
  );
}

/** The predicate of `filters` over Application rows (filters without meaning for Stacks ignored there). */
export function appFilter(filters: ListFilters): (row: Row<AppSummary>) => boolean {
  const search = filters.search?.trim().toLowerCase() || undefined;
  return (row) =>
    common(row, filters, search) &&
    anyOf(filters.clusters, row.summary.destination.cluster) &&
    anyOf(filters.health, row.summary.health) &&
    anyOf(filters.sync, row.summary.sync);
}

export function stackFilter(filters: ListFilters): (row: Row<StackSummary>) => boolean {
  const search = filters.search?.trim().toLowerCase() || undefined;
  return (row) => common(row, filters, search);
}

/** A canonical text of the filters, for binding cursors to them. */
export function filtersKey(filters: ListFilters): string {
  const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort();
  return JSON.stringify([
    sorted(filters.projects),
    sorted(filters.namespaces),
    sorted(filters.clusters),
    sorted(filters.health),
    sorted(filters.sync),
    filters.selector ?? [],
    filters.search?.trim().toLowerCase() ?? "",
  ]);
}

/**
 * Health in the order people triage it: the worst first when ascending. Sorting by health shows
 * Degraded and Missing apps at the top, as a dashboard should.
 */
const HEALTH_ORDER = ["Degraded", "Missing", "Unknown", "Progressing", "Suspended", "Healthy"];
const SYNC_ORDER = ["OutOfSync", "Unknown", "Synced"];

function rank(order: readonly string[], value: string): number {
  const i = order.indexOf(value);
  return i < 0 ? order.length : i;
}

export const APP_SORTS = ["name", "namespace", "project", "health", "sync", "lastSync"] as const;
export type AppSort = (typeof APP_SORTS)[number];

export function appSortKey(sort: AppSort): (row: Row<AppSummary>) => SortKey {
  switch (sort) {
    case "name":
      return (row) => [row.name, row.namespace, row.name];
    case "namespace":
      return (row) => [row.namespace, row.namespace, row.name];
    case "project":
      return (row) => [row.project, row.namespace, row.name];
    case "health":
      return (row) => [rank(HEALTH_ORDER, row.summary.health), row.namespace, row.name];
    case "sync":
      return (row) => [rank(SYNC_ORDER, row.summary.sync), row.namespace, row.name];
    case "lastSync":
      return (row) => [row.summary.lastSyncedAt ?? null, row.namespace, row.name];
  }
}

export const STACK_SORTS = ["name", "namespace", "project", "ready", "lastApply"] as const;
export type StackSort = (typeof STACK_SORTS)[number];

const READY_ORDER = ["False", "Unknown", "True"];

export function stackSortKey(sort: StackSort): (row: Row<StackSummary>) => SortKey {
  switch (sort) {
    case "name":
      return (row) => [row.name, row.namespace, row.name];
    case "namespace":
      return (row) => [row.namespace, row.namespace, row.name];
    case "project":
      return (row) => [row.project, row.namespace, row.name];
    case "ready":
      return (row) => [rank(READY_ORDER, row.summary.ready), row.namespace, row.name];
    case "lastApply":
      return (row) => [row.summary.lastAppliedAt ?? null, row.namespace, row.name];
  }
}
