// Health assessment of live Kubernetes objects: a closed vocabulary with an order, one small
// function per kind, built-in CEL checks for popular custom resources, generic kstatus rules for
// the rest, and user health checks in CEL.
export { assessHealth, assessWithCheck, findHealthCheck } from "./assess.ts";
export {
  assessWithRules,
  BUILTIN_CHECKS,
  type BuiltinCheck,
  findBuiltinCheck,
  type HealthRule,
} from "./builtin/index.ts";
export { type Compiled, compileExpression, type Evaluated, evaluateExpression, toCelValue } from "./cel.ts";
export {
  apiServiceHealth,
  customResourceDefinitionHealth,
  horizontalPodAutoscalerHealth,
  ingressHealth,
  namespaceHealth,
  persistentVolumeClaimHealth,
  serviceHealth,
} from "./cluster.ts";
export { deletionHealth, genericHealth } from "./generic.ts";
export { applicationHealth, applicationSetHealth } from "./mooring.ts";
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
