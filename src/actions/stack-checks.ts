// The checks `moor stack` and the API server's Stack actions make before writing a request, and
// the few status texts they share with `moor stack get`: why there is no plan, whether the last
// plan is pending, applied or settled, and why an approval would be refused. Everything is read
// from the status the controller writes (src/core/stack/spec.ts StackStatus); nothing here reads
// the cluster.
//
// An approval names one plan by its content-hashed id, so Mooring refuses up front what the
// controller would refuse later: an id that is not the Stack's current plan, or a plan with
// nothing pending. Refusing here gives the user both ids at once instead of a condition later.
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { type Condition, findCondition } from "../core/conditions.ts";
import { formatCounts } from "../core/stack/plan.ts";
import {
  type PlanCounts,
  STACK_CONDITIONS,
  type Stack,
  type StackApplyStatus,
  type StackPlanStatus,
  type StackStatus,
  stackSpecDefaults,
} from "../core/stack/spec.ts";
import { age, oneLine, shortSha } from "./status-text.ts";

export { oneLine, shortSha } from "./status-text.ts";

export function statusOf(stack: Stack): Partial<StackStatus> {
  return stack.status ?? {};
}

/** `namespace/name`, as the controller's messages name a Stack. */
export function stackId(stack: Stack): string {
  return `${stack.metadata.namespace}/${stack.metadata.name}`;
}

/** A `moor stack` command line for hints; `-n` only outside the default namespace. */
export function stackCommand(words: string, namespace: string): string {
  return `moor stack ${words}${namespace === CONTROLLER_NAMESPACE ? "" : ` -n ${namespace}`}`;
}

export function ago(iso: string | undefined, now: number): string {
  return iso ? `${age(iso, now)} ago` : "";
}

/** Counts as the controller wrote them, zero-filled (an older controller may leave fields out). */
export function counts(summary: Partial<PlanCounts> | undefined): PlanCounts {
  return {
    add: summary?.add ?? 0,
    change: summary?.change ?? 0,
    destroy: summary?.destroy ?? 0,
    replace: summary?.replace ?? 0,
    forget: summary?.forget ?? 0,
    import: summary?.import ?? 0,
    read: summary?.read ?? 0,
  };
}

export function countsText(plan: StackPlanStatus): string {
  return formatCounts(counts(plan.summary));
}

/** Why a Stack has nothing to show yet; used by every command that needs a status. */
export function noStatusMessage(stack: Stack): string {
  const name = stack.metadata.name;
  const namespace = stack.metadata.namespace;
  if (stack.spec?.suspend) {
    return `stack ${stackId(stack)} has no status yet and is suspended (spec.suspend), so the controller does not plan it`;
  }
  return `stack ${stackId(stack)} has no status yet: the controller has not planned it; is the Stack controller running? (\`${stackCommand(`get ${name}`, namespace)}\` shows its conditions once it has)`;
}

/** Why a Stack has no plan to show; the Stalled/Ready condition or lastError says why when known. */
export function noPlanMessage(stack: Stack): string {
  if (!stack.status) return noStatusMessage(stack);
  const why = blockingReason(stack);
  return `stack ${stackId(stack)} has no plan yet${why ? `: ${why}` : ""}`;
}

/** The most telling explanation the status gives for a Stack not getting on: Stalled, lastError, not Ready. */
export function blockingReason(stack: Stack): string {
  const status = statusOf(stack);
  const stalled = stalledCondition(stack);
  if (stalled) return `${stalled.reason}: ${oneLine(stalled.message)}`;
  if (status.lastError) return oneLine(status.lastError);
  const ready = findCondition(status.conditions, STACK_CONDITIONS.ready);
  if (ready && ready.status !== "True") return `${ready.reason}: ${oneLine(ready.message)}`;
  return "";
}

/** The Stalled condition when it is True for the current generation of the spec. */
export function stalledCondition(stack: Stack): Condition | undefined {
  const stalled = findCondition(statusOf(stack).conditions, STACK_CONDITIONS.stalled);
  if (stalled?.status !== "True") return undefined;
  const generation = stack.metadata.generation;
  const observed = stalled.observedGeneration;
  return observed === undefined || generation === undefined || observed === generation ? stalled : undefined;
}

// ---- plan state and approval checks -----------------------------------------------------------

export type PlanState =
  | { state: "pending" }
  | { state: "applied"; apply: StackApplyStatus }
  | { state: "settled" };

/** Whether the last plan waits for approval, was applied (last apply names it), or neither. */
export function planState(stack: Stack): PlanState {
  const status = statusOf(stack);
  const plan = status.lastPlan;
  if (plan?.pending) return { state: "pending" };
  if (plan && status.lastApply?.planId === plan.id) return { state: "applied", apply: status.lastApply };
  return { state: "settled" };
}

export function planStateText(stack: Stack, now: number): string {
  const plan = statusOf(stack).lastPlan;
  if (!plan) return "";
  const state = planState(stack);
  switch (state.state) {
    case "pending": {
      const mode = stackSpecDefaults(stack.spec, stack.metadata.namespace).approvePlan;
      const how =
        mode === "auto" ? "to be applied automatically (approvePlan: auto)" : "waiting for approval";
      return `pending: ${how}`;
    }
    case "applied":
      return `${appliedText(state.apply, now)} (approved by ${state.apply.approvedBy})`;
    case "settled":
      return isEmpty(plan) ? "no changes" : "not pending (nothing waits to be applied)";
  }
}

/** "applied 2m ago" or "apply failed 2m ago". */
export function appliedText(apply: StackApplyStatus, now: number): string {
  return `${apply.result === "succeeded" ? "applied" : "apply failed"} ${ago(apply.appliedAt, now)}`;
}

export function isEmpty(plan: StackPlanStatus): boolean {
  const c = counts(plan.summary);
  return (
    c.add + c.change + c.destroy + c.forget + c.import === 0 &&
    (plan.resources ?? []).length === 0 &&
    (plan.outputs ?? []).length === 0
  );
}

/**
 * Why `moor stack approve NAME PLAN_ID` must not set the annotation, or undefined when it may:
 * the id must be the current plan's and that plan must be pending.
 */
export function approvalProblem(stack: Stack, planId: string, now = Date.now()): string | undefined {
  const name = stack.metadata.name;
  const namespace = stack.metadata.namespace;
  if (!stack.status) return noStatusMessage(stack);
  const plan = statusOf(stack).lastPlan;
  if (!plan) return `${noPlanMessage(stack)}; there is nothing to approve`;
  const review = stackCommand(`plan ${name}`, namespace);
  if (plan.id !== planId) {
    return (
      `plan ${planId} is not the current plan of stack ${stackId(stack)}: the current plan is ${plan.id}` +
      `${plan.pending ? " (pending)" : ""}, made ${ago(plan.createdAt, now)} from ${shortSha(plan.revision)}; ` +
      `review it with \`${review}\`${plan.pending ? ` and approve ${plan.id} if it is what you want` : ""}`
    );
  }
  const state = planState(stack);
  if (state.state === "applied") {
    return `plan ${planId} of stack ${stackId(stack)} is not pending: ${appliedText(state.apply, now)} (approved by ${state.apply.approvedBy}); \`${review}\` shows it`;
  }
  if (state.state === "settled") {
    return `plan ${planId} of stack ${stackId(stack)} is not pending: ${isEmpty(plan) ? "it changes nothing" : "nothing waits to be applied"}; \`${stackCommand(`plan ${name} --refresh`, namespace)}\` makes a new plan`;
  }
  return undefined;
}

/** The plan `moor stack apply NAME` would approve, or why there is none. */
export function pendingPlan(stack: Stack, now = Date.now()): { plan: StackPlanStatus } | { problem: string } {
  if (!stack.status) return { problem: noStatusMessage(stack) };
  const plan = statusOf(stack).lastPlan;
  if (!plan) return { problem: `${noPlanMessage(stack)}; there is nothing to apply` };
  if (!plan.pending) {
    const state = planState(stack);
    const detail =
      state.state === "applied"
        ? `its last plan ${plan.id} was approved already (${appliedText(state.apply, now)})`
        : `its last plan ${plan.id} ${isEmpty(plan) ? "changes nothing" : "is not pending"}`;
    return {
      problem: `stack ${stackId(stack)} has nothing pending to apply: ${detail}; \`${stackCommand(`plan ${stack.metadata.name} --refresh`, stack.metadata.namespace)}\` makes a new plan`,
    };
  }
  return { plan };
}
