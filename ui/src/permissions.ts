// What the signed-in user may do, read from GET /session (the verbs each of their project roles
// grants). The UI uses it only to decide which buttons to offer: the server checks every request
// again, so a hidden button is a courtesy, never the guard.
import type { WhoAmI } from "./api.ts";

/** The verbs of ../../src/core/access/roles.ts, as the session lists them. */
export type Verb =
  | "get"
  | "list"
  | "sync"
  | "refresh"
  | "rollback"
  | "terminate"
  | "suspend"
  | "plan"
  | "approve"
  | "apply"
  | "unlock"
  | "delete"
  | "manage-project"
  | "manage-tokens";

/** True when `who` holds `verb` in `project` (a global admin holds every verb everywhere). */
export function may(who: WhoAmI, project: string, verb: Verb): boolean {
  if (who.globalAdmin) return true;
  return who.projects.some((p) => p.project === project && p.verbs.includes(verb));
}
