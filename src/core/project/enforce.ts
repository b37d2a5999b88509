// Enforcing a project on an Application happens twice, each time before anything irreversible:
// 1. before the source is fetched: the app's own namespace, its repository and its destination.
//    A repository the project does not list is never contacted (its server learns nothing, and a
//    credential meant for another repository is never offered to it);
// 2. after rendering, before the cluster is asked anything about the objects: every object's kind
//    (cluster-scoped or namespaced, as the cluster's discovery says) and every namespaced object's
//    namespace as a destination. One object out of bounds stops the whole sync: a half-applied
//    app is worse than an unapplied one.
import type { ObjectRef } from "../objects.ts";
import { formatRef } from "../objects.ts";
import { checkDestination, checkResource, checkSourceNamespace, checkSourceRepo } from "./check.ts";
import type { Project, ProjectDecision } from "./project.ts";

export interface AppPlacement {
  /** `Application team-a/web`. */
  subject: string;
  /** The namespace the Application lives in. */
  namespace: string;
  repoURL: string;
  /** The destination cluster's registered name and server. */
  cluster: { name: string; server: string };
  /** spec.destination.namespace, "" when unset. */
  destinationNamespace: string;
  controllerNamespace: string;
}

/** The first rule the app breaks before anything is fetched, in the order a user fixes them. */
export function checkBeforeFetch(project: Project, app: AppPlacement): ProjectDecision {
  const home = checkSourceNamespace(project, app.subject, app.namespace, app.controllerNamespace);
  if (!home.allowed) return home;
  const repo = checkSourceRepo(project, app.subject, app.repoURL);
  if (!repo.allowed) return repo;
  return checkDestination(project, app.subject, { ...app.cluster, namespace: app.destinationNamespace });
}

export interface RenderedPlacement {
  ref: ObjectRef;
  /** From discovery (or the CRD in the same render); undefined when the cluster does not know the kind. */
  namespaced: boolean | undefined;
}

export interface RenderedViolation {
  ref: ObjectRef;
  rule: string;
  message: string;
}

/**
 * Every rendered object the project refuses, each with its rule. Namespaced objects are checked
 * with the namespace they will land in (the caller fills in the destination namespace). Objects
 * of a kind the cluster does not serve are left to the comparison, which refuses them anyway.
 */
export function checkRendered(
  project: Project,
  subject: string,
  cluster: { name: string; server: string },
  objects: readonly RenderedPlacement[],
): RenderedViolation[] {
  const violations: RenderedViolation[] = [];
  for (const { ref, namespaced } of objects) {
    if (namespaced === undefined) continue;
    const object = formatRef(ref);
    const kind = checkResource(project, subject, { group: ref.group, kind: ref.kind, namespaced, object });
    if (!kind.allowed) {
      violations.push({ ref, rule: kind.rule, message: kind.message });
      continue;
    }
    if (!namespaced) continue;
    const where = checkDestination(project, subject, { ...cluster, namespace: ref.namespace });
    if (!where.allowed) {
      violations.push({ ref, rule: where.rule, message: `${where.message} (object ${object})` });
    }
  }
  return violations;
}

/** One sentence for a condition: the first violations in full, then how many more. */
export function summarizeViolations(violations: readonly RenderedViolation[], shown = 3): string {
  const first = violations.slice(0, shown).map((v) => v.message);
  const more = violations.length > shown ? `; and ${violations.length - shown} more objects` : "";
  return `${first.join("; ")}${more}; nothing was applied`;
}
