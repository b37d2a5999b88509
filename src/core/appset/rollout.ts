// Progressive rollout (Argo CD's RollingSync): the set's Applications are grouped into steps by
// label expressions, and a step's Applications are synced only once every Application of the
// steps before it is Synced and Healthy. Within a step at most `maxUpdate` (a count, or a
// percentage of the step, rounded down but at least one) are syncing at once. An Application no
// step selects is left to be synced by hand, as in Argo CD; the set makes its generated
// Applications manual (no automated sync) so that the rollout alone decides when they sync.
//
// Each Application's standing in the rollout (status.applicationStatus):
//   Waiting     — out of sync, its step has not come yet (or its step has no room yet);
//   Pending     — the rollout asked for a sync, which has not started;
//   Progressing — its sync runs, or it is synced and its objects are still rolling out;
//   Healthy     — Synced and Healthy: its part of the rollout is done.
// An Application of the current step that is Degraded after being synced stops the rollout: no
// further sync is started, and the condition names the Application and the step.
import type { Application } from "../application.ts";
import type { ApplicationSetStatus, RollingSyncStep } from "./types.ts";

export type RolloutRow = NonNullable<ApplicationSetStatus["applicationStatus"]>[number];

/** What the controller knows of a generated Application in the cluster now. */
export interface LiveStanding {
  sync: "Synced" | "OutOfSync" | "Unknown";
  health: "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
  /** The phase of its current or last sync operation, if any. */
  operationPhase?: "Running" | "Terminating" | "Succeeded" | "Failed";
}

export interface RolloutInput {
  steps: RollingSyncStep[];
  applications: Application[];
  /** By Application name; absent for an Application not created yet. */
  live: Record<string, LiveStanding | undefined>;
  /** The rows of the previous decision (status.applicationStatus), to keep Pending and times. */
  previous: RolloutRow[];
  /** RFC 3339 time of this decision. */
  now: string;
}

export interface RolloutCondition {
  type: "RolloutProgressing";
  status: "True" | "False";
  reason: "Progressing" | "Completed" | "ApplicationDegraded";
  message: string;
}

export interface RolloutDecision {
  /** Applications to sync now, by name. */
  syncNow: string[];
  applicationStatus: RolloutRow[];
  /** The 1-based step being rolled out, or undefined when every step is done. */
  currentStep?: number;
  /** Set when a Degraded Application stopped the rollout. */
  stopped?: { application: string; step: number; message: string };
  condition: RolloutCondition;
}

/** The 1-based step whose expressions all match the labels, or 0 for none (first match wins). */
export function stepOf(steps: RollingSyncStep[], labels: Record<string, string>): number {
  const index = steps.findIndex((step) =>
    step.matchExpressions.every((clause) => {
      const listed =
        Object.hasOwn(labels, clause.key) && clause.values.includes(labels[clause.key] as string);
      return clause.operator === "In" ? listed : !listed;
    }),
  );
  return index + 1;
}

/** How many of a step's `size` Applications may sync at once. */
export function stepCapacity(maxUpdate: number | string | undefined, size: number): number {
  if (maxUpdate === undefined) return size;
  if (typeof maxUpdate === "number") return maxUpdate <= 0 ? size : maxUpdate;
  const percent = /^(\d+)%$/.exec(maxUpdate.trim());
  const count = percent ? Math.floor((size * Number(percent[1])) / 100) : Number(maxUpdate);
  if (!Number.isFinite(count) || count <= 0) return percent && Number(percent[1]) > 0 ? 1 : size;
  return count;
}

type Standing = "Waiting" | "Pending" | "Progressing" | "Healthy" | "Degraded";

function standingOf(live: LiveStanding | undefined, before: RolloutRow | undefined): Standing {
  // Pending: asked, not seen to start. Progressing: seen syncing. A failure only counts once the
  // sync was seen to start; what an older sync left behind is not this rollout's doing.
  const started = before?.status === "Progressing";
  const asked = started || before?.status === "Pending";
  if (live === undefined) return asked ? "Pending" : "Waiting";
  if (live.operationPhase === "Running" || live.operationPhase === "Terminating") return "Progressing";
  if (started && live.operationPhase === "Failed") return "Degraded";
  if (live.sync === "Synced" && live.health === "Healthy") return "Healthy";
  if (live.health === "Degraded" && (started || live.sync === "Synced")) return "Degraded";
  if (live.sync === "Synced" && (asked || live.health === "Progressing")) return "Progressing";
  return before?.status === "Pending" ? "Pending" : "Waiting";
}

/** The rollout's decision for this reconcile. */
export function decideRollout(input: RolloutInput): RolloutDecision {
  const previous = new Map(input.previous.map((row) => [row.application, row]));
  const apps = [...input.applications].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const entries = apps.map((app) => ({
    name: app.metadata.name,
    step: stepOf(input.steps, app.metadata.labels ?? {}),
    standing: standingOf(input.live[app.metadata.name], previous.get(app.metadata.name)),
    message: "",
  }));
  const inStep = (step: number) => entries.filter((e) => e.step === step);
  const syncNow: string[] = [];
  let currentStep: number | undefined;
  let stopped: RolloutDecision["stopped"];
  for (let step = 1; step <= input.steps.length; step++) {
    const members = inStep(step);
    if (currentStep !== undefined) {
      for (const e of members)
        if (e.standing !== "Healthy") e.message = `waiting for step ${currentStep} to be Synced and Healthy`;
      continue;
    }
    if (members.every((e) => e.standing === "Healthy")) continue;
    currentStep = step;
    const degraded = members.find((e) => e.standing === "Degraded");
    if (degraded !== undefined) {
      stopped = {
        application: degraded.name,
        step,
        message: `Application ${degraded.name} in step ${step} is Degraded; the rollout stopped`,
      };
      for (const e of members)
        if (e.standing === "Waiting")
          e.message = `the rollout stopped: ${degraded.name} in step ${step} is Degraded`;
      continue;
    }
    const busy = members.filter((e) => e.standing === "Pending" || e.standing === "Progressing").length;
    let room = stepCapacity(input.steps[step - 1]?.maxUpdate, members.length) - busy;
    for (const e of members) {
      if (e.standing !== "Waiting") continue;
      if (room > 0) {
        room--;
        e.standing = "Pending";
        e.message = `the rollout started its sync in step ${step}`;
        syncNow.push(e.name);
      } else e.message = `waiting for room in step ${step} (maxUpdate)`;
    }
  }
  const rows: RolloutRow[] = [...entries]
    .sort((a, b) => a.step - b.step || a.name.localeCompare(b.name))
    .map((e) => {
      const status = e.standing === "Degraded" ? "Progressing" : e.standing;
      const message =
        e.message ||
        {
          Waiting:
            e.step === 0
              ? "no rollout step selects this Application; sync it by hand"
              : "waiting for its step",
          Pending: "the sync was asked for and has not started",
          Progressing: "the sync runs or its objects are rolling out",
          Healthy: "Synced and Healthy",
          Degraded: "Degraded after its sync",
        }[e.standing];
      const before = previous.get(e.name);
      const unchanged = before !== undefined && before.status === status && before.step === String(e.step);
      return {
        application: e.name,
        step: String(e.step),
        status,
        message: e.standing === "Degraded" ? `Degraded: ${message}` : message,
        lastTransitionTime: unchanged ? (before.lastTransitionTime ?? input.now) : input.now,
      };
    });
  return {
    syncNow,
    applicationStatus: rows,
    currentStep,
    stopped,
    condition: conditionOf(currentStep, stopped, input.steps.length),
  };
}

function conditionOf(
  currentStep: number | undefined,
  stopped: RolloutDecision["stopped"],
  steps: number,
): RolloutCondition {
  if (stopped !== undefined)
    return {
      type: "RolloutProgressing",
      status: "False",
      reason: "ApplicationDegraded",
      message: stopped.message,
    };
  if (currentStep === undefined)
    return {
      type: "RolloutProgressing",
      status: "False",
      reason: "Completed",
      message: `all ${steps} steps are Synced and Healthy`,
    };
  return {
    type: "RolloutProgressing",
    status: "True",
    reason: "Progressing",
    message: `rolling out step ${currentStep} of ${steps}`,
  };
}

/** The Application as a rolling sync generates it: without automated sync, which the rollout replaces. */
export function withoutAutomatedSync(app: Application): Application {
  if (app.spec.syncPolicy?.automated === undefined) return app;
  const { automated: _, ...syncPolicy } = app.spec.syncPolicy;
  return { ...app, spec: { ...app.spec, syncPolicy } };
}

export interface StepProgress {
  /** 1-based; 0 gathers the Applications no step selects. */
  step: number;
  applications: number;
  byStatus: Record<RolloutRow["status"], number>;
  /** The first step not wholly Healthy: the one being rolled out (or stopped at). */
  current: boolean;
}

/** Each step's Applications by rollout status, from the set's status.applicationStatus rows. */
export function stepProgress(steps: number, rows: readonly RolloutRow[]): StepProgress[] {
  const progress: StepProgress[] = [];
  for (let step = 0; step <= steps; step++) {
    const members = rows.filter((row) => row.step === String(step));
    if (step === 0 && members.length === 0) continue;
    const byStatus = { Waiting: 0, Pending: 0, Progressing: 0, Healthy: 0 };
    for (const row of members) byStatus[row.status]++;
    progress.push({ step, applications: members.length, byStatus, current: false });
  }
  const current = progress.find((p) => p.step > 0 && p.byStatus.Healthy < p.applications);
  if (current) current.current = true;
  return progress;
}
