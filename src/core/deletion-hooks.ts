// Deleting an Application in stages (Argo CD 3.3's PreDelete and PostDelete hooks).
//
// A cascading delete of an app whose source declares deletion hooks runs in three stages, each
// recorded in status.deletion so a controller restart resumes it where it stood:
//   PreDelete  — the PreDelete hooks run, wave by wave, while every managed object still exists
//                (a backup of the database the app is about to lose, draining a queue);
//   Deleting   — the managed objects are deleted, as for an app without hooks;
//   PostDelete — once they are gone, the PostDelete hooks run (cleaning up outside the cluster).
// Hooks run through the same operation machinery as sync hooks (sync-operation.ts), so their
// finalizers, restart safety and messages are the same. A failing hook keeps the Application —
// its finalizer stays — and says why: deletion never carries on past a hook that failed. A
// non-cascading delete (`--cascade=false`) deletes nothing and runs no hook.
import type { OperationState } from "./app-status.ts";
import type { KubeObject } from "./objects.ts";
import { refOf } from "./objects.ts";
import {
  compareForApply,
  type DeletePhase,
  deleteHookPhases,
  type SyncPlan,
  type SyncStep,
  syncWave,
} from "./sync-plan.ts";

export const DELETION_STAGES = ["PreDelete", "Deleting", "PostDelete"] as const;
export type DeletionStage = (typeof DELETION_STAGES)[number];

/** Where a staged deletion stands; kept in status.deletion. */
export interface DeletionState {
  stage: DeletionStage;
  /** The hooks of the current stage, run as an operation (PreDelete and PostDelete stages only). */
  operation?: OperationState;
  /** The revision whose hooks run: the one last synced, fixed when the deletion starts. */
  revision: string;
  startedAt: string;
}

/**
 * The hooks of one deletion phase as a plan of hook steps, one step per wave, lowest wave first;
 * within a wave in apply order. Malformed waves are errors, as in a sync plan.
 */
export function deletionHookPlan(desired: readonly KubeObject[], phase: DeletePhase): SyncPlan {
  const byWave = new Map<number, KubeObject[]>();
  const errors: SyncPlan["errors"] = [];
  for (const obj of desired) {
    if (!deleteHookPhases(obj).includes(phase)) continue;
    const wave = syncWave(obj);
    if (!wave.ok) {
      errors.push(wave.error);
      continue;
    }
    byWave.set(wave.value, [...(byWave.get(wave.value) ?? []), obj]);
  }
  if (errors.length > 0) return { steps: [], onFail: [], skipped: [], errors, warnings: [] };
  const steps: SyncStep[] = [...byWave.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, objects]) => ({
      phase: phase as SyncStep["phase"],
      wave,
      action: "hook",
      objects: [...objects].sort((a, b) => compareForApply(refOf(a), refOf(b))),
    }));
  return { steps, onFail: [], skipped: [], errors: [], warnings: [] };
}

export type DeletionDecision =
  /** Run (or go on running) the hooks of this stage. */
  | { type: "run-hooks"; phase: DeletePhase }
  /** Delete the managed objects (or wait for them to go). */
  | { type: "delete-objects" }
  /** Move to the next stage. */
  | { type: "advance"; to: DeletionStage }
  /** Everything is done: the Application may go. */
  | { type: "done" }
  /** A hook failed: keep the Application and say why. */
  | { type: "blocked"; reason: "PreDeleteHookFailed" | "PostDeleteHookFailed"; message: string };

export interface DeletionInput {
  state: DeletionState;
  /** Whether the source declares hooks of each phase. */
  hooks: Readonly<Record<DeletePhase, boolean>>;
  /** Managed objects still present (counted once the Deleting stage has deleted them). */
  remaining: number;
}

/** What a staged deletion does next. Pure: the hooks' operation is decided by sync-operation.ts. */
export function decideDeletion({ state, hooks, remaining }: DeletionInput): DeletionDecision {
  switch (state.stage) {
    case "PreDelete":
    case "PostDelete": {
      const phase: DeletePhase = state.stage;
      const next: DeletionStage | "done" = phase === "PreDelete" ? "Deleting" : "done";
      const op = state.operation;
      if (!hooks[phase] || op?.phase === "Succeeded") {
        return next === "done" ? { type: "done" } : { type: "advance", to: next };
      }
      if (op?.phase === "Failed") {
        const keeps =
          phase === "PreDelete"
            ? "nothing was deleted"
            : "the managed objects are deleted, the Application is kept";
        return {
          type: "blocked",
          reason: phase === "PreDelete" ? "PreDeleteHookFailed" : "PostDeleteHookFailed",
          message: `${phase} hook failed, so ${keeps}: ${op.message}; fix the hook and run \`moor app refresh\` to run it again, or delete with \`--cascade=false\``,
        };
      }
      return { type: "run-hooks", phase };
    }
    case "Deleting":
      if (remaining > 0) return { type: "delete-objects" };
      return { type: "advance", to: "PostDelete" };
  }
}
