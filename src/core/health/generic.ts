// Health of every kind without a function of its own, read from the conventions that kstatus
// (the status library behind `kubectl wait`, Flux and cli-utils) codified for custom resources:
//
// - `status.observedGeneration` below `metadata.generation`: the controller has not acted on the
//   latest spec, so the rest of the status is about an older one.
// - `Stalled=True`: the controller gave up and needs a person.
// - `Reconciling=True`: the controller is working towards the spec.
// - `Ready`: True when done, False when failed (unless still reconciling), Unknown while working.
//
// An object with none of these (a ConfigMap, a Secret, a ServiceAccount) has no controller to
// wait for, so it is healthy as soon as it exists. By the same convention `spec.suspend: true`
// (CronJobs, Flux sources and reconcilers, Mooring's own kinds) means paused on purpose.
import type { KubeObject } from "../objects.ts";
import { conditions, describe, findCondition, spec, unobservedGeneration } from "./fields.ts";
import type { HealthResult } from "./status.ts";

function withMessage(status: HealthResult["status"], message: string): HealthResult {
  return message ? { status, message } : { status };
}

/**
 * An object being deleted stays until its finalizers are removed: whatever its status says, it is
 * on its way out. Custom resources without a function of their own, built-in CEL checks included,
 * are Progressing until then (Argo CD does the same before its health scripts).
 */
export function deletionHealth(obj: KubeObject): HealthResult | undefined {
  if (!obj.metadata.deletionTimestamp) return undefined;
  const finalizers = obj.metadata.finalizers ?? [];
  const waiting = finalizers.length > 0 ? `: waiting for finalizers ${finalizers.join(", ")}` : "";
  return { status: "Progressing", message: `being deleted${waiting}` };
}

export function genericHealth(obj: KubeObject): HealthResult {
  const deleting = deletionHealth(obj);
  if (deleting) return deleting;
  if (spec(obj).suspend === true) return { status: "Suspended", message: "suspended (spec.suspend is true)" };

  const unseen = unobservedGeneration(obj, { absentMeansUnobserved: false });
  if (unseen) {
    return {
      status: "Progressing",
      message: `waiting for the controller to observe generation ${unseen.generation} (observed ${unseen.observed})`,
    };
  }

  const all = conditions(obj);
  const stalled = findCondition(all, "Stalled");
  if (stalled?.status === "True") return withMessage("Degraded", describe(stalled) || "stalled");
  const reconciling = findCondition(all, "Reconciling");
  if (reconciling?.status === "True")
    return withMessage("Progressing", describe(reconciling) || "reconciling");

  const ready = findCondition(all, "Ready");
  switch (ready?.status) {
    case "True":
      return withMessage("Healthy", describe(ready));
    case "False":
      return withMessage("Degraded", describe(ready) || "not ready");
    case "Unknown":
      return withMessage("Progressing", describe(ready) || "readiness not yet known");
    default:
      return { status: "Healthy" };
  }
}
