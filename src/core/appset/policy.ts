// What the controller does with the Applications a set generated, given those that exist: the
// policy decides, the controller executes. `applicationsSync` (Argo CD's names) says which
// changes the set may make: `create-only` never touches an existing Application, `create-update`
// never deletes, `create-delete` never updates, `sync` (the default) does all three.
//
// An existing Application counts as the set's when it carries the set as its controller owner.
// One with the same name and no controller owner is adopted (updated and given the set as
// owner), as Argo CD does — an update, so not under create-only or create-delete. One owned by
// anything else is never touched: that is a conflict a person resolves. Deleting honours
// `preserveResourcesOnDeletion`: the Application goes, but without the finalizer that would
// make Mooring delete what it deployed.
import { type Application, REFRESH_ANNOTATION, RESOURCES_FINALIZER } from "../application.ts";
import { jsonEqual } from "../json.ts";
import type { GenerationProblem } from "./params.ts";
import { APPLICATIONSET_KIND, type ApplicationSet, type ApplicationsSyncPolicy } from "./types.ts";

export { RESOURCES_FINALIZER };

/** Annotations a person or tool sets on a generated Application that an update keeps. */
const PRESERVED_ANNOTATIONS = [REFRESH_ANNOTATION];

const ALLOWS = {
  "create-only": { update: false, delete: false },
  "create-update": { update: true, delete: false },
  "create-delete": { update: false, delete: true },
  sync: { update: true, delete: true },
} as const satisfies Record<ApplicationsSyncPolicy, { update: boolean; delete: boolean }>;

export interface ApplicationDeletion {
  name: string;
  namespace: string;
  /** Finalizers to remove before deleting, so the deployed objects stay. */
  dropFinalizers: string[];
}

export interface ApplicationsPlan {
  create: Application[];
  /** The whole desired object, carrying the live resourceVersion; `adopted` when it was unowned. */
  update: { application: Application; adopted: boolean }[];
  delete: ApplicationDeletion[];
  /** Generated and existing alike; nothing to do. */
  unchanged: string[];
  /** Changes the policy forbids, by `namespace/name`, with why (shown in status, not an error). */
  held: { application: string; reason: string }[];
  /** Applications that exist under the name but belong to someone else. */
  conflicts: GenerationProblem[];
}

/** True when the Application's controller owner is this set. */
export function ownedBySet(app: Application, set: ApplicationSet): boolean {
  const owner = controllerOwner(app);
  if (owner === undefined || owner.kind !== APPLICATIONSET_KIND || owner.name !== set.metadata.name)
    return false;
  return set.metadata.uid === undefined || owner.uid === "" || owner.uid === set.metadata.uid;
}

function controllerOwner(app: Application) {
  return app.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

const keyOf = (app: { metadata: { namespace: string; name: string } }) =>
  `${app.metadata.namespace}/${app.metadata.name}`;

/**
 * The plan for one reconcile. `existing` holds the Applications the set owns and any with the name
 * of a generated one (the controller lists both). Everything is decided in order of name.
 */
export function planApplications(
  set: ApplicationSet,
  generated: Application[],
  existing: Application[],
): ApplicationsPlan {
  const allows = ALLOWS[set.spec.syncPolicy?.applicationsSync ?? "sync"];
  const plan: ApplicationsPlan = {
    create: [],
    update: [],
    delete: [],
    unchanged: [],
    held: [],
    conflicts: [],
  };
  const live = new Map(existing.map((app) => [keyOf(app), app]));
  const wanted = new Set(generated.map(keyOf));
  for (const desired of [...generated].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    const key = keyOf(desired);
    const current = live.get(key);
    if (current === undefined) {
      plan.create.push(desired);
      continue;
    }
    const owned = ownedBySet(current, set);
    if (!owned && controllerOwner(current) !== undefined) {
      const owner = controllerOwner(current);
      plan.conflicts.push({
        field: "spec.template.metadata.name",
        message: `Application ${key} already exists and belongs to ${owner?.kind} ${owner?.name}; rename one of them`,
      });
      continue;
    }
    const merged = mergeForUpdate(desired, current);
    if (owned && sameContent(merged, current)) {
      plan.unchanged.push(key);
    } else if (!allows.update) {
      plan.held.push({
        application: key,
        reason: owned
          ? "differs from the template; the set's policy does not update Applications"
          : "exists without an owner; the set's policy does not adopt it",
      });
    } else plan.update.push({ application: merged, adopted: !owned });
  }
  for (const current of [...existing].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    const key = keyOf(current);
    if (wanted.has(key) || !ownedBySet(current, set) || current.metadata.deletionTimestamp !== undefined)
      continue;
    if (!allows.delete) {
      plan.held.push({
        application: key,
        reason: "no longer generated; the set's policy does not delete Applications",
      });
      continue;
    }
    plan.delete.push(deletion(set, current));
  }
  return plan;
}

/** How to delete one of the set's Applications, honouring preserveResourcesOnDeletion. */
export function deletion(set: ApplicationSet, app: Application): ApplicationDeletion {
  const preserve = set.spec.syncPolicy?.preserveResourcesOnDeletion === true;
  const dropFinalizers =
    preserve && (app.metadata.finalizers ?? []).includes(RESOURCES_FINALIZER) ? [RESOURCES_FINALIZER] : [];
  return { name: app.metadata.name, namespace: app.metadata.namespace, dropFinalizers };
}

/**
 * The generated Application as it should be written over the live one: the template's labels,
 * annotations, spec and owner, plus what others legitimately added — the live object's
 * finalizers (the app controller's) and preserved annotations — and its resourceVersion.
 */
function mergeForUpdate(desired: Application, current: Application): Application {
  const annotations = { ...(desired.metadata.annotations ?? {}) };
  for (const key of PRESERVED_ANNOTATIONS) {
    const value = current.metadata.annotations?.[key];
    if (value !== undefined && annotations[key] === undefined) annotations[key] = value;
  }
  const finalizers = [
    ...new Set([...(current.metadata.finalizers ?? []), ...(desired.metadata.finalizers ?? [])]),
  ];
  const metadata: Application["metadata"] = { ...desired.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  if (finalizers.length > 0) metadata.finalizers = finalizers;
  if (current.metadata.resourceVersion !== undefined)
    metadata.resourceVersion = current.metadata.resourceVersion;
  return { ...desired, metadata };
}

function sameContent(a: Application, b: Application): boolean {
  const pick = (app: Application) =>
    JSON.parse(
      JSON.stringify({
        labels: app.metadata.labels ?? {},
        annotations: app.metadata.annotations ?? {},
        finalizers: app.metadata.finalizers ?? [],
        ownerReferences: app.metadata.ownerReferences ?? [],
        spec: app.spec,
      }),
    );
  return jsonEqual(pick(a), pick(b));
}
