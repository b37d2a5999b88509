// One verdict per live object: absent objects are Missing, a user's health check for the kind
// wins over the built-in rules, and nothing here throws: an object or a check we cannot read
// is Unknown, with a message that says why.
import type { HealthCheck } from "../application.ts";
import { groupOf, type KubeObject } from "../objects.ts";
import { evaluateExpression, toCelValue } from "./cel.ts";
import type { HealthResult, HealthStatus } from "./status.ts";
import { builtinHealth, groupKind } from "./table.ts";

/**
 * The health check for an object's kind, if the user wrote one. A check that names a group
 * matches that group only; one that omits the group matches the kind in any group, and loses to
 * a check naming the object's group. Among equals the first in the list wins.
 */
export function findHealthCheck(obj: KubeObject, checks: readonly HealthCheck[]): HealthCheck | undefined {
  const group = groupOf(obj.apiVersion);
  let anyGroup: HealthCheck | undefined;
  for (const check of checks) {
    if (check.kind !== obj.kind) continue;
    if (check.group === undefined) anyGroup ??= check;
    else if (check.group === group) return check;
  }
  return anyGroup;
}

/** Expressions in the order they are asked: the first that is true decides the status. */
const DECIDING_EXPRESSIONS: readonly (readonly ["degraded" | "progressing" | "healthy", HealthStatus])[] = [
  ["degraded", "Degraded"],
  ["progressing", "Progressing"],
  ["healthy", "Healthy"],
];

function checkName(check: HealthCheck): string {
  return groupKind(check.group ?? "", check.kind);
}

function brokenCheck(check: HealthCheck, field: string, error: string): HealthResult {
  return {
    status: "Unknown",
    message: `health check for ${checkName(check)}: ${field} expression: ${error}`,
  };
}

/**
 * Apply a user-defined health check: its CEL expressions see the object as `object`. No
 * expression true means the check has no verdict (Unknown); the optional `message` expression
 * gives the text shown with whatever status was decided. Blank expressions are skipped.
 */
export function assessWithCheck(obj: KubeObject, check: HealthCheck): HealthResult {
  const input = { object: toCelValue(obj) };
  let decided: HealthStatus = "Unknown";
  for (const [field, status] of DECIDING_EXPRESSIONS) {
    const source = check[field];
    if (source === undefined || source.trim() === "") continue;
    const result = evaluateExpression(source, input, "bool");
    if (!result.ok) return brokenCheck(check, field, result.error);
    if (result.value) {
      decided = status;
      break;
    }
  }
  if (check.message === undefined || check.message.trim() === "") {
    return decided === "Unknown"
      ? { status: decided, message: `health check for ${checkName(check)}: no expression was true` }
      : { status: decided };
  }
  const message = evaluateExpression(check.message, input, "string");
  if (!message.ok) return brokenCheck(check, "message", message.error);
  return { status: decided, message: message.value };
}

/**
 * The health of one object: `null` (declared but absent from the cluster) is Missing; a matching
 * user health check decides next; otherwise the built-in function for the kind, or the generic
 * kstatus rules.
 */
export function assessHealth(obj: KubeObject | null, checks: readonly HealthCheck[] = []): HealthResult {
  if (obj === null) return { status: "Missing", message: "object does not exist in the cluster" };
  const check = findHealthCheck(obj, checks);
  if (check) return assessWithCheck(obj, check);
  try {
    return builtinHealth(obj);
  } catch (error) {
    // The built-in functions read defensively; this only catches objects too malformed to read.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      status: "Unknown",
      message: `cannot assess ${groupKind(groupOf(obj.apiVersion ?? ""), obj.kind)}: ${reason}`,
    };
  }
}
