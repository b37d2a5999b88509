// What a Stack's reconcile does next, decided from its status and what was asked of it. There are
// three steps, in this order of precedence:
// - apply: a plan waits for approval and its inputs still hold (same commit, same spec, no
//   refresh asked, and for a drift plan no newer drift check due) — it is applied once
//   approved, or keeps waiting;
// - plan: the inputs changed, a refresh or drift check was asked, a periodic drift check is due,
//   or the last apply failed (a fresh plan shows what remains); a plan made only because a drift
//   check is due has the purpose "drift", any other "apply";
// - idle: nothing to do until the next drift check.
// The clock is an argument, so the decision is the same function of its inputs every time.
import type { Standing } from "../conditions.ts";
import type { PlanPurpose, StackPlanStatus, StackStatus } from "./spec.ts";

export interface StepInputs {
  status: StackStatus;
  /** metadata.generation of the Stack. */
  generation: number | undefined;
  /** The commit this reconcile works from. */
  revision: string;
  /** The refresh annotation is set (a plan against the branch head is asked for). */
  refresh: boolean;
  /** Value of the drift-check annotation (ISO time of the request), "" when unset. */
  driftCheck: string;
  /** spec.driftDetection interval; 0 turns periodic checks off. */
  driftIntervalMs: number;
  /** Now, in ms since the epoch. */
  nowMs: number;
}

export type StackStep =
  | { step: "apply"; pending: StackPlanStatus }
  | { step: "plan"; purpose: PlanPurpose }
  | { step: "idle"; requeueAfterMs: number };

/** The step a reconcile takes; see the module header for the rules. */
export function decideStep(inputs: StepInputs): StackStep {
  const { status, refresh } = inputs;
  const pending = status.lastPlan?.pending ? status.lastPlan : undefined;
  const inputsChanged =
    !status.lastPlan ||
    status.lastPlan.revision !== inputs.revision ||
    status.observedGeneration !== inputs.generation;
  const lastCheck = Date.parse(status.drift?.checkedAt ?? status.lastApply?.appliedAt ?? "") || 0;
  const driftDue =
    (inputs.driftCheck !== "" && inputs.driftCheck > (status.drift?.checkedAt ?? "")) ||
    (inputs.driftIntervalMs > 0 && inputs.nowMs - lastCheck >= inputs.driftIntervalMs);
  // A drift plan left waiting (report mode) is checked again when a check is due: the drift may
  // have grown, or been put back by hand, and the report must say so.
  const recheck = pending?.purpose === "drift" && driftDue;
  if (pending && !inputsChanged && !refresh && !recheck) return { step: "apply", pending };
  const applyFailed =
    status.lastApply?.result === "failed" && status.lastApply.planId === status.lastPlan?.id;
  if (!inputsChanged && !refresh && !driftDue && !pending && !applyFailed) {
    return { step: "idle", requeueAfterMs: nextDriftCheck(inputs.driftIntervalMs, status, inputs.nowMs) };
  }
  return { step: "plan", purpose: !inputsChanged && !refresh && driftDue ? "drift" : "apply" };
}

/** Milliseconds until the next periodic drift check (10 minutes when checks are off). */
export function nextDriftCheck(intervalMs: number, status: StackStatus, nowMs: number): number {
  if (intervalMs <= 0) return 600_000;
  const last = Date.parse(status.drift?.checkedAt ?? "") || nowMs;
  return Math.max(1000, last + intervalMs - nowMs);
}

/** How a Stack stands when no run is under way: drifted, or ready with what was applied last. */
export function restingStanding(status: StackStatus): Standing {
  if (status.drift?.drifted) {
    const plan =
      status.lastPlan?.pending && status.lastPlan.purpose === "drift" ? status.lastPlan.id : undefined;
    return {
      state: "failed",
      reason: "Drifted",
      message: plan
        ? `infrastructure drifted and is left in place: approve plan ${plan} to put it back`
        : "infrastructure drifted; approve the drift plan to put it back",
    };
  }
  const applied = status.lastApply;
  return {
    state: "ready",
    reason: "Applied",
    message: applied ? `applied plan ${applied.planId}; no changes pending` : "no changes pending",
  };
}
