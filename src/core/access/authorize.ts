// Authorisation: may this subject do this verb on this resource in this project? Every API
// endpoint and every action asks `authorize` first; a refusal becomes a 403 whose body is the
// reason, and an audit record with the same reason and code.
//
// Who holds which role is written in the Project itself, in `spec.roles`, shaped like Argo CD's
// AppProject roles (name, description, groups) so a ported AppProject reads the same:
//
//   spec:
//     roles:
//       - name: deployer                 # a built-in role: viewer, deployer, approver, admin
//         users: [alice]                 # local users (and SSO users by their name claim)
//         groups: [team-a-devs]          # SSO group claims, as in Argo CD
//       - name: release-bot              # a custom role lists its verbs
//         verbs: [get, list, refresh]
//         groups: [ci]
//
// Argo CD writes permissions as Casbin policy lines (`policies`); Mooring writes verbs, a closed
// vocabulary checked when the project is read, so a typo is an error rather than a silent deny.
// A project's `policies` or `jwtTokens` are refused with a message saying what to write instead.
//
// A subject carries, per project, the roles it holds: from `spec.roles` by user name and groups
// (`bindingsFromProjects`), or, for an API token, exactly the one project and role the token was
// created for (`tokenSubject` in tokens.ts). A global admin (the bootstrapped `admin` account)
// may do everything everywhere. A subject sees only the projects it holds a role in
// (`visibleProjects`); resources outside any project (clusters and repositories registered
// globally) are for global admins.
import {
  BUILT_IN_ROLE_VERBS,
  isBuiltInRole,
  isResource,
  isVerb,
  parseVerbs,
  type Resource,
  ROLE_NAME,
  type Verb,
  verbApplies,
} from "./roles.ts";

/** Where a subject's identity came from; the reason text and audit record say it. */
export const SUBJECT_KINDS = ["user", "sso", "token"] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** One role held in one project, with its verbs already resolved. */
export interface Binding {
  project: string;
  role: string;
  verbs: readonly Verb[];
}

export interface Subject {
  kind: SubjectKind;
  /** The user name; for a token, `token:<id>`. */
  name: string;
  groups: readonly string[];
  /** True for a global administrator: every verb in every project and outside projects. */
  globalAdmin: boolean;
  bindings: readonly Binding[];
}

export interface AccessRequest {
  verb: Verb;
  resource: Resource;
  /** The project the resource belongs to; undefined for global resources. */
  project?: string;
  /** The resource's name (`namespace/name` for apps and stacks), for the reason text only. */
  name?: string;
}

export const DENIAL_CODES = [
  "verb-not-applicable",
  "global-resource",
  "no-role-in-project",
  "verb-not-granted",
] as const;
export type DenialCode = (typeof DENIAL_CODES)[number];

export type Decision =
  | { allowed: true; reason: string; roles: string[] }
  | { allowed: false; code: DenialCode; reason: string };

function who(subject: Subject): string {
  return subject.kind === "token"
    ? subject.name
    : `${subject.kind === "sso" ? "sso user" : "user"} ${subject.name}`;
}

function what(request: AccessRequest): string {
  const target = request.name === undefined ? request.resource : `${request.resource} ${request.name}`;
  return request.project === undefined ? target : `${target} in project ${request.project}`;
}

/** Decides one request. The reason is fit for a 403 body and the audit record. */
export function authorize(subject: Subject, request: AccessRequest): Decision {
  const action = `${request.verb} ${what(request)}`;
  if (!verbApplies(request.verb, request.resource)) {
    return {
      allowed: false,
      code: "verb-not-applicable",
      reason: `${request.verb} does not apply to a ${request.resource}`,
    };
  }
  if (subject.globalAdmin) {
    return { allowed: true, reason: `${who(subject)} may ${action}: global admin`, roles: ["global-admin"] };
  }
  if (request.project === undefined) {
    return {
      allowed: false,
      code: "global-resource",
      reason: `${who(subject)} may not ${action}: only a global admin may act outside a project`,
    };
  }
  const held = subject.bindings.filter((binding) => binding.project === request.project);
  if (held.length === 0) {
    return {
      allowed: false,
      code: "no-role-in-project",
      reason: `${who(subject)} may not ${action}: no role in project ${request.project}`,
    };
  }
  const granting = held.filter((binding) => binding.verbs.includes(request.verb)).map((b) => b.role);
  if (granting.length === 0) {
    const roles = [...new Set(held.map((b) => b.role))].join(", ");
    return {
      allowed: false,
      code: "verb-not-granted",
      reason: `${who(subject)} may not ${action}: role ${roles} does not grant ${request.verb}`,
    };
  }
  const roles = [...new Set(granting)];
  return { allowed: true, reason: `${who(subject)} may ${action}: role ${roles.join(", ")}`, roles };
}

/**
 * The projects a subject may see, sorted; `all` is the full list of project names, needed to
 * answer for a global admin. A subject sees a project when it holds any role granting `get` there.
 */
export function visibleProjects(subject: Subject, all: readonly string[]): string[] {
  const names = subject.globalAdmin
    ? all
    : subject.bindings.filter((binding) => binding.verbs.includes("get")).map((binding) => binding.project);
  return [...new Set(names)].sort();
}

// ---- spec.roles ----------------------------------------------------------------------------

/** One entry of a Project's `spec.roles`, validated. */
export interface ProjectRole {
  name: string;
  description?: string;
  verbs: readonly Verb[];
  users: readonly string[];
  groups: readonly string[];
}

export type ProjectRolesResult = { ok: true; roles: ProjectRole[] } | { ok: false; problems: string[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ROLE_KEYS = new Set(["name", "description", "verbs", "users", "groups"]);

/**
 * Parses and validates `spec.roles` of the project named `project`. Every problem names the
 * project and the field, and says what to write instead; the result is all-or-nothing, so a
 * half-valid role list never grants part of what was meant.
 */
export function parseProjectRoles(project: string, value: unknown): ProjectRolesResult {
  if (value === undefined || value === null) return { ok: true, roles: [] };
  const problems: string[] = [];
  const at = (field: string, text: string) => problems.push(`project ${project}: ${field} ${text}`);
  if (!Array.isArray(value)) {
    at("spec.roles", "must be a list of roles ({name, verbs?, users?, groups?})");
    return { ok: false, problems };
  }
  const roles: ProjectRole[] = [];
  const seen = new Set<string>();
  value.forEach((entry, i) => {
    const where = `spec.roles[${i}]`;
    if (!isRecord(entry)) {
      at(where, "must be an object with name, and users or groups");
      return;
    }
    const before = problems.length;
    for (const key of Object.keys(entry)) {
      if (key === "policies") {
        at(
          `${where}.policies`,
          "is Argo CD's Casbin form, which Mooring does not read: list the role's verbs instead",
        );
      } else if (key === "jwtTokens") {
        at(`${where}.jwtTokens`, "is not used: create API tokens with moor token create");
      } else if (!ROLE_KEYS.has(key)) {
        at(`${where}.${key}`, "is not a role field: use name, description, verbs, users, groups");
      }
    }
    const name = entry.name;
    if (typeof name !== "string" || !ROLE_NAME.test(name)) {
      at(`${where}.name`, "must be a role name: lower-case letters, digits and dashes");
      return;
    }
    if (seen.has(name)) at(`${where}.name`, `repeats role ${name}: list each role once`);
    seen.add(name);
    if (entry.description !== undefined && typeof entry.description !== "string") {
      at(`${where}.description`, "must be a string");
    }
    let verbs: readonly Verb[] = [];
    if (isBuiltInRole(name)) {
      if (entry.verbs !== undefined) {
        at(`${where}.verbs`, `cannot change built-in role ${name}: give the custom role another name`);
      }
      verbs = BUILT_IN_ROLE_VERBS[name];
    } else if (entry.verbs === undefined) {
      at(
        `${where}.verbs`,
        `is required for custom role ${name} (built-in roles: viewer, deployer, approver, admin)`,
      );
    } else {
      const parsed = parseVerbs(name, entry.verbs);
      if (parsed.ok) verbs = parsed.verbs;
      else problems.push(`project ${project}: ${where}.verbs: ${parsed.message}`);
    }
    const names = (key: "users" | "groups"): string[] => {
      const list = entry[key];
      if (list === undefined) return [];
      if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item === "")) {
        at(`${where}.${key}`, "must be a list of non-empty strings");
        return [];
      }
      return list as string[];
    };
    const users = names("users");
    const groups = names("groups");
    if (problems.length > before) return;
    const role: ProjectRole = { name, verbs, users, groups };
    if (typeof entry.description === "string") role.description = entry.description;
    roles.push(role);
  });
  return problems.length === 0 ? { ok: true, roles } : { ok: false, problems };
}

/** The verbs of a role by name in a project: built-in, or custom from its spec.roles. */
export function roleVerbs(roles: readonly ProjectRole[], role: string): readonly Verb[] | undefined {
  const custom = roles.find((r) => r.name === role);
  if (custom !== undefined) return custom.verbs;
  return isBuiltInRole(role) ? BUILT_IN_ROLE_VERBS[role] : undefined;
}

/**
 * The bindings a user holds, read from every project's parsed roles: a role binds the user when
 * it lists the user's name or one of the user's groups. Group names compare exactly, as the
 * identity provider sent them.
 */
export function bindingsFromProjects(
  user: { name: string; groups: readonly string[] },
  projects: readonly { name: string; roles: readonly ProjectRole[] }[],
): Binding[] {
  const bindings: Binding[] = [];
  for (const project of projects) {
    for (const role of project.roles) {
      const byName = role.users.includes(user.name);
      const byGroup = role.groups.some((group) => user.groups.includes(group));
      if (byName || byGroup) bindings.push({ project: project.name, role: role.name, verbs: role.verbs });
    }
  }
  return bindings;
}

/** Parses an access request from untrusted input (e.g. a route table), naming what is wrong. */
export function parseAccessRequest(
  value: unknown,
): { ok: true; request: AccessRequest } | { ok: false; message: string } {
  if (!isRecord(value)) return { ok: false, message: "an access request must be an object" };
  if (!isVerb(value.verb)) return { ok: false, message: `unknown verb ${JSON.stringify(value.verb)}` };
  if (!isResource(value.resource)) {
    return { ok: false, message: `unknown resource ${JSON.stringify(value.resource)}` };
  }
  const request: AccessRequest = { verb: value.verb, resource: value.resource };
  if (typeof value.project === "string") request.project = value.project;
  if (typeof value.name === "string") request.name = value.name;
  return { ok: true, request };
}
