// Waiting on the Stack controller. The CLI writes a request (the refresh, approve-plan or
// drift-check annotation, or a deletion) and reads the Stack until the status shows the answer:
// a plan newer than before, a last apply of the approved plan, a newer drift check, or the Stack
// gone. Each wait is a pure verdict over the Stack as read (waiting, done or failed, with a label
// for the progress line); one polling loop runs them all, always bounded by a timeout.
//
// The controller removes the refresh, drift-check and approval annotations once it has acted on them. When
// an annotation is gone, no work is in progress (Reconciling is not True) and the expected
// answer is not in the status, the controller has decided not to do it, and the conditions say
// why. A failed verdict is read twice before it counts, since the annotation and the status are
// written separately and a read can fall between the two writes.
import { findCondition } from "../core/conditions.ts";
import {
  APPROVE_PLAN_ANNOTATION,
  type PlanPurpose,
  STACK_CONDITIONS,
  type Stack,
  stackSpecDefaults,
} from "../core/stack/spec.ts";
import { poll, type Verdict } from "./poll.ts";
import type { Progress } from "./progress.ts";
import { DRIFT_CHECK_ANNOTATION, STACK_REFRESH_ANNOTATION } from "./stack-client.ts";
import { blockingReason, countsText, stackCommand, statusOf } from "./stack-view.ts";

export type { Verdict };

function gone(name: string): Verdict {
  return { state: "failed", label: `stack ${name} was deleted while waiting` };
}

function suspended(name: string): Verdict {
  return {
    state: "failed",
    label: `stack ${name} is suspended (spec.suspend): the controller does not plan or apply it; set spec.suspend to false first`,
  };
}

function reconciling(stack: Stack): string | undefined {
  const c = findCondition(statusOf(stack).conditions, STACK_CONDITIONS.reconciling);
  return c?.status === "True" ? c.message || c.reason : undefined;
}

function newer(after: string | undefined, before: string | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  const a = Date.parse(after);
  const b = Date.parse(before);
  return Number.isNaN(a) || Number.isNaN(b) ? after !== before : a > b;
}

/** What the CLI saw before it wrote its request, to tell the controller's answer from old news. */
export interface StackBefore {
  /** status.lastPlan.createdAt */
  planCreatedAt?: string;
  /** status.lastApply.appliedAt */
  appliedAt?: string;
  /** status.drift.checkedAt */
  checkedAt?: string;
}

export function stackBefore(stack: Stack): StackBefore {
  const status = statusOf(stack);
  return {
    ...(status.lastPlan?.createdAt ? { planCreatedAt: status.lastPlan.createdAt } : {}),
    ...(status.lastApply?.appliedAt ? { appliedAt: status.lastApply.appliedAt } : {}),
    ...(status.drift?.checkedAt ? { checkedAt: status.drift.checkedAt } : {}),
  };
}

/** `moor stack plan --refresh`: done once a plan newer than before is in the status. */
export function replanVerdict(name: string, stack: Stack | null, before: StackBefore): Verdict {
  if (!stack) return gone(name);
  if (stack.spec.suspend) return suspended(name);
  const plan = statusOf(stack).lastPlan;
  if (plan && newer(plan.createdAt, before.planCreatedAt)) {
    return { state: "done", label: `stack ${name} planned ${plan.id}: ${countsText(plan)}` };
  }
  const working = reconciling(stack);
  if (stack.metadata.annotations?.[STACK_REFRESH_ANNOTATION] === undefined && !working) {
    const why = blockingReason(stack) || "no reason recorded";
    return {
      state: "failed",
      label: `the controller took the refresh request for stack ${name} but made no new plan (${why})`,
    };
  }
  return {
    state: "waiting",
    label: working ? `stack ${name}: ${working}` : `waiting for the controller to plan stack ${name}`,
  };
}

/**
 * `moor stack approve|apply --wait`: done when the last apply names the approved plan and is newer
 * than before; failed when it failed, when the plan was replaced before being applied, or when the
 * controller dropped the approval without applying.
 */
export function applyVerdict(
  name: string,
  stack: Stack | null,
  planId: string,
  before: StackBefore & { purpose?: PlanPurpose },
): Verdict {
  if (!stack) {
    // Approving the destroy plan of a Stack being deleted ends with the Stack gone.
    return before.purpose === "destroy"
      ? { state: "done", label: `destroy plan ${planId} applied; stack ${name} is deleted` }
      : gone(name);
  }
  if (stack.spec.suspend) return suspended(name);
  const status = statusOf(stack);
  const apply = status.lastApply;
  if (apply?.planId === planId && newer(apply.appliedAt, before.appliedAt)) {
    const text = `plan ${planId} of stack ${name} ${apply.result === "succeeded" ? "applied" : "failed"}${apply.message ? `: ${apply.message}` : ""}`;
    return { state: apply.result === "succeeded" ? "done" : "failed", label: text };
  }
  const plan = status.lastPlan;
  const working = reconciling(stack);
  if (plan && plan.id !== planId && !working) {
    return {
      state: "failed",
      label: `stack ${name} was planned again before ${planId} was applied: its current plan is ${plan.id}${plan.pending ? " (pending)" : ""}; review it with \`${stackCommand(`plan ${name}`, stack.metadata.namespace)}\``,
    };
  }
  if (stack.metadata.annotations?.[APPROVE_PLAN_ANNOTATION] === undefined && !working) {
    const pending = findCondition(status.conditions, STACK_CONDITIONS.planPending);
    const why =
      blockingReason(stack) ||
      (pending?.status === "True" ? `${pending.reason}: ${pending.message}` : "") ||
      "no reason recorded";
    return {
      state: "failed",
      label: `the controller took the approval of plan ${planId} for stack ${name} but did not apply it (${why})`,
    };
  }
  return {
    state: "waiting",
    label: working
      ? `stack ${name}: ${working}`
      : `waiting for the controller to apply plan ${planId} of stack ${name}`,
  };
}

/** `moor stack drift --check`: done once a drift check newer than before is in the status. */
export function driftCheckVerdict(name: string, stack: Stack | null, before: StackBefore): Verdict {
  if (!stack) return gone(name);
  if (stack.spec.suspend) return suspended(name);
  const drift = statusOf(stack).drift;
  if (drift && newer(drift.checkedAt, before.checkedAt)) {
    return {
      state: "done",
      label: drift.drifted
        ? `stack ${name}: ${drift.resources.length} resource(s) drifted`
        : `stack ${name}: no drift`,
    };
  }
  const working = reconciling(stack);
  const why = working ? "" : blockingReason(stack);
  if (stack.metadata.annotations?.[DRIFT_CHECK_ANNOTATION] === undefined && !working) {
    return {
      state: "failed",
      label: `the controller took the drift check request for stack ${name} but recorded no check (${why || "no reason recorded"})`,
    };
  }
  return {
    state: "waiting",
    label: working
      ? `stack ${name}: ${working}`
      : `waiting for the controller to check stack ${name} for drift${why ? ` (${why})` : ""}`,
  };
}

/**
 * `moor stack delete --wait`: done once the Stack is gone. A destroy plan that waits for a manual
 * approval ends the wait at once: nothing happens until someone approves it.
 */
export function stackDeletedVerdict(name: string, stack: Stack | null): Verdict {
  if (!stack) return { state: "done", label: `stack ${name} deleted` };
  const plan = statusOf(stack).lastPlan;
  if (
    plan?.purpose === "destroy" &&
    plan.pending &&
    stackSpecDefaults(stack.spec, stack.metadata.namespace).approvePlan !== "auto"
  ) {
    return {
      state: "failed",
      label: `stack ${name} waits for its destroy plan ${plan.id} (${countsText(plan)}) to be approved: review it with \`${stackCommand(`plan ${name}`, stack.metadata.namespace)}\`, then \`${stackCommand(`approve ${name} ${plan.id}`, stack.metadata.namespace)}\``,
    };
  }
  const working = reconciling(stack);
  if (working) return { state: "waiting", label: `stack ${name} is being deleted: ${working}` };
  const finalizers = stack.metadata.finalizers ?? [];
  return {
    state: "waiting",
    label: finalizers.length
      ? `waiting for finalizers of stack ${name} (${finalizers.join(", ")})`
      : `waiting for stack ${name} to go`,
  };
}

export interface PollOptions {
  timeoutMs: number;
  /** Default 500 ms. */
  intervalMs?: number;
  /** How long a failed verdict must hold before it counts; default 1 s. */
  confirmMs?: number;
  progress: Progress;
}

export interface PollResult {
  verdict: Verdict;
  stack: Stack | null;
  timedOut: boolean;
}

/**
 * Reads the Stack until the verdict is done or failed, or the timeout passes (see poll); a failed
 * verdict counts only when a read at least confirmMs later agrees.
 */
export async function pollStack(
  read: () => Promise<Stack | null>,
  judge: (stack: Stack | null) => Verdict,
  options: PollOptions,
): Promise<PollResult> {
  const { verdict, value, timedOut } = await poll(read, judge, {
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs ?? 500,
    confirmMs: options.confirmMs ?? 1_000,
    progress: options.progress,
  });
  return { verdict, stack: value, timedOut };
}
