// The built-in health functions, one per kind, keyed by group and kind. The version is not part
// of the key: apps/v1 and apps/v1beta2 Deployments carry the same status fields. A kind not in
// the table is assessed by a built-in CEL check for its project's kinds (builtin/), and failing
// that by the generic kstatus rules.
import { groupOf, type KubeObject } from "../objects.ts";
import { assessWithRules, BUILTIN_CHECKS, findBuiltinCheck } from "./builtin/index.ts";
import { toCelValue } from "./cel.ts";
import {
  apiServiceHealth,
  customResourceDefinitionHealth,
  horizontalPodAutoscalerHealth,
  ingressHealth,
  namespaceHealth,
  persistentVolumeClaimHealth,
  serviceHealth,
} from "./cluster.ts";
import { deletionHealth, genericHealth } from "./generic.ts";
import { applicationHealth, applicationSetHealth } from "./mooring.ts";
import { jobHealth, podHealth } from "./pods.ts";
import type { HealthResult } from "./status.ts";
import { daemonSetHealth, deploymentHealth, replicaSetHealth, statefulSetHealth } from "./workloads.ts";

export type HealthFunction = (obj: KubeObject) => HealthResult;

/** Group and kind as Kubernetes prints them: `Deployment.apps`, or `Pod` for the core group. */
export function groupKind(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}

export function groupKindOf(obj: KubeObject): string {
  return groupKind(groupOf(obj.apiVersion), obj.kind);
}

export const BUILTIN_HEALTH: ReadonlyMap<string, HealthFunction> = new Map([
  ["Deployment.apps", deploymentHealth],
  ["StatefulSet.apps", statefulSetHealth],
  ["DaemonSet.apps", daemonSetHealth],
  ["ReplicaSet.apps", replicaSetHealth],
  ["Pod", podHealth],
  ["Job.batch", jobHealth],
  ["Service", serviceHealth],
  ["Ingress.networking.k8s.io", ingressHealth],
  // Clusters before 1.22 also served Ingress from the extensions group.
  ["Ingress.extensions", ingressHealth],
  ["PersistentVolumeClaim", persistentVolumeClaimHealth],
  ["HorizontalPodAutoscaler.autoscaling", horizontalPodAutoscalerHealth],
  ["CustomResourceDefinition.apiextensions.k8s.io", customResourceDefinitionHealth],
  ["Namespace", namespaceHealth],
  ["APIService.apiregistration.k8s.io", apiServiceHealth],
  // App of apps: a parent waits for its child apps as for any workload (mooring.ts).
  ["Application.mooring.dev", applicationHealth],
  ["ApplicationSet.mooring.dev", applicationSetHealth],
]);

/**
 * The built-in verdict for a live object: its kind's function; else, unless it is being deleted,
 * the built-in CEL check that covers it; else the generic rules.
 */
export function builtinHealth(obj: KubeObject): HealthResult {
  const assess = BUILTIN_HEALTH.get(groupKindOf(obj));
  if (assess) return assess(obj);
  const deleting = deletionHealth(obj);
  if (deleting) return deleting;
  let input: Record<string, unknown> | undefined;
  const celInput = () => {
    input ??= { object: toCelValue(obj) };
    return input;
  };
  const check = findBuiltinCheck(obj, BUILTIN_CHECKS, celInput);
  return check ? assessWithRules(obj, check, celInput()) : genericHealth(obj);
}
