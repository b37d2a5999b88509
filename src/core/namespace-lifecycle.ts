// The life of a namespace an Application created. `CreateNamespace=true` creates the destination
// namespace when a sync finds it missing; Argo CD then leaves it behind when the app is deleted
// (argo-cd#7875, #4435), so short-lived environments pile up empty namespaces. Mooring marks a
// namespace it created with the app that created it (namespace/name and uid), never one that
// already existed, and `DeleteNamespace=true` beside `CreateNamespace=true` deletes it with the app.
//
// Deleting a namespace deletes everything in it, whoever put it there, so the decision is narrow:
// the option is on, the mark names this very app (its uid: an app deleted and created again
// under the same name is another app), and no other Application deploys to that namespace on
// the same cluster. Anything else keeps the namespace and says why.

/** On a namespace Mooring created: the Application that created it, `namespace/name`. */
export const CREATED_BY_ANNOTATION = "mooring.dev/created-by";
/** On a namespace Mooring created: that Application's uid. */
export const CREATED_BY_UID_ANNOTATION = "mooring.dev/created-by-uid";

export interface AppIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** The annotations a namespace gets when Mooring creates it for `app`. */
export function createdByMark(app: AppIdentity): Record<string, string> {
  return {
    [CREATED_BY_ANNOTATION]: `${app.namespace}/${app.name}`,
    [CREATED_BY_UID_ANNOTATION]: app.uid,
  };
}

export interface NamespaceDeletionInput {
  app: AppIdentity;
  /** `DeleteNamespace=true` in the app's sync options. */
  deleteNamespace: boolean;
  /** The app's destination namespace; empty when it names none. */
  namespace: string;
  /** The live namespace's annotations; null when it does not exist (any more). */
  live: Record<string, string> | null;
  /** Other Applications deploying to that namespace on the same cluster, `namespace/name`. */
  sharedWith: readonly string[];
}

export type NamespaceDecision =
  | { action: "delete"; message: string }
  | { action: "keep"; reason: "NamespaceKept"; message: string }
  | { action: "none" };

/**
 * What to do with the destination namespace once the app's objects are gone: nothing when the
 * option is off; otherwise delete it, or keep it with a message for an Event saying why.
 */
export function decideNamespaceDeletion(input: NamespaceDeletionInput): NamespaceDecision {
  const { app, namespace, live } = input;
  if (!input.deleteNamespace || namespace === "" || live === null) return { action: "none" };
  const keep = (why: string): NamespaceDecision => ({
    action: "keep",
    reason: "NamespaceKept",
    message: `namespace ${namespace} kept: ${why}`,
  });
  if (live[CREATED_BY_UID_ANNOTATION] === undefined) {
    return keep("Mooring did not create it (it existed before the first sync), so DeleteNamespace leaves it");
  }
  if (live[CREATED_BY_UID_ANNOTATION] !== app.uid) {
    const creator = live[CREATED_BY_ANNOTATION] ?? "another Application";
    return keep(`it was created for ${creator}, not for this Application`);
  }
  if (input.sharedWith.length > 0) {
    const shown = input.sharedWith.slice(0, 3).join(", ");
    const more = input.sharedWith.length > 3 ? ` and ${input.sharedWith.length - 3} more` : "";
    const one = input.sharedWith.length === 1;
    return keep(
      `${one ? "Application" : "Applications"} ${shown}${more} still deploy${one ? "s" : ""} to it`,
    );
  }
  return {
    action: "delete",
    message: `deleted namespace ${namespace}, which Mooring created for this Application (DeleteNamespace=true)`,
  };
}
