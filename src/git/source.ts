// The Source adapter: where a sync starts. It answers three questions about a Git repository
// with the real git CLI: which commit does a revision name now (ls-remote, cheap enough to ask
// on every reconcile), what files does that commit hold (a directory that stays valid forever,
// since a commit never changes), and who made it and why (commit metadata for status and audit).
// Each repository is fetched into one bare mirror, and only when a commit it is asked for is
// missing; each commit's files are written once. Work on one repository runs one call at a time.

import { mkdtemp, rename, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import { defaultLimits, formatBytes, LIMIT_FLAGS } from "../core/limits.ts";
import { folderBytes } from "../util/disk.ts";
import { mooringHome } from "../util/home.ts";
import { localGitEnv, withRemoteAccess } from "./access.ts";
import {
  type CacheLayout,
  cacheLayout,
  mirrorPath,
  moveIntoPlace,
  pathExists,
  prepareCache,
  treePath,
} from "./cache.ts";
import { type FailureContext, failureMessage } from "./classify.ts";
import { COMMIT_INFO_FORMAT, type CommitInfo, parseCommitInfo } from "./commit-info.ts";
import { effectiveCredentials, type GitCredentials } from "./credentials.ts";
import { GitError } from "./errors.ts";
import { KeyedLock } from "./lock.ts";
import { commitForRevision, FULL_SHA, parseLsRemote, SHORT_SHA } from "./refs.ts";
import { type GitRunOptions, probeGit, runGit } from "./run.ts";
import { materialiseTree, treeBytes } from "./tree.ts";
import { parseRepoURL, type RepoAddress, RepoURLError, redactURLs, repoCacheKey } from "./url.ts";

export interface GitSourceOptions {
  /** Where mirrors and commit trees are kept; default: `<mooring home>/git`. */
  cacheDir?: string;
  /** Limit of each git command in milliseconds; default 60 000. */
  timeoutMs?: number;
  /** Environment git commands start from; default: this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Read file:// URLs and plain paths; default false. A local path reads whatever the process
   * may read on its own disk (another tenant's checkout, the controller's own files), so the
   * controller allows it only when started with --allow-local-repos.
   */
  allowLocalRepos?: boolean;
  /** Most bytes of output one git command may write; default: core/limits.ts. */
  maxOutputBytes?: number;
  /** Most bytes the files of one commit may hold to be checked out; default: core/limits.ts. */
  maxRepoBytes?: number;
}

export function gitSourceDefaults(options: GitSourceOptions = {}): Required<GitSourceOptions> {
  const env = options.env ?? process.env;
  return {
    cacheDir: options.cacheDir ?? join(mooringHome(env), "git"),
    timeoutMs: options.timeoutMs ?? 60_000,
    env,
    allowLocalRepos: options.allowLocalRepos ?? false,
    maxOutputBytes: options.maxOutputBytes ?? defaultLimits().maxOutputBytes,
    maxRepoBytes: options.maxRepoBytes ?? defaultLimits().maxRepoBytes,
  };
}

interface Repo {
  address: RepoAddress;
  key: string;
  mirror: string;
}

const COMMIT_INFO_CACHE = 4096;

export class GitSource {
  readonly cacheDir: string;
  readonly timeoutMs: number;
  readonly #allowLocalRepos: boolean;
  readonly #maxOutputBytes: number;
  readonly #maxRepoBytes: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #layout: CacheLayout;
  readonly #locks = new KeyedLock();
  /** A commit's metadata never changes: read once per repository and commit, the newest kept. */
  readonly #commitInfos = new Map<string, CommitInfo>();
  #prepared: Promise<void> | undefined;
  /** When each mirror and tree was last marked as used (its mtime), to mark it at most once a minute. */
  readonly #touched = new Map<string, number>();

  constructor(options: GitSourceOptions = {}) {
    const settings = gitSourceDefaults(options);
    this.cacheDir = settings.cacheDir;
    this.timeoutMs = settings.timeoutMs;
    this.#env = settings.env;
    this.#allowLocalRepos = settings.allowLocalRepos;
    this.#maxOutputBytes = settings.maxOutputBytes;
    this.#maxRepoBytes = settings.maxRepoBytes;
    this.#layout = cacheLayout(settings.cacheDir);
  }

  /** Every ref of the repository and the commit it points at (annotated tags peeled); no fetch. */
  async lsRemote(repoURL: string, credentials?: GitCredentials): Promise<Map<string, string>> {
    const repo = await this.#open(repoURL);
    return this.#lsRemote(repo, credentials);
  }

  /**
   * The full sha of the commit a revision names: a branch or tag (asked of the server), HEAD or
   * "" (the default branch), or a commit sha, full or abbreviated (looked up in the mirror,
   * fetched when missing).
   */
  async resolveRevision(repoURL: string, revision: string, credentials?: GitCredentials): Promise<string> {
    const repo = await this.#open(repoURL);
    const wanted = revision.trim() === "" ? "HEAD" : revision.trim();
    if (FULL_SHA.test(wanted)) {
      return this.#locks.run(repo.key, () => this.#ensureCommit(repo, wanted.toLowerCase(), credentials));
    }
    const fromRefs = commitForRevision(await this.#lsRemote(repo, credentials), wanted);
    if (fromRefs !== undefined) return fromRefs;
    if (SHORT_SHA.test(wanted)) {
      return this.#locks.run(repo.key, () => this.#ensureCommit(repo, wanted.toLowerCase(), credentials));
    }
    throw this.#revisionNotFound(repo, wanted);
  }

  /**
   * A directory holding the files of the commit. It is written once per commit and returned
   * again on later calls without touching the network; callers must not modify it.
   */
  async checkout(repoURL: string, sha: string, credentials?: GitCredentials): Promise<string> {
    const repo = await this.#open(repoURL);
    if (!FULL_SHA.test(sha)) {
      throw new GitError(
        "revision-not-found",
        `checkout of ${repo.address.url} needs a full commit sha, not "${sha}": resolve the revision first`,
        repo.address.url,
      );
    }
    const requested = treePath(this.#layout, repo.key, sha.toLowerCase());
    if (await pathExists(requested)) {
      await this.#markUsed(requested);
      return requested;
    }
    return this.#locks.run(repo.key, async () => {
      const commit = await this.#ensureCommit(repo, sha.toLowerCase(), credentials);
      const target = treePath(this.#layout, repo.key, commit);
      if (await pathExists(target)) return target;
      const bytes = await treeBytes(repo.mirror, commit, this.#localRun(repo, "ls-tree"));
      if (bytes > this.#maxRepoBytes) {
        throw new GitError(
          "too-large",
          `commit ${commit.slice(0, 10)} of ${repo.address.url} holds ${formatBytes(bytes)} of files, more than the limit of ${formatBytes(this.#maxRepoBytes)} per checkout (${LIMIT_FLAGS.maxRepoBytes}): keep large files out of the repository, or raise the limit`,
          repo.address.url,
        );
      }
      await materialiseTree({
        mirror: repo.mirror,
        commit,
        target,
        tmpDir: this.#layout.tmp,
        run: this.#localRun(repo, "read-tree"),
      });
      return target;
    });
  }

  /** Author, committer, times and message of a commit, fetching it first when it is missing. */
  async commitInfo(repoURL: string, sha: string, credentials?: GitCredentials): Promise<CommitInfo> {
    const repo = await this.#open(repoURL);
    const cacheKey = `${repo.key}@${sha.trim().toLowerCase()}`;
    const known = this.#commitInfos.get(cacheKey);
    if (known) return known;
    const info = await this.#locks.run(repo.key, async () => {
      const commit = await this.#ensureCommit(repo, sha.trim().toLowerCase(), credentials);
      const output = await runGit(
        [
          `--git-dir=${repo.mirror}`,
          "show",
          "-s",
          "--no-show-signature",
          "--encoding=UTF-8",
          COMMIT_INFO_FORMAT,
          commit,
        ],
        this.#localRun(repo, "show"),
      );
      return parseCommitInfo(output);
    });
    this.#commitInfos.set(cacheKey, info);
    if (this.#commitInfos.size > COMMIT_INFO_CACHE) {
      this.#commitInfos.delete(this.#commitInfos.keys().next().value as string);
    }
    return info;
  }

  async #open(repoURL: string): Promise<Repo> {
    let address: RepoAddress;
    try {
      address = parseRepoURL(repoURL, process.cwd());
    } catch (error) {
      if (!(error instanceof RepoURLError)) throw error;
      const shown = redactURLs(repoURL.trim());
      throw new GitError("repo-not-found", `invalid repository URL "${shown}": ${error.message}`, shown);
    }
    if (address.transport === "file" && !this.#allowLocalRepos) {
      throw new GitError(
        "url-refused",
        `repository ${address.url} is on the controller's own disk, which it reads only when started with --allow-local-repos: serve the repository over https or ssh`,
        address.url,
      );
    }
    const key = repoCacheKey(address);
    const repo = { address, key, mirror: mirrorPath(this.#layout, key) };
    await this.#ensureMirror(repo);
    await this.#markUsed(repo.mirror);
    return repo;
  }

  /** Whether work on a repository's mirror is queued or running (its cache key). */
  isBusy(key: string): boolean {
    return this.#locks.busy(key);
  }

  /**
   * Marks a mirror or tree as used by setting its modification time, which the disk budget's
   * garbage collection reads as "last used" (access times are often not kept by file systems).
   */
  async #markUsed(path: string): Promise<void> {
    const now = Date.now();
    if (now - (this.#touched.get(path) ?? 0) < 60_000) return;
    this.#touched.set(path, now);
    if (this.#touched.size > COMMIT_INFO_CACHE)
      this.#touched.delete(this.#touched.keys().next().value as string);
    await utimes(path, now / 1000, now / 1000).catch(() => {});
  }

  /** Creates the bare mirror on first use. It records no remote: the URL is given on each command. */
  async #ensureMirror(repo: Repo): Promise<void> {
    this.#prepared ??= prepareCache(this.#layout);
    await this.#prepared;
    if (await pathExists(join(repo.mirror, "HEAD"))) return;
    const fresh = await mkdtemp(join(this.#layout.tmp, "mirror-"));
    // No template: sample hooks and the like have no use in a mirror and only take room.
    await runGit(["init", "--quiet", "--bare", "--template=", fresh], this.#localRun(repo, "init"));
    await moveIntoPlace(fresh, repo.mirror);
  }

  async #lsRemote(repo: Repo, credentials: GitCredentials | undefined): Promise<Map<string, string>> {
    const output = await this.#remote(repo, credentials, "ls-remote", (run) =>
      runGit([`--git-dir=${repo.mirror}`, "ls-remote", repo.address.url], run),
    );
    return parseLsRemote(output);
  }

  /**
   * The full sha of a commit given by full or abbreviated sha, fetching when the mirror lacks it.
   * Must run under the repository's lock.
   */
  async #ensureCommit(
    repo: Repo,
    revision: string,
    credentials: GitCredentials | undefined,
  ): Promise<string> {
    const present = await this.#commitInMirror(repo, revision);
    if (present !== undefined) return present;
    await this.#remote(repo, credentials, "fetch", (run) =>
      runGit(
        [
          `--git-dir=${repo.mirror}`,
          "fetch",
          "--quiet",
          "--prune",
          "--no-tags",
          "--no-write-fetch-head",
          "--no-recurse-submodules",
          repo.address.url,
          "+refs/heads/*:refs/heads/*",
          "+refs/tags/*:refs/tags/*",
        ],
        run,
      ),
    );
    await this.#checkMirrorSize(repo);
    const fetched = await this.#commitInMirror(repo, revision);
    if (fetched !== undefined) return fetched;
    if (FULL_SHA.test(revision)) {
      // A commit no branch or tag reaches (a pull request head, say) can still be asked for by sha.
      const direct = await this.#remote(repo, credentials, "fetch", (run) =>
        probeGit(
          [
            `--git-dir=${repo.mirror}`,
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            repo.address.url,
            `+${revision}:refs/mooring/commits/${revision}`,
          ],
          run,
        ),
      );
      if (direct.code === 0) {
        await this.#checkMirrorSize(repo);
        const reached = await this.#commitInMirror(repo, revision);
        if (reached !== undefined) return reached;
      }
    }
    throw this.#revisionNotFound(repo, revision);
  }

  /**
   * git has no limit on what a fetch may download, so a mirror that grew past the repository
   * size limit is removed again (moved aside first, so no reader meets half of it) and the
   * fetch reported as too large; the next fetch starts from nothing. Must run under the lock.
   */
  async #checkMirrorSize(repo: Repo): Promise<void> {
    const bytes = await folderBytes(repo.mirror);
    if (bytes <= this.#maxRepoBytes) return;
    const aside = await mkdtemp(join(this.#layout.tmp, "oversized-"));
    await rename(repo.mirror, join(aside, "mirror"));
    await rm(aside, { recursive: true, force: true });
    throw new GitError(
      "too-large",
      `repository ${repo.address.url} takes ${formatBytes(bytes)} once fetched, more than the limit of ${formatBytes(this.#maxRepoBytes)} per repository (${LIMIT_FLAGS.maxRepoBytes}): keep large files out of its history, or raise the limit`,
      repo.address.url,
    );
  }

  async #commitInMirror(repo: Repo, revision: string): Promise<string | undefined> {
    const result = await probeGit(
      [
        `--git-dir=${repo.mirror}`,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        `${revision}^{commit}`,
      ],
      this.#localRun(repo, "rev-parse", revision),
    );
    if (result.code === 0) return result.stdout.trim();
    if (/ambiguous/i.test(result.stderr)) {
      throw new GitError(
        "revision-not-found",
        `revision "${revision}" is ambiguous in ${repo.address.url}: give more digits of the commit sha`,
        repo.address.url,
      );
    }
    return undefined;
  }

  /** Runs a command that talks to the remote, with credentials in its environment only. */
  #remote<T>(
    repo: Repo,
    credentials: GitCredentials | undefined,
    operation: string,
    work: (run: GitRunOptions) => Promise<T>,
  ): Promise<T> {
    const effective = effectiveCredentials(repo.address, credentials);
    const options = { env: this.#env, timeoutMs: this.timeoutMs, tmpDir: this.#layout.tmp };
    return withRemoteAccess(repo.address, effective, options, (access) =>
      work({
        env: access.env,
        timeoutMs: this.timeoutMs,
        secrets: access.secrets,
        context: this.#context(repo, operation),
        maxOutputBytes: this.#maxOutputBytes,
      }),
    );
  }

  #localRun(repo: Repo, operation: string, revision?: string): GitRunOptions {
    return {
      env: localGitEnv({ env: this.#env, timeoutMs: this.timeoutMs }),
      timeoutMs: this.timeoutMs,
      secrets: [],
      context: this.#context(repo, operation, revision),
      maxOutputBytes: this.#maxOutputBytes,
    };
  }

  #context(repo: Repo, operation: string, revision?: string): FailureContext {
    const context: FailureContext = { operation, repo: repo.address.url, transport: repo.address.transport };
    if (revision !== undefined) context.revision = revision;
    return context;
  }

  #revisionNotFound(repo: Repo, revision: string): GitError {
    const message = failureMessage("revision-not-found", this.#context(repo, "resolve", revision));
    return new GitError("revision-not-found", message, repo.address.url);
  }
}
