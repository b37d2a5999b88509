// The one error type of the git adapter. Its code is a closed vocabulary that callers, status
// conditions and tests rely on; its message is lower-case, names the repository (never with
// credentials in it) and says what to do.

export const GIT_ERROR_CODES = [
  "auth-failed",
  "repo-not-found",
  "unreachable",
  "revision-not-found",
  "timeout",
  "git-failed",
  /** The URL is not allowed: a local path without --allow-local-repos, userinfo next to stored credentials. */
  "url-refused",
  /** The repository is larger than the controller's limit. */
  "too-large",
  /** A submodule of the commit could not be read: the source is not whole, so it is not used. */
  "submodule-failed",
] as const;

export type GitErrorCode = (typeof GIT_ERROR_CODES)[number];

export class GitError extends Error {
  readonly code: GitErrorCode;
  /** The repository, as safe to print. */
  readonly repoURL: string;
  constructor(code: GitErrorCode, message: string, repoURL: string) {
    super(message);
    this.name = "GitError";
    this.code = code;
    this.repoURL = repoURL;
  }
}
