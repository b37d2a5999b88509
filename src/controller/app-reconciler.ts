// Reconciling one Application: Source → Render → Compare → (Plan → Apply) → Observe → Record.
// Every run starts from the cluster's current state and ends by writing status, so a restart
// or a lost event never leaves an app wrong for long. Failures land in status conditions and
// events, never in a crash: a bad manifest, a missing revision or wrong credentials stall the app
// with a message saying what to fix, and transient failures are retried with backoff.
import {
  AppSourcesError,
  applicationSources,
  checkedSources,
  describeSource,
  isMultiSource,
  joinRevisions,
  primarySource,
  rendersObjects,
  shortRevisions,
  splitRevisions,
} from "../core/app-sources.ts";
import type { ApplicationStatus, DriftRecord, OperationState, PinStatus } from "../core/app-status.ts";
import {
  type Application,
  type ApplicationSource,
  CONTROLLER_NAMESPACE,
  REFRESH_ANNOTATION,
  RESOURCES_FINALIZER,
} from "../core/application.ts";
import { applyStanding, type Standing } from "../core/conditions.ts";
import { type DeletionState, decideDeletion, deletionHookPlan } from "../core/deletion-hooks.ts";
import { crossNamespaceDependency } from "../core/dependencies.ts";
import type { ObjectDiff } from "../core/diff.ts";
import { durationOr } from "../core/duration.ts";
import { decideEmptyRender } from "../core/empty-render.ts";
import { jsonEqual } from "../core/json.ts";
import { mergePatchFrom } from "../core/merge-patch.ts";
import { formatRef, type KubeObject, refKey, TRACKING_ANNOTATION, trackingId } from "../core/objects.ts";
import { type Project, projectNameOf } from "../core/project/project.ts";
import { describeSigner, type Signer } from "../core/project/signature.ts";
import { SINGLE_TEAM, type TenancyPolicy } from "../core/sync-identity.ts";
import { describeStep, isRunning, startOperation, terminating } from "../core/sync-operation.ts";
import { deleteHookPhases, parseSyncOptions } from "../core/sync-plan.ts";
import { requestAfterFailure } from "../core/sync-request.ts";
import { GitError } from "../git/errors.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { RenderCache } from "../render/cache.ts";
import { RenderError } from "../render/errors.ts";
import { type RenderInput, type RenderResult, render } from "../render/render.ts";
import type { RenderOptions } from "../render/tools.ts";
import type { Logger } from "../util/log.ts";
import { enforceChildren } from "./app-children.ts";
import { removeCreatedNamespace } from "./app-namespace.ts";
import {
  appSubject,
  enforceBeforeFetch,
  enforceRendered,
  enforceSignedSources,
  mayDeleteManaged,
  ProjectViolation,
  projectCluster,
} from "./app-project.ts";
import {
  combineRenders,
  type ResolvedSource,
  refCheckouts,
  type SourceRender,
  type SourceResolver,
} from "./app-source.ts";
import {
  appendHistory,
  appHealth,
  baseStatus,
  commitMeta,
  isOutOfSync,
  mergeDrift,
  type PerSource,
  resourceStatuses,
  sourceSummary,
} from "./app-status-builder.ts";
import { type ControllerAudit, driftDetails, syncObjects } from "./audit.ts";
import { CommitRefused } from "./commit-signature.ts";
import { compareWithCluster, concretise, observeSync } from "./compare.ts";
import type { DriftWatcher } from "./drift.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { ProjectLookup } from "./projects.ts";
import { jittered, type ProcessResult } from "./queue.ts";
import {
  advanceOperation,
  buildPlan,
  releaseOperationHooks,
  TERMINATED_REASON,
  terminateOperation,
  withSkipped,
} from "./sync.ts";
import { finishDryRun, type SyncSelection, selectComparison } from "./sync-selection.ts";
import {
  blockedBeforeApply,
  FORBIDDEN_REASON,
  forbiddenStanding,
  isForbidden,
  type ResolvedDestination,
  resolveSyncTarget,
  type SyncTarget,
  SyncTargetRefused,
  stallOnForbidden,
  TARGET_STALL_REASONS,
  watchTargets,
} from "./sync-target.ts";

export const FINALIZER = RESOURCES_FINALIZER;
export { REFRESH_ANNOTATION };

const ARGO_REFRESH_ANNOTATION = "argocd.argoproj.io/refresh";

/** What a user asks for through `moor app sync|rollback|unpin` (the Application's `operation`). */
export interface Operation {
  /** A dry run, or only the chosen objects, narrows the sync (./sync-selection.ts). */
  sync?: { revision?: string; prune?: boolean; dryRun?: boolean; resources?: SyncSelection[] };
  rollback?: { id: number };
  unpin?: boolean;
  /** Stop the running sync (`moor app terminate-op`). */
  terminate?: boolean;
  initiatedBy?: { username?: string };
}

export interface DestinationLookup {
  resolve(cluster: string | undefined): Promise<ResolvedDestination>;
}

export interface ReconcilerDeps {
  /** The cluster where Applications live. */
  client: KubeClient;
  destinations: DestinationLookup;
  sources: SourceResolver;
  renderCache: RenderCache;
  drift: DriftWatcher;
  events: EventRecorder;
  metrics: ControllerMetrics;
  log: Logger;
  /** Periodic look at every app even without events; default 3 min (jittered). */
  resyncMs?: number;
  /** Limits and tools for renders that bypass the cache (a hard refresh); default: render's defaults. */
  renderOptions?: RenderOptions;
  /** Whose identity syncs use when a project names no ServiceAccount; default single-team. */
  tenancy?: TenancyPolicy;
  /** Where Projects live; default mooring. */
  namespace?: string;
  /** The Projects apps are checked against (projects.ts). */
  projects: ProjectLookup;
  /** The audit trail: syncs, drift and refusals are recorded here (audit.ts). */
  audit: ControllerAudit;
}

type AppWithOperation = Application & { operation?: Operation };

class StallError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export class AppReconciler {
  private readonly deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: string): Promise<ProcessResult | undefined> {
    const [namespace = "", name = ""] = key.split("/");
    const started = Date.now();
    const app = (await this.deps.client.get(
      "mooring.dev/v1alpha1",
      "Application",
      namespace,
      name,
    )) as AppWithOperation | null;
    if (!app) {
      this.deps.metrics.removeApp(namespace, name);
      return undefined;
    }
    try {
      const result = await this.reconcileApp(app);
      this.deps.metrics.reconciles.inc({ result: "ok" });
      return result;
    } catch (err) {
      this.deps.metrics.reconciles.inc({ result: "error" });
      throw err;
    } finally {
      this.deps.metrics.reconcileDuration.observe((Date.now() - started) / 1000);
    }
  }

  private async reconcileApp(app: AppWithOperation): Promise<ProcessResult | undefined> {
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    const log = this.deps.log.with({ app: key });
    if (app.metadata.deletionTimestamp) return this.finalize(app, log);
    if (
      !app.metadata.finalizers?.includes(FINALIZER) &&
      app.metadata.annotations?.["mooring.dev/cascade"] !== "false"
    ) {
      await this.deps.client.mergePatch(appRef(app), {
        metadata: { finalizers: [...(app.metadata.finalizers ?? []), FINALIZER] },
      });
    }
    const previous = (app.status ?? {}) as Partial<ApplicationStatus>;
    const now = new Date().toISOString();
    const generation = app.metadata.generation;

    if (app.spec.suspend) {
      await this.writeStatus(app, {
        ...baseStatus(previous),
        conditions: applyStanding(
          previous.conditions ?? [],
          { state: "failed", reason: "Suspended", message: "reconciliation is suspended (spec.suspend)" },
          now,
          generation,
        ),
        observedGeneration: generation,
      });
      return undefined;
    }

    const crossNamespace = crossNamespaceDependency(
      { kind: "Application", namespace: app.metadata.namespace, name: app.metadata.name },
      (app.spec.dependsOn ?? []).map((d) => ({
        kind: d.kind ?? "Stack",
        namespace: d.namespace ?? app.metadata.namespace,
        name: d.name,
      })),
      this.controllerNamespace,
    );
    if (crossNamespace) {
      await this.deps.events.record(app, "Warning", "CrossNamespaceDependency", crossNamespace);
      await this.writeStatus(app, {
        ...baseStatus(previous),
        conditions: applyStanding(
          previous.conditions ?? [],
          { state: "stalled", reason: "CrossNamespaceDependency", message: crossNamespace },
          now,
          generation,
        ),
        observedGeneration: generation,
      });
      return { requeueAfterMs: jittered(this.deps.resyncMs ?? 180_000) };
    }

    const waitingFor = await this.unreadyDependency(app);
    if (waitingFor) {
      await this.writeStatus(app, {
        ...baseStatus(previous),
        conditions: applyStanding(
          previous.conditions ?? [],
          {
            state: "progressing",
            reason: "DependencyNotReady",
            message: `waiting for ${waitingFor} to be Ready`,
          },
          now,
          generation,
        ),
        observedGeneration: generation,
      });
      return { requeueAfterMs: 2000 };
    }

    const operation = app.operation;
    const refresh =
      app.metadata.annotations?.[REFRESH_ANNOTATION] ?? app.metadata.annotations?.[ARGO_REFRESH_ANNOTATION];
    // Drift seen while an operation runs waits for it to end: the operation may put it back.
    const drift = isRunning(previous.operationState) ? [] : this.deps.drift.take(key);
    try {
      // A stop request is carried out first, needing neither the source nor a render, so that
      // even a sync whose repository has gone can be terminated.
      if (operation?.terminate && previous.operationState && isRunning(previous.operationState)) {
        await this.terminate(app, previous.operationState, operation, log);
      }
      const current = (app.status ?? {}) as Partial<ApplicationStatus>;
      return await this.compareAndSync(app, current, { operation, refresh, drift, log });
    } catch (err) {
      const refused = err instanceof SyncTargetRefused;
      const stalled = err instanceof StallError || refused;
      const message = err instanceof Error ? err.message : String(err);
      const reason =
        err instanceof StallError ? err.reason : refused ? err.standing.reason : "ReconcileError";
      log.warn("reconcile failed", { reason, error: message });
      await this.deps.events.record(app, "Warning", reason, message);
      // What this pass already stored of a running operation stays (app.status has it).
      const current = (app.status ?? {}) as Partial<ApplicationStatus>;
      const fate = operation
        ? requestAfterFailure(operation, {
            running: isRunning(current.operationState),
            needsPerson: stalled,
            message,
            now,
          })
        : undefined;
      await this.writeStatus(app, {
        ...baseStatus(current),
        ...(fate?.kind === "fail" ? { operationState: fate.operationState } : {}),
        sync: { ...(previous.sync ?? {}), status: "Unknown" },
        conditions: applyStanding(
          previous.conditions ?? [],
          { state: stalled ? "stalled" : "failed", reason, message },
          now,
          generation,
        ),
        observedGeneration: generation,
        reconciledAt: now,
      });
      // A pending request is kept for the retry or ended as a Failed operation (core/sync-request.ts).
      const clearOperation = fate !== undefined && fate.kind !== "keep";
      if (clearOperation || refresh) await this.clearRequests(app, clearOperation, Boolean(refresh));
      // Stalled needs a human: look again at the normal pace. Others: the queue's backoff.
      if (stalled) return { requeueAfterMs: jittered(this.deps.resyncMs ?? 180_000) };
      throw err;
    }
  }

  private async compareAndSync(
    app: AppWithOperation,
    previous: Partial<ApplicationStatus>,
    request: { operation?: Operation; refresh?: string; drift: DriftRecord[]; log: Logger },
  ): Promise<ProcessResult | undefined> {
    const { operation, refresh, log } = request;
    const generation = app.metadata.generation;
    // A running operation pins its revision and trigger; requests other than terminate wait for it.
    const running: OperationState | undefined = isRunning(previous.operationState)
      ? previous.operationState
      : undefined;
    const queued = Boolean(running && (operation?.sync || operation?.rollback || operation?.unpin));
    // Sources: `spec.sources` or the one `spec.source`, checked as written (core/app-sources.ts).
    const sources = this.sourcesOf(app);
    const multi = isMultiSource(app.spec);
    const source = primarySource(app.spec);
    const primaryIndex = sources.indexOf(source);
    const targetRevision = source.targetRevision || "HEAD";

    // Project: the app's namespace, repositories and destination, before any repository is contacted.
    const scope = await this.projectStep(() =>
      enforceBeforeFetch(this.deps.projects, app, this.controllerNamespace, () =>
        projectCluster(app, async (cluster) => (await this.destination(cluster)).server),
      ),
    );

    // Source: each source's branch head (joined in source order), unless a rollback pinned an
    // older deploy. A new or changed spec looks afresh rather than at a head cached for other apps.
    const head = await this.heads(
      app,
      sources,
      Boolean(refresh || (operation && !queued)) || previous.observedGeneration !== generation,
    );
    let pin: PinStatus | undefined = previous.pin;
    let trigger: string | null = null;
    if (pin && pin.headAtPin !== head) {
      await this.deps.events.record(
        app,
        "Normal",
        "Unpinned",
        `new ${multi ? "revisions" : "commit"} ${shortRevisions(head)} releases the pin`,
      );
      pin = undefined;
    }
    if (operation?.unpin && !running) pin = undefined;
    if (operation?.rollback && !running) {
      const entry = previous.history?.find((h) => h.id === operation.rollback?.id);
      if (!entry) {
        throw new StallError(
          "RollbackFailed",
          `no history entry with id ${operation.rollback.id}; \`moor app history ${app.metadata.name}\` lists them`,
        );
      }
      pin = {
        revision: entry.revision,
        historyId: entry.id,
        headAtPin: head,
        pinnedAt: new Date().toISOString(),
      };
      trigger = "rollback";
    }
    if (multi && operation?.sync?.revision && !running) {
      // One revision cannot name a commit of each source (Argo CD's per-source revisions are not
      // implemented): refused, never applied to the first source alone.
      throw new StallError(
        "InvalidSyncRevision",
        `a sync to revision ${operation.sync.revision} names one revision, but this Application has ${sources.length} sources; sync without --revision, or pin each source's targetRevision in spec.sources`,
      );
    }
    const revision = running
      ? running.revision
      : operation?.sync?.revision
        ? await this.gitStep(app, () =>
            this.deps.sources.head(source.repoURL, operation.sync?.revision ?? "", true, source.chart),
          )
        : (pin?.revision ?? head);
    const revisions = this.revisionsOf(app, sources, revision);
    // Signed commits: a project with signatureKeys takes only commits signed by one of them; any
    // other is refused here, before it is checked out, rendered or applied.
    const signers = await this.projectStep(() =>
      this.gitStep(app, () =>
        enforceSignedSources(
          {
            sources: this.deps.sources,
            project: scope.project,
            subject: scope.subject,
            conditions: previous.conditions ?? [],
            onRefused: (details) => this.deps.audit.record("commit-refused", app, details),
          },
          app,
          revisions,
        ),
      ),
    );
    const signer = signers[primaryIndex];
    const checkouts = await this.fetchAll(app, sources, revisions);
    const fetched = checkouts[primaryIndex] as ResolvedSource;
    // Multi-source apps record each source's revision, origin and commit (a chart's version).
    const perSource: PerSource | undefined = multi
      ? {
          revisions,
          sources: sources.map(sourceSummary),
          commits: checkouts.map((c, i) => commitMeta(revisions[i] ?? "", c.commit, signers[i])),
        }
      : undefined;
    /** The revision as events and messages show it. */
    const shown = shortRevisions(revision);

    // Destination and render.
    const target = await this.syncTarget(app, scope.project);
    // Every request of this sync acts as the target's identity (a ServiceAccount, or the controller).
    const client = target.client;
    const rendered = await this.renderRevision(
      app,
      client,
      checkouts.map((c) => c.dir),
      revision,
      refresh === "hard",
    );
    // Zero objects from a folder of files Mooring does not render: stall before anything is pruned.
    const empty = decideEmptyRender({
      objectCount: rendered.objects.length,
      unrendered: rendered.unrendered ?? [],
      path: source.path ?? "",
      allowEmpty: app.spec.syncPolicy?.automated?.allowEmpty === true,
    });
    if (empty.state === "stalled") throw new StallError(empty.reason, empty.message);

    // Project: every object's kind and namespace, before the cluster sees any of them.
    await this.projectStep(() => enforceRendered(scope, app, client, rendered.objects));
    // App of apps: a child Application, ApplicationSet or Stack may not escape this app's project.
    await this.projectStep(() =>
      enforceChildren(this.deps.projects, scope, app, rendered.objects, this.controllerNamespace),
    );

    // Compare.
    const parsed = parseSyncOptions(app.spec.syncPolicy?.syncOptions);
    if (parsed.errors.length > 0) {
      throw new StallError("InvalidSyncOptions", parsed.errors.map((e) => e.message).join("; "));
    }
    const syncOptions = parsed.options;
    const createsNamespaces = new Set<string>(
      rendered.objects
        .filter((o) => o.kind === "Namespace" && o.apiVersion === "v1")
        .map((o) => o.metadata.name ?? ""),
    );
    const createNamespace =
      syncOptions.createNamespace && app.spec.destination.namespace
        ? app.spec.destination.namespace
        : undefined;
    if (createNamespace) createsNamespaces.add(createNamespace);
    const previouslyManaged = (previous.resources ?? []).map((r) => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    }));
    const compareNow = () =>
      compareWithCluster({
        app,
        rendered: rendered.objects,
        client,
        previouslyManaged,
        createsNamespaces,
      }).catch(stallOnForbidden(target));
    let comparison = await compareNow();
    this.deps.drift.watch(target.watchKey, client, watchTargets(target, comparison));

    const invalid = comparison.objects.filter((o) => o.error);
    const outOfSync = isOutOfSync(comparison);
    const automated = app.spec.syncPolicy?.automated;
    const lastOp = previous.operationState;
    const syncKey = `${revision}@${generation}`;
    const lastKey = lastOp
      ? `${lastOp.revision}@${(lastOp as { generation?: number }).generation ?? ""}`
      : "";
    const drifted = request.drift.filter((d) =>
      comparison.diffs.some(
        (diff) =>
          diff.action !== "none" &&
          diff.ref.kind === d.kind &&
          diff.ref.name === d.name &&
          diff.ref.namespace === d.namespace,
      ),
    );

    if (!trigger && operation?.sync && !queued) trigger = "manual";
    if (!trigger && !running && automated && outOfSync) {
      if (drifted.length > 0 && automated.selfHeal) trigger = "self-heal";
      // A dry run or a sync of chosen objects leaves the rest of the app to automated sync.
      else if (syncKey !== lastKey || lastOp?.phase !== "Succeeded" || lastOp.dryRun || lastOp.selection)
        trigger = "automated";
      else if (automated.selfHeal) trigger = "self-heal";
    }

    // A terminated sync is not started again on its own: a new commit or `moor app sync` does.
    // (Its revision, not its generation, decides: the terminate request itself bumps generation.)
    if (
      (trigger === "automated" || trigger === "self-heal") &&
      lastOp?.reason === TERMINATED_REASON &&
      lastOp.revision === revision
    ) {
      trigger = null;
    }

    // A failed automated sync of the same revision is retried with backoff, up to the limit.
    const retry = app.spec.syncPolicy?.retry;
    const limit = retry?.limit ?? 5;
    let attempt = 1;
    let retryDelayMs: number | undefined;
    if (
      (trigger === "automated" || trigger === "self-heal") &&
      lastOp?.phase === "Failed" &&
      syncKey === lastKey
    ) {
      attempt = (lastOp.attempt ?? 1) + 1;
      const base = durationOr(retry?.backoff?.duration, 5000);
      const factor = retry?.backoff?.factor ?? 2;
      const max = durationOr(retry?.backoff?.maxDuration, 180_000);
      // A sync the API server refused (403) is retried at the resync pace, not with the backoff.
      const wait =
        (lastOp as { reason?: string }).reason === FORBIDDEN_REASON
          ? (this.deps.resyncMs ?? 180_000)
          : Math.min(max, base * factor ** (attempt - 2));
      const since = Date.now() - Date.parse(lastOp.finishedAt ?? lastOp.startedAt);
      if (limit >= 0 && attempt > limit + 1) trigger = null;
      else if (since < wait) {
        retryDelayMs = wait - since;
        trigger = null;
      }
    }

    if (running) attempt = running.attempt;
    // The app can no longer be synced (below): the running operation is stopped.
    let stop: { message: string } | undefined;

    let operationState = lastOp;
    let history = previous.history ?? [];
    /** When a self-heal sync put the drifted objects back, for the audit trail. */
    let healedAt: string | undefined;
    // Outside the cluster's namespace scope, or refused by the API server to this identity.
    let standing: Standing | null = blockedBeforeApply(target, comparison, createNamespace);
    if (standing) {
      await this.deps.events.record(app, "Warning", standing.reason, standing.message);
      trigger = null;
    } else if (invalid.length > 0) {
      const message = invalid.map((o) => o.error).join("; ");
      standing = { state: "stalled", reason: "InvalidManifest", message: `nothing was applied: ${message}` };
      // Repeats of the same event only raise its count.
      await this.deps.events.record(app, "Warning", "InvalidManifest", standing.message);
      trigger = null;
    }
    // A running operation that can no longer go on is stopped, so it never stays Running for good.
    if (running) {
      trigger = running.trigger;
      if (standing && !stop) stop = { message: `sync stopped: ${standing.message}` };
    }

    if (trigger) {
      const prune = running
        ? (running.prune ?? false)
        : (operation?.sync?.prune ?? automated?.prune ?? false);
      // Chosen objects only (kept in the operation state while it runs), or a dry run.
      const selection = running
        ? running.selection
        : trigger === "manual"
          ? operation?.sync?.resources
          : undefined;
      const dryRun = !running && trigger === "manual" && operation?.sync?.dryRun === true;
      const planned = selection ? selectComparison(comparison, selection) : comparison;
      const plan = buildPlan({ comparison: planned, options: syncOptions, prune });
      if (plan.errors.length > 0) {
        const message = plan.errors.map((e) => e.message).join("; ");
        if (!running) throw new StallError("InvalidSyncAnnotations", message);
        stop ??= { message: `sync stopped: ${message}` };
      }
      const persist = (state: OperationState) => this.persistOperation(app, state);
      let state: OperationState;
      if (running) state = running;
      else {
        state = withSkipped(
          startOperation({
            revision,
            ...(generation !== undefined ? { generation } : {}),
            trigger,
            prune,
            attempt,
            // Who asked, for the syncs someone asked for (not automated ones).
            ...(operation?.initiatedBy && (trigger === "manual" || trigger === "rollback")
              ? { initiatedBy: operation.initiatedBy }
              : {}),
            now: new Date().toISOString(),
          }),
          plan,
        );
        if (selection) state = { ...state, selection };
        log.info("sync started", { trigger, revision, steps: plan.steps.length, dryRun, selection });
        // A hook type this version does not know is said on that object, and the sync goes on.
        for (const warning of plan.warnings) {
          await this.deps.events.record(app, "Warning", warning.code, warning.message);
        }
        // Status shows the operation from its first second, before anything is applied.
        if (!dryRun) await persist(state);
      }
      const advanced = dryRun
        ? { state: finishDryRun(state, plan, planned, new Date().toISOString()), applied: new Map() }
        : await advanceOperation(
            {
              client,
              app,
              comparison: planned,
              options: syncOptions,
              deadline: Date.parse(state.startedAt) + durationOr(app.spec.syncTimeout, 300_000),
              ...(createNamespace ? { createNamespace } : {}),
              ...(stop ? { stop } : {}),
              persist,
            },
            plan,
            state,
          );
      operationState = advanced.state;
      if (dryRun) {
        await this.deps.events.record(app, "Normal", "DryRun", `sync of ${shown}: ${advanced.state.message}`);
      } else if (!isRunning(advanced.state)) {
        const result = advanced.state;
        const phase = result.phase === "Succeeded" ? "Succeeded" : "Failed";
        this.deps.metrics.syncs.inc({ phase, trigger });
        // Drift noticed while this sync ran, on objects it just put back, was corrected by it.
        const repaired = new Set(
          result.resources
            .filter((r) => r.result === "created" || r.result === "configured")
            .map((r) => `${r.kind}/${r.namespace}/${r.name}`),
        );
        const late = this.deps.drift.take(appKey(app));
        drifted.push(...late.filter((d) => repaired.has(`${d.kind}/${d.namespace}/${d.name}`)));
        if (trigger === "automated" && drifted.length > 0) trigger = "self-heal";
        operationState = { ...result, trigger };
        this.recordSync(app, operationState, comparison, fetched.commit, phase, signer);
        if (phase === "Succeeded" && trigger === "self-heal") healedAt = new Date().toISOString();
        const pruned = result.resources.filter((r) => r.result === "deleted");
        if (phase === "Succeeded") {
          const changed = result.resources.filter((r) => r.result === "created" || r.result === "configured");
          await this.deps.events.record(
            app,
            "Normal",
            trigger === "self-heal" ? "DriftCorrected" : "Synced",
            trigger === "self-heal"
              ? `reverted ${drifted.map((d) => `${d.kind}/${d.name} (changed by ${d.manager})`).join(", ") || "drift"}`
              : `synced ${shown} (${fetched.commit.subject}): ${changed.length} applied, ${pruned.length} pruned`,
          );
          for (const d of drifted) this.deps.metrics.driftCorrections.inc({ manager: d.manager });
          if (pruned.length > 0) {
            await this.deps.events.record(
              app,
              "Normal",
              "Pruned",
              `pruned ${pruned.map((p) => formatRef({ group: p.group, kind: p.kind, namespace: p.namespace, name: p.name })).join(", ")}`,
            );
          }
          // A sync of chosen objects did not deploy the revision as a whole: no history entry.
          if (trigger !== "self-heal" && !selection)
            history = appendHistory(app, history, fetched.commit, revision, trigger, signer, perSource);
        } else {
          await this.deps.events.record(app, "Warning", "SyncFailed", result.message);
        }
        // Observe the result. After a sync done within this one look, the API server's answers to
        // its applies say what the cluster holds now; otherwise (it waited, or failed) compare again.
        if (phase === "Succeeded" && !running) {
          const prunedKeys = new Set(pruned.map((p) => refKey(p)));
          comparison = observeSync(app, comparison, advanced.applied, prunedKeys);
        } else {
          comparison = await compareNow();
        }
      }
    }

    const objectsHealth = appHealth(comparison, app);
    // While a sync runs (its PostSync hooks included) the app is not yet where it is going, so
    // `moor app wait` and kstatus readers do not call it Healthy before the sync has ended.
    const health =
      operationState && isRunning(operationState) && objectsHealth.status !== "Degraded"
        ? {
            status: "Progressing" as const,
            message: `sync running: ${operationState.waitingFor?.message ?? operationState.message}`,
          }
        : objectsHealth;
    const synced = !isOutOfSync(comparison);
    const decide = (): Standing => {
      if (operationState && isRunning(operationState)) {
        const step = operationState.step ? ` (${describeStep(operationState.step)})` : "";
        return {
          state: "progressing",
          reason: "Syncing",
          message: `${operationState.waitingFor?.message ?? operationState.message}${step}`,
        };
      }
      const lastFailed = operationState?.phase === "Failed" && operationState.revision === revision;
      if (lastFailed && !synced && (operationState as { reason?: string }).reason === FORBIDDEN_REASON) {
        // Retrying cannot help until someone grants the right: stalled, not failed.
        return forbiddenStanding(target, [operationState?.message ?? ""]);
      }
      if (lastFailed && operationState && !synced) {
        const exhausted = limit >= 0 && (operationState.attempt ?? 1) > limit;
        return {
          state: exhausted ? "stalled" : "failed",
          reason: "SyncFailed",
          message: `${operationState.message}${exhausted ? ` (gave up after ${operationState.attempt} attempts; push a fix or run \`moor app sync\`)` : ""}`,
        };
      }
      if (!synced) {
        return {
          state: automated ? "progressing" : "failed",
          reason: "OutOfSync",
          message: `${comparison.diffs.filter((d) => d.action !== "none").length} objects differ from ${shown}`,
        };
      }
      if (health.status === "Progressing" || health.status === "Missing") {
        return {
          state: "progressing",
          reason: "Progressing",
          message: health.message ?? "waiting for objects to become healthy",
        };
      }
      if (health.status === "Degraded") {
        return { state: "failed", reason: "Degraded", message: health.message ?? "objects are degraded" };
      }
      return { state: "ready", reason: "Synced", message: `synced to ${shown} and healthy` };
    };
    const settled: Standing = standing ?? decide();
    const now = new Date().toISOString();
    const driftLog = mergeDrift(previous.drift ?? [], drifted, trigger === "self-heal" ? now : undefined);
    for (const d of drifted) {
      this.deps.audit.record("drift-detected", app, driftDetails(d));
      if (healedAt) this.deps.audit.record("drift-healed", app, driftDetails(d, healedAt));
    }
    const status: ApplicationStatus = {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      sync: {
        status: synced ? "Synced" : "OutOfSync",
        revision,
        targetRevision,
        ...(perSource ? { revisions: perSource.revisions } : {}),
      },
      health,
      conditions: applyStanding(previous.conditions ?? [], settled, now, generation),
      resources: resourceStatuses(comparison, app),
      commit: commitMeta(revisions[primaryIndex] ?? revision, fetched.commit, signer),
      ...(perSource ? { commits: perSource.commits } : {}),
      ...(operationState ? { operationState } : {}),
      history,
      ...(driftLog.length > 0 ? { drift: driftLog } : {}),
      ...(pin ? { pin } : {}),
      reconciledAt: now,
      sourceType: rendered.tool,
      ...(rendered.skipped ? { skipped: rendered.skipped } : {}),
    };
    if (!synced && previous.sync?.status !== "OutOfSync" && !trigger) {
      await this.deps.events.record(app, "Normal", "OutOfSync", settled.message);
    }
    await this.writeStatus(app, status);
    this.deps.metrics.setAppInfo(
      app.metadata.namespace,
      app.metadata.name,
      status.sync.status,
      health.status,
      source.repoURL,
    );
    // A sync or rollback asked for while an operation runs stays until that operation ends.
    if (queued && operation?.terminate) {
      await this.deps.client.mergePatch(appRef(app), { operation: { terminate: null } });
    }
    if ((operation && !queued) || refresh)
      await this.clearRequests(app, Boolean(operation) && !queued, Boolean(refresh));

    const resync = jittered(this.deps.resyncMs ?? 180_000);
    // Refused by RBAC or the cluster's scope: only a human fixes that, so look again at the resync
    // pace (or on `moor app refresh`), not at every poll, sparing the API server a storm of 403s.
    if (settled.state === "stalled" && TARGET_STALL_REASONS.has(settled.reason)) {
      return { requeueAfterMs: resync };
    }
    // The first source due for another look decides.
    const poll = Math.min(
      ...sources.map((s) => this.deps.sources.nextPollInMs(s.repoURL, s.targetRevision || "HEAD", s.chart)),
    );
    // A running operation comes back on the watch of its hooks and objects, and at least this often.
    const progressing =
      health.status === "Progressing" || isRunning(operationState) ? 2000 : Number.POSITIVE_INFINITY;
    // A request that waited for the operation just ended is taken up at once.
    const waitingRequest = queued && !isRunning(operationState) ? 50 : Number.POSITIVE_INFINITY;
    return {
      requeueAfterMs: Math.max(
        50,
        Math.min(
          resync,
          poll || resync,
          retryDelayMs ?? Number.POSITIVE_INFINITY,
          progressing,
          waitingRequest,
        ),
      ),
    };
  }

  /**
   * The app's objects at a fetched revision (each source's checkout, in source order), rendered
   * for its destination (cached unless hard); a renderer's failure stalls the app.
   */
  private async renderRevision(
    app: Application,
    client: KubeClient,
    checkouts: readonly string[],
    revision: string,
    hard: boolean,
  ): Promise<RenderResult> {
    try {
      return await this.renderSources(app, client, checkouts, revision, hard);
    } catch (err) {
      if (err instanceof RenderError)
        throw new StallError(err.code === "too-large" ? "RenderTooLarge" : "RenderFailed", `${err.message}`);
      throw err;
    }
  }

  /**
   * Each source that renders objects, rendered on its own (through the render cache unless hard)
   * with the other sources' checkouts lent by ref, and the objects combined (app-source.ts);
   * renderer errors are thrown as RenderError, naming the source of a multi-source app.
   */
  private async renderSources(
    app: Application,
    client: KubeClient,
    checkouts: readonly string[],
    revision: string,
    hard: boolean,
  ): Promise<RenderResult> {
    const sources = applicationSources(app.spec);
    const revisions = this.revisionsOf(app, sources, revision);
    const refs = refCheckouts(sources, checkouts);
    // Sources render side by side (each renderer is bounded on its own); combined in source order.
    const renderOne = async (index: number, source: ApplicationSource): Promise<SourceRender> => {
      const dir = checkouts[index] ?? "";
      const sourceRevision = revisions[index] ?? "";
      const input = {
        ...(await this.renderInput(app, client, source, dir, sourceRevision)),
        ...(refs ? { refs } : {}),
      };
      try {
        const result = hard
          ? await render(input, this.deps.renderOptions)
          : // A chart's `chart@version` is not unique across repositories: its folder (by digest) is.
            await this.deps.renderCache.render(
              source.chart ? `${sourceRevision}#${dir}` : sourceRevision,
              input,
            );
        return { index, result };
      } catch (err) {
        if (err instanceof RenderError && isMultiSource(app.spec))
          throw new RenderError(err.code, `${describeSource(app.spec, index)}: ${err.message}`);
        throw err;
      }
    };
    const results = await Promise.all(
      [...sources.entries()]
        .filter(([, source]) => rendersObjects(source))
        .map(([i, source]) => renderOne(i, source)),
    );
    return combineRenders(app.spec, results);
  }

  /** What the renderers are told of a source: the source, destination cluster and build variables. */
  private async renderInput(
    app: Application,
    client: KubeClient,
    source: ApplicationSource,
    repoDir: string,
    revision: string,
  ): Promise<RenderInput> {
    return {
      repoDir,
      source,
      appName: app.metadata.name,
      ...(app.spec.destination.namespace ? { destinationNamespace: app.spec.destination.namespace } : {}),
      kubeVersion: await client.discovery.serverVersion(),
      apiVersions: await client.discovery.apiVersions(),
      // For the build variables ($ARGOCD_APP_PROJECT_NAME, $ARGOCD_APP_REVISION).
      project: projectNameOf(app),
      revision,
    };
  }

  /** The app's sources as written, or a stall naming what is wrong with them. */
  private sourcesOf(app: Application): ApplicationSource[] {
    try {
      return checkedSources(app.spec);
    } catch (err) {
      if (err instanceof AppSourcesError) throw new StallError("InvalidSources", err.message);
      throw err;
    }
  }

  /** Each source's head now, looked up in parallel, joined in source order. */
  private async heads(
    app: Application,
    sources: readonly ApplicationSource[],
    force: boolean,
  ): Promise<string> {
    const heads = await Promise.all(
      sources.map((s, i) =>
        this.gitStep(
          app,
          () => this.deps.sources.head(s.repoURL, s.targetRevision || "HEAD", force, s.chart),
          i,
        ),
      ),
    );
    return joinRevisions(heads);
  }

  /**
   * Each source's revision in a revision key. A key recorded before the list of sources changed
   * (a running sync, a pin, a history entry) cannot be spread over the sources now: a stall.
   */
  private revisionsOf(app: Application, sources: readonly ApplicationSource[], revision: string): string[] {
    const revisions = sources.length === 1 ? [revision] : splitRevisions(revision);
    if (revisions.length !== sources.length) {
      throw new StallError(
        "SourcesChanged",
        `revision ${revision} holds ${revisions.length} revision(s) but the Application now has ${sources.length} sources; \`moor app sync ${app.metadata.name}\` deploys the sources as they are now`,
      );
    }
    return revisions;
  }

  /** Each source's files at its revision, fetched in parallel, in source order. */
  private fetchAll(
    app: Application,
    sources: readonly ApplicationSource[],
    revisions: readonly string[],
  ): Promise<ResolvedSource[]> {
    return Promise.all(
      sources.map((s, i) =>
        this.gitStep(app, () => this.deps.sources.fetch(s.repoURL, revisions[i] ?? "", s.chart), i),
      ),
    );
  }

  /**
   * `moor app terminate-op`: the running operation's hooks that still run are deleted (their
   * finalizers removed first), finished ones released, and it ends Failed, as Argo CD's terminate.
   */
  private async terminate(
    app: Application,
    state: OperationState,
    operation: Operation,
    log: Logger,
  ): Promise<void> {
    const message = `operation terminated by ${operation.initiatedBy?.username ?? "an unnamed user"}`;
    const found = await this.deps.projects.get(projectNameOf(app), appSubject(app));
    const target = await this.syncTarget(app, found.found ? found.project : undefined);
    if (state.phase !== "Terminating") await this.persistOperation(app, terminating(state, message));
    const done = await terminateOperation(target.client, state, message, new Date().toISOString());
    await this.persistOperation(app, done);
    log.info("sync terminated", { revision: state.revision, by: operation.initiatedBy?.username });
    this.deps.audit.record(
      "sync-terminated",
      app,
      { revision: state.revision, trigger: state.trigger, message },
      this.deps.audit.actorFor(operation.initiatedBy?.username),
    );
    this.deps.metrics.syncs.inc({ phase: "Failed", trigger: state.trigger });
    await this.deps.events.record(app, "Warning", "SyncFailed", message);
  }

  /**
   * The audit record of a finished sync: the commit and its author, who asked for it (or
   * "automated"), and the objects created, changed (fields, masked) and pruned.
   */
  private recordSync(
    app: Application,
    state: OperationState,
    comparison: { diffs: ObjectDiff[] },
    commit: { author: { name: string; email: string }; subject: string; committedAt: string },
    phase: "Succeeded" | "Failed",
    signer?: Signer,
  ): void {
    const username = state.initiatedBy?.username;
    this.deps.audit.record(
      state.trigger === "rollback" ? "rollback" : "sync",
      app,
      {
        revision: state.revision,
        author: `${commit.author.name} <${commit.author.email}>`,
        commitSubject: commit.subject,
        committedAt: commit.committedAt,
        ...(signer ? { signer: describeSigner(signer), signerKey: signer.key } : {}),
        trigger: state.trigger,
        initiator: username ?? "automated",
        phase,
        ...(phase === "Failed" ? { message: state.message } : {}),
        startedAt: state.startedAt,
        ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
        ...syncObjects(state.resources, comparison.diffs),
      },
      this.deps.audit.actorFor(username),
    );
  }

  /** The first dependency (spec.dependsOn) that is not Ready, as `Kind ns/name`, or null. */
  private async unreadyDependency(app: Application): Promise<string | null> {
    for (const dep of app.spec.dependsOn ?? []) {
      const kind = dep.kind ?? "Stack";
      const namespace = dep.namespace ?? app.metadata.namespace;
      // get answers null for a 404; a 403 or an outage is an error, never "not there".
      const obj = await this.deps.client
        .get("mooring.dev/v1alpha1", kind, namespace, dep.name)
        .catch((err: unknown) => {
          if (err instanceof KubeApiError && err.reason === "UnknownKind") return null;
          throw err;
        });
      const conditions = (obj?.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions;
      if (!conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        return `${kind} ${namespace}/${dep.name}`;
    }
    return null;
  }

  /** Project rules refuse for good until someone edits the app or the project: a stall. */
  private async projectStep<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ProjectViolation || err instanceof CommitRefused)
        throw new StallError(err.reason, err.message);
      throw err;
    }
  }

  /**
   * For read-only inspection (inspect.ts): the client this app's syncs act through, after the
   * project's checks a sync makes before fetching; with a revision (a commit, or a branch or tag
   * resolved here), also the app's objects rendered at it, checked against the project as a sync
   * checks them. Nothing is applied, recorded or written to status.
   */
  async inspection(
    app: Application,
    revision?: string,
  ): Promise<{ client: KubeClient; rendered?: { revision: string; objects: KubeObject[] } }> {
    const scope = await enforceBeforeFetch(this.deps.projects, app, this.controllerNamespace, () =>
      projectCluster(app, async (cluster) => (await this.destination(cluster)).server),
    );
    const target = await this.syncTarget(app, scope.project);
    if (revision === undefined) return { client: target.client };
    // A multi-source app is inspected at a revision key naming each source's revision.
    const sources = applicationSources(app.spec);
    const given = this.revisionsOf(app, sources, revision);
    const revisions = await Promise.all(
      sources.map((source, i) => {
        const wanted = given[i] ?? "";
        return /^[0-9a-f]{40}$/.test(wanted) || (source.chart && wanted.startsWith(`${source.chart}@`))
          ? wanted
          : this.deps.sources.head(source.repoURL, wanted, false, source.chart);
      }),
    );
    const sha = joinRevisions(revisions);
    const checkouts = await this.fetchRaw(sources, revisions);
    const rendered = await this.renderRevision(app, target.client, checkouts, sha, false);
    await enforceRendered(scope, app, target.client, rendered.objects);
    await enforceChildren(this.deps.projects, scope, app, rendered.objects, this.controllerNamespace);
    return { client: target.client, rendered: { revision: sha, objects: rendered.objects } };
  }

  /**
   * For pull-request previews (src/preview/app-preview.ts): the app's objects at a commit (a PR's
   * base or head, fetched by sha), rendered and checked against the project as a sync renders and
   * checks them, and the client its syncs act through. For a multi-source app `sha` is a revision
   * key (core/app-sources.ts joinRevisions): each source's commit or `chart@version`, in source
   * order. The renderer's RenderError and the project's ProjectViolation are thrown as they are,
   * for the preview to name the broken file. Nothing is applied, recorded or written to status.
   */
  async renderForPreview(
    app: Application,
    sha: string,
  ): Promise<{ client: KubeClient; objects: KubeObject[] }> {
    const scope = await enforceBeforeFetch(this.deps.projects, app, this.controllerNamespace, () =>
      projectCluster(app, async (cluster) => (await this.destination(cluster)).server),
    );
    const target = await this.syncTarget(app, scope.project);
    const sources = applicationSources(app.spec);
    const checkouts = await this.fetchRaw(sources, this.revisionsOf(app, sources, sha));
    const { objects } = await this.renderSources(app, target.client, checkouts, sha, false);
    await enforceRendered(scope, app, target.client, objects);
    await enforceChildren(this.deps.projects, scope, app, objects, this.controllerNamespace);
    return { client: target.client, objects };
  }

  /** Each source's files at its revision, errors as the source resolver throws them. */
  private async fetchRaw(
    sources: readonly ApplicationSource[],
    revisions: readonly string[],
  ): Promise<string[]> {
    const fetched = await Promise.all(
      sources.map((s, i) => this.deps.sources.fetch(s.repoURL, revisions[i] ?? "", s.chart)),
    );
    return fetched.map((f) => f.dir);
  }

  private get controllerNamespace(): string {
    return this.deps.namespace ?? CONTROLLER_NAMESPACE;
  }

  /** Runs a source step; with `index`, a multi-source app's stall names that source. */
  private async gitStep<T>(app: Application, fn: () => Promise<T>, index?: number): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GitError) {
        // Unreachable and timeouts are transient; the rest need a human.
        if (err.code === "unreachable" || err.code === "timeout") throw err;
        // A refused URL is the app's own doing: say which app, for Events read far from it.
        const message =
          err.code === "url-refused"
            ? `application ${app.metadata.namespace}/${app.metadata.name}: ${err.message}`
            : err.message;
        const where =
          index !== undefined && isMultiSource(app.spec) ? `${describeSource(app.spec, index)}: ` : "";
        throw new StallError(sourceReason(err.code), `${where}${message}`);
      }
      throw err;
    }
  }

  /**
   * Writes the operation state alone (a sync in progress), and remembers it as the app's status so
   * that the full status written later patches from what is stored.
   */
  private persistOperation(app: Application, state: OperationState): Promise<void> {
    return this.persistStatus(app, { operationState: state });
  }

  /** Writes some fields of status alone, and remembers them as the app's status. */
  private async persistStatus(app: Application, fields: Partial<ApplicationStatus>): Promise<void> {
    const previous = (app.status ?? {}) as Partial<ApplicationStatus>;
    const before = Object.fromEntries(
      Object.keys(fields).map((k) => [k, previous[k as keyof ApplicationStatus]]),
    );
    // A sync that looks again and still waits for the same thing writes nothing.
    if (jsonEqual(JSON.parse(JSON.stringify(before)), JSON.parse(JSON.stringify(fields)))) return;
    const patch = mergePatchFrom(before, fields);
    await this.deps.client.mergePatch(appRef(app), { status: patch }, "status");
    app.status = { ...previous, ...fields };
  }

  /** Writes status only when it changed beyond the reconcile timestamp, sparing the apiserver. */
  private async writeStatus(app: Application, status: Partial<ApplicationStatus>): Promise<void> {
    const previous = (app.status ?? {}) as Partial<ApplicationStatus>;
    // Key order differs between what the server stores and what we build: compare structurally.
    const strip = (s: Partial<ApplicationStatus>) =>
      JSON.parse(JSON.stringify({ ...s, reconciledAt: undefined }));
    if (jsonEqual(strip(previous), strip(status))) return;
    await this.deps.client.mergePatch(appRef(app), { status: mergePatchFrom(previous, status) }, "status");
  }

  private async clearRequests(app: Application, operation: boolean, refresh: boolean): Promise<void> {
    const patch: Record<string, unknown> = {};
    if (operation) patch.operation = null;
    if (refresh)
      patch.metadata = { annotations: { [REFRESH_ANNOTATION]: null, [ARGO_REFRESH_ANNOTATION]: null } };
    await this.deps.client.mergePatch(appRef(app), patch);
  }

  private destination(cluster: string | undefined): Promise<ResolvedDestination> {
    return this.deps.destinations.resolve(cluster).catch((err: Error) => {
      throw new StallError("DestinationUnavailable", err.message);
    });
  }

  /** The destination and the identity this app's requests act as there. */
  private async syncTarget(app: Application, project: Project | undefined): Promise<SyncTarget> {
    return resolveSyncTarget({
      app,
      destination: await this.destination(app.spec.destination.cluster),
      project,
      policy: this.deps.tenancy ?? SINGLE_TEAM,
      controllerNamespace: this.controllerNamespace,
    });
  }

  /**
   * Deleting an Application deletes what it manages first (the finalizer), then lets it go. The
   * deletes act as the app's identity, like its syncs. Only a 404 means an object is gone: an
   * object this identity may not read or delete keeps the finalizer, and the app says why.
   */
  private async finalize(app: Application, log: Logger): Promise<ProcessResult | undefined> {
    if (!app.metadata.finalizers?.includes(FINALIZER)) return undefined;
    if (!(await mayDeleteManaged(this.deps.projects, app, this.controllerNamespace))) {
      // Its project never admitted this namespace, so nothing was ever synced for it.
      await this.deps.client.mergePatch(appRef(app), {
        metadata: { finalizers: (app.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) },
      });
      await this.deps.events.record(
        app,
        "Normal",
        "Deleted",
        "its project does not admit Applications in this namespace, so nothing it lists was deleted",
      );
      return undefined;
    }
    let target: SyncTarget;
    try {
      // The deletes act as the identity the syncs used; a project gone since then names none.
      const found = await this.deps.projects.get(projectNameOf(app), appSubject(app));
      target = await this.syncTarget(app, found.found ? found.project : undefined);
    } catch (err) {
      if (err instanceof SyncTargetRefused) return this.deletionBlocked(app, err.standing);
      if (err instanceof StallError) {
        return this.deletionBlocked(app, { state: "stalled", reason: err.reason, message: err.message });
      }
      throw err;
    }
    const client = target.client;
    const status = (app.status ?? {}) as Partial<ApplicationStatus>;
    try {
      // A sync cut short by the deletion leaves no hook behind holding Mooring's finalizer.
      await releaseOperationHooks(client, status.operationState);
      const staged = await this.stagedDeletion(app, target, log);
      if (staged !== "done") return staged;
      // DeleteNamespace: the namespace Mooring created for this app goes with it (app-namespace.ts).
      await removeCreatedNamespace(
        { apps: this.deps.client, destination: client, events: this.deps.events },
        app,
      );
    } catch (err) {
      if (isForbidden(err)) return this.deletionBlocked(app, forbiddenStanding(target, [err.message]));
      throw err;
    }
    await this.deps.client.mergePatch(appRef(app), {
      metadata: { finalizers: (app.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) },
    });
    this.deps.metrics.removeApp(app.metadata.namespace, app.metadata.name);
    await this.deps.events.record(app, "Normal", "Deleted", "deleted the managed objects");
    return undefined;
  }

  /**
   * Deletion in stages when the app's source declares PreDelete or PostDelete hooks (Argo CD 3.3):
   * the PreDelete hooks run while every object still exists, then the objects are deleted, then
   * the PostDelete hooks run; each stage is recorded in status.deletion, so a restart resumes it.
   * Hooks run as operations, exactly like sync hooks. Without deletion hooks, the objects are
   * simply deleted. "done" once nothing is left to do and the finalizer may go.
   */
  private async stagedDeletion(
    app: Application,
    target: SyncTarget,
    log: Logger,
  ): Promise<ProcessResult | "done"> {
    const client = target.client;
    const status = (app.status ?? {}) as Partial<ApplicationStatus>;
    const revision = status.deletion?.revision ?? status.sync?.revision ?? status.operationState?.revision;
    let hooks: KubeObject[] = [];
    try {
      if (revision) hooks = await this.deletionHooks(app, client, revision, Boolean(status.deletion));
    } catch (err) {
      // A staged deletion whose source cannot be read any more waits, and says why.
      if (!(err instanceof StallError)) throw err;
      const message = `its deletion hooks cannot be read: ${err.message}`;
      return this.deletionBlocked(app, { state: "stalled", reason: err.reason, message });
    }
    const has = {
      PreDelete: hooks.some((h) => deleteHookPhases(h).includes("PreDelete")),
      PostDelete: hooks.some((h) => deleteHookPhases(h).includes("PostDelete")),
    };
    let state: DeletionState | undefined = status.deletion;
    if (!state) {
      if (!has.PreDelete && !has.PostDelete) {
        const remaining = await this.deleteManaged(app, client);
        if (remaining === 0) return "done";
        log.info("waiting for managed objects to be deleted", { remaining });
        return { requeueAfterMs: 500 };
      }
      state = { stage: "PreDelete", revision: revision ?? "", startedAt: new Date().toISOString() };
    }
    // `moor app refresh` runs a failed deletion hook again.
    const refresh =
      app.metadata.annotations?.[REFRESH_ANNOTATION] ?? app.metadata.annotations?.[ARGO_REFRESH_ANNOTATION];
    if (refresh && state.operation?.phase === "Failed") {
      const { operation: _failed, ...rest } = state;
      state = rest;
      await this.clearRequests(app, false, true);
    }
    const options = parseSyncOptions(app.spec.syncPolicy?.syncOptions).options;
    for (let n = 0; n < 10; n++) {
      const remaining = state.stage === "Deleting" ? await this.deleteManaged(app, client) : 0;
      const decision = decideDeletion({ state, hooks: has, remaining });
      switch (decision.type) {
        case "run-hooks": {
          const plan = deletionHookPlan(hooks, decision.phase);
          if (plan.errors.length > 0) {
            const message = plan.errors.map((e) => e.message).join("; ");
            return this.deletionBlocked(app, { state: "stalled", reason: "InvalidSyncAnnotations", message });
          }
          const started =
            state.operation ??
            startOperation({
              revision: state.revision,
              trigger: decision.phase,
              prune: false,
              attempt: 1,
              now: new Date().toISOString(),
            });
          const at: DeletionState = state;
          const advanced = await advanceOperation(
            {
              client,
              app,
              comparison: { objects: [], diffs: [], pruneCandidates: [] },
              options,
              deadline: Date.parse(started.startedAt) + durationOr(app.spec.syncTimeout, 300_000),
              persist: (operation) => this.persistStatus(app, { deletion: { ...at, operation } }),
            },
            plan,
            started,
          );
          state = { ...state, operation: advanced.state };
          await this.persistStatus(app, { deletion: state });
          if (isRunning(advanced.state)) return { requeueAfterMs: 2000 };
          break;
        }
        case "delete-objects":
          await this.persistStatus(app, { deletion: state });
          log.info("waiting for managed objects to be deleted", { remaining });
          return { requeueAfterMs: 500 };
        case "advance":
          state = { stage: decision.to, revision: state.revision, startedAt: state.startedAt };
          break;
        case "blocked": {
          await this.persistStatus(app, { deletion: state });
          const previous = (app.status ?? {}) as Partial<ApplicationStatus>;
          await this.deps.events.record(app, "Warning", decision.reason, decision.message);
          await this.writeStatus(app, {
            ...previous,
            conditions: applyStanding(
              previous.conditions ?? [],
              { state: "stalled", reason: decision.reason, message: decision.message },
              new Date().toISOString(),
              app.metadata.generation,
            ),
          });
          return { requeueAfterMs: jittered(this.deps.resyncMs ?? 180_000) };
        }
        case "done":
          return "done";
      }
    }
    return { requeueAfterMs: 500 };
  }

  /**
   * The deletion hooks the app's source declares at a revision, made concrete like any object
   * (namespace defaulted). A source that cannot be read any more does not keep the app forever
   * once its deletion has not started staging: it is deleted without hooks, and an Event says so.
   */
  private async deletionHooks(
    app: Application,
    client: KubeClient,
    revision: string,
    staged: boolean,
  ): Promise<KubeObject[]> {
    try {
      // Every source of the app at the revisions it last deployed.
      const sources = applicationSources(app.spec);
      const checkouts = await this.fetchAll(app, sources, this.revisionsOf(app, sources, revision));
      const rendered = await this.renderRevision(
        app,
        client,
        checkouts.map((c) => c.dir),
        revision,
        false,
      );
      const hooks: KubeObject[] = [];
      for (const obj of rendered.objects) {
        if (deleteHookPhases(obj).length === 0) continue;
        const placed = await concretise(obj, app, client, new Set());
        if (!placed.error) hooks.push(placed.desired);
      }
      return hooks;
    } catch (err) {
      if (staged) throw err;
      const message = err instanceof Error ? err.message : String(err);
      await this.deps.events.record(
        app,
        "Warning",
        "DeletionHooksUnread",
        `the source could not be read to find PreDelete and PostDelete hooks, so none run: ${message}`,
      );
      return [];
    }
  }

  /**
   * Deletes what the app manages (its objects as status lists them) and says how many are still
   * there. The deletes act as the app's identity, like its syncs; only a 404 means an object is gone.
   */
  private async deleteManaged(app: Application, client: KubeClient): Promise<number> {
    const status = (app.status ?? {}) as Partial<ApplicationStatus>;
    let remaining = 0;
    for (const r of [...(status.resources ?? [])].reverse()) {
      const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
      const live = await client.get(apiVersion, r.kind, r.namespace, r.name).catch((err: unknown) => {
        // A kind the cluster no longer serves has no objects left.
        if (err instanceof KubeApiError && err.reason === "UnknownKind") return null;
        throw err;
      });
      if (!live) continue;
      // Status alone is no proof of ownership: only an object carrying this app's tracking id is
      // the app's to delete.
      const ref = { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name };
      if (live.metadata.annotations?.[TRACKING_ANNOTATION] !== trackingId(appKeyRef(app), ref)) continue;
      remaining++;
      if (!live.metadata.deletionTimestamp) {
        await client.delete(
          { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name, apiVersion },
          {
            propagationPolicy: "Foreground",
          },
        );
      }
    }
    return remaining;
  }

  /** The app is being deleted but its objects cannot be: say so, keep the finalizer, look again later. */
  private async deletionBlocked(app: Application, standing: Standing): Promise<ProcessResult> {
    const message = `the managed objects cannot be deleted, so the Application keeps its finalizer: ${standing.message} (or delete it with \`moor app delete --cascade=false\` to leave them in place)`;
    const previous = (app.status ?? {}) as Partial<ApplicationStatus>;
    await this.deps.events.record(app, "Warning", standing.reason, message);
    await this.writeStatus(app, {
      ...previous,
      conditions: applyStanding(
        previous.conditions ?? [],
        { state: "stalled", reason: standing.reason, message },
        new Date().toISOString(),
        app.metadata.generation,
      ),
    });
    return { requeueAfterMs: jittered(this.deps.resyncMs ?? 180_000) };
  }
}

function appKeyRef(app: Application): { namespace: string; name: string } {
  return { namespace: app.metadata.namespace, name: app.metadata.name };
}

function appKey(app: Application): string {
  return `${app.metadata.namespace}/${app.metadata.name}`;
}

function appRef(app: Application) {
  return {
    group: "mooring.dev",
    kind: "Application",
    namespace: app.metadata.namespace,
    name: app.metadata.name,
    apiVersion: app.apiVersion,
  };
}

function sourceReason(code: string): string {
  switch (code) {
    case "auth-failed":
      return "SourceAuthFailed";
    case "repo-not-found":
      return "RepositoryNotFound";
    case "revision-not-found":
      return "RevisionNotFound";
    case "url-refused":
      return "RepositoryURLRefused";
    case "too-large":
      return "RepositoryTooLarge";
    default:
      return "SourceFailed";
  }
}
