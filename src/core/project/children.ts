// App of apps across the trust boundary. A parent Application may hold child Applications,
// ApplicationSets and Stacks in its repository; its sync applies them like any object, as its own
// sync identity and within its own project's destinations and kinds. Each child then names a
// project of its own (`spec.project`), and that is where a child could escape its parent:
//
// - In the controller namespace an object may name ANY project (only the platform team writes
//   there: check.ts). A parent allowed to write there would hand its repository's authors every
//   project, `platform` included. So a child a parent writes into the controller namespace must
//   name the parent's own project, and a Project object written there (which would widen a
//   project) needs the parent's project to list `mooring.dev/Project` by name in its
//   namespaceResourceWhitelist: a platform team's own root app opts in, a tenant's never does.
// - Elsewhere a child is held to the rule every object outside the controller namespace meets:
//   its project must list its namespace in sourceNamespaces (Argo CD's apps in any namespace).
//   The child's reconciler would refuse it later; checking here too means nothing is created.
//
// An ApplicationSet's children are the Applications it generates, in its own namespace, with its
// template's project: a project still holding a template parameter cannot be checked here, so it
// is refused in the controller namespace and left to each generated app's reconciler elsewhere.
import { API_GROUP } from "../application.ts";
import { groupOf, type KubeObject } from "../objects.ts";
import { checkSourceNamespace } from "./check.ts";
import { DEFAULT_PROJECT, type Project, subjectOf } from "./project.ts";

/** Kinds whose objects name a project, and where in the object that name sits. */
const PROJECT_FIELD: Readonly<Record<string, readonly string[]>> = {
  Application: ["spec", "project"],
  Stack: ["spec", "project"],
  ApplicationSet: ["spec", "template", "spec", "project"],
};

export interface ChildRef {
  kind: string;
  /** The namespace it will live in (the parent's destination namespace when it names none). */
  namespace: string;
  name: string;
  /** The project it names (`default` when none); undefined for a Project object. */
  project?: string;
}

/** The Mooring objects among a render that name a project, and Projects themselves. */
export function childrenOf(objects: readonly KubeObject[], destinationNamespace: string): ChildRef[] {
  const children: ChildRef[] = [];
  for (const obj of objects) {
    if (groupOf(obj.apiVersion) !== API_GROUP) continue;
    const namespace = obj.metadata.namespace || destinationNamespace;
    const name = obj.metadata.name ?? "";
    if (obj.kind === "Project") {
      children.push({ kind: obj.kind, namespace, name });
      continue;
    }
    const path = PROJECT_FIELD[obj.kind];
    if (!path) continue;
    let value: unknown = obj;
    for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
    const project = typeof value === "string" && value !== "" ? value : DEFAULT_PROJECT;
    children.push({ kind: obj.kind, namespace, name, project });
  }
  return children;
}

export interface ParentPlacement {
  /** `Application team-a/root`. */
  subject: string;
  project: Project;
  controllerNamespace: string;
}

/** May this parent's render write Project objects into the controller namespace? */
function managesProjects(project: Project): boolean {
  return (project.spec.namespaceResourceWhitelist ?? []).some(
    (entry) => entry.group === API_GROUP && entry.kind === "Project",
  );
}

/**
 * Every child the parent may not create, each in a sentence naming the parent, the child and the
 * rule. `projects` holds the children's projects by name (absent: no such project).
 */
export function checkChildren(
  parent: ParentPlacement,
  children: readonly ChildRef[],
  projects: ReadonlyMap<string, Project>,
): string[] {
  const refused: string[] = [];
  const own = parent.project.metadata.name;
  const home = parent.controllerNamespace;
  for (const child of children) {
    const subject = subjectOf(child.kind, child.namespace, child.name);
    if (child.project === undefined) {
      if (child.namespace === home && !managesProjects(parent.project)) {
        refused.push(
          `${parent.subject}: ${subject} would change a project, and project ${own} does not list mooring.dev/Project in its namespaceResourceWhitelist`,
        );
      }
      continue;
    }
    if (child.namespace === home) {
      if (child.project !== own) {
        refused.push(
          `${parent.subject}: ${subject} names project ${child.project}, but an app of project ${own} may create in ${home} only children of project ${own} (objects in ${home} may use any project); place it in a namespace project ${child.project} lists in sourceNamespaces`,
        );
      }
      continue;
    }
    if (child.project.includes("{{")) continue;
    const project = projects.get(child.project);
    if (!project) {
      refused.push(`${parent.subject}: ${subject} names project ${child.project}, which does not exist`);
      continue;
    }
    const decision = checkSourceNamespace(project, subject, child.namespace, home);
    if (!decision.allowed) refused.push(`${parent.subject}: ${decision.message}`);
  }
  return refused;
}
