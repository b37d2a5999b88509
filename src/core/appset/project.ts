// A set never escapes its Project. Whoever may write an ApplicationSet in a namespace may, through
// it, write Applications there; so the set is held to what that person could write by hand:
//   - the set's project is the one its template names literally: a parameter there is refused, so
//     no generator input (a list element, a cluster's label, a file in Git) chooses the project;
//   - outside the controller namespace that project must list the set's namespace in its
//     sourceNamespaces, as it must for an Application written there (core/project/check.ts);
//   - every generated Application names that project and lives in the set's namespace, whatever a
//     generator's own template or a parameter says.
// Any of these failing is `ProjectEscape`: nothing is created, updated or deleted.
import type { Application } from "../application.ts";
import { checkSourceNamespace } from "../project/check.ts";
import { DEFAULT_PROJECT, type Project, subjectOf } from "../project/project.ts";
import type { ApplicationSet } from "./types.ts";

/** The Stalled reason of a set that would leave its project or namespace. */
export const PROJECT_ESCAPE_REASON = "ProjectEscape";

export type ProjectCheck = { ok: true } | { ok: false; message: string };

export function setSubject(set: ApplicationSet): string {
  return subjectOf("ApplicationSet", set.metadata.namespace, set.metadata.name);
}

/** The project every generated Application must name, or why the template does not fix one. */
export function templateProject(
  set: ApplicationSet,
): { ok: true; project: string } | { ok: false; message: string } {
  const project = set.spec.template.spec.project || DEFAULT_PROJECT;
  if (project.includes("{{")) {
    return {
      ok: false,
      message: `${setSubject(set)}: spec.template.spec.project must name one project, not a parameter (${project}); a set's Applications share its project`,
    };
  }
  return { ok: true, project };
}

/** May the set, where it lives, use its template's project at all? */
export function checkSetNamespace(
  set: ApplicationSet,
  project: Project,
  controllerNamespace: string,
): ProjectCheck {
  const decision = checkSourceNamespace(
    project,
    setSubject(set),
    set.metadata.namespace,
    controllerNamespace,
  );
  return decision.allowed ? { ok: true } : { ok: false, message: decision.message };
}

/** The first generated Application that names another project or namespace than the set's. */
export function checkGenerated(set: ApplicationSet, generated: Application[], project: string): ProjectCheck {
  const namespace = set.metadata.namespace;
  for (const app of generated) {
    const appProject = app.spec.project || DEFAULT_PROJECT;
    const appNamespace = app.metadata.namespace || namespace;
    if (appProject !== project)
      return {
        ok: false,
        message: `${setSubject(set)}: Application ${app.metadata.name} would name project ${appProject}, not the set's project ${project}`,
      };
    if (appNamespace !== namespace)
      return {
        ok: false,
        message: `${setSubject(set)}: Application ${app.metadata.name} would live in namespace ${appNamespace}, not the set's namespace ${namespace}`,
      };
  }
  return { ok: true };
}
