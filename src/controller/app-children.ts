// The app-of-apps check at the edge (core/project/children.ts decides): look up the projects a
// render's child Applications, ApplicationSets and Stacks name, and refuse the whole sync when any
// child would escape its parent's project, before the cluster sees any object of the render.
import type { Application } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { checkChildren, childrenOf } from "../core/project/children.ts";
import { PROJECT_VIOLATION_REASON, type Project } from "../core/project/project.ts";
import { type ProjectScope, ProjectViolation } from "./app-project.ts";
import type { ProjectLookup } from "./projects.ts";

export async function enforceChildren(
  projects: ProjectLookup,
  scope: ProjectScope,
  app: Application,
  objects: readonly KubeObject[],
  controllerNamespace: string,
): Promise<void> {
  const children = childrenOf(objects, app.spec.destination.namespace ?? "");
  if (children.length === 0) return;
  const found = new Map<string, Project>();
  for (const child of children) {
    if (child.project === undefined || found.has(child.project) || child.project.includes("{{")) continue;
    const result = await projects.get(child.project, scope.subject);
    if (result.found) found.set(child.project, result.project);
  }
  const refused = checkChildren(
    { subject: scope.subject, project: scope.project, controllerNamespace },
    children,
    found,
  );
  if (refused.length > 0) {
    const more = refused.length > 3 ? `; and ${refused.length - 3} more children` : "";
    throw new ProjectViolation(
      PROJECT_VIOLATION_REASON,
      `${refused.slice(0, 3).join("; ")}${more}; nothing was applied`,
    );
  }
}
