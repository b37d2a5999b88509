// How `moor app list|get|history` show Applications to people: tables and a summary, built from
// the status the controller writes (src/core/app-status.ts). Pure: the clock is a parameter.

import { oneLine, operationProgress, revisionText, statusOf } from "../actions/status-text.ts";
import { applicationSources, isMultiSource, primarySource } from "../core/app-sources.ts";
import type { ResourceStatus } from "../core/app-status.ts";
import type { Application, ApplicationSource } from "../core/application.ts";
import { type Condition, findCondition } from "../core/conditions.ts";
import { projectNameOf } from "../core/project/project.ts";
import { isRunning } from "../core/sync-operation.ts";
import { pinNote } from "./app-history.ts";
import { age, type Column, renderTable } from "./output.ts";

export { operationProgress, shortSha, statusOf } from "../actions/status-text.ts";
export { renderHistory } from "./app-history.ts";

/** The first line of a (commit) message. */
export function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0]?.trim() ?? "";
}

/** The Ready condition's message when the app is not Ready (empty when it is, or unknown). */
export function notReadyMessage(app: Application): string {
  const ready = findCondition(statusOf(app).conditions, "Ready");
  return ready && ready.status !== "True" ? oneLine(ready.message) : "";
}

/** The Stalled condition when it is True for the current generation of the spec. */
export function stalledCondition(app: Application): Condition | undefined {
  const stalled = findCondition(statusOf(app).conditions, "Stalled");
  if (stalled?.status !== "True") return undefined;
  const generation = app.metadata.generation;
  const observed = stalled.observedGeneration;
  return observed === undefined || generation === undefined || observed === generation ? stalled : undefined;
}

export function renderAppList(
  apps: readonly Application[],
  options: { allNamespaces?: boolean; now?: number } = {},
): string {
  const now = options.now ?? Date.now();
  const columns: Column<Application>[] = [
    ...(options.allNamespaces
      ? [{ header: "NAMESPACE", value: (a: Application) => a.metadata.namespace }]
      : []),
    { header: "NAME", value: (a) => a.metadata.name },
    { header: "SYNC", value: (a) => statusOf(a).sync?.status ?? "Unknown" },
    { header: "HEALTH", value: (a) => statusOf(a).health?.status ?? "Unknown" },
    { header: "REVISION", value: (a) => revisionText(statusOf(a).sync?.revision) },
    { header: "REPO", value: (a) => listedRepo(a) },
    { header: "PATH", value: (a) => listedPath(a) },
    {
      header: "AGE",
      value: (a) => (a.metadata.creationTimestamp ? age(a.metadata.creationTimestamp, now) : ""),
    },
    { header: "STATUS", value: (a) => notReadyMessage(a) },
  ];
  return renderTable(apps, columns);
}

/** The sources of an app as listed, none for one that gives neither source nor sources. */
function sourcesOf(app: Application): ApplicationSource[] {
  return app.spec.source || app.spec.sources?.length ? applicationSources(app.spec) : [];
}

/** The first rendered source's repository, with how many sources more a multi-source app has. */
function listedRepo(app: Application): string {
  const sources = sourcesOf(app);
  if (sources.length === 0) return "";
  const more = sources.length > 1 ? ` (+${sources.length - 1} more)` : "";
  return `${primarySource(app.spec).repoURL}${more}`;
}

/** The first rendered source's folder, or its chart. */
function listedPath(app: Application): string {
  if (sourcesOf(app).length === 0) return ".";
  const source = primarySource(app.spec);
  return source.chart ? `chart ${source.chart}` : source.path || ".";
}

/**
 * One source of a multi-source app in a line: repository, what it gives (chart, folder, ref) at
 * its target revision, and the revision the cluster was compared against.
 */
function sourceLine(source: ApplicationSource, revision: string | undefined): string {
  const gives = [
    source.chart ? `chart ${source.chart}` : source.path ? `path ${source.path}` : "",
    source.ref ? `ref ${source.ref}` : "",
  ].filter(Boolean);
  const at = revision ? `, at ${revisionText(revision)}` : "";
  return `${source.repoURL}${gives.length ? ` ${gives.join(", ")}` : ""} @ ${source.targetRevision || "HEAD"}${at}`;
}

export const RESOURCE_COLUMNS: Column<ResourceStatus>[] = [
  { header: "KIND", value: (r) => r.kind },
  { header: "NAMESPACE", value: (r) => r.namespace },
  { header: "NAME", value: (r) => r.name },
  { header: "STATUS", value: (r) => r.status },
  { header: "HEALTH", value: (r) => r.health?.status ?? "" },
  { header: "MESSAGE", value: (r) => oneLine(r.error ?? r.health?.message) },
];

export function renderResources(resources: readonly ResourceStatus[]): string {
  return resources.length === 0 ? "no resources yet" : renderTable(resources, RESOURCE_COLUMNS);
}

/** `2024-05-01 10:00:00 UTC`: history entries are moments people compare with other logs. */
export function timestamp(iso: string | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return "";
  return `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function ago(iso: string | undefined, now: number): string {
  return iso ? `${age(iso, now)} ago` : "";
}

function syncPolicyText(app: Application): string {
  const policy = app.spec.syncPolicy;
  const automated = policy?.automated;
  const extras = [automated?.prune ? "prune" : "", automated?.selfHeal ? "self-heal" : ""].filter(Boolean);
  const mode = automated ? `automated${extras.length ? ` (${extras.join(", ")})` : ""}` : "manual";
  const options = policy?.syncOptions?.length ? `, options ${policy.syncOptions.join(" ")}` : "";
  return mode + options;
}

function conditionText(c: Condition): string {
  return `${c.status} (${c.reason}) ${oneLine(c.message)}`.trim();
}

/**
 * Where the app comes from: Repo, Path (or Chart) and Target for one source; for a multi-source
 * app one row per source with the revision it was compared at.
 */
function sourceRows(app: Application): [string, string][] {
  if (isMultiSource(app.spec)) {
    const revisions = statusOf(app).sync?.revisions ?? [];
    return applicationSources(app.spec).map((source, i) => [
      `Source ${i + 1}`,
      sourceLine(source, revisions[i]),
    ]);
  }
  if (sourcesOf(app).length === 0) return [["Repo", "(none: the spec gives neither source nor sources)"]];
  const source = primarySource(app.spec);
  return [
    ["Repo", source.repoURL],
    source.chart ? ["Chart", source.chart] : ["Path", source.path || "."],
    ["Target", source.targetRevision || "HEAD"],
  ];
}

/** What `moor app get NAME` prints above the resources table. */
export function renderAppSummary(app: Application, now = Date.now()): string {
  const status = statusOf(app);
  const { destination } = app.spec;
  const rows: [string, string][] = [
    ["Name", `${app.metadata.namespace}/${app.metadata.name}`],
    ["Project", projectNameOf(app)],
    ...sourceRows(app),
    [
      "Destination",
      `${destination.cluster || "in-cluster"}${destination.namespace ? `, namespace ${destination.namespace}` : ""}`,
    ],
    ["Sync policy", syncPolicyText(app)],
  ];
  if (app.spec.suspend) rows.push(["Suspended", "yes: nothing is compared or synced (spec.suspend)"]);
  if (app.metadata.deletionTimestamp)
    rows.push(["Deleting", `since ${ago(app.metadata.deletionTimestamp, now)}`]);
  const sync = status.sync?.status ?? "Unknown";
  if (!status.sync) rows.push(["Sync", "Unknown (the controller has not compared it yet)"]);
  else rows.push(["Sync", status.sync.revision ? `${sync} to ${revisionText(status.sync.revision)}` : sync]);
  rows.push([
    "Health",
    `${status.health?.status ?? "Unknown"}${status.health?.message ? `: ${oneLine(status.health.message)}` : ""}`,
  ]);
  for (const type of ["Ready", "Stalled"]) {
    const c = findCondition(status.conditions, type);
    if (c) rows.push([type, conditionText(c)]);
  }
  if (status.commit) {
    const c = status.commit;
    rows.push([
      "Commit",
      `${revisionText(c.revision)} by ${c.author} ${ago(c.committedAt, now)}: ${firstLine(c.message)}`,
    ]);
  }
  if (status.pin) rows.push(["Pinned", pinNote(app).replace(/^\* pinned at /, "")]);
  const op = status.operationState;
  if (op && isRunning(op)) {
    const by = op.initiatedBy?.username;
    rows.push([
      "Operation",
      `${operationProgress(op, now)} (${op.trigger}${by ? ` by ${by}` : ""}, ${revisionText(op.revision)}, started ${ago(op.startedAt, now)})`,
    ]);
  } else if (op) {
    const by = (op as { initiatedBy?: { username?: string } }).initiatedBy?.username;
    const when = ago(op.finishedAt ?? op.startedAt, now);
    rows.push([
      "Last sync",
      `${op.phase} ${when} (${op.trigger}${by ? ` by ${by}` : ""}, ${revisionText(op.revision)}): ${oneLine(op.message)}`,
    ]);
  }
  const pending = (app as { operation?: Record<string, unknown> }).operation;
  if (pending) {
    const what = ["sync", "rollback", "unpin", "terminate"]
      .filter((k) => pending[k] !== undefined)
      .join(", ");
    rows.push(["Pending", `${what || "operation"} requested, waiting for the controller`]);
  }
  if (status.reconciledAt) rows.push(["Compared", ago(status.reconciledAt, now)]);
  if (status.skipped?.length)
    rows.push(["Skipped", `${status.skipped.map((s) => s.path).join(", ")} (no objects)`]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`.trimEnd()).join("\n");
}
