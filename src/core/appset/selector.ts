// Kubernetes label selectors, used twice by ApplicationSets: the clusters generator picks
// clusters by their labels, and any generator's `selector` keeps only the parameter sets whose
// (flat) parameters match — Argo CD's post-selector. Every clause must hold (AND).
import type { LabelSelector } from "./types.ts";

/** True when the labels satisfy every matchLabels entry and every matchExpressions clause. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const clause of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, clause.key);
    const value = labels[clause.key];
    const listed = has && (clause.values ?? []).includes(value as string);
    const holds = {
      In: listed,
      NotIn: !listed,
      Exists: has,
      DoesNotExist: !has,
    }[clause.operator];
    if (!holds) return false;
  }
  return true;
}

/** True when the selector has no clause at all (selects everything). */
export function selectorIsEmpty(selector: LabelSelector | undefined): boolean {
  return (
    selector === undefined ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
  );
}
