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
