// Why a source could not be turned into objects. A render failure stops a sync before anything
// touches the cluster, so the message is what a user sees in the Application's status: it names
// the file or path at fault (relative to the repository) and says what to change.

/** Stable error codes, so the controller, CLI and tests can tell failures apart. */
export type RenderErrorCode =
  /** A path in the spec, or a symlink or kustomize base in the tree, leads outside the repository. */
  | "path-escapes-repo"
  /** The source path, a values file or a kustomize base does not exist at this commit. */
  | "path-not-found"
  /** A file or tool output is not valid YAML/JSON, or a document is not a Kubernetes object. */
  | "invalid-manifest"
  /** The spec asks for something contradictory (e.g. both `helm` and `kustomize` set). */
  | "invalid-source"
  /** The source needs something fetched from the network (remote base, values URL). */
  | "unsupported-source"
  /** helm or kustomize exited with an error; the message carries theirs. */
  | "render-failed"
  /** A manifest file, the render's text or its object count is past the controller's limit. */
  | "too-large"
  /** helm or kustomize cannot be confined on this host (src/isolation), so it is not run at all. */
  | "sandbox-unavailable";

export class RenderError extends Error {
  readonly code: RenderErrorCode;
  constructor(code: RenderErrorCode, message: string) {
    super(message);
    this.name = "RenderError";
    this.code = code;
  }
}
