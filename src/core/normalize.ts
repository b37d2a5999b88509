// Normalisation: what is taken out of an object before it is compared, because it can never
// mean that Git and the cluster disagree.
//
// - `status` is written by controllers to report what they observe; Git never declares it.
// - Bookkeeping the API server keeps per object (uid, resourceVersion, generation, timestamps,
//   managedFields, selfLink) changes on every write and is not part of the desired state.
// - ownerReferences are set by controllers and by garbage-collection adoption, not by Git.
// - `kubectl.kubernetes.io/last-applied-configuration` is a copy of a previous client-side
//   apply, and `deployment.kubernetes.io/revision` is the Deployment controller's rollout counter.
import { clone, type KubeObject } from "./objects.ts";

const SERVER_METADATA = [
  "managedFields",
  "resourceVersion",
  "uid",
  "generation",
  "creationTimestamp",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
] as const;

const SERVER_ANNOTATIONS = [
  "kubectl.kubernetes.io/last-applied-configuration",
  "deployment.kubernetes.io/revision",
] as const;

/**
 * A deep copy of `obj` without the fields that must never cause a diff. Empty label and
 * annotation maps are dropped as well: Kubernetes treats an empty map and a missing one alike.
 */
export function normalizeForDiff(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  delete copy.status;
  const meta = copy.metadata;
  for (const field of SERVER_METADATA) delete meta[field];
  if (meta.annotations) {
    for (const key of SERVER_ANNOTATIONS) delete meta.annotations[key];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  if (meta.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
  return copy;
}
