// What changed in a Project, for the audit trail. A Project is the tenant boundary: its rules say
// which repositories, clusters, namespaces and kinds a team may use, and its roles say who may do
// what. An auditor asks "who widened team-a's destinations, and when?" and "since when may bob
// approve plans?", so every change of a Project's spec leaves a record:
// - `project-changed` for the project created, deleted, or any spec field other than roles
//   changed (the fields named, with their values before and after);
// - `role-changed` for roles added, removed or edited, naming the users, groups and verbs that
//   came or went, so a grant reads as a grant.
// Status and metadata changes are not changes of the rules and leave no record. Values are kept
// as written: a Project holds no secret (signature keys are public keys), but long values are cut
// so one record stays readable.
import { canonicalJson } from "../audit/record.ts";
import type { JsonMap } from "../json.ts";

export interface ProjectChange {
  kind: "project-changed" | "role-changed";
  details: JsonMap;
}

/** A field value longer than this (as JSON text) is kept as its length only. */
export const MAX_VALUE_CHARS = 2000;

type Spec = Record<string, unknown>;
interface RoleSpec {
  name?: unknown;
  verbs?: unknown;
  users?: unknown;
  groups?: unknown;
  description?: unknown;
}

function shown(value: unknown): unknown {
  if (value === undefined) return null;
  const text = canonicalJson(value);
  return text.length > MAX_VALUE_CHARS ? `(${text.length} characters)` : value;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function added(before: readonly string[], after: readonly string[]): string[] {
  return after.filter((item) => !before.includes(item));
}

function rolesByName(spec: Spec | undefined): Map<string, RoleSpec> {
  const roles = new Map<string, RoleSpec>();
  const list = spec?.roles;
  if (!Array.isArray(list)) return roles;
  for (const role of list as RoleSpec[]) {
    if (role && typeof role === "object" && typeof role.name === "string") roles.set(role.name, role);
  }
  return roles;
}

/** The role changes between two specs, one entry per role that came, went or changed. */
export function roleChanges(before: Spec | undefined, after: Spec | undefined): JsonMap[] {
  const old = rolesByName(before);
  const now = rolesByName(after);
  const changes: JsonMap[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const was = old.get(name);
    const is = now.get(name);
    if (was !== undefined && is !== undefined && canonicalJson(was) === canonicalJson(is)) continue;
    const change: JsonMap = {
      role: name,
      change: was === undefined ? "added" : is === undefined ? "removed" : "updated",
    };
    for (const key of ["users", "groups", "verbs"] as const) {
      const a = strings(was?.[key]);
      const b = strings(is?.[key]);
      const plus = added(a, b);
      const minus = added(b, a);
      if (plus.length > 0) change[`${key}Added`] = plus;
      if (minus.length > 0) change[`${key}Removed`] = minus;
    }
    changes.push(change);
  }
  return changes;
}

/**
 * The audit entries for one Project going from `before` to `after` (undefined: did not exist /
 * was deleted). Empty when the spec did not change.
 */
export function projectChanges(before: Spec | undefined, after: Spec | undefined): ProjectChange[] {
  const changes: ProjectChange[] = [];
  if (before === undefined && after === undefined) return changes;
  if (before === undefined || after === undefined) {
    const fields = Object.keys(after ?? before ?? {}).sort();
    changes.push({
      kind: "project-changed",
      details: { change: before === undefined ? "created" : "deleted", fields, spec: shown(after ?? before) },
    });
  } else {
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((field) => field !== "roles")
      .filter((field) => canonicalJson(before[field] ?? null) !== canonicalJson(after[field] ?? null))
      .sort();
    if (fields.length > 0) {
      const was: JsonMap = {};
      const is: JsonMap = {};
      for (const field of fields) {
        was[field] = shown(before[field]);
        is[field] = shown(after[field]);
      }
      changes.push({
        kind: "project-changed",
        details: { change: "updated", fields, before: was, after: is },
      });
    }
  }
  const roles = roleChanges(before, after);
  if (roles.length > 0) changes.push({ kind: "role-changed", details: { roles } });
  return changes;
}
