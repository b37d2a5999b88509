// Health: how well a live object is doing at what its spec asks, in one closed vocabulary.
//
// Sync status says whether the cluster matches Git; health says whether what is in the cluster
// works. An Application's health is the worst health of the objects it manages, so the order
// below is what users see at the top of every Application.

export const HEALTH_STATUSES = [
  "Healthy",
  "Progressing",
  "Degraded",
  "Suspended",
  "Missing",
  "Unknown",
] as const;

export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface HealthResult {
  status: HealthStatus;
  /** Why, in a few words a person can act on ("waiting for rollout: 1 of 3 updated replicas are available"). */
  message?: string;
}

/**
 * How bad each status is, higher is worse. The worst status of an Application's objects becomes
 * the Application's health, so the order answers "what should a person look at first":
 *
 * - Degraded: the object reports a failure (crash loop, stuck rollout, failed Job). Nothing will
 *   fix it without a person, so it hides everything else.
 * - Missing: an object Git declares is not in the cluster. The Application is not what Git says,
 *   but the next sync can create it, so it ranks below a failure that sync cannot fix.
 * - Unknown: we cannot tell (an unreadable status, a broken user health check). It may hide a
 *   failure, so it ranks above Progressing, but it is not evidence of one. (Argo CD ranks Unknown
 *   worst of all; we rank known bad news above it so that a broken custom check does not mask a
 *   crash-looping Deployment in the same Application.)
 * - Progressing: the object is moving towards its spec (a rollout, a pending load balancer) and is
 *   expected to get there without help.
 * - Suspended: a person paused the object on purpose (a paused Deployment, a suspended Job or
 *   CronJob). It is at rest, so it is better than still moving, but it is not doing all its spec
 *   says, so it is worse than Healthy.
 * - Healthy: the object does what its spec asks.
 */
const SEVERITY: Record<HealthStatus, number> = {
  Healthy: 0,
  Suspended: 1,
  Progressing: 2,
  Unknown: 3,
  Missing: 4,
  Degraded: 5,
};

/** True when `a` is strictly worse than `b`. */
export function isWorse(a: HealthStatus, b: HealthStatus): boolean {
  return SEVERITY[a] > SEVERITY[b];
}

/** Sort comparator: best first (Healthy ... Degraded). */
export function compareHealth(a: HealthStatus, b: HealthStatus): number {
  return SEVERITY[a] - SEVERITY[b];
}

/** The worst of several statuses; an Application that manages nothing is Healthy. */
export function worstOf(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "Healthy";
  for (const status of statuses) {
    if (isWorse(status, worst)) worst = status;
  }
  return worst;
}

export function isHealthStatus(value: unknown): value is HealthStatus {
  return typeof value === "string" && (HEALTH_STATUSES as readonly string[]).includes(value);
}
