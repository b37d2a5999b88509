// What a person may ask of a Stack, once, for both `moor stack ...` and the API. As with
// Applications, nothing here runs tofu: each action checks the request against the Stack as it is
// now and writes an annotation the Stack controller answers —
// - plan: `mooring.dev/refresh` (plan again now);
// - approve (by plan id) and apply (whatever plan is pending): `mooring.dev/approve-plan` with the
//   plan id, and `mooring.dev/approved-by` with who approved it, which the controller copies into
//   the apply record and the audit trail. A plan id is content-hashed (src/core/stack/plan-id.ts),
//   so approving an id approves exactly the changes reviewed; an id that is not the current plan
//   is refused (conflict), since the controller would never apply it;
// - unlock: `mooring.dev/unlock` with the lock id and `mooring.dev/unlock-requested-by`; the
//   controller releases the state lock only while that very lock is held;
// - delete: the Stack itself (its infrastructure is destroyed first only with spec.destroyOnDelete).

import { isPlanId } from "../core/stack/plan-id.ts";
import {
  APPROVE_PLAN_ANNOTATION,
  APPROVED_BY_ANNOTATION,
  type Stack,
  type StackPlanStatus,
  stackSpecDefaults,
  UNLOCK_ANNOTATION,
  UNLOCK_REQUESTED_BY_ANNOTATION,
} from "../core/stack/spec.ts";
import { describeStateLock, type StateLock } from "../core/stack/state-lock.ts";
import type { KubeClient } from "../kube/client.ts";
import { ActionError, type Initiator } from "./action-error.ts";
import { approvalProblem, countsText, noPlanMessage, pendingPlan, stackCommand } from "./stack-checks.ts";
import { STACK_REFRESH_ANNOTATION, StackApi } from "./stack-client.ts";

export const STACK_ACTIONS = ["plan", "approve", "apply", "unlock", "delete"] as const;
export type StackAction = (typeof STACK_ACTIONS)[number];

export interface StackActionResult {
  action: StackAction;
  /** The Stack as read just before the request was written. */
  stack: Stack;
  /** One line saying what was requested, as the CLI prints it. */
  message: string;
}

function stackId(namespace: string, name: string): string {
  return `Stack ${namespace}/${name}`;
}

/** Reads the Stack; a missing one is refused as not-found, naming where it was looked for. */
export async function loadStack(client: KubeClient, namespace: string, name: string): Promise<Stack> {
  const stack = await new StackApi(client, namespace).find(name);
  if (!stack) {
    throw new ActionError(
      "not-found",
      stackId(namespace, name),
      `stack ${name} not found in namespace ${namespace}; \`moor stack list -n ${namespace}\` lists the stacks there`,
    );
  }
  return stack;
}

/** Planning, applying and drift checks all stop while a Stack is suspended. */
export function assertNotSuspended(stack: Stack, what: string): void {
  const { name, namespace } = stack.metadata;
  if (stack.spec.suspend) {
    throw new ActionError(
      "conflict",
      stackId(namespace, name),
      `stack ${namespace}/${name} is suspended (spec.suspend), so the controller does not ${what}; set spec.suspend to false first`,
    );
  }
}

/** Asks the controller to plan the Stack again now. */
export async function planStack(
  client: KubeClient,
  namespace: string,
  name: string,
  _options: Record<string, never>,
  _initiator: Initiator,
): Promise<StackActionResult> {
  const stack = await loadStack(client, namespace, name);
  assertNotSuspended(stack, "plan it");
  await new StackApi(client, namespace).annotate(name, { [STACK_REFRESH_ANNOTATION]: "normal" });
  return { action: "plan", stack, message: `a new plan of stack ${name} requested` };
}

export interface ApprovalResult extends StackActionResult {
  plan: StackPlanStatus;
  approvedBy: string;
  /** Set when the Stack is suspended: the approval waits until it is resumed. */
  warning?: string;
}

async function approvePlan(
  client: KubeClient,
  stack: Stack,
  plan: StackPlanStatus,
  action: "approve" | "apply",
  initiator: Initiator,
): Promise<ApprovalResult> {
  const { name, namespace } = stack.metadata;
  await new StackApi(client, namespace).annotate(name, {
    [APPROVE_PLAN_ANNOTATION]: plan.id,
    [APPROVED_BY_ANNOTATION]: initiator,
  });
  return {
    action,
    stack,
    plan,
    approvedBy: initiator,
    message: `plan ${plan.id} of stack ${name} approved by ${initiator} (${plan.purpose}: ${countsText(plan)})`,
    ...(stack.spec.suspend
      ? {
          warning: `stack ${namespace}/${name} is suspended (spec.suspend): the plan is applied once it is resumed, if it is still the pending plan then`,
        }
      : {}),
  };
}

/** Approves the pending plan `planId`; refused unless it is the Stack's current, pending plan. */
export async function approveStack(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { planId: string },
  initiator: Initiator,
): Promise<ApprovalResult> {
  if (!isPlanId(options.planId)) {
    throw new ActionError(
      "invalid",
      stackId(namespace, name),
      `"${options.planId}" is not a plan id (p- and 16 hex digits); \`moor stack plan ${name}\` shows the current one`,
    );
  }
  const stack = await loadStack(client, namespace, name);
  const problem = approvalProblem(stack, options.planId);
  if (problem) throw new ActionError("conflict", stackId(namespace, name), problem);
  const plan = stack.status?.lastPlan as StackPlanStatus | undefined;
  if (!plan) throw new ActionError("conflict", stackId(namespace, name), noPlanMessage(stack));
  return approvePlan(client, stack, plan, "approve", initiator);
}

/** Approves whatever plan is pending now; refused when nothing is. */
export async function applyStack(
  client: KubeClient,
  namespace: string,
  name: string,
  _options: Record<string, never>,
  initiator: Initiator,
): Promise<ApprovalResult> {
  const stack = await loadStack(client, namespace, name);
  const pending = pendingPlan(stack);
  if ("problem" in pending) throw new ActionError("conflict", stackId(namespace, name), pending.problem);
  return approvePlan(client, stack, pending.plan, "apply", initiator);
}

/**
 * Asks the controller to release the state lock `lockId` (default: the lock held now), once its
 * holder is known to be gone. Refused unless that lock is held.
 */
export async function unlockStack(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { lockId?: string },
  initiator: Initiator,
): Promise<StackActionResult & { lock: StateLock }> {
  const api = new StackApi(client, namespace);
  const stack = await loadStack(client, namespace, name);
  const held = await api.stateLock(stack);
  if (!held) {
    throw new ActionError(
      "conflict",
      stackId(namespace, name),
      `the state of stack ${namespace}/${name} is not locked: nothing to release`,
    );
  }
  if (options.lockId !== undefined && held.id !== options.lockId) {
    throw new ActionError(
      "conflict",
      stackId(namespace, name),
      `the state of stack ${namespace}/${name} is locked by ${describeStateLock(held)}, not ${options.lockId}: make sure its holder is gone, then name that lock`,
    );
  }
  await api.annotate(name, { [UNLOCK_ANNOTATION]: held.id, [UNLOCK_REQUESTED_BY_ANNOTATION]: initiator });
  return {
    action: "unlock",
    stack,
    lock: held,
    message: `asked the controller to release ${describeStateLock(held)} of stack ${name}, for ${initiator}`,
  };
}

/** Deletes the Stack; with spec.destroyOnDelete the controller destroys its infrastructure first. */
export async function deleteStack(
  client: KubeClient,
  namespace: string,
  name: string,
  _options: Record<string, never>,
  _initiator: Initiator,
): Promise<StackActionResult & { gone: boolean; destroy: boolean; after: Stack | null }> {
  const api = new StackApi(client, namespace);
  const stack = await loadStack(client, namespace, name);
  const destroy = stackSpecDefaults(stack.spec, namespace).destroyOnDelete;
  await api.delete(name);
  const after = await api.find(name);
  const message = !after
    ? `stack ${name} deleted${destroy ? "" : "; its state and infrastructure were kept"}`
    : destroy
      ? `stack ${name} is being deleted: the controller destroys its infrastructure first (a destroy plan, applied once approved${stackSpecDefaults(after.spec, namespace).approvePlan === "auto" ? ": approvePlan is auto" : ` — \`${stackCommand(`plan ${name}`, namespace)}\` shows it`})`
      : `stack ${name} is being deleted; its state and infrastructure are kept`;
  return { action: "delete", stack, gone: !after, destroy, after, message };
}
