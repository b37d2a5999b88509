// What rendering or planning a target reads from its repository outside its own path.
// (Skeleton: the signature is fixed; the implementation lands with the previews work.)
export interface ReadsInput {
  kind: "Application" | "Stack";
  /** The target's path in the repository ("" for the root). */
  path: string;
  /** spec.source.helm.valueFiles, as written (relative to `path`). */
  helmValueFiles?: readonly string[];
}

/**
 * Repository-relative paths (files or folders) outside `input.path` that rendering or planning
 * it reads, found by reading the checkout at `checkoutDir`: Kustomize resources, bases,
 * components and patch files, Helm value files and `file://` chart dependencies, local Terraform
 * module sources; followed transitively. Never a path outside the repository.
 */
export async function renderReads(checkoutDir: string, input: ReadsInput): Promise<string[]> {
  void checkoutDir;
  void input;
  throw new Error("renderReads: not implemented yet");
}
