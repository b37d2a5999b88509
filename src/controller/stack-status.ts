// Writing a Stack's status and its own annotations, always with the controller's identity (the
// Stack object is Mooring's to keep, not the Stack's ServiceAccount's). A status is written only
// when it changed, as a merge patch of the difference; conditions follow the kstatus trio
// (Ready, Reconciling, Stalled) plus PlanPending and Drifted.
import {
  applyStanding,
  type Condition,
  removeCondition,
  type Standing,
  setCondition,
} from "../core/conditions.ts";
import { jsonEqual } from "../core/json.ts";
import { mergePatchFrom } from "../core/merge-patch.ts";
import { formatCounts } from "../core/stack/plan.ts";
import type { Stack, StackStatus } from "../core/stack/spec.ts";
import type { KubeClient } from "../kube/client.ts";

export function stackRef(stack: Stack) {
  return {
    group: "mooring.dev",
    kind: "Stack",
    namespace: stack.metadata.namespace,
    name: stack.metadata.name,
    apiVersion: stack.apiVersion,
  };
}

const NO_COUNTS = { add: 0, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 };

export class StackStatusWriter {
  private readonly client: KubeClient;

  constructor(client: KubeClient) {
    this.client = client;
  }

  /** Says a run is under way, and what it does. */
  async reconciling(stack: Stack, status: StackStatus, message: string): Promise<void> {
    const next = structuredClone(status);
    next.conditions = setCondition(
      next.conditions ?? [],
      { type: "Reconciling", status: "True", reason: "Progressing", message },
      new Date().toISOString(),
      stack.metadata.generation,
    );
    await this.write(stack, next);
  }

  /** Ends a reconcile: the standing, PlanPending and Drifted from the status, observedGeneration. */
  async finish(stack: Stack, status: StackStatus, standing: Standing): Promise<void> {
    const now = new Date().toISOString();
    let conditions: Condition[] = applyStanding(
      status.conditions ?? [],
      standing,
      now,
      stack.metadata.generation,
    );
    const pending = status.lastPlan?.pending;
    conditions = setCondition(
      conditions,
      pending
        ? {
            type: "PlanPending",
            status: "True",
            reason: "AwaitingApproval",
            message: `plan ${status.lastPlan?.id}: ${formatCounts(status.lastPlan?.summary ?? NO_COUNTS)}`,
          }
        : {
            type: "PlanPending",
            status: "False",
            reason: "NoPendingPlan",
            message: "no plan waits for approval",
          },
      now,
    );
    if (status.drift?.drifted) {
      conditions = setCondition(
        conditions,
        {
          type: "Drifted",
          status: "True",
          reason: "DriftDetected",
          message: `changed outside OpenTofu: ${status.drift.resources.map((r) => r.address).join(", ")}`,
        },
        now,
      );
    } else {
      conditions = removeCondition(conditions, "Drifted");
    }
    await this.write(stack, { ...status, conditions, observedGeneration: stack.metadata.generation });
  }

  /** Writes `status` when it differs from what the Stack object holds. */
  async write(stack: Stack, status: StackStatus): Promise<void> {
    const previous = stack.status ?? {};
    if (jsonEqual(JSON.parse(JSON.stringify(previous)), JSON.parse(JSON.stringify(status)))) return;
    const updated = await this.client.mergePatch(
      stackRef(stack),
      { status: mergePatchFrom(previous, status) },
      "status",
    );
    stack.status = (updated as Stack).status ?? status;
  }

  /** Removes request annotations (approve, refresh, unlock...) once answered. */
  async clearAnnotations(stack: Stack, keys: string[]): Promise<void> {
    const annotations: Record<string, null> = {};
    for (const k of keys) if (stack.metadata.annotations?.[k] !== undefined) annotations[k] = null;
    if (Object.keys(annotations).length === 0) return;
    await this.client.mergePatch(stackRef(stack), { metadata: { annotations } });
  }
}
