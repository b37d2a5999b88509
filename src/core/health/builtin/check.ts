// Built-in health checks for popular custom resources, written in CEL: the same language and the
// same engine as the health checks users write in an Application's `spec.healthChecks`, so a user
// who wants to change one can copy it into their Application and edit it.
//
// A check is an ordered list of rules. Each rule has a `when` expression (bool) over `object`, the
// live object, and says which health status that state means; the first rule whose `when` is true
// decides, and its optional `message` expression (string) says why. The last rule of every check
// is `when: "true"`, so a check always has a verdict.
//
// Which objects a check covers: its API group (exactly, or `*.suffix` for families such as the
// Crossplane providers' groups) and its kinds (or every kind of the group). A check may also
// recognise objects of any group by their shape (`detect`, a CEL bool), for custom resources
// whose groups users choose, such as Crossplane's composite resources.
import type { KubeObject } from "../../objects.ts";
import { groupOf } from "../../objects.ts";
import { evaluateExpression, toCelValue } from "../cel.ts";
import { conditions } from "../fields.ts";
import type { HealthResult, HealthStatus } from "../status.ts";

export interface HealthRule {
  /** CEL bool over `object`: this rule decides when it is true. */
  when: string;
  status: HealthStatus;
  /** CEL string over `object`: the message shown with the status; empty means none. */
  message?: string;
}

export interface BuiltinCheck {
  /** Who writes the status, as users know the project ("cert-manager", "Argo Rollouts"). */
  project: string;
  /** API groups: exact names, or `*.example.io` for every group ending in `.example.io`. */
  groups: readonly string[];
  /** Kinds covered in those groups; `*` covers every kind of the groups. */
  kinds: readonly string[];
  /** CEL bool over `object`: also covers objects of any other group for which it is true. */
  detect?: string;
  rules: readonly HealthRule[];
}

function groupMatches(pattern: string, group: string): boolean {
  if (pattern.startsWith("*.")) return group.endsWith(pattern.slice(1));
  return pattern === group;
}

function covers(check: BuiltinCheck, group: string, kind: string): boolean {
  return (
    check.groups.some((pattern) => groupMatches(pattern, group)) &&
    (check.kinds.includes("*") || check.kinds.includes(kind))
  );
}

/**
 * The built-in check for an object: one naming its group and kind first, then one recognising
 * its shape. Shapes are only looked for in objects with status conditions, so that ConfigMaps
 * and Secrets are not converted for CEL on every assessment. `input` gives the object as CEL
 * sees it (see `toCelValue`).
 */
export function findBuiltinCheck(
  obj: KubeObject,
  checks: readonly BuiltinCheck[],
  input: () => Record<string, unknown> = () => ({ object: toCelValue(obj) }),
): BuiltinCheck | undefined {
  const group = groupOf(obj.apiVersion);
  const named = checks.find((check) => covers(check, group, obj.kind));
  if (named || conditions(obj).length === 0) return named;
  return checks.find((check) => {
    if (check.detect === undefined) return false;
    const detected = evaluateExpression(check.detect, input(), "bool");
    return detected.ok && detected.value;
  });
}

function broken(check: BuiltinCheck, rule: number, field: string, error: string): HealthResult {
  return {
    status: "Unknown",
    message: `built-in ${check.project} health check, rule ${rule + 1} ${field}: ${error}; write a health check for this kind in spec.healthChecks to replace it`,
  };
}

/** Apply a check's rules to an object: the first rule that holds decides. */
export function assessWithRules(
  obj: KubeObject,
  check: BuiltinCheck,
  input: Record<string, unknown> = { object: toCelValue(obj) },
): HealthResult {
  for (const [index, rule] of check.rules.entries()) {
    const holds = evaluateExpression(rule.when, input, "bool");
    if (!holds.ok) return broken(check, index, "when", holds.error);
    if (!holds.value) continue;
    if (rule.message === undefined) return { status: rule.status };
    const message = evaluateExpression(rule.message, input, "string");
    if (!message.ok) return broken(check, index, "message", message.error);
    return message.value ? { status: rule.status, message: message.value } : { status: rule.status };
  }
  return { status: "Unknown", message: `built-in ${check.project} health check: no rule applied` };
}
