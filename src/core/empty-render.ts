// Nothing rendered: when a source that yields zero objects is a mistake rather than a wish.
//
// An Application whose render is empty would, on sync with prune, delete every object it owns.
// That is right when the folder was emptied on purpose, and a disaster when the folder holds
// files Mooring does not render — `app.cue`, a `.ksonnet` folder, manifests one level down
// without `recurse` — where a new user sees "Synced, Healthy, 0 objects" and, worse, a running
// app is pruned away because its files were renamed to an unsupported type.
//
// So a render with zero objects while the source path holds files Mooring did not read stalls
// the Application (nothing is applied, nothing pruned) and names those files. A truly empty
// folder stays valid (there is nothing to misread). Argo CD's `syncPolicy.automated.allowEmpty`
// — "an empty render may prune everything" — is the explicit option that accepts an empty render
// whatever else the folder holds.

/** Unrendered files named in the message; the rest are counted. */
export const NOTHING_RENDERED_LISTED = 5;

/** What Mooring renders from a source path, for the message. */
export const WHAT_MOORING_RENDERS =
  "Mooring renders *.yaml, *.yml, *.json and *.jsonnet files, a kustomization or a Helm chart";

export interface EmptyRenderInput {
  /** Objects the render produced. */
  objectCount: number;
  /** Repository-relative files (and "folder/" entries) at the source path that were not read. */
  unrendered: readonly string[];
  /** The source path as written in the spec, for the message. */
  path: string;
  /** `syncPolicy.automated.allowEmpty`: an empty render is accepted as it is. */
  allowEmpty: boolean;
}

export type EmptyRenderDecision =
  | { state: "ok" }
  | { state: "stalled"; reason: "NothingRendered"; message: string };

export function decideEmptyRender(input: EmptyRenderInput): EmptyRenderDecision {
  if (input.objectCount > 0 || input.allowEmpty || input.unrendered.length === 0) return { state: "ok" };
  const listed = input.unrendered.slice(0, NOTHING_RENDERED_LISTED);
  const rest = input.unrendered.length - listed.length;
  const files = `${listed.join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`;
  return {
    state: "stalled",
    reason: "NothingRendered",
    message:
      `source path "${input.path || "."}" rendered no objects but holds files Mooring does not render: ${files}; ` +
      `${WHAT_MOORING_RENDERS} (set directory.recurse for manifests in subfolders); nothing was applied or pruned. ` +
      "If the source is empty on purpose, set syncPolicy.automated.allowEmpty: true",
  };
}
