// Prometheus metrics on /metrics. Names follow Prometheus conventions (unit suffixes, _total for
// counters) and the labels stay low-cardinality except the per-application info gauge, which is
// what dashboards join on (Argo CD's argocd_app_info works the same way).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { redactRepoURL } from "../core/repo-url.ts";

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: "mooring_app_reconcile_total",
    help: "Application reconciliations by result (ok, error)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: "mooring_app_reconcile_duration_seconds",
    help: "Time to reconcile one Application (resolve, render, compare and, when needed, sync)",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly syncs = new Counter({
    name: "mooring_app_sync_total",
    help: "Syncs by outcome (Succeeded, Failed) and trigger (automated, manual, self-heal)",
    labelNames: ["phase", "trigger"] as const,
    registers: [this.registry],
  });
  readonly driftCorrections = new Counter({
    name: "mooring_drift_corrections_total",
    help: "Manual changes to managed objects that self-heal reverted, by the field manager that made them",
    labelNames: ["manager"] as const,
    registers: [this.registry],
  });
  readonly appInfo = new Gauge({
    name: "mooring_app_info",
    help: "One series per Application with its sync and health status",
    labelNames: ["namespace", "name", "sync_status", "health_status", "repo"] as const,
    registers: [this.registry],
  });
  readonly gitRequests = new Counter({
    name: "mooring_git_requests_total",
    help: "Git operations by kind (ls-remote, fetch) and result",
    labelNames: ["op", "result"] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "mooring_workqueue_depth",
    help: "Applications waiting to be reconciled",
    registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: "mooring_controller_leader",
    help: "1 when this replica holds the leader Lease",
    registers: [this.registry],
  });

  readonly previews = new Counter({
    name: "mooring_preview_total",
    help: "Pull-request previews finished, by result (success, failure, pending: waiting for /moor plan, error: could not be made)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly previewAppRenders = new Counter({
    name: "mooring_preview_app_renders_total",
    help: "Applications rendered by previews, by result (rendered, render-error)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly previewStackPlans = new Counter({
    name: "mooring_preview_stack_plans_total",
    help: "Stacks handled by previews, by result (planned, plan-error, awaiting-plan)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly previewDuration = new Histogram({
    name: "mooring_preview_duration_seconds",
    help: "Time from a pull request's preview starting to its comment and status being posted",
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly forgeErrors = new Counter({
    name: "mooring_forge_errors_total",
    help: "Failed forge requests of previews, by forge Secret and error code (unauthorized and forbidden need a person)",
    labelNames: ["forge", "code"] as const,
    registers: [this.registry],
  });

  // ApplicationSets: per set (namespace, name), as few sets exist as teams and fleets.
  readonly appSetApplications = new Gauge({
    name: "mooring_applicationset_applications",
    help: "Applications the set generated at its last successful generation",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly appSetReconciles = new Counter({
    name: "mooring_applicationset_reconcile_total",
    help: "ApplicationSet reconciliations by result (ok, stalled: a person must change the set or its project, error: retried with backoff) and reason (the Ready condition's reason)",
    labelNames: ["namespace", "name", "result", "reason"] as const,
    registers: [this.registry],
  });
  readonly appSetReconcileDuration = new Histogram({
    name: "mooring_applicationset_reconcile_duration_seconds",
    help: "Time to reconcile one ApplicationSet (facts, generation, applying its Applications, rollout, status)",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly appSetRolloutStep = new Gauge({
    name: "mooring_applicationset_rollout_step",
    help: "The 1-based RollingSync step being rolled out; equals mooring_applicationset_rollout_steps once every step is done",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly appSetRolloutSteps = new Gauge({
    name: "mooring_applicationset_rollout_steps",
    help: "Steps of the set's RollingSync",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly appSetRolloutApplications = new Gauge({
    name: "mooring_applicationset_rollout_applications",
    help: "The set's Applications by rollout status (Waiting, Pending, Progressing, Healthy)",
    labelNames: ["namespace", "name", "status"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "mooring_" });
  }

  /** Last label set per app, so a status change replaces its series instead of adding one. */
  private readonly appLabels = new Map<string, Record<string, string>>();

  setAppInfo(namespace: string, name: string, sync: string, health: string, repo: string): void {
    this.removeApp(namespace, name);
    // Metrics are scraped and stored far and wide: the repo label never carries userinfo.
    const labels = { namespace, name, sync_status: sync, health_status: health, repo: redactRepoURL(repo) };
    this.appInfo.set(labels, 1);
    this.appLabels.set(`${namespace}/${name}`, labels);
  }

  removeApp(namespace: string, name: string): void {
    const labels = this.appLabels.get(`${namespace}/${name}`);
    if (labels) this.appInfo.remove(labels);
    this.appLabels.delete(`${namespace}/${name}`);
  }

  /** Reasons each set's reconcile counter has seen, so removing a set removes all its series. */
  private readonly appSetResults = new Map<string, Set<string>>();

  recordAppSetReconcile(
    namespace: string,
    name: string,
    result: "ok" | "stalled" | "error",
    reason: string,
    seconds: number,
  ): void {
    this.appSetReconciles.inc({ namespace, name, result, reason });
    this.appSetReconcileDuration.observe(seconds);
    const key = `${namespace}/${name}`;
    const seen = this.appSetResults.get(key) ?? new Set<string>();
    seen.add(JSON.stringify([result, reason]));
    this.appSetResults.set(key, seen);
  }

  setAppSetRollout(
    namespace: string,
    name: string,
    rollout: { step: number; steps: number; applications: Record<string, number> } | undefined,
  ): void {
    this.removeAppSetRollout(namespace, name);
    if (rollout === undefined) return;
    this.appSetRolloutStep.set({ namespace, name }, rollout.step);
    this.appSetRolloutSteps.set({ namespace, name }, rollout.steps);
    for (const [status, count] of Object.entries(rollout.applications))
      this.appSetRolloutApplications.set({ namespace, name, status }, count);
  }

  removeAppSet(namespace: string, name: string): void {
    this.appSetApplications.remove({ namespace, name });
    this.removeAppSetRollout(namespace, name);
    const key = `${namespace}/${name}`;
    for (const entry of this.appSetResults.get(key) ?? []) {
      const [result, reason] = JSON.parse(entry) as [string, string];
      this.appSetReconciles.remove({ namespace, name, result, reason });
    }
    this.appSetResults.delete(key);
  }

  private removeAppSetRollout(namespace: string, name: string): void {
    this.appSetRolloutStep.remove({ namespace, name });
    this.appSetRolloutSteps.remove({ namespace, name });
    for (const status of ROLLOUT_STATUSES) this.appSetRolloutApplications.remove({ namespace, name, status });
  }
}

const ROLLOUT_STATUSES = ["Waiting", "Pending", "Progressing", "Healthy"] as const;
