// The project's rules as decisions. Each function answers one question about one object and,
// when the answer is no, says which rule refused it in a sentence naming the object, the rule
// and the project, ready for a condition, an Event or the command line.
import { globMatch, isDeny, negatableMatch } from "./glob.ts";
import type { DestinationRef, GroupKind, Project, ProjectDecision, ProjectRule } from "./project.ts";
import { redactRepoURL, repoMatches } from "./repo-url.ts";

const ALLOWED: ProjectDecision = { allowed: true };

function refused(rule: ProjectRule, message: string): ProjectDecision {
  return { allowed: false, rule, message };
}

/**
 * May `subject` read `repoURL`? Allowed when an entry matches the parsed URL and no `!` entry
 * does. Matching is on scheme, host, port and path (repo-url.ts), never on a string prefix.
 */
export function checkSourceRepo(project: Project, subject: string, repoURL: string): ProjectDecision {
  const name = project.metadata.name;
  // A password in the URL must not reach a condition or an Event.
  const shown = redactRepoURL(repoURL);
  const entries = project.spec.sourceRepos ?? [];
  for (const entry of entries) {
    if (isDeny(entry) && repoMatches(entry.slice(1), repoURL)) {
      return refused(
        "sourceRepos",
        `${subject}: repository ${shown} is denied by project ${name}'s sourceRepos entry "${entry}"`,
      );
    }
  }
  if (entries.some((entry) => !isDeny(entry) && repoMatches(entry, repoURL))) return ALLOWED;
  return refused("sourceRepos", `${subject}: repository ${shown} is not in project ${name}'s sourceRepos`);
}

/**
 * May `subject` deploy to this cluster and namespace? Argo CD's rule: some entry must match the
 * cluster (by server or by name) and the namespace, and no `!` entry may deny them. A `!` on the
 * cluster denies that cluster in the entry's namespaces; a `!` on the namespace denies that
 * namespace on the entry's clusters.
 */
export function checkDestination(
  project: Project,
  subject: string,
  destination: DestinationRef,
): ProjectDecision {
  let matched = false;
  let denied = false;
  for (const entry of project.spec.destinations ?? []) {
    const nameMatched =
      destination.name !== "" && entry.name !== undefined && negatableMatch(entry.name, destination.name);
    const serverMatched =
      destination.server !== "" &&
      entry.server !== undefined &&
      negatableMatch(entry.server, destination.server);
    const namespaceMatched = negatableMatch(entry.namespace, destination.namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) {
      matched = true;
    } else if (
      ((!nameMatched && isDeny(entry.name)) || (!serverMatched && isDeny(entry.server))) &&
      namespaceMatched
    ) {
      denied = true;
    } else if ((serverMatched || nameMatched) && isDeny(entry.namespace)) {
      denied = true;
    }
  }
  if (matched && !denied) return ALLOWED;
  const where = destination.namespace ? `namespace ${destination.namespace}` : "no namespace";
  const cluster = destination.server ? `${destination.name} (${destination.server})` : destination.name;
  return refused(
    "destinations",
    `${subject}: destination ${cluster}, ${where} is ${denied ? "denied" : "not allowed"} by project ${project.metadata.name}'s destinations`,
  );
}

export interface ResourceRef {
  /** API group; "" for the core group. */
  group: string;
  kind: string;
  /** Whether the kind is namespaced (from discovery, not from the manifest). */
  namespaced: boolean;
  /** How to name the object in the message, e.g. `ClusterRoleBinding/admin`. */
  object?: string;
}

function listed(list: GroupKind[] | undefined, group: string, kind: string): boolean {
  return (list ?? []).some((entry) => globMatch(entry.group ?? "", group) && globMatch(entry.kind, kind));
}

/**
 * May `subject` apply an object of this kind? As in Argo CD: a cluster-scoped kind must be in
 * clusterResourceWhitelist (empty: none is) and not in clusterResourceBlacklist; a namespaced
 * kind must be in namespaceResourceWhitelist when that list is not empty, and not in
 * namespaceResourceBlacklist.
 */
export function checkResource(project: Project, subject: string, resource: ResourceRef): ProjectDecision {
  const { group, kind, namespaced } = resource;
  const spec = project.spec;
  const what = `${resource.object ?? kind} (${namespaced ? "namespaced" : "cluster-scoped"} kind ${group === "" ? "" : `${group}/`}${kind})`;
  const name = project.metadata.name;
  if (namespaced) {
    const whitelist = spec.namespaceResourceWhitelist ?? [];
    if (whitelist.length > 0 && !listed(whitelist, group, kind)) {
      return refused(
        "namespaceResourceWhitelist",
        `${subject}: ${what} is not in project ${name}'s namespaceResourceWhitelist`,
      );
    }
    if (listed(spec.namespaceResourceBlacklist, group, kind)) {
      return refused(
        "namespaceResourceBlacklist",
        `${subject}: ${what} is in project ${name}'s namespaceResourceBlacklist`,
      );
    }
    return ALLOWED;
  }
  if (!listed(spec.clusterResourceWhitelist, group, kind)) {
    return refused(
      "clusterResourceWhitelist",
      `${subject}: ${what} is not in project ${name}'s clusterResourceWhitelist`,
    );
  }
  if (listed(spec.clusterResourceBlacklist, group, kind)) {
    return refused(
      "clusterResourceBlacklist",
      `${subject}: ${what} is in project ${name}'s clusterResourceBlacklist`,
    );
  }
  return ALLOWED;
}

/**
 * May an object living in `objectNamespace` belong to this project? Objects in the controller
 * namespace may name any project (only the platform team writes there); elsewhere the project's
 * sourceNamespaces must list the namespace, so a team cannot adopt another team's project.
 */
export function checkSourceNamespace(
  project: Project,
  subject: string,
  objectNamespace: string,
  controllerNamespace: string,
): ProjectDecision {
  if (objectNamespace === controllerNamespace) return ALLOWED;
  if ((project.spec.sourceNamespaces ?? []).some((pattern) => globMatch(pattern, objectNamespace)))
    return ALLOWED;
  return refused(
    "sourceNamespaces",
    `${subject}: namespace ${objectNamespace} is not in project ${project.metadata.name}'s sourceNamespaces; objects outside ${controllerNamespace} may use a project only when it lists their namespace`,
  );
}
