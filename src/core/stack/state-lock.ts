// A Stack's state lock as tofu's Kubernetes backend keeps it. While a run works on the state,
// tofu holds the Lease `lock-tfstate-<workspace>-<suffix>` next to the state Secret: its
// `spec.holderIdentity` is the lock id, and the annotation `app.terraform.io/lock-info` holds
// the lock's details as JSON (ID, Operation, Who — user@host of the process —, Version, Created,
// Path, Info). Unlocking clears both; the Lease itself stays.
//
// A lock outlives its run when the process dies without unlocking: a controller Pod dies with
// every tofu it started. Only the leader runs tofu, so a lock taken before the present leader
// began leading belongs to a run of a former leader — stale once no such run is still alive.
// Reading the Lease tells a new leader so at once, instead of after tofu's lock timeout.
import type { KubeObject } from "../objects.ts";

export const LOCK_INFO_ANNOTATION = "app.terraform.io/lock-info";

export interface StateLock {
  /** The lock id: what `tofu force-unlock` takes. */
  id: string;
  /** user@host of the process that took it; "" when the Lease does not say. */
  who: string;
  /** What it was taken for: "apply", "plan", "init"…; "" when the Lease does not say. */
  operation: string;
  /** When it was taken, in ms since the epoch; undefined when the Lease does not say. */
  createdMs: number | undefined;
}

/** The lock held on the state, or undefined when the Lease is missing or nobody holds it. */
export function heldStateLock(lease: KubeObject | null | undefined): StateLock | undefined {
  const holder = (lease?.spec as { holderIdentity?: unknown } | undefined)?.holderIdentity;
  if (typeof holder !== "string" || holder === "") return undefined;
  const info = parseLockInfo(lease?.metadata.annotations?.[LOCK_INFO_ANNOTATION]);
  return {
    // force-unlock compares with the holder, so the holder is the id to release.
    id: holder,
    who: typeof info.Who === "string" ? info.Who : "",
    operation:
      typeof info.Operation === "string" ? info.Operation.replace(/^OperationType/, "").toLowerCase() : "",
    createdMs: typeof info.Created === "string" ? parseGoTime(info.Created) : undefined,
  };
}

/**
 * True when the lock is what a dead Mooring run left: taken before `leadingSinceMs`, the moment
 * this replica began leading, while the Stack's status (as it stood before this reconcile wrote
 * anything) says a run was under way — Mooring writes that before every tofu run and clears it
 * after. A lock whose age is unknown is never stale: it may be a live run's. Nor is a lock held
 * while no run of Mooring's was under way: someone ran tofu by hand against the same state, and
 * only they know when they are done.
 */
export function isStaleLock(lock: StateLock, leadingSinceMs: number, runWasUnderWay: boolean): boolean {
  return runWasUnderWay && lock.createdMs !== undefined && lock.createdMs < leadingSinceMs;
}

/** The status says a tofu run of Mooring's is under way: Reconciling=True for Progressing. */
export function runUnderWay(
  status: { conditions?: readonly { type: string; status: string; reason: string }[] } | undefined,
): boolean {
  const reconciling = status?.conditions?.find((c) => c.type === "Reconciling");
  return reconciling?.status === "True" && reconciling.reason === "Progressing";
}

/** "lock 5e77… (apply by runner@pod-a, created 2026-11-26T06:32:09.382Z)", for events and logs. */
export function describeStateLock(lock: StateLock): string {
  const details = [
    [lock.operation, lock.who].filter(Boolean).join(" by "),
    `created ${lock.createdMs === undefined ? "at an unknown time" : new Date(lock.createdMs).toISOString()}`,
  ].filter(Boolean);
  return `lock ${lock.id} (${details.join(", ")})`;
}

export type UnlockDecision = { release: boolean; message: string };

/**
 * What to do about a request to release lock `requestedId` (`moor stack unlock`): release it only
 * while that very lock is held — a lock taken since belongs to someone else, and the person who
 * asked has not seen it.
 */
export function decideUnlock(
  stackRef: string,
  requestedId: string,
  requestedBy: string,
  held: StateLock | undefined,
): UnlockDecision {
  if (held && held.id === requestedId) {
    return {
      release: true,
      message: `released state ${describeStateLock(held)} of stack ${stackRef}, as ${requestedBy} asked`,
    };
  }
  const now = held ? `it is locked by ${describeStateLock(held)}` : "the state is not locked";
  return {
    release: false,
    message: `did not release lock ${requestedId} of stack ${stackRef} as ${requestedBy} asked: ${now}`,
  };
}

/**
 * The merge patch that releases the lock held in `lease`, as tofu's force-unlock does (no
 * holder, no lock info). The resourceVersion makes the API server refuse it should the Lease
 * have changed since it was read.
 */
export function releaseLockPatch(lease: KubeObject): Record<string, unknown> {
  return {
    metadata: {
      resourceVersion: lease.metadata.resourceVersion,
      annotations: { [LOCK_INFO_ANNOTATION]: null },
    },
    spec: { holderIdentity: null },
  };
}

function parseLockInfo(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A time as Go's JSON writes it (RFC 3339 with up to nanoseconds: `2026-11-26T06:32:09.382042219Z`
 * or `…+02:00`), in ms since the epoch. Go's zero time (year 1) means "not set".
 */
export function parseGoTime(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, seconds, fraction = "", zone] = match;
  const ms = Date.parse(`${seconds}${fraction.slice(0, 4)}${zone}`);
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
}
