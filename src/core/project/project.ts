// The Project resource (mooring.dev/v1alpha1): the trust boundary around a team's Applications
// and Stacks. A project says which repositories they may read (`sourceRepos`), which cluster and
// namespace pairs they may deploy to (`destinations`), which kinds they may apply (the four
// resource lists), which namespaces their own objects may live in (`sourceNamespaces`, Argo CD's
// "apps in any namespace") and as which ServiceAccount a sync runs on each destination
// (`destinationServiceAccounts`). Field names and meanings are Argo CD's AppProject's, so an
// AppProject ports by changing the apiVersion.
//
// Projects live in the controller namespace, where only the platform team may write: a team
// cannot widen its own project. An Application or Stack names one in `spec.project` (default
// `default`); objects in the controller namespace may name any project, objects elsewhere only a
// project whose sourceNamespaces lists their namespace.
//
// `signatureKeys` (signature.ts) makes the project accept only commits signed by one of its GPG
// keys or SSH allowed signers.
//
// Every pattern is a wildcard glob (`*`, `?`; glob.ts). In destinations and sourceRepos a leading
// `!` denies, and a deny wins over any allow.
import { API_GROUP, API_VERSION } from "../application.ts";
import type { KubeObject, ObjectMeta } from "../objects.ts";
import type { PolicyRule } from "../preview/policy.ts";
import { globMatch } from "./glob.ts";
import type { SignatureKey } from "./signature.ts";

export const PROJECT_KIND = "Project";
export const PROJECT_API_VERSION = `${API_GROUP}/${API_VERSION}`;
export const PROJECT_PLURAL = "projects";
/** The project of an Application or Stack that names none. */
export const DEFAULT_PROJECT = "default";
/**
 * The in-cluster destination's server as Argo CD spells it, so that project destinations written
 * for Argo CD (`server: https://kubernetes.default.svc`) match the cluster Mooring runs in.
 */
export const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";

export interface ProjectDestination {
  /** Registered cluster name glob (`in-cluster` for the cluster Mooring runs in). */
  name?: string;
  /** API server URL glob. */
  server?: string;
  /** Namespace glob; `*` for any, `!glob` to deny. */
  namespace: string;
}

export interface GroupKind {
  /** API group glob; "" is the core group (ConfigMap, Secret, Namespace...). */
  group: string;
  kind: string;
}

export interface DestinationServiceAccount {
  server?: string;
  name?: string;
  namespace: string;
  /** `name` (in the destination namespace) or `namespace:name`. */
  defaultServiceAccount: string;
}

export interface ProjectSpec {
  description?: string;
  /** Repository URL globs matched on the parsed URL; `*` for any; `!` denies. */
  sourceRepos?: string[];
  destinations?: ProjectDestination[];
  /** Cluster-scoped kinds that may be applied; empty: none. */
  clusterResourceWhitelist?: GroupKind[];
  clusterResourceBlacklist?: GroupKind[];
  /** Namespaced kinds that may be applied; empty: all (minus the blacklist). */
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist?: GroupKind[];
  /** Namespaces (globs) whose Applications and Stacks may belong to this project. */
  sourceNamespaces?: string[];
  /** Per destination, the ServiceAccount syncs run as; the first match wins. */
  destinationServiceAccounts?: DestinationServiceAccount[];
  /** When set, only commits signed by one of these keys are rendered and applied (signature.ts). */
  signatureKeys?: SignatureKey[];
  /** Who may do what in this project: built-in or custom roles bound to users and SSO groups
   * (parseProjectRoles in src/core/access/authorize.ts). */
  roles?: ProjectRoleSpec[];
  /** Rules every pull-request preview of this project's Applications and Stacks must pass: CEL
   * over each rendered object or planned resource change, true when allowed; a broken rule fails
   * the preview's commit status (src/core/preview/policy.ts). */
  policies?: PolicyRule[];
}

/** One entry of spec.roles as written; parseProjectRoles validates it. */
export interface ProjectRoleSpec {
  name: string;
  description?: string;
  verbs?: string[];
  users?: string[];
  groups?: string[];
}

export interface Project extends KubeObject {
  metadata: ObjectMeta & { name: string };
  spec: ProjectSpec;
}

/** The project field whose rule refused something, or `project` when the project is missing. */
export type ProjectRule =
  | "project"
  | "sourceNamespaces"
  | "sourceRepos"
  | "destinations"
  | "clusterResourceWhitelist"
  | "clusterResourceBlacklist"
  | "namespaceResourceWhitelist"
  | "namespaceResourceBlacklist";

export type ProjectDecision = { allowed: true } | { allowed: false; rule: ProjectRule; message: string };

/** Condition reason of an Application or Stack refused by its project. */
export const PROJECT_VIOLATION_REASON = "ProjectViolation";
/** Condition reason when `spec.project` names no Project. */
export const PROJECT_NOT_FOUND_REASON = "ProjectNotFound";

/** A destination as the checks see it: the cluster's registered name and server, a namespace. */
export interface DestinationRef {
  /** Registered cluster name (`in-cluster` for the cluster Mooring runs in). */
  name: string;
  server: string;
  /** "" for cluster-scoped objects and destinations without one. */
  namespace: string;
}

/** The project an object names: `spec.project`, or `default`. */
export function projectNameOf(obj: object): string {
  const spec = (obj as { spec?: { project?: unknown } }).spec;
  return typeof spec?.project === "string" && spec.project !== "" ? spec.project : DEFAULT_PROJECT;
}

/** How messages name the object a decision is about: `Application team-a/web`. */
export function subjectOf(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

/**
 * The ServiceAccount a sync to `destination` runs as: the first `destinationServiceAccounts`
 * entry whose cluster (server or name glob) and namespace glob match, as in Argo CD. A bare
 * `defaultServiceAccount` lives in the destination namespace; `ns:name` names its namespace.
 * Undefined when no entry matches (the caller decides: controller identity or refusal).
 */
export function serviceAccountFor(
  project: Project,
  destination: { name?: string; server?: string; namespace: string },
): { namespace: string; name: string } | undefined {
  for (const entry of project.spec.destinationServiceAccounts ?? []) {
    const serverMatched =
      entry.server !== undefined &&
      destination.server !== undefined &&
      globMatch(entry.server, destination.server);
    const nameMatched =
      entry.name !== undefined && destination.name !== undefined && globMatch(entry.name, destination.name);
    if (!(serverMatched || nameMatched) || !globMatch(entry.namespace, destination.namespace)) continue;
    const account = entry.defaultServiceAccount;
    const colon = account.indexOf(":");
    if (colon >= 0) return { namespace: account.slice(0, colon), name: account.slice(colon + 1) };
    return { namespace: destination.namespace, name: account };
  }
  return undefined;
}

export {
  checkDestination,
  checkResource,
  checkSourceNamespace,
  checkSourceRepo,
} from "./check.ts";
export { validateProject } from "./validate.ts";
