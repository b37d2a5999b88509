// Two ways a person narrows a sync they ask for (`moor app sync`, POST .../sync):
// - chosen objects (Argo CD's selective sync): only the named objects are applied, and pruned
//   when prune is on and Git no longer has them; hooks do not run, since they belong to a sync of
//   the whole app; the rest of the app stays as it is, OutOfSync if it was;
// - a dry run: the comparison already sent every object to the API server as a server-side
//   dry-run apply (admission, schema and conflicts checked), so a dry-run sync plans as a real one
//   would and ends at once, saying per object what the sync would do, without changing anything
//   and without a history entry.
import type { OperationState, ResourceOutcome } from "../core/app-status.ts";
import { type ObjectRef, refKey, refOf } from "../core/objects.ts";
import type { SyncPlan } from "../core/sync-plan.ts";
import type { Comparison } from "./compare.ts";

/** One chosen object; namespace left out matches the object in any namespace (cluster-scoped kinds). */
export interface SyncSelection {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function isSelected(ref: ObjectRef, selection: readonly SyncSelection[]): boolean {
  return selection.some(
    (s) =>
      s.group === ref.group &&
      s.kind === ref.kind &&
      s.name === ref.name &&
      (s.namespace === undefined || s.namespace === ref.namespace),
  );
}

/** The comparison narrowed to the chosen objects; hooks are left out. */
export function selectComparison(comparison: Comparison, selection: readonly SyncSelection[]): Comparison {
  return {
    objects: comparison.objects.filter((o) => !o.hook && isSelected(o.ref, selection)),
    diffs: comparison.diffs.filter((d) => isSelected(d.ref, selection)),
    pruneCandidates: comparison.pruneCandidates.filter((o) => isSelected(refOf(o), selection)),
  };
}

/**
 * Ends a dry-run sync at once: per planned object, what the sync would do (`created`,
 * `configured`, `unchanged`, `deleted`; hooks `skipped`), each said to be a dry run.
 */
export function finishDryRun(
  start: OperationState,
  plan: SyncPlan,
  comparison: Comparison,
  now: string,
): OperationState {
  const actions = new Map(comparison.diffs.map((d) => [refKey(d.ref), d.action]));
  const outcomes: ResourceOutcome[] = [...start.resources];
  for (const step of plan.steps) {
    for (const obj of step.objects) {
      const ref = refOf(obj);
      const action = actions.get(refKey(ref));
      const result: ResourceOutcome["result"] =
        step.action === "hook"
          ? "skipped"
          : step.action === "prune"
            ? "deleted"
            : action === "create"
              ? "created"
              : action === "none"
                ? "unchanged"
                : "configured";
      outcomes.push({
        ...ref,
        result,
        phase: step.phase,
        wave: step.wave,
        message: step.action === "hook" ? "dry run: hooks do not run" : "dry run: nothing was changed",
      });
    }
  }
  const count = (r: string) => outcomes.filter((o) => o.result === r).length;
  return {
    ...start,
    phase: "Succeeded",
    message: `dry run: ${count("created")} to create, ${count("configured")} to configure, ${count("deleted")} to prune; nothing was changed`,
    finishedAt: now,
    resources: outcomes,
    hooks: [],
    dryRun: true,
  };
}
