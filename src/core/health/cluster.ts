// Health of networking, storage, autoscaling and API objects whose status is written by a
// controller other than the one that owns Pods.
import type { KubeObject } from "../objects.ts";
import {
  at,
  type Condition,
  conditionList,
  conditions,
  describe,
  findCondition,
  isTrue,
  list,
  num,
  spec,
  status,
  str,
  unobservedGeneration,
} from "./fields.ts";
import type { HealthResult } from "./status.ts";

/** The addresses a load balancer published: each entry of status.loadBalancer.ingress has an ip or a hostname. */
function loadBalancerAddresses(obj: KubeObject): string[] {
  const addresses: string[] = [];
  for (const entry of list(at(obj, "status", "loadBalancer", "ingress"))) {
    const address = str(at(entry, "ip")) ?? str(at(entry, "hostname"));
    if (address) addresses.push(address);
  }
  return addresses;
}

/**
 * A Service of type LoadBalancer asks a cloud controller (or MetalLB and the like) for an external
 * address; until one is published in status.loadBalancer.ingress, the Service is not reachable
 * from outside. Every other type works as soon as it exists.
 */
export function serviceHealth(obj: KubeObject): HealthResult {
  if (str(spec(obj).type) !== "LoadBalancer") return { status: "Healthy" };
  const addresses = loadBalancerAddresses(obj);
  if (addresses.length === 0) {
    return { status: "Progressing", message: "waiting for the load balancer to get an external address" };
  }
  return { status: "Healthy", message: `load balancer at ${addresses.join(", ")}` };
}

/**
 * An Ingress is served by whichever ingress controller claims it; the controller publishes the
 * address it serves from in status.loadBalancer.ingress. Until then nothing routes to it.
 */
export function ingressHealth(obj: KubeObject): HealthResult {
  const addresses = loadBalancerAddresses(obj);
  if (addresses.length === 0) {
    return { status: "Progressing", message: "waiting for an ingress controller to publish an address" };
  }
  return { status: "Healthy", message: `served at ${addresses.join(", ")}` };
}

/**
 * A PersistentVolumeClaim is Pending until a volume is bound to it (provisioned on demand, or
 * when the first Pod using it is scheduled for WaitForFirstConsumer storage classes), Bound while
 * it has one, and Lost when its volume disappeared: the data is gone from Kubernetes' view and a
 * person must act.
 */
export function persistentVolumeClaimHealth(obj: KubeObject): HealthResult {
  const phase = str(status(obj).phase);
  switch (phase) {
    case "Bound":
      return { status: "Healthy", message: `bound to volume ${str(spec(obj).volumeName) ?? ""}`.trimEnd() };
    case "Pending":
      return { status: "Progressing", message: "waiting for a volume to be bound" };
    case "Lost":
      return { status: "Degraded", message: "the bound volume no longer exists" };
    default:
      return { status: "Unknown", message: phase ? `claim phase is ${phase}` : "claim has no phase yet" };
  }
}

/**
 * autoscaling/v1 has no conditions field, so the API server carries the v2 conditions in this
 * annotation as a JSON list when an HPA is read at v1.
 */
const HPA_V1_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";

function autoscalerConditions(obj: KubeObject): Condition[] {
  const own = conditions(obj);
  if (own.length > 0) return own;
  const annotated = obj.metadata.annotations?.[HPA_V1_CONDITIONS_ANNOTATION];
  if (!annotated) return [];
  try {
    return conditionList(JSON.parse(annotated));
  } catch {
    return [];
  }
}

/**
 * A HorizontalPodAutoscaler reports three conditions. AbleToScale: can it read and write the
 * target's scale subresource (False with a Backoff* reason only means it scaled a moment ago and
 * waits, as older controllers report). ScalingActive: can it compute a replica count from its
 * metrics (False with reason ScalingDisabled means the target was scaled to zero on purpose,
 * which switches autoscaling off). ScalingLimited: the computed count was clamped to minReplicas
 * or maxReplicas; the autoscaler works as configured, so that is news, not a failure.
 */
export function horizontalPodAutoscalerHealth(obj: KubeObject): HealthResult {
  const unseen = unobservedGeneration(obj, { absentMeansUnobserved: false });
  if (unseen) return { status: "Progressing", message: "waiting for the autoscaler to observe the new spec" };

  const all = autoscalerConditions(obj);
  if (all.length === 0)
    return { status: "Progressing", message: "waiting for the autoscaler to report its conditions" };

  const able = findCondition(all, "AbleToScale");
  if (able?.status === "False" && !able.reason?.startsWith("Backoff")) {
    return { status: "Degraded", message: describe(able) };
  }
  const active = findCondition(all, "ScalingActive");
  if (active?.status === "False") {
    if (active.reason === "ScalingDisabled") return { status: "Suspended", message: describe(active) };
    return { status: "Degraded", message: describe(active) };
  }
  const limited = findCondition(all, "ScalingLimited");
  if (limited?.status === "True") return { status: "Healthy", message: describe(limited) };
  const current = num(status(obj).currentReplicas);
  return {
    status: "Healthy",
    message: current === undefined ? "autoscaler is active" : `autoscaler is active with ${current} replicas`,
  };
}

/**
 * A CustomResourceDefinition is usable once the API server has accepted its names (no other CRD
 * claims the same plural or kind) and Established it, i.e. started serving the new API. A name
 * conflict or a non-structural schema never resolves on its own.
 */
export function customResourceDefinitionHealth(obj: KubeObject): HealthResult {
  const all = conditions(obj);
  const names = findCondition(all, "NamesAccepted");
  if (names?.status === "False") return { status: "Degraded", message: describe(names) };
  const nonStructural = findCondition(all, "NonStructuralSchema");
  if (nonStructural?.status === "True") return { status: "Degraded", message: describe(nonStructural) };
  const terminating = findCondition(all, "Terminating");
  if (terminating?.status === "True") return { status: "Progressing", message: describe(terminating) };
  if (isTrue(all, "Established"))
    return { status: "Healthy", message: "the API server serves this resource" };
  return { status: "Progressing", message: "waiting for the API server to establish the resource" };
}

/**
 * A Namespace is Active from creation. Deleting it makes it Terminating while the namespace
 * controller deletes everything inside and waits for finalizers; its conditions say what is
 * still holding it (NamespaceContentRemaining, NamespaceFinalizersRemaining, ...).
 */
export function namespaceHealth(obj: KubeObject): HealthResult {
  const phase = str(status(obj).phase);
  if (phase === "Active") return { status: "Healthy" };
  if (phase === "Terminating") {
    const holding = conditions(obj).find((c) => c.status === "True");
    return { status: "Progressing", message: holding ? `terminating: ${describe(holding)}` : "terminating" };
  }
  return { status: "Unknown", message: phase ? `namespace phase is ${phase}` : "namespace has no phase yet" };
}

/**
 * Why the API server's availability controller may mark an APIService unavailable and what each
 * reason means for the person waiting. The backing Service or its ready Pods not being there yet is
 * the normal state while an extension API server is being installed: wait. A Service without the
 * port the APIService names, or a server that is reached but answers discovery badly or not at
 * all (wrong certificate, a network policy, a crashing handler), will not heal by waiting.
 */
const APISERVICE_REASONS: Readonly<Record<string, HealthResult["status"]>> = {
  ServiceNotFound: "Progressing",
  EndpointsNotFound: "Progressing",
  MissingEndpoints: "Progressing",
  ServicePortError: "Degraded",
  FailedDiscoveryCheck: "Degraded",
};

/**
 * An APIService tells the API server to proxy one group/version to another server (metrics-server
 * for metrics.k8s.io, custom aggregated APIs). Its `Available` condition is written by the API
 * server's availability controller: True once the backing Service has ready endpoints and answers
 * discovery (or at once for local APIServices, served by the API server itself, reason Local).
 * While it is not True every request to that group fails and discovery of the whole cluster is
 * partial, so the APIService is not Healthy until then. Argo CD reads any not-True state as
 * Progressing; Mooring says Degraded for the reasons that waiting will not fix.
 */
export function apiServiceHealth(obj: KubeObject): HealthResult {
  const available = findCondition(conditions(obj), "Available");
  if (!available) {
    return {
      status: "Progressing",
      message: "waiting for the API server to check the service's availability",
    };
  }
  if (available.status === "True") return { status: "Healthy", message: describe(available) };
  const verdict =
    (available.status === "False" && APISERVICE_REASONS[available.reason ?? ""]) || "Progressing";
  return { status: verdict, message: describe(available) || "the API server cannot reach this API yet" };
}
