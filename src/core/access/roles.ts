// Roles: what a user may do inside one Project. A role is a set of verbs; a verb is one thing a
// person can ask Mooring to do (read, sync, approve a plan...). Roles are granted per project, so
// "deployer in team-a" says nothing about team-b. Four roles are built in, mirroring the people
// who work on a GitOps platform:
// - viewer: reads everything in the project (apps, stacks, history, diffs, plans, audit);
// - deployer: viewer, plus the Application actions that move the cluster towards Git or back:
//   sync, refresh, rollback (and unpin), terminate a running sync, suspend / resume auto-sync;
// - approver: viewer, plus the Stack plan workflow (plan, approve a plan by id, apply the
//   approved plan, unlock a stuck state lock) — the four-eyes gate of Terraform changes;
// - admin: every verb in the project, including delete, the project itself and its API tokens.
// A project may define custom roles as verb lists (`verbs: [get, list, refresh]`); an unknown
// verb is an error naming it, never silently dropped (a typo must not grant or deny quietly).
//
// Verbs apply to resources: `sync` means something for an application, nothing for a cluster.
// VERB_RESOURCES is the table of which verb applies to which resource, so that a request like
// "approve an application" is refused as meaningless rather than allowed by accident.

export const VERBS = [
  "get",
  "list",
  "sync",
  "refresh",
  "rollback",
  "terminate",
  "suspend",
  "plan",
  "approve",
  "apply",
  "unlock",
  "delete",
  "manage-project",
  "manage-tokens",
] as const;
export type Verb = (typeof VERBS)[number];

export const RESOURCES = [
  "application",
  "stack",
  "project",
  "cluster",
  "repository",
  "audit",
  "token",
] as const;
export type Resource = (typeof RESOURCES)[number];

/** Which resources each verb means something for. rollback covers unpin, suspend covers resume. */
export const VERB_RESOURCES: Readonly<Record<Verb, readonly Resource[]>> = {
  get: RESOURCES,
  list: RESOURCES,
  sync: ["application"],
  refresh: ["application", "stack"],
  rollback: ["application"],
  terminate: ["application"],
  suspend: ["application", "stack"],
  plan: ["stack"],
  approve: ["stack"],
  apply: ["stack"],
  unlock: ["stack"],
  delete: ["application", "stack", "token"],
  "manage-project": ["project", "cluster", "repository"],
  "manage-tokens": ["token"],
};

export const BUILT_IN_ROLES = ["viewer", "deployer", "approver", "admin"] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

const READ: readonly Verb[] = ["get", "list"];

/** The verbs of each built-in role. */
export const BUILT_IN_ROLE_VERBS: Readonly<Record<BuiltInRole, readonly Verb[]>> = {
  viewer: READ,
  deployer: [...READ, "sync", "refresh", "rollback", "terminate", "suspend"],
  approver: [...READ, "plan", "approve", "apply", "unlock"],
  admin: VERBS,
};

export function isVerb(value: unknown): value is Verb {
  return typeof value === "string" && (VERBS as readonly string[]).includes(value);
}

export function isResource(value: unknown): value is Resource {
  return typeof value === "string" && (RESOURCES as readonly string[]).includes(value);
}

export function isBuiltInRole(value: unknown): value is BuiltInRole {
  return typeof value === "string" && (BUILT_IN_ROLES as readonly string[]).includes(value);
}

/** Whether a verb means something for a resource (see VERB_RESOURCES). */
export function verbApplies(verb: Verb, resource: Resource): boolean {
  return VERB_RESOURCES[verb].includes(resource);
}

/** A role name: lower-case letters, digits and dashes, as a Kubernetes label value would allow. */
export const ROLE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export type VerbsResult =
  | { ok: true; verbs: Verb[] }
  | { ok: false; code: "unknown-verb" | "empty-verbs" | "not-a-list"; message: string };

/**
 * Validates a custom role's verb list; `role` names it in messages. Duplicates are dropped and the
 * result follows VERBS order, so two spellings of the same role compare equal.
 */
export function parseVerbs(role: string, value: unknown): VerbsResult {
  if (!Array.isArray(value)) {
    return { ok: false, code: "not-a-list", message: `role ${role}: verbs must be a list of verbs` };
  }
  if (value.length === 0) {
    return {
      ok: false,
      code: "empty-verbs",
      message: `role ${role}: verbs is empty; list at least one of ${VERBS.join(", ")}`,
    };
  }
  for (const verb of value) {
    if (!isVerb(verb)) {
      return {
        ok: false,
        code: "unknown-verb",
        message: `role ${role}: unknown verb ${JSON.stringify(verb)}; use one of ${VERBS.join(", ")}`,
      };
    }
  }
  return { ok: true, verbs: VERBS.filter((verb) => value.includes(verb)) };
}
