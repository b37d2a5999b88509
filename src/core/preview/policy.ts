// Project policy rules for previews, in CEL.
// (Skeleton: the signatures are fixed; the implementation lands with the previews work.)
import type { KubeObject } from "../objects.ts";
import type { PlanSummary } from "../stack/plan.ts";
import type { PolicyViolation, TargetName } from "./report.ts";

/** One entry of a Project's spec.policies, as written. */
export interface PolicyRule {
  name: string;
  /** `objects`: each rendered object is `object`; `planChanges`: each planned resource change is `change`. */
  appliesTo: "objects" | "planChanges";
  /** For `objects`: only these kinds (e.g. Deployment, Pod); default all. */
  kinds?: string[];
  /** For `planChanges`: only these resource types (e.g. aws_db_instance); default all. */
  resourceTypes?: string[];
  /** CEL that must be true for an allowed object or change. */
  expression: string;
  /** Said when the rule is broken; default the expression. */
  message?: string;
}

export interface CompiledPolicies {
  readonly rules: readonly PolicyRule[];
}

export function compilePolicies(rules: readonly PolicyRule[]): {
  policies: CompiledPolicies;
  problems: string[];
} {
  return { policies: { rules }, problems: [] };
}

export function checkObjects(
  policies: CompiledPolicies,
  target: TargetName,
  objects: readonly KubeObject[],
): PolicyViolation[] {
  void policies;
  void target;
  void objects;
  throw new Error("checkObjects: not implemented yet");
}

export function checkPlan(
  policies: CompiledPolicies,
  target: TargetName,
  plan: PlanSummary,
): PolicyViolation[] {
  void policies;
  void target;
  void plan;
  throw new Error("checkPlan: not implemented yet");
}
