// Health of Mooring's own kinds when an Application manages them: the app-of-apps pattern, where a
// parent Application's repository holds child Applications (and ApplicationSets). The parent's
// waves wait for each wave's objects to be Healthy, so a child must not count as Healthy merely
// because it exists: it is Healthy only once its own controller has reconciled its current spec
// (status.observedGeneration), found it Synced and its objects healthy (Ready=True). That is what
// lets a wave of child apps start only when the previous wave of whole apps is up.
//
// Argo CD dropped Application health from its defaults in 1.8 (a parent turned Progressing for as
// long as any child was, which surprised users), and those who want waves over apps add a Lua
// check that copies status.health. Mooring gives it by default, and reads Ready rather than the
// objects' health alone: a child whose sync failed or whose source cannot be read is Degraded too,
// and the message says why, so the parent's message names the child and its reason.
import type { KubeObject } from "../objects.ts";
import {
  at,
  conditions,
  describe,
  findCondition,
  list,
  num,
  spec,
  str,
  unobservedGeneration,
} from "./fields.ts";
import { deletionHealth } from "./generic.ts";
import type { HealthResult } from "./status.ts";

function said(prefix: string, detail: string): string {
  return detail ? `${prefix}: ${detail}` : prefix;
}

/** Whether the Ready condition speaks for the current generation (when the controller says which). */
function readyIsCurrent(obj: KubeObject): boolean {
  const ready = list(at(obj, "status", "conditions")).find((c) => at(c, "type") === "Ready");
  const observed = num(at(ready, "observedGeneration"));
  const generation = num(obj.metadata.generation);
  return generation === undefined || observed === undefined || observed >= generation;
}

/**
 * An Application: Suspended when spec.suspend; Progressing until its controller has seen the
 * current generation, while a sync runs or it reconciles; Degraded when Stalled, when its objects
 * are Degraded or its Ready condition is False for a reason waiting will not fix; Healthy when
 * Ready is True for the current generation and it is Synced.
 */
export function applicationHealth(obj: KubeObject): HealthResult {
  const deleting = deletionHealth(obj);
  if (deleting) return deleting;
  if (spec(obj).suspend === true) return { status: "Suspended", message: "suspended (spec.suspend is true)" };
  const unseen = unobservedGeneration(obj, { absentMeansUnobserved: true });
  if (unseen) {
    return {
      status: "Progressing",
      message: `waiting for the controller to reconcile generation ${unseen.generation}`,
    };
  }
  const all = conditions(obj);
  const stalled = findCondition(all, "Stalled");
  if (stalled?.status === "True") return { status: "Degraded", message: said("stalled", describe(stalled)) };
  const health = str(at(obj, "status", "health", "status"));
  if (health === "Degraded") {
    return {
      status: "Degraded",
      message: said("degraded", str(at(obj, "status", "health", "message")) ?? ""),
    };
  }
  const phase = str(at(obj, "status", "operationState", "phase"));
  if (phase === "Running" || phase === "Terminating") {
    return {
      status: "Progressing",
      message: said("sync running", str(at(obj, "status", "operationState", "message")) ?? ""),
    };
  }
  const reconciling = findCondition(all, "Reconciling");
  if (reconciling?.status === "True") {
    return {
      status: "Progressing",
      message: said("reconciling", reconciling.message || describe(reconciling)),
    };
  }
  const ready = findCondition(all, "Ready");
  const synced = str(at(obj, "status", "sync", "status")) === "Synced";
  if (ready?.status === "True" && readyIsCurrent(obj) && synced) {
    return { status: "Healthy", message: describe(ready) || "Synced and Healthy" };
  }
  // A manual app out of sync waits for someone to sync it: nothing failed.
  if (ready?.status === "False" && ready.reason === "OutOfSync") {
    return { status: "Progressing", message: said("waiting for a sync", ready.message ?? "") };
  }
  if (ready?.status === "False") return { status: "Degraded", message: said("not ready", describe(ready)) };
  return { status: "Progressing", message: said("not ready yet", describe(ready)) };
}

/**
 * An ApplicationSet: Progressing until its controller has generated from the current spec and
 * while a RollingSync moves through its steps; Degraded when Stalled, when a rollout stopped at a
 * Degraded Application, or when Ready is False (conflicting Applications); Healthy when Ready.
 */
export function applicationSetHealth(obj: KubeObject): HealthResult {
  const deleting = deletionHealth(obj);
  if (deleting) return deleting;
  const unseen = unobservedGeneration(obj, { absentMeansUnobserved: true });
  if (unseen) {
    return {
      status: "Progressing",
      message: `waiting for the controller to generate from generation ${unseen.generation}`,
    };
  }
  const all = conditions(obj);
  const stalled = findCondition(all, "Stalled");
  if (stalled?.status === "True") return { status: "Degraded", message: said("stalled", describe(stalled)) };
  const rollout = findCondition(all, "RolloutProgressing");
  if (rollout?.status === "False" && rollout.reason === "ApplicationDegraded") {
    return { status: "Degraded", message: said("rollout stopped", rollout.message ?? "") };
  }
  if (rollout?.status === "True") {
    return { status: "Progressing", message: said("rolling sync", rollout.message ?? "") };
  }
  const ready = findCondition(all, "Ready");
  if (ready?.status === "True") return { status: "Healthy", message: describe(ready) };
  if (ready?.status === "False") return { status: "Degraded", message: said("not ready", describe(ready)) };
  return { status: "Progressing", message: "waiting for the controller to generate Applications" };
}
