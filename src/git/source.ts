// The Source adapter: where a sync starts. It answers three questions about a Git repository
// with the real git CLI: which commit does a revision name now (ls-remote, cheap enough to ask
// on every reconcile), what files does that commit hold (a directory that stays valid forever,
// since a commit never changes), and who made it and why (commit metadata for status and audit).
// For pull-request previews it also says which files a PR changes and whether one commit is
// part of another's history.
// Each repository is fetched into one bare mirror, and only when a commit it is asked for is
// missing; each commit's files are written once. Work on one repository runs one call at a time.
// A commit with submodules is read whole: each submodule is fetched into a mirror of its own, at
// the commit the superproject records, under the same URL, credential and transport rules, and
// its files are written at its path before the commit's folder is moved into place; when one
// cannot be read the checkout fails naming it, and nothing of that commit is used.

import { mkdtemp, readdir, rename, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import { defaultLimits, formatBytes, LIMIT_FLAGS } from "../core/limits.ts";
import type { ChangedPath } from "../core/preview/affected.ts";
import type { SignatureKey } from "../core/project/signature.ts";
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
import { parseNameStatus } from "./changes.ts";
import { describeFailure, type FailureContext, failureMessage, gitDetail } from "./classify.ts";
import { COMMIT_INFO_FORMAT, type CommitInfo, parseCommitInfo } from "./commit-info.ts";
import { effectiveCredentials, type GitCredentials } from "./credentials.ts";
import { GitError } from "./errors.ts";
import { KeyedLock } from "./lock.ts";
import { commitForRevision, FULL_SHA, parseLsRemote, SHORT_SHA } from "./refs.ts";
import { type GitRunOptions, probeGit, runGit } from "./run.ts";
import { type CommitSignature, verifyCommitSignature } from "./signature.ts";
import {
  isRelativeURL,
  parseGitmodules,
  resolveSubmoduleURL,
  type Submodule,
  SubmoduleError,
  submodulesOf,
} from "./submodules.ts";
import { extractTree, materialiseTree, readTree, submoduleFolder, type TreeListing } from "./tree.ts";
import { originOf, parseRepoURL, type RepoAddress, RepoURLError, redactURLs, repoCacheKey } from "./url.ts";

/** Looks up stored credentials for a repository (a submodule's), or refuses its URL (url-refused). */
export type CredentialLookup = (repoURL: string) => Promise<GitCredentials | undefined>;

/** The failure of one submodule, worded once where it happened. */
class SubmoduleFailure extends GitError {}

/** A checkout reads at most this many submodules, nested at most this deep. */
const MAX_SUBMODULES = 64;
const MAX_SUBMODULE_DEPTH = 8;

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
  /** Cached trees seen to hold their submodules' files (see #whole). */
  readonly #wholeTrees = new Set<string>();
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
   * A directory holding the files of the commit, its submodules' files included (see
   * submodules.ts; `lookup` finds stored credentials for a submodule's URL). It is written once
   * per commit and returned again on later calls without touching the network; callers must not
   * modify it. A submodule that cannot be read fails the whole checkout ("submodule-failed"):
   * a source is used whole or not at all.
   */
  async checkout(
    repoURL: string,
    sha: string,
    credentials?: GitCredentials,
    lookup?: CredentialLookup,
  ): Promise<string> {
    const repo = await this.#open(repoURL);
    if (!FULL_SHA.test(sha)) {
      throw new GitError(
        "revision-not-found",
        `checkout of ${repo.address.url} needs a full commit sha, not "${sha}": resolve the revision first`,
        repo.address.url,
      );
    }
    const requested = treePath(this.#layout, repo.key, sha.toLowerCase());
    if ((await pathExists(requested)) && (await this.#whole(repo, sha.toLowerCase(), requested))) {
      await this.#markUsed(requested);
      return requested;
    }
    const prepared = await this.#locks.run(repo.key, async () => {
      const commit = await this.#ensureCommit(repo, sha.toLowerCase(), credentials);
      const target = treePath(this.#layout, repo.key, commit);
      if (await pathExists(target)) return { target };
      const listing = await readTree(repo.mirror, commit, this.#localRun(repo, "ls-tree"));
      this.#checkCheckoutSize(repo, commit, listing.bytes);
      const modules = await this.#submodules(repo, commit, listing);
      const materialise = {
        mirror: repo.mirror,
        commit,
        target,
        tmpDir: this.#layout.tmp,
        run: this.#localRun(repo, "read-tree"),
      };
      if (modules.length === 0) {
        await materialiseTree(materialise);
        return { target };
      }
      return { target, later: { materialise, modules, bytes: listing.bytes } };
    });
    if (!prepared.later) {
      this.#wholeTrees.add(prepared.target);
      return prepared.target;
    }
    // Submodules are fetched outside this repository's lock: a submodule may be this very
    // repository at another commit, or a repository whose own submodule is this one.
    const { materialise, modules, bytes } = prepared.later;
    const parent = { repo, commit: materialise.commit, credentials, prefix: "" };
    const budget = { top: repo, commit: materialise.commit, bytes, count: 0 };
    await materialiseTree({
      ...materialise,
      fill: (files) => this.#fillSubmodules(parent, files, modules, budget, 1, lookup),
    });
    this.#wholeTrees.add(prepared.target);
    return prepared.target;
  }

  /**
   * Whether a tree found in the cache holds its submodules' files. Mooring before submodule
   * support wrote trees with empty submodule folders; such a tree is removed (moved aside
   * first) so that it is written again, whole. Checked once per tree and process, and only for
   * trees with a .gitmodules.
   */
  async #whole(repo: Repo, commit: string, tree: string): Promise<boolean> {
    if (this.#wholeTrees.has(tree)) return true;
    let whole = !(await pathExists(join(tree, ".gitmodules")));
    if (!whole) {
      const listing = await readTree(repo.mirror, commit, this.#localRun(repo, "ls-tree")).catch(
        () => undefined,
      );
      const modules = listing && (await this.#submodules(repo, commit, listing).catch(() => undefined));
      const filled = async (m: Submodule) => (await readdir(join(tree, m.path)).catch(() => [])).length > 0;
      whole = modules !== undefined && (await Promise.all(modules.map(filled))).every(Boolean);
    }
    if (whole) {
      this.#wholeTrees.add(tree);
      if (this.#wholeTrees.size > COMMIT_INFO_CACHE) {
        this.#wholeTrees.delete(this.#wholeTrees.values().next().value as string);
      }
      return true;
    }
    await this.#locks.run(repo.key, async () => {
      if (!(await pathExists(tree))) return;
      const aside = await mkdtemp(join(this.#layout.tmp, "partial-"));
      await rename(tree, join(aside, "tree"));
      await rm(aside, { recursive: true, force: true });
    });
    return false;
  }

  #checkCheckoutSize(repo: Repo, commit: string, bytes: number, submodules = false): void {
    if (bytes <= this.#maxRepoBytes) return;
    throw new GitError(
      "too-large",
      `commit ${commit.slice(0, 10)} of ${repo.address.url} holds ${formatBytes(bytes)} of files${submodules ? " with its submodules" : ""}, more than the limit of ${formatBytes(this.#maxRepoBytes)} per checkout (${LIMIT_FLAGS.maxRepoBytes}): keep large files out of the repository, or raise the limit`,
      repo.address.url,
    );
  }

  /** The submodules a commit asks for: none without a .gitmodules (its gitlinks stay empty). */
  async #submodules(repo: Repo, commit: string, listing: TreeListing): Promise<Submodule[]> {
    if (listing.gitlinks.length === 0 || listing.gitmodulesMode === undefined) return [];
    const where = `the .gitmodules of ${repo.address.url} at commit ${commit.slice(0, 10)}`;
    if (listing.gitmodulesMode !== "100644" && listing.gitmodulesMode !== "100755") {
      throw new GitError(
        "submodule-failed",
        `${where} is not a plain file: git refuses it too`,
        repo.address.url,
      );
    }
    const read = await probeGit(
      [
        `--git-dir=${repo.mirror}`,
        "config",
        "--blob",
        `${commit}:.gitmodules`,
        "--no-includes",
        "--null",
        "--list",
      ],
      this.#localRun(repo, "config"),
    );
    if (read.code !== 0) {
      throw new GitError(
        "submodule-failed",
        `${where} cannot be read: fix its syntax (git: ${gitDetail(read.stderr)})`,
        repo.address.url,
      );
    }
    try {
      return submodulesOf(listing.gitlinks, parseGitmodules(read.stdout));
    } catch (error) {
      if (!(error instanceof SubmoduleError)) throw error;
      throw new GitError("submodule-failed", `${where}: ${error.message}`, repo.address.url);
    }
  }

  /**
   * Fetches each submodule at the commit its gitlink records and writes its files at its path
   * inside `root` (the parent's files), then its own submodules, recursively. Credentials: what
   * `lookup` finds for the submodule's URL (repository Secrets, matched as for any repository),
   * or userinfo in that URL; a relative URL, which stays on the parent's host, falls back to
   * the parent's credentials, as git's credential helpers would.
   */
  async #fillSubmodules(
    parent: { repo: Repo; commit: string; credentials: GitCredentials | undefined; prefix: string },
    root: string,
    modules: readonly Submodule[],
    budget: { top: Repo; commit: string; bytes: number; count: number },
    depth: number,
    lookup: CredentialLookup | undefined,
  ): Promise<void> {
    for (const module of modules) {
      const path = `${parent.prefix}${module.path}`;
      let shownURL = redactURLs(module.url);
      try {
        if (depth > MAX_SUBMODULE_DEPTH || ++budget.count > MAX_SUBMODULES) {
          throw new SubmoduleError(
            `more than ${MAX_SUBMODULES} submodules or ${MAX_SUBMODULE_DEPTH} levels of them: Mooring reads no more`,
          );
        }
        const relative = isRelativeURL(module.url);
        const url = resolveSubmoduleURL(parent.repo.address.url, module.url);
        shownURL = redactURLs(url);
        const repo = await this.#open(url);
        shownURL = repo.address.url;
        if (relative && originOf(repo.address) !== originOf(parent.repo.address)) {
          throw new SubmoduleError(
            `its relative URL "${module.url}" climbs off ${parent.repo.address.url}'s host`,
          );
        }
        let credentials = await lookup?.(url);
        if (credentials === undefined && relative) {
          credentials = effectiveCredentials(parent.repo.address, parent.credentials);
        }
        const listing = await this.#locks.run(repo.key, async () => {
          const commit = await this.#ensureCommit(repo, module.commit, credentials);
          return readTree(repo.mirror, commit, this.#localRun(repo, "ls-tree"));
        });
        budget.bytes += listing.bytes;
        this.#checkCheckoutSize(budget.top, budget.commit, budget.bytes, true);
        const nested = await this.#submodules(repo, module.commit, listing);
        const dir = await submoduleFolder(root, module.path);
        await extractTree(
          repo.mirror,
          module.commit,
          dir,
          this.#layout.tmp,
          this.#localRun(repo, "read-tree"),
        );
        const self = { repo, commit: module.commit, credentials, prefix: `${path}/` };
        await this.#fillSubmodules(self, dir, nested, budget, depth + 1, lookup);
      } catch (error) {
        // A nested submodule's failure already names it, by its whole path.
        if (error instanceof SubmoduleFailure) throw error;
        if (!(error instanceof GitError || error instanceof SubmoduleError)) throw error;
        throw new SubmoduleFailure(
          "submodule-failed",
          `submodule ${path} (${shownURL}) of ${parent.repo.address.url} at commit ${parent.commit.slice(0, 10)} could not be read, so nothing from this commit is used: ${error.message}`,
          budget.top.address.url,
        );
      }
    }
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

  /**
   * Whether a commit is signed by one of a project's keys (signature.ts), fetching it into the
   * mirror first when it is missing; nothing of it is checked out.
   */
  async verifyCommit(
    repoURL: string,
    sha: string,
    keys: readonly SignatureKey[],
    credentials?: GitCredentials,
  ): Promise<CommitSignature> {
    const repo = await this.#open(repoURL);
    return this.#locks.run(repo.key, async () => {
      const commit = await this.#ensureCommit(repo, sha.trim().toLowerCase(), credentials);
      return verifyCommitSignature({
        gitDir: repo.mirror,
        sha: commit,
        keys,
        env: this.#localRun(repo, "verify-commit").env,
        tmpDir: this.#layout.tmp,
        timeoutMs: this.timeoutMs,
      });
    });
  }

  /**
   * The files a pull request from `headSha` into `baseSha` changes, as a forge shows them: the
   * differences between head and its merge base with base (changes.ts), renames detected.
   * Both commits are fetched into the mirror by sha when missing. The list holds at most
   * MAX_CHANGED_FILES (20,000) entries; a larger change is cut there. Commits that share no
   * history have no merge base, and no changes to list ("git-failed").
   */
  async changedFiles(
    repoURL: string,
    baseSha: string,
    headSha: string,
    credentials?: GitCredentials,
  ): Promise<ChangedPath[]> {
    return this.#withCommits(repoURL, [baseSha, headSha], credentials, async (repo, [base, head]) => {
      const found = await probeGit(
        [`--git-dir=${repo.mirror}`, "merge-base", "--end-of-options", base, head],
        this.#localRun(repo, "merge-base"),
      );
      const mergeBase = found.stdout.trim();
      if (found.code === 1 && mergeBase === "") {
        throw new GitError(
          "git-failed",
          `commits ${base.slice(0, 10)} and ${head.slice(0, 10)} of ${repo.address.url} share no history, so there are no changes between them to list: open the pull request from a branch of the base`,
          repo.address.url,
        );
      }
      if (found.code !== 0) throw this.#localFailure(repo, "merge-base", found.stderr);
      const output = await runGit(
        [
          `--git-dir=${repo.mirror}`,
          "diff-tree",
          "-r",
          "-z",
          "--name-status",
          "-M",
          "--end-of-options",
          mergeBase,
          head,
        ],
        this.#localRun(repo, "diff-tree"),
      );
      return parseNameStatus(output);
    });
  }

  /**
   * Whether `ancestorSha` is `descendantSha` or one of its ancestors (`git merge-base
   * --is-ancestor`): whether a merged pull request's commit is part of what was applied. Both
   * commits are fetched into the mirror by sha when missing.
   */
  async isAncestor(
    repoURL: string,
    ancestorSha: string,
    descendantSha: string,
    credentials?: GitCredentials,
  ): Promise<boolean> {
    const shas = [ancestorSha, descendantSha] as const;
    return this.#withCommits(repoURL, shas, credentials, async (repo, [ancestor, descendant]) => {
      const result = await probeGit(
        [`--git-dir=${repo.mirror}`, "merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant],
        this.#localRun(repo, "merge-base"),
      );
      if (result.code === 0) return true;
      if (result.code === 1) return false;
      throw this.#localFailure(repo, "merge-base", result.stderr);
    });
  }

  /**
   * Runs `work` under the repository's lock once both commits, given by full sha (anything else
   * is refused before git sees it), are in the mirror, fetched by sha when missing.
   */
  async #withCommits<T>(
    repoURL: string,
    shas: readonly [string, string],
    credentials: GitCredentials | undefined,
    work: (repo: Repo, commits: [string, string]) => Promise<T>,
  ): Promise<T> {
    const repo = await this.#open(repoURL);
    const full = (sha: string): string => {
      const wanted = sha.trim().toLowerCase();
      if (FULL_SHA.test(wanted)) return wanted;
      throw new GitError(
        "revision-not-found",
        `comparing commits of ${repo.address.url} needs full commit shas, not "${sha}": resolve the revision first`,
        repo.address.url,
      );
    };
    const commits: [string, string] = [full(shas[0]), full(shas[1])];
    return this.#locks.run(repo.key, async () => {
      for (const commit of commits) await this.#ensureCommit(repo, commit, credentials);
      return work(repo, commits);
    });
  }

  /** A local git command's failure, worded by classify.ts. */
  #localFailure(repo: Repo, operation: string, stderr: string): GitError {
    const failure = describeFailure(stderr, this.#context(repo, operation));
    return new GitError(failure.code, failure.message, repo.address.url);
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
    const options = {
      env: this.#env,
      timeoutMs: this.timeoutMs,
      tmpDir: this.#layout.tmp,
      allowLocalRepos: this.#allowLocalRepos,
    };
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
      env: localGitEnv({ env: this.#env, timeoutMs: this.timeoutMs, allowLocalRepos: this.#allowLocalRepos }),
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
