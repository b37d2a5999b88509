// Reading the loosely typed parts of a live object (spec and status are whatever the API server
// sent) without trusting their shape. A field of the wrong type reads as absent, so a health
// function never throws on a strange object; it falls back to what "absent" means for that field.
import type { KubeObject } from "../objects.ts";

export type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a path of keys, or undefined when any step is missing or not an object. */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isFields(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function spec(obj: KubeObject): Fields {
  return isFields(obj.spec) ? obj.spec : {};
}

export function status(obj: KubeObject): Fields {
  return isFields(obj.status) ? obj.status : {};
}

/**
 * A condition as every Kubernetes API writes it: `type` names the question, `status` answers it
 * with "True", "False" or "Unknown", `reason` is a CamelCase code and `message` the human text.
 */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function conditions(obj: KubeObject): Condition[] {
  return conditionList(status(obj).conditions);
}

export function conditionList(value: unknown): Condition[] {
  const found: Condition[] = [];
  for (const item of list(value)) {
    const type = str(at(item, "type"));
    const state = str(at(item, "status"));
    if (type === undefined || state === undefined) continue;
    found.push({ type, status: state, reason: str(at(item, "reason")), message: str(at(item, "message")) });
  }
  return found;
}

export function findCondition(all: Condition[], type: string): Condition | undefined {
  return all.find((c) => c.type === type);
}

export function isTrue(all: Condition[], type: string): boolean {
  return findCondition(all, type)?.status === "True";
}

/** "reason: message", or whichever of the two is set; used to pass a controller's words on. */
export function describe(condition: Condition | undefined): string {
  if (!condition) return "";
  const parts = [condition.reason, condition.message].filter((p): p is string => !!p);
  return parts.join(": ");
}

/**
 * The generation the controller has not yet seen, if any. `metadata.generation` goes up on every
 * spec change; a controller copies it to `status.observedGeneration` once it has acted on that
 * spec. Until the two meet, the rest of the status describes an older spec and cannot be trusted.
 */
export function unobservedGeneration(
  obj: KubeObject,
  options: { absentMeansUnobserved: boolean },
): { generation: number; observed: number } | undefined {
  const generation = num(obj.metadata.generation);
  let observed = num(status(obj).observedGeneration);
  // Built-in controllers always write observedGeneration, so its absence means "not seen yet";
  // many custom controllers never write it, and for them absence means "no evidence".
  if (observed === undefined && options.absentMeansUnobserved) observed = 0;
  if (generation === undefined || observed === undefined) return undefined;
  return observed < generation ? { generation, observed } : undefined;
}

export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
