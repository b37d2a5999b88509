// Building an Application's status from a comparison: per-object sync and health, the app's
// health as the worst of its objects, the bounded deploy history and drift log. Pure functions
// of their inputs, kept apart from the reconciler that decides what to do.
import { primarySource } from "../core/app-sources.ts";
import {
  type ApplicationStatus,
  type CommitMeta,
  type DriftRecord,
  type HistoryEntry,
  type ResourceStatus,
  type SourceSummary,
  STATUS_DIFF_LIMIT,
} from "../core/app-status.ts";
import type { Application, ApplicationSource } from "../core/application.ts";
import { assessHealth, worstOf } from "../core/health/index.ts";
import type { HealthStatus } from "../core/health/status.ts";
import { formatRef, refKey, refOf, versionOf } from "../core/objects.ts";
import type { Signer } from "../core/project/signature.ts";
import { redactRepoURL } from "../core/repo-url.ts";
import type { Comparison } from "./compare.ts";

export function baseStatus(previous: Partial<ApplicationStatus>): ApplicationStatus {
  return {
    sync: previous.sync ?? { status: "Unknown" },
    health: previous.health ?? { status: "Unknown" },
    conditions: previous.conditions ?? [],
    resources: previous.resources ?? [],
    history: previous.history ?? [],
    ...(previous.commit ? { commit: previous.commit } : {}),
    ...(previous.operationState ? { operationState: previous.operationState } : {}),
    ...(previous.pin ? { pin: previous.pin } : {}),
    ...(previous.drift ? { drift: previous.drift } : {}),
  };
}

export function isOutOfSync(comparison: Comparison): boolean {
  return (
    comparison.diffs.some((d) => d.action !== "none") ||
    comparison.objects.some((o) => !o.hook && (o.error || o.deferred))
  );
}

export function managedKinds(comparison: Comparison): { apiVersion: string; kind: string }[] {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of comparison.objects) {
    if (o.hook || o.error || o.deferred) continue;
    seen.set(`${o.desired.apiVersion}/${o.desired.kind}`, {
      apiVersion: o.desired.apiVersion,
      kind: o.desired.kind,
    });
  }
  return [...seen.values()];
}

export function appHealth(
  comparison: Comparison,
  app: Application,
): { status: HealthStatus; message?: string } {
  const checks = app.spec.healthChecks ?? [];
  const results = comparison.objects
    .filter((o) => !o.hook)
    .map((o) => ({ ref: o.ref, health: assessHealth(o.live, checks) }));
  const status = worstOf(results.map((r) => r.health.status));
  const worst = results.find((r) => r.health.status === status && status !== "Healthy");
  return worst
    ? { status, message: `${formatRef(worst.ref)}: ${worst.health.message ?? worst.health.status}` }
    : { status };
}

export function resourceStatuses(comparison: Comparison, app: Application): ResourceStatus[] {
  const diffs = new Map(comparison.diffs.map((d) => [refKey(d.ref), d]));
  const checks = app.spec.healthChecks ?? [];
  const listed = comparison.objects
    .filter((o) => !o.hook)
    .map((o) => {
      const diff = diffs.get(refKey(o.ref));
      const outOfSync = Boolean(o.error || o.deferred || (diff && diff.action !== "none"));
      const health = assessHealth(o.live, checks);
      return {
        group: o.ref.group,
        version: versionOf(o.desired.apiVersion),
        kind: o.ref.kind,
        namespace: o.ref.namespace,
        name: o.ref.name,
        status: outOfSync ? "OutOfSync" : "Synced",
        health: { status: health.status, ...(health.message ? { message: health.message } : {}) },
        ...(o.error ? { error: o.error } : {}),
        ...(diff && diff.action !== "none" ? { diff: diff.changes.slice(0, STATUS_DIFF_LIMIT) } : {}),
      } satisfies ResourceStatus;
    });
  // Objects Git dropped stay listed until pruned: the next comparison finds them from this list,
  // so a sync with prune asked for later still deletes them.
  const dropped = comparison.pruneCandidates.map((live): ResourceStatus => {
    const ref = refOf(live);
    const health = assessHealth(live, checks);
    return {
      group: ref.group,
      version: versionOf(live.apiVersion),
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      status: "OutOfSync",
      health: { status: health.status, ...(health.message ? { message: health.message } : {}) },
      requiresPruning: true,
    };
  });
  return [...listed, ...dropped];
}

/** A fetched source's commit (a chart's version) as status and history show it. */
export function commitMeta(
  revision: string,
  commit: { author: { name: string; email: string }; message: string; committedAt: string },
  signer?: Signer,
): CommitMeta {
  return {
    revision,
    author: `${commit.author.name} <${commit.author.email}>`,
    message: commit.message.trim(),
    committedAt: commit.committedAt,
    ...(signer ? { signer } : {}),
  };
}

/** Where a source comes from, as status shows it: a password in a URL stays out. */
export function sourceSummary(source: ApplicationSource): SourceSummary {
  return {
    // Status is readable by more people than the spec's Secrets.
    repoURL: redactRepoURL(source.repoURL),
    path: source.path ?? "",
    targetRevision: source.targetRevision ?? "HEAD",
    ...(source.chart ? { chart: source.chart } : {}),
    ...(source.ref ? { ref: source.ref } : {}),
  };
}

/** Multi-source apps: each source's revision, origin and commit, in source order. */
export interface PerSource {
  revisions: string[];
  sources: SourceSummary[];
  commits: CommitMeta[];
}

export function appendHistory(
  app: Application,
  history: HistoryEntry[],
  commit: { author: { name: string; email: string }; message: string; committedAt: string },
  revision: string,
  trigger: string,
  signer?: Signer,
  perSource?: PerSource,
): HistoryEntry[] {
  const id = (history.at(-1)?.id ?? 0) + 1;
  const primary = primarySource(app.spec);
  const entry: HistoryEntry = {
    id,
    ...commitMeta(revision, commit, signer),
    deployedAt: new Date().toISOString(),
    trigger,
    source: {
      repoURL: redactRepoURL(primary.repoURL),
      path: primary.path ?? "",
      targetRevision: primary.targetRevision ?? "HEAD",
    },
    ...(perSource ?? {}),
  };
  const limit = app.spec.revisionHistoryLimit ?? 10;
  return [...history, entry].slice(-limit);
}

/** Keeps the last drift records, marking the ones self-heal just corrected. */
export function mergeDrift(
  previous: DriftRecord[],
  fresh: DriftRecord[],
  correctedAt: string | undefined,
): DriftRecord[] {
  const marked = fresh.map((d) => (correctedAt ? { ...d, correctedAt } : d));
  return [...previous, ...marked].slice(-20);
}
