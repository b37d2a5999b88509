// A registered cluster's namespace scope (`moor cluster add --namespace-scope a,b`): the cluster
// may be used only in those namespaces, typically because its credentials were granted rights
// there alone, or because the platform team lends one team a few namespaces of a shared cluster.
// A sync to such a cluster may touch only namespaced objects inside the scope; an object in
// another namespace, or a cluster-scoped one (Namespace, ClusterRole, CRD...), is refused before
// anything is applied, so no half of an app lands in the cluster.
import { formatRef, type ObjectRef } from "./objects.ts";

export interface ScopeViolation {
  ref: ObjectRef;
  /** `namespace other is outside the scope` or `cluster-scoped`. */
  why: string;
}

/**
 * The objects that lie outside `scope` (undefined or empty: no scope, nothing is refused).
 * A ref with an empty namespace is cluster-scoped.
 */
export function scopeViolations(
  refs: readonly ObjectRef[],
  scope: readonly string[] | undefined,
): ScopeViolation[] {
  if (!scope || scope.length === 0) return [];
  const allowed = new Set(scope);
  const violations: ScopeViolation[] = [];
  for (const ref of refs) {
    if (ref.namespace === "") violations.push({ ref, why: "cluster-scoped" });
    else if (!allowed.has(ref.namespace)) violations.push({ ref, why: `namespace ${ref.namespace}` });
  }
  return violations;
}

/** Shown in the Stalled condition: which cluster, its scope, the first refused objects, the fix. */
export function scopeMessage(
  cluster: string,
  scope: readonly string[],
  violations: readonly ScopeViolation[],
  shown = 5,
): string {
  const listed = violations
    .slice(0, shown)
    .map((v) => `${formatRef(v.ref)} (${v.why})`)
    .join(", ");
  const more = violations.length > shown ? ` and ${violations.length - shown} more` : "";
  return `nothing was applied: cluster ${cluster} may only be used in namespaces ${scope.join(", ")} (its --namespace-scope), which excludes ${listed}${more}; move these objects into the scope, or register the cluster again with a wider --namespace-scope`;
}
