// Objects as the web UI shows them: the live object and the desired one side by side, and what a
// sync to some revision would do. For display, the API server's bookkeeping is taken out
// (managedFields, resourceVersion, uid, generation, creationTimestamp, the last-applied copy) but
// status stays on the live side, since it is what a reader came to see. Secret values are masked
// on both sides with the same numbered masks (mask.ts), so "changed" still shows without the value.
import type { DiffAction, FieldChange, ObjectDiff } from "../diff.ts";
import { maskSecretPair } from "../mask.ts";
import { clone, type KubeObject } from "../objects.ts";

const DISPLAY_DROPPED_METADATA = [
  "managedFields",
  "resourceVersion",
  "uid",
  "generation",
  "creationTimestamp",
  "selfLink",
] as const;

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** A copy without the server's bookkeeping; status is kept. */
export function normalizeForDisplay(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  const meta = copy.metadata ?? {};
  for (const field of DISPLAY_DROPPED_METADATA) delete meta[field];
  if (meta.annotations) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return copy;
}

/** Both sides normalised for display, then Secret values masked with shared numbering. */
export function displayPair(
  live: KubeObject | null,
  desired: KubeObject | null,
): { live?: KubeObject; desired?: KubeObject } {
  const masked = maskSecretPair(live && normalizeForDisplay(live), desired && normalizeForDisplay(desired));
  return {
    ...(masked.live ? { live: masked.live } : {}),
    ...(masked.desired ? { desired: masked.desired } : {}),
  };
}

/** What a sync would do to one object, in the words of the Application's status. */
export const PREVIEW_STATUSES = ["Synced", "OutOfSync", "Missing", "Extra", "Unknown"] as const;
export type PreviewStatus = (typeof PREVIEW_STATUSES)[number];

const STATUS_OF_ACTION: Record<DiffAction, PreviewStatus> = {
  none: "Synced",
  update: "OutOfSync",
  // Git declares it and the cluster has none: the sync would create it.
  create: "Missing",
  // The app manages it and Git no longer declares it: a sync with prune would delete it.
  delete: "Extra",
};

export interface PreviewResource {
  group: string;
  version?: string;
  kind: string;
  namespace: string;
  name: string;
  status: PreviewStatus;
  changes: FieldChange[];
  /** Why the object could not be compared (the API server refused its dry run). */
  error?: string;
}

/** One preview row per diff (already masked by compareApp), objects in error marked Unknown. */
export function previewResources(
  diffs: readonly ObjectDiff[],
  errors: readonly { ref: { group: string; kind: string; namespace: string; name: string }; error: string }[],
  versions: ReadonlyMap<string, string> = new Map(),
): PreviewResource[] {
  const rows: PreviewResource[] = diffs.map((d) => {
    const version = versions.get(`${d.ref.group}/${d.ref.kind}`);
    return {
      ...d.ref,
      ...(version ? { version } : {}),
      status: STATUS_OF_ACTION[d.action],
      changes: d.changes,
    };
  });
  for (const e of errors) rows.push({ ...e.ref, status: "Unknown", changes: [], error: e.error });
  return rows;
}
