// GitHub's REST API as a ForgeClient, and the GitHub-shaped core that Gitea's client shares.
//
// Gitea copied GitHub's API closely: the same paths for pull requests, their files, issue comments
// (a pull request is an issue, so its conversation comments live under /issues/{n}/comments), the
// combined commit status and a collaborator's permission. What differs is small and kept in a
// Dialect: how the token is sent, how pages are asked for, which field holds a status's state,
// and whether comments are paged. GitHub's `maintain` role reads as `write` in `permission`.
//
// Not tested against the real GitHub: github.test.ts checks request building and answer parsing
// against a local HTTP server speaking GitHub's documented shapes. Gitea is tested end to end.
import {
  type ChangedFile,
  type ChangeKind,
  COMMENT_LIMITS,
  type CommitState,
  type CommitStatus,
  type CommitStatusInput,
  enc,
  type ForgeClient,
  type ForgeClientOptions,
  type ForgeComment,
  ForgeError,
  type ForgeKind,
  type ForgeRequest,
  forgeRequest,
  markedBody,
  PREVIEW_MARKER,
  PREVIEW_STATUS_CONTEXT,
  type PullRequest,
  type RepoRef,
  readAllPages,
  repoPath,
  statusDescription,
  type UpsertResult,
} from "./forge.ts";
import { readGithubLikePullRequest } from "./webhook-events.ts";

export interface GithubLikeDialect {
  kind: Extract<ForgeKind, "github" | "gitea">;
  auth(token: string): Record<string, string>;
  /** The query of one page, e.g. `per_page=100&page=2`. */
  page(page: number): string;
  pageSize: number;
  /** Whether /issues/{n}/comments takes page parameters (Gitea's answers all at once). */
  commentsPaged: boolean;
  /** The field of a status object holding its state (`state` on GitHub, `status` on Gitea). */
  statusField: "state" | "status";
}

export const GITHUB_DIALECT: GithubLikeDialect = {
  kind: "github",
  auth: (token) => ({
    Authorization: `Bearer ${token}`,
    Accept: "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
  }),
  page: (page) => `per_page=100&page=${page}`,
  pageSize: 100,
  commentsPaged: true,
  statusField: "state",
};

/** GitHub file statuses; `copied` adds a file, `changed` (mode only) and `unchanged` modify. */
const FILE_STATUS: Readonly<Record<string, ChangeKind>> = {
  added: "added",
  copied: "added",
  removed: "deleted",
  deleted: "deleted",
  renamed: "renamed",
};

const WRITE_PERMISSIONS: ReadonlySet<string> = new Set(["admin", "owner", "maintain", "write"]);
const COMMIT_STATES: ReadonlySet<string> = new Set(["pending", "success", "failure", "error"]);

interface RawComment {
  id: number;
  body?: string;
  user?: { login?: string };
}

export class GithubLikeClient implements ForgeClient {
  readonly kind: ForgeKind;
  readonly commentLimit: number;
  readonly #dialect: GithubLikeDialect;
  readonly #options: ForgeClientOptions;
  #self: Promise<string> | undefined;

  constructor(dialect: GithubLikeDialect, options: ForgeClientOptions) {
    this.kind = dialect.kind;
    this.commentLimit = COMMENT_LIMITS[dialect.kind];
    this.#dialect = dialect;
    this.#options = options;
  }

  async #call<T>(request: ForgeRequest, what: string): Promise<T> {
    const auth = this.#dialect.auth(this.#options.token);
    return (await forgeRequest<T>(this.kind, this.#options, auth, request, what)).data;
  }

  #repo(repo: RepoRef): string {
    return `repos/${enc(repo.owner)}/${enc(repo.name)}`;
  }

  whoAmI(): Promise<string> {
    this.#self ??= this.#call<{ login: string }>({ method: "GET", path: "user" }, "the token's user").then(
      (user) => user.login,
    );
    return this.#self;
  }

  async listOpenPullRequests(repo: RepoRef): Promise<PullRequest[]> {
    const raw = await readAllPages(
      (page) =>
        this.#call<unknown[]>(
          { method: "GET", path: `${this.#repo(repo)}/pulls?state=open&${this.#dialect.page(page)}` },
          `repository ${repoPath(repo)}`,
        ),
      this.#dialect.pageSize,
    );
    return raw.map((pr, i) => readGithubLikePullRequest(this.kind, pr, `pulls[${i}]`));
  }

  async getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    const raw = await this.#call<unknown>(
      { method: "GET", path: `${this.#repo(repo)}/pulls/${number}` },
      `pull request ${repoPath(repo)}#${number}`,
    );
    return readGithubLikePullRequest(this.kind, raw, "pull");
  }

  async listChangedFiles(repo: RepoRef, number: number): Promise<ChangedFile[]> {
    const raw = await readAllPages(
      (page) =>
        this.#call<{ filename: string; status?: string; previous_filename?: string }[]>(
          { method: "GET", path: `${this.#repo(repo)}/pulls/${number}/files?${this.#dialect.page(page)}` },
          `pull request ${repoPath(repo)}#${number}`,
        ),
      this.#dialect.pageSize,
    );
    return raw.map((file) => {
      const status = FILE_STATUS[file.status ?? ""] ?? "modified";
      return status === "renamed" && file.previous_filename
        ? { path: file.filename, previousPath: file.previous_filename, status }
        : { path: file.filename, status };
    });
  }

  async #comments(repo: RepoRef, number: number): Promise<RawComment[]> {
    const what = `pull request ${repoPath(repo)}#${number}`;
    const path = `${this.#repo(repo)}/issues/${number}/comments`;
    if (!this.#dialect.commentsPaged) return this.#call<RawComment[]>({ method: "GET", path }, what);
    return readAllPages(
      (page) =>
        this.#call<RawComment[]>({ method: "GET", path: `${path}?${this.#dialect.page(page)}` }, what),
      this.#dialect.pageSize,
    );
  }

  async findMarkedComment(
    repo: RepoRef,
    number: number,
    marker = PREVIEW_MARKER,
  ): Promise<ForgeComment | undefined> {
    const self = await this.whoAmI();
    const found = (await this.#comments(repo, number)).find(
      (c) => c.user?.login === self && (c.body ?? "").includes(marker),
    );
    return found === undefined ? undefined : { id: found.id, body: found.body ?? "", author: self };
  }

  async upsertMarkedComment(
    repo: RepoRef,
    number: number,
    body: string,
    marker = PREVIEW_MARKER,
  ): Promise<UpsertResult> {
    const text = markedBody(this.kind, body, marker);
    const existing = await this.findMarkedComment(repo, number, marker);
    const what = `the preview comment on ${repoPath(repo)}#${number}`;
    const saved =
      existing === undefined
        ? await this.#call<RawComment>(
            { method: "POST", path: `${this.#repo(repo)}/issues/${number}/comments`, body: { body: text } },
            what,
          )
        : await this.#call<RawComment>(
            {
              method: "PATCH",
              path: `${this.#repo(repo)}/issues/comments/${existing.id}`,
              body: { body: text },
            },
            what,
          );
    return {
      comment: { id: saved.id, body: saved.body ?? text, author: saved.user?.login ?? "" },
      created: existing === undefined,
    };
  }

  async setCommitStatus(repo: RepoRef, sha: string, status: CommitStatusInput): Promise<void> {
    await this.#call(
      {
        method: "POST",
        path: `${this.#repo(repo)}/statuses/${enc(sha)}`,
        body: {
          state: status.state,
          description: statusDescription(status.description),
          context: status.context ?? PREVIEW_STATUS_CONTEXT,
          ...(status.targetURL ? { target_url: status.targetURL } : {}),
        },
      },
      `commit ${sha} of ${repoPath(repo)}`,
    );
  }

  async listCommitStatuses(repo: RepoRef, sha: string): Promise<CommitStatus[]> {
    const combined = await this.#call<{ statuses?: Record<string, unknown>[] }>(
      { method: "GET", path: `${this.#repo(repo)}/commits/${enc(sha)}/status` },
      `commit ${sha} of ${repoPath(repo)}`,
    );
    return (combined.statuses ?? []).map((s) => {
      const state = String(s[this.#dialect.statusField] ?? "");
      if (!COMMIT_STATES.has(state))
        throw new ForgeError(
          "invalid",
          `${this.kind} status of ${sha} has unknown state ${JSON.stringify(state)}`,
        );
      return {
        context: String(s.context ?? ""),
        state: state as CommitState,
        description: String(s.description ?? ""),
        targetURL: String(s.target_url ?? ""),
      };
    });
  }

  async hasWriteAccess(repo: RepoRef, login: string): Promise<boolean> {
    try {
      const answer = await this.#call<{ permission?: string; role_name?: string }>(
        { method: "GET", path: `${this.#repo(repo)}/collaborators/${enc(login)}/permission` },
        `user ${login} on ${repoPath(repo)}`,
      );
      return WRITE_PERMISSIONS.has(answer.permission ?? "") || WRITE_PERMISSIONS.has(answer.role_name ?? "");
    } catch (error) {
      // An unknown user, or one the forge will not describe as a collaborator, cannot write.
      if (error instanceof ForgeError && error.code === "not-found") return false;
      throw error;
    }
  }
}

/** A GitHub client; apiURL defaults to https://api.github.com/ (GitHub Enterprise: https://HOST/api/v3/). */
export function githubForge(options: Omit<ForgeClientOptions, "apiURL"> & { apiURL?: string }): ForgeClient {
  return new GithubLikeClient(GITHUB_DIALECT, {
    ...options,
    apiURL: options.apiURL ?? "https://api.github.com/",
  });
}
