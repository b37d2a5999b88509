// Health assessment of live Kubernetes objects: a closed vocabulary with an order, one small
// function per kind, generic kstatus rules for the rest, and user health checks in CEL.
export { assessHealth, assessWithCheck, findHealthCheck } from "./assess.ts";
export { type Compiled, compileExpression, type Evaluated, evaluateExpression, toCelValue } from "./cel.ts";
export {
  customResourceDefinitionHealth,
  horizontalPodAutoscalerHealth,
  ingressHealth,
  namespaceHealth,
  persistentVolumeClaimHealth,
  serviceHealth,
} from "./cluster.ts";
export { genericHealth } from "./generic.ts";
export { FAILING_WAITING_REASONS, jobHealth, podHealth } from "./pods.ts";
export {
  compareHealth,
  HEALTH_STATUSES,
  type HealthResult,
  type HealthStatus,
  isHealthStatus,
  isWorse,
  worstOf,
} from "./status.ts";
export { BUILTIN_HEALTH, builtinHealth, groupKind, groupKindOf, type HealthFunction } from "./table.ts";
export { daemonSetHealth, deploymentHealth, replicaSetHealth, statefulSetHealth } from "./workloads.ts";
