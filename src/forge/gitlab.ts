// GitLab's REST API (v4) as a ForgeClient.
//
// GitLab says merge request where the others say pull request, numbers them per project by `iid`,
// and names a project by its URL-encoded path (`group%2Fsub%2Fapp`). A merge request names its
// projects by id, so their clone URLs are read once per project and remembered. Other differences
// the client absorbs: the token goes in `PRIVATE-TOKEN`; the conversation is "notes" (system notes
// such as "added 1 commit" are skipped); commit statuses are named (`name`, GitLab's context) and
// know no `error` state (sent as `failed`; `canceled` reads back as error); a changed file says
// new_file / deleted_file / renamed_file; and write access is a member's access level of at least
// Developer (30), inherited from groups (`members/all`).
//
// Not tested against the real GitLab: gitlab.test.ts checks request building and answer parsing
// against a local HTTP server speaking GitLab's documented shapes. Gitea is tested end to end.
import {
  type ChangedFile,
  COMMENT_LIMITS,
  type CommitState,
  type CommitStatus,
  type CommitStatusInput,
  enc,
  type ForgeClient,
  type ForgeClientOptions,
  type ForgeComment,
  ForgeError,
  type ForgeRequest,
  forgeRequest,
  markedBody,
  PREVIEW_MARKER,
  PREVIEW_STATUS_CONTEXT,
  type PullRequest,
  type PullRequestState,
  type RepoRef,
  readAllPages,
  repoPath,
  statusDescription,
  type UpsertResult,
} from "./forge.ts";

const PAGE_SIZE = 100;
/** GitLab's Developer role: the lowest that may push to unprotected branches. */
export const GITLAB_DEVELOPER_ACCESS = 30;

const SEND_STATE: Readonly<Record<CommitState, string>> = {
  pending: "pending",
  success: "success",
  failure: "failed",
  error: "failed",
};

const READ_STATE: Readonly<Record<string, CommitState>> = {
  created: "pending",
  pending: "pending",
  running: "pending",
  success: "success",
  failed: "failure",
  canceled: "error",
  skipped: "error",
};

const MR_STATE: Readonly<Record<string, PullRequestState>> = {
  opened: "open",
  locked: "open",
  merged: "merged",
  closed: "closed",
};

interface RawMergeRequest {
  iid: number;
  title?: string;
  state: string;
  web_url: string;
  author?: { username?: string };
  source_branch: string;
  target_branch: string;
  sha: string;
  source_project_id: number;
  target_project_id: number;
  diff_refs?: { base_sha?: string; head_sha?: string } | null;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
}

interface RawNote {
  id: number;
  body?: string;
  system?: boolean;
  author?: { username?: string };
}

interface RawDiff {
  old_path: string;
  new_path: string;
  new_file?: boolean;
  deleted_file?: boolean;
  renamed_file?: boolean;
}

export class GitLabClient implements ForgeClient {
  readonly kind = "gitlab" as const;
  readonly commentLimit = COMMENT_LIMITS.gitlab;
  readonly #options: ForgeClientOptions;
  readonly #cloneURLs = new Map<string, Promise<string>>();
  #self: Promise<string> | undefined;

  constructor(options: ForgeClientOptions) {
    this.#options = options;
  }

  async #call<T>(request: ForgeRequest, what: string): Promise<T> {
    const auth = { "PRIVATE-TOKEN": this.#options.token };
    return (await forgeRequest<T>("gitlab", this.#options, auth, request, what)).data;
  }

  #project(repo: RepoRef): string {
    return `projects/${enc(repoPath(repo))}`;
  }

  #pages<T>(path: string, what: string): Promise<T[]> {
    const sep = path.includes("?") ? "&" : "?";
    return readAllPages(
      (page) =>
        this.#call<T[]>({ method: "GET", path: `${path}${sep}per_page=${PAGE_SIZE}&page=${page}` }, what),
      PAGE_SIZE,
    );
  }

  /** A project's clone URL by id or encoded path, read once. */
  #cloneURL(project: string): Promise<string> {
    let url = this.#cloneURLs.get(project);
    if (url === undefined) {
      url = this.#call<{ http_url_to_repo: string }>(
        { method: "GET", path: `projects/${project}` },
        `project ${decodeURIComponent(project)}`,
      ).then((p) => p.http_url_to_repo);
      this.#cloneURLs.set(project, url);
    }
    return url;
  }

  whoAmI(): Promise<string> {
    this.#self ??= this.#call<{ username: string }>({ method: "GET", path: "user" }, "the token's user").then(
      (user) => user.username,
    );
    return this.#self;
  }

  async #read(raw: RawMergeRequest): Promise<PullRequest> {
    const fromFork = raw.source_project_id !== raw.target_project_id;
    const baseURL = await this.#cloneURL(String(raw.target_project_id));
    const headURL = fromFork ? await this.#cloneURL(String(raw.source_project_id)) : baseURL;
    // A squash merge without a merge commit (fast-forward) leaves only squash_commit_sha.
    const mergeCommitSha = raw.state === "merged" ? raw.merge_commit_sha || raw.squash_commit_sha : undefined;
    return {
      number: raw.iid,
      title: raw.title ?? "",
      state: MR_STATE[raw.state] ?? "closed",
      base: { ref: raw.target_branch, sha: raw.diff_refs?.base_sha ?? "", repoURL: baseURL },
      head: { ref: raw.source_branch, sha: raw.sha, repoURL: headURL },
      fromFork,
      author: raw.author?.username ?? "",
      url: raw.web_url,
      ...(mergeCommitSha ? { mergeCommitSha } : {}),
    };
  }

  async listOpenPullRequests(repo: RepoRef): Promise<PullRequest[]> {
    const raw = await this.#pages<RawMergeRequest>(
      `${this.#project(repo)}/merge_requests?state=opened`,
      `project ${repoPath(repo)}`,
    );
    return Promise.all(raw.map((mr) => this.#read(mr)));
  }

  async getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    const raw = await this.#call<RawMergeRequest>(
      { method: "GET", path: `${this.#project(repo)}/merge_requests/${number}` },
      `merge request ${repoPath(repo)}!${number}`,
    );
    return this.#read(raw);
  }

  async listChangedFiles(repo: RepoRef, number: number): Promise<ChangedFile[]> {
    const diffs = await this.#pages<RawDiff>(
      `${this.#project(repo)}/merge_requests/${number}/diffs`,
      `merge request ${repoPath(repo)}!${number}`,
    );
    return diffs.map((d): ChangedFile => {
      if (d.new_file) return { path: d.new_path, status: "added" };
      if (d.deleted_file) return { path: d.old_path, status: "deleted" };
      if (d.renamed_file) return { path: d.new_path, previousPath: d.old_path, status: "renamed" };
      return { path: d.new_path, status: "modified" };
    });
  }

  async findMarkedComment(
    repo: RepoRef,
    number: number,
    marker = PREVIEW_MARKER,
  ): Promise<ForgeComment | undefined> {
    const self = await this.whoAmI();
    const notes = await this.#pages<RawNote>(
      `${this.#project(repo)}/merge_requests/${number}/notes?sort=asc&order_by=created_at`,
      `merge request ${repoPath(repo)}!${number}`,
    );
    const found = notes.find(
      (n) => !n.system && n.author?.username === self && (n.body ?? "").includes(marker),
    );
    return found === undefined ? undefined : { id: found.id, body: found.body ?? "", author: self };
  }

  async upsertMarkedComment(
    repo: RepoRef,
    number: number,
    body: string,
    marker = PREVIEW_MARKER,
  ): Promise<UpsertResult> {
    const text = markedBody("gitlab", body, marker);
    const existing = await this.findMarkedComment(repo, number, marker);
    const notes = `${this.#project(repo)}/merge_requests/${number}/notes`;
    const what = `the preview note on ${repoPath(repo)}!${number}`;
    const saved =
      existing === undefined
        ? await this.#call<RawNote>({ method: "POST", path: notes, body: { body: text } }, what)
        : await this.#call<RawNote>(
            { method: "PUT", path: `${notes}/${existing.id}`, body: { body: text } },
            what,
          );
    return {
      comment: { id: saved.id, body: saved.body ?? text, author: saved.author?.username ?? "" },
      created: existing === undefined,
    };
  }

  async setCommitStatus(repo: RepoRef, sha: string, status: CommitStatusInput): Promise<void> {
    await this.#call(
      {
        method: "POST",
        path: `${this.#project(repo)}/statuses/${enc(sha)}`,
        body: {
          state: SEND_STATE[status.state],
          name: status.context ?? PREVIEW_STATUS_CONTEXT,
          description: statusDescription(status.description),
          ...(status.targetURL ? { target_url: status.targetURL } : {}),
        },
      },
      `commit ${sha} of ${repoPath(repo)}`,
    );
  }

  async listCommitStatuses(repo: RepoRef, sha: string): Promise<CommitStatus[]> {
    const raw = await this.#pages<{
      id: number;
      name: string;
      status: string;
      description?: string | null;
      target_url?: string | null;
    }>(
      `${this.#project(repo)}/repository/commits/${enc(sha)}/statuses`,
      `commit ${sha} of ${repoPath(repo)}`,
    );
    // Every status ever set is listed; the newest (highest id) of each name is the current one.
    const latest = new Map<string, (typeof raw)[number]>();
    for (const s of raw) {
      const seen = latest.get(s.name);
      if (seen === undefined || s.id > seen.id) latest.set(s.name, s);
    }
    return [...latest.values()].map((s) => {
      const state = READ_STATE[s.status];
      if (state === undefined)
        throw new ForgeError("invalid", `gitlab status ${s.name} of ${sha} has unknown state ${s.status}`);
      return { context: s.name, state, description: s.description ?? "", targetURL: s.target_url ?? "" };
    });
  }

  async hasWriteAccess(repo: RepoRef, login: string): Promise<boolean> {
    const users = await this.#call<{ id: number; username: string }[]>(
      { method: "GET", path: `users?username=${enc(login)}` },
      `user ${login}`,
    );
    const user = users.find((u) => u.username.toLowerCase() === login.toLowerCase());
    if (user === undefined) return false;
    try {
      const member = await this.#call<{ access_level?: number }>(
        { method: "GET", path: `${this.#project(repo)}/members/all/${user.id}` },
        `member ${login} of ${repoPath(repo)}`,
      );
      return (member.access_level ?? 0) >= GITLAB_DEVELOPER_ACCESS;
    } catch (error) {
      if (error instanceof ForgeError && error.code === "not-found") return false;
      throw error;
    }
  }
}

/** A GitLab client; apiURL defaults to https://gitlab.com/api/v4/ (self-managed: https://HOST/api/v4/). */
export function gitlabForge(options: Omit<ForgeClientOptions, "apiURL"> & { apiURL?: string }): ForgeClient {
  return new GitLabClient({ ...options, apiURL: options.apiURL ?? "https://gitlab.com/api/v4/" });
}
