// The ApplicationSet reconciler: for one set, fetch the facts its generators read (appset-facts.ts),
// generate the Applications it wants (pure, src/core/appset), then create, update and delete the
// Applications it owns as its applicationsSync policy allows, and report in its status.
//
// Ownership is an ownerReference to the set (controller: true): that is how the set finds its own
// Applications again, and what Kubernetes' garbage collector follows when the set is deleted.
// What may be created, updated (or adopted) and deleted is the policy's call (core/appset/policy.ts);
// this file only carries it out, by server-side apply as the field manager `mooring`.
// A set never escapes its Project (core/appset/project.ts: the template names it literally, it
// admits the set's namespace, every generated Application names it and lives beside the set),
// or it is Stalled with reason ProjectEscape and nothing changes; the Application reconciler
// then enforces that project's rules on each generated Application.
// A generation problem (a template naming a parameter no generator gives) changes nothing: the
// set is Stalled with the problem's field and message, and existing Applications stay as they are.
import { APPLICATION_API_VERSION, type Application, FIELD_MANAGER } from "../core/application.ts";
import { factsNeeded, generateApplications } from "../core/appset/generate.ts";
import { ownedBySet, planApplications } from "../core/appset/policy.ts";
import {
  checkGenerated,
  checkSetNamespace,
  PROJECT_ESCAPE_REASON,
  setSubject,
  templateProject,
} from "../core/appset/project.ts";
import { withoutAutomatedSync } from "../core/appset/rollout.ts";
import {
  APPLICATIONSET_API_VERSION,
  APPLICATIONSET_KIND,
  type ApplicationSet,
  type ClusterFact,
} from "../core/appset/types.ts";
import { type Condition, setCondition } from "../core/conditions.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { Logger } from "../util/log.ts";
import { type FactLimits, fetchFacts, type GitReader } from "./appset-facts.ts";
import { rollOut } from "./appset-rollout.ts";
import type { ControllerAudit } from "./audit.ts";
import { mapLimit } from "./compare.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { ProjectLookup } from "./projects.ts";
import type { ProcessResult } from "./queue.ts";

export const REFRESH_ANNOTATION = "mooring.dev/refresh";

/** Applications created, updated or deleted at once by one reconcile. */
const WRITES_IN_FLIGHT = 16;

export interface AppSetReconcilerDeps {
  client: KubeClient;
  clusters: () => Promise<ClusterFact[]>;
  git: GitReader;
  events: EventRecorder;
  audit: ControllerAudit;
  log: Logger;
  /** How often a set is generated again without any event (Git generators poll); default 60 s. */
  resyncMs: number;
  /** Projects, to refuse a set whose namespace its template's project does not admit. */
  projects: ProjectLookup;
  /** Where the platform team works: a set there may use any project. */
  controllerNamespace: string;
  metrics?: ControllerMetrics;
  limits?: FactLimits;
  now?: () => Date;
}

/** How one reconcile ended, for the metrics; `requeue` is what the work queue is told. */
interface Outcome {
  result: "ok" | "stalled";
  reason: string;
  requeue: ProcessResult | undefined;
}

/** Git unreachable, a repository too large, a project cache not filled yet: waiting may help. */
class FactsUnavailable extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "FactsUnavailable";
  }
}

export class AppSetReconciler {
  private readonly deps: AppSetReconcilerDeps;

  constructor(deps: AppSetReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: string): Promise<ProcessResult | undefined> {
    const [namespace, name] = key.split("/") as [string, string];
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const outcome = await this.reconcileSet(namespace, name);
      if (outcome === undefined) return undefined;
      this.deps.metrics?.recordAppSetReconcile(namespace, name, outcome.result, outcome.reason, seconds());
      return outcome.requeue;
    } catch (err) {
      const reason = err instanceof FactsUnavailable ? "FactsUnavailable" : "ReconcileFailed";
      this.deps.metrics?.recordAppSetReconcile(namespace, name, "error", reason, seconds());
      throw err;
    }
  }

  private async reconcileSet(namespace: string, name: string): Promise<Outcome | undefined> {
    const set = (await this.deps.client.get(
      APPLICATIONSET_API_VERSION,
      APPLICATIONSET_KIND,
      namespace,
      name,
    )) as ApplicationSet | null;
    if (!set || set.metadata.deletionTimestamp) return undefined;
    const resync = { requeueAfterMs: this.deps.resyncMs };
    const refresh = set.metadata.annotations?.[REFRESH_ANNOTATION] !== undefined;
    const project = templateProject(set);
    if (!project.ok) return this.stalled(set, PROJECT_ESCAPE_REASON, project.message, undefined);
    // A project changed to list the set's namespace is seen on the next resync.
    const admitted = await this.admittedBy(set, project.project);
    if (!admitted.ok) return this.stalled(set, admitted.reason, admitted.message, resync);
    let generated: ReturnType<typeof generateApplications>;
    try {
      const facts = await fetchFacts(
        factsNeeded(set),
        { clusters: this.deps.clusters, git: this.deps.git },
        { force: refresh, ...(this.deps.limits ? { limits: this.deps.limits } : {}) },
      );
      generated = generateApplications(set, facts);
    } catch (err) {
      // Retried with backoff.
      await this.writeStatus(set, [
        { type: "Ready", status: "False", reason: "FactsUnavailable", message: (err as Error).message },
      ]);
      throw new FactsUnavailable(err);
    }
    if (refresh) {
      await this.deps.client.mergePatch(
        {
          apiVersion: APPLICATIONSET_API_VERSION,
          kind: APPLICATIONSET_KIND,
          group: "mooring.dev",
          namespace,
          name,
        },
        { metadata: { annotations: { [REFRESH_ANNOTATION]: null } } },
      );
    }
    if (!generated.ok) {
      const message = generated.problems.map((p) => `${p.field}: ${p.message}`).join("; ");
      return this.stalled(set, "GenerationFailed", message, resync);
    }
    // Git files or a generator's own template may vary what lands where: looked at on every poll.
    const placement = checkGenerated(set, generated.applications, project.project);
    if (!placement.ok) return this.stalled(set, PROJECT_ESCAPE_REASON, placement.message, resync);
    this.deps.metrics?.appSetApplications.set({ namespace, name }, generated.applications.length);
    const reason = await this.applyAll(set, generated.applications, project.project);
    return { result: "ok", reason, requeue: resync };
  }

  /** Whether the set's namespace may use the project: a missing project is the lookup's reason. */
  private async admittedBy(
    set: ApplicationSet,
    projectName: string,
  ): Promise<{ ok: true } | { ok: false; reason: string; message: string }> {
    let found: Awaited<ReturnType<ProjectLookup["get"]>>;
    try {
      found = await this.deps.projects.get(projectName, setSubject(set));
    } catch (err) {
      throw new FactsUnavailable(err);
    }
    if (!found.found) return { ok: false, reason: found.reason, message: found.message };
    const check = checkSetNamespace(set, found.project, this.deps.controllerNamespace);
    return check.ok ? check : { ok: false, reason: PROJECT_ESCAPE_REASON, message: check.message };
  }

  /** Carries out the policy's plan and writes the status; returns the Ready condition's reason. */
  private async applyAll(set: ApplicationSet, wanted: Application[], project: string): Promise<string> {
    const { client, events, audit } = this.deps;
    const namespace = set.metadata.namespace;
    const live = (await client.list(APPLICATION_API_VERSION, "Application", { namespace }))
      .items as Application[];
    const wantedNames = new Set(wanted.map((a) => a.metadata.name));
    const existing = live.filter((a) => ownedBySet(a, set) || wantedNames.has(a.metadata.name));
    // Under a rolling sync the rollout alone decides when an Application syncs.
    const rolling = set.spec.strategy?.type === "RollingSync";
    const desired = wanted.map((a) => {
      const owned = this.withOwner(a, set, project);
      return rolling ? withoutAutomatedSync(owned) : owned;
    });
    const plan = planApplications(set, desired, existing);
    // A few writes at once: a set of a thousand Applications is created in seconds, not minutes.
    await mapLimit(plan.create, WRITES_IN_FLIGHT, async (app) => {
      await client.apply(app, { fieldManager: FIELD_MANAGER });
      await events.record(set, "Normal", "ApplicationCreated", `created Application ${app.metadata.name}`);
      audit.record("appset-generated", app, { applicationSet: set.metadata.name, action: "created" });
    });
    await mapLimit(plan.update, WRITES_IN_FLIGHT, async ({ application, adopted }) => {
      const { resourceVersion: _, ...metadata } = application.metadata;
      await client.apply({ ...application, metadata }, { fieldManager: FIELD_MANAGER });
      const verb = adopted ? "adopted" : "updated";
      await events.record(
        set,
        "Normal",
        "ApplicationUpdated",
        `${verb} Application ${application.metadata.name}`,
      );
      audit.record("appset-generated", application, { applicationSet: set.metadata.name, action: verb });
    });
    await mapLimit(plan.delete, WRITES_IN_FLIGHT, async (gone) => {
      const ref = {
        apiVersion: APPLICATION_API_VERSION,
        group: "mooring.dev",
        kind: "Application",
        namespace,
        name: gone.name,
      };
      const current = existing.find((a) => a.metadata.name === gone.name);
      if (gone.dropFinalizers.length > 0 && current) {
        const finalizers = (current.metadata.finalizers ?? []).filter(
          (f) => !gone.dropFinalizers.includes(f),
        );
        await client.mergePatch(ref, { metadata: { finalizers } });
      }
      await client.delete(ref, { propagationPolicy: "Foreground" });
      await events.record(set, "Normal", "ApplicationDeleted", `deleted Application ${gone.name}`);
      if (current) audit.record("appset-deleted-app", current, { applicationSet: set.metadata.name });
    });
    const deleted = new Set(plan.delete.map((d) => d.name));
    const kept = live.filter(
      (a) => ownedBySet(a, set) && !wantedNames.has(a.metadata.name) && !deleted.has(a.metadata.name),
    );
    const liveByName = new Map(live.map((a) => [a.metadata.name, a]));
    const names = [...new Set([...wantedNames, ...kept.map((a) => a.metadata.name)])].sort();
    const resources = names.map((n) => {
      const app = liveByName.get(n) as
        | (Application & { status?: { sync?: { status?: string }; health?: { status?: string } } })
        | undefined;
      return {
        name: n,
        namespace,
        ...(app?.status?.health?.status ? { health: app.status.health.status } : {}),
        ...(app?.status?.sync?.status ? { sync: app.status.sync.status } : {}),
      };
    });
    const conflicts = plan.conflicts.map((c) => `${c.field}: ${c.message}`).join("; ");
    const held = plan.held.map((h) => `${h.application} ${h.reason}`).join("; ");
    const conditions: ConditionSpec[] = [
      conflicts
        ? { type: "Ready", status: "False", reason: "ApplicationConflict", message: conflicts }
        : {
            type: "Ready",
            status: "True",
            reason: "ApplicationsGenerated",
            message: `${wantedNames.size} Applications generated`,
          },
      conflicts || held
        ? {
            type: "ResourcesUpToDate",
            status: "False",
            reason: conflicts ? "ApplicationConflict" : "HeldByPolicy",
            message: [conflicts, held].filter(Boolean).join("; "),
          }
        : {
            type: "ResourcesUpToDate",
            status: "True",
            reason: "ApplicationSetUpToDate",
            message: "all Applications are up to date",
          },
    ];
    this.deps.log.info("applicationset reconciled", {
      set: `${namespace}/${set.metadata.name}`,
      apps: wantedNames.size,
      created: plan.create.length,
      updated: plan.update.length,
      deleted: plan.delete.length,
    });
    const extra: Record<string, unknown> = { resources, resourceCount: resources.length };
    if (rolling) {
      const now = (this.deps.now?.() ?? new Date()).toISOString();
      const rollout = await rollOut(client, set, desired, now);
      for (const name of rollout.started)
        await events.record(
          set,
          "Normal",
          "RolloutSync",
          `the rollout started the sync of Application ${name}`,
        );
      extra.applicationStatus = rollout.applicationStatus;
      conditions.push(rollout.condition);
      this.deps.metrics?.setAppSetRollout(namespace, set.metadata.name, rolloutGauges(rollout));
    } else this.deps.metrics?.setAppSetRollout(namespace, set.metadata.name, undefined);
    await this.writeStatus(set, conditions, extra, true);
    return conditions[0]?.reason ?? "ApplicationsGenerated";
  }

  /**
   * The Application as written: owned by the set, in its namespace, and with its project spelled
   * out as the API server's default would (so an unchanged app compares equal to the live one).
   */
  private withOwner(app: Application, set: ApplicationSet, project: string): Application {
    const ownerReferences = [
      {
        apiVersion: APPLICATIONSET_API_VERSION,
        kind: APPLICATIONSET_KIND,
        name: set.metadata.name,
        uid: set.metadata.uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    return {
      ...app,
      metadata: { ...app.metadata, namespace: set.metadata.namespace, ownerReferences },
      spec: { ...app.spec, project },
    };
  }

  /** A person must change the set or its project; `requeue` when a poll may still change it. */
  private async stalled(
    set: ApplicationSet,
    reason: string,
    message: string,
    requeue: ProcessResult | undefined,
  ): Promise<Outcome> {
    await this.deps.events.record(set, "Warning", reason, message);
    await this.writeStatus(set, [
      { type: "Ready", status: "False", reason, message },
      { type: "Stalled", status: "True", reason, message },
      { type: "ResourcesUpToDate", status: "False", reason, message },
    ]);
    this.deps.metrics?.setAppSetRollout(set.metadata.namespace, set.metadata.name, undefined);
    return { result: "stalled", reason, requeue };
  }

  private async writeStatus(
    set: ApplicationSet,
    inputs: ConditionSpec[],
    extra: Record<string, unknown> = {},
    clearStalled = false,
  ): Promise<void> {
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    const generation = set.metadata.generation;
    let conditions = (set.status?.conditions ?? []) as Condition[];
    if (clearStalled) conditions = conditions.filter((c) => c.type !== "Stalled");
    for (const input of inputs) conditions = setCondition(conditions, input, now, generation);
    await this.deps.client.mergePatch(
      {
        apiVersion: APPLICATIONSET_API_VERSION,
        group: "mooring.dev",
        kind: APPLICATIONSET_KIND,
        namespace: set.metadata.namespace,
        name: set.metadata.name,
      },
      { status: { observedGeneration: generation, conditions, ...extra } },
      "status",
    );
  }
}

/** The rollout as gauges: the step under way (the step count once all are done), apps by status. */
function rolloutGauges(rollout: Awaited<ReturnType<typeof rollOut>>) {
  const applications: Record<string, number> = { Waiting: 0, Pending: 0, Progressing: 0, Healthy: 0 };
  for (const row of rollout.applicationStatus) applications[row.status] = (applications[row.status] ?? 0) + 1;
  return { step: rollout.currentStep ?? rollout.steps, steps: rollout.steps, applications };
}

type ConditionSpec = { type: string; status: "True" | "False" | "Unknown"; reason: string; message: string };
