// Source: from an Application's repoURL and targetRevision to a commit on disk. Resolving a
// branch costs one `git ls-remote` (no download), so the result is shared by every app on the
// same repo and revision and reused for the poll interval; a refresh forces a new look. Only a
// new commit costs a fetch and an extraction, and each commit is extracted once. A multi-source
// app resolves and fetches each of its sources this way, and its renders are combined here.
import { createHash } from "node:crypto";
import { describeSource } from "../core/app-sources.ts";
import type { SkippedFile } from "../core/app-status.ts";
import type { ApplicationSource, ApplicationSpec } from "../core/application.ts";
import { formatRef, type KubeObject, refKey, refOf } from "../core/objects.ts";
import type { ChangedPath } from "../core/preview/affected.ts";
import type { SignatureKey } from "../core/project/signature.ts";
import type { CommitInfo } from "../git/commit-info.ts";
import type { GitCredentials } from "../git/credentials.ts";
import { GitError } from "../git/errors.ts";
import type { CommitSignature } from "../git/signature.ts";
import type { GitSource } from "../git/source.ts";
import { RenderError } from "../render/errors.ts";
import type { RenderResult } from "../render/render.ts";
import type { ChartSources } from "../sources/chart-source.ts";

/**
 * How long a commit's signature check is reused. A key may expire or be revoked meanwhile, so
 * the answer is not kept forever; a changed project (other keys) is another cache entry at once.
 */
const SIGNATURE_TTL_MS = 10 * 60_000;
const SIGNATURE_CACHE = 1024;

export interface ResolvedSource {
  sha: string;
  dir: string;
  commit: CommitInfo;
}

interface HeadEntry {
  sha: string;
  at: number;
}

export interface SourceResolverOptions {
  /** How long a resolved branch head is trusted before ls-remote runs again; default 60 s. */
  pollIntervalMs?: number;
  /** Looks up credentials for a repository; default none. */
  credentialsFor?: (repoURL: string, fresh?: boolean) => Promise<GitCredentials | undefined>;
  /** Called after each remote operation, for metrics. */
  onRemote?: (op: "ls-remote" | "fetch", ok: boolean) => void;
  /**
   * Where sources with a `chart` come from (sources/chart-source.ts): their revision is
   * `chart@version` where Git's is a commit. Default none: a chart source is refused.
   */
  charts?: ChartSources;
}

export class SourceResolver {
  private readonly git: GitSource;
  private readonly pollIntervalMs: number;
  private readonly credentialsFor: (repoURL: string, fresh?: boolean) => Promise<GitCredentials | undefined>;
  private readonly onRemote: (op: "ls-remote" | "fetch", ok: boolean) => void;
  private readonly heads = new Map<string, HeadEntry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly signatures = new Map<string, { result: CommitSignature; at: number }>();
  private readonly charts: ChartSources | undefined;

  constructor(git: GitSource, options: SourceResolverOptions = {}) {
    this.git = git;
    this.pollIntervalMs = options.pollIntervalMs ?? 60_000;
    this.credentialsFor = options.credentialsFor ?? (async () => undefined);
    this.onRemote = options.onRemote ?? (() => {});
    this.charts = options.charts;
  }

  private chartSources(repoURL: string): ChartSources {
    if (this.charts) return this.charts;
    throw new GitError("url-refused", "this controller takes no chart sources", repoURL);
  }

  /**
   * The commit a revision names now; from memory within the poll interval unless forced. With
   * a chart: the `chart@version` the revision (a version or range) picks now.
   */
  async head(repoURL: string, revision: string, force = false, chart?: string): Promise<string> {
    if (chart) return this.chartSources(repoURL).resolve(repoURL, chart, revision, force);
    const key = `${repoURL}#${revision || "HEAD"}`;
    const cached = this.heads.get(key);
    if (!force && cached && Date.now() - cached.at < this.pollIntervalMs) return cached.sha;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = (async () => {
        // A forced look (a refresh, a new spec) also re-reads credentials: they may just have been fixed.
        const creds = await this.credentialsFor(repoURL, force);
        try {
          const sha = await this.git.resolveRevision(repoURL, revision || "HEAD", creds);
          this.onRemote("ls-remote", true);
          this.heads.set(key, { sha, at: Date.now() });
          return sha;
        } catch (err) {
          this.onRemote("ls-remote", false);
          throw err;
        }
      })().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** When the cached head of a repo and revision is due for another look (for scheduling). */
  nextPollInMs(repoURL: string, revision: string, chart?: string): number {
    if (chart) return this.chartSources(repoURL).nextPollInMs(repoURL, chart, revision);
    const cached = this.heads.get(`${repoURL}#${revision || "HEAD"}`);
    if (!cached) return 0;
    return Math.max(0, cached.at + this.pollIntervalMs - Date.now());
  }

  /**
   * Whether a commit is signed by one of a project's keys (git/signature.ts). A commit's answer
   * for the same keys is kept for a while, so a project's apps on one commit cost one check.
   */
  async verify(repoURL: string, sha: string, keys: readonly SignatureKey[]): Promise<CommitSignature> {
    const key = `${repoURL}@${sha}#${createHash("sha256").update(JSON.stringify(keys)).digest("hex")}`;
    const known = this.signatures.get(key);
    if (known && Date.now() - known.at < SIGNATURE_TTL_MS) return known.result;
    const result = await this.git.verifyCommit(repoURL, sha, keys, await this.credentialsFor(repoURL));
    this.signatures.delete(key);
    this.signatures.set(key, { result, at: Date.now() });
    if (this.signatures.size > SIGNATURE_CACHE)
      this.signatures.delete(this.signatures.keys().next().value as string);
    return result;
  }

  /** The files a pull request from `headSha` into `baseSha` changes (GitSource.changedFiles). */
  async changedFiles(repoURL: string, baseSha: string, headSha: string): Promise<ChangedPath[]> {
    return this.git.changedFiles(repoURL, baseSha, headSha, await this.credentialsFor(repoURL));
  }

  /** Whether `ancestorSha` is in the history of `descendantSha` (GitSource.isAncestor). */
  async isAncestor(repoURL: string, ancestorSha: string, descendantSha: string): Promise<boolean> {
    return this.git.isAncestor(repoURL, ancestorSha, descendantSha, await this.credentialsFor(repoURL));
  }

  /** The commit's files on disk (immutable, shared) and its metadata; with a chart, its folder. */
  async fetch(repoURL: string, sha: string, chart?: string): Promise<ResolvedSource> {
    if (chart) return this.chartSources(repoURL).fetch(repoURL, chart, sha);
    const creds = await this.credentialsFor(repoURL);
    try {
      // Submodules are looked up by their own URLs, as any repository is.
      const dir = await this.git.checkout(repoURL, sha, creds, (url) => this.credentialsFor(url));
      const commit = await this.git.commitInfo(repoURL, sha, creds);
      this.onRemote("fetch", true);
      return { sha, dir, commit };
    } catch (err) {
      this.onRemote("fetch", false);
      throw err;
    }
  }
}

/** One source's render, with its place in the Application's list of sources. */
export interface SourceRender {
  index: number;
  result: RenderResult;
}

/**
 * The checkouts sources lend by ref (`ref` → the source's folder), for `$ref/...` values files;
 * undefined when no source has a ref, so a single-source render's input (and cache key) stays
 * as it always was.
 */
export function refCheckouts(
  sources: readonly ApplicationSource[],
  checkouts: readonly string[],
): Record<string, string> | undefined {
  const refs: Record<string, string> = {};
  sources.forEach((source, i) => {
    const dir = checkouts[i];
    if (source.ref && dir !== undefined) refs[source.ref] = dir;
  });
  return Object.keys(refs).length > 0 ? refs : undefined;
}

/**
 * The objects of every source, in source order, as one render. The same object (group, kind,
 * namespace, name) from two sources is refused naming both: Argo CD warns and keeps the last
 * source's, which silently hides one of them, so here a person must choose. The tool shown is
 * the first rendered source's.
 */
export function combineRenders(spec: ApplicationSpec, renders: readonly SourceRender[]): RenderResult {
  const [first] = renders;
  if (!first) throw new RenderError("invalid-source", "no source of the Application renders objects");
  if (renders.length === 1) return first.result;
  const seen = new Map<string, number>();
  const objects: KubeObject[] = [];
  const skipped: SkippedFile[] = [];
  const unrendered: string[] = [];
  for (const { index, result } of renders) {
    for (const obj of result.objects) {
      // generateName hooks have no name yet: each is its own object.
      if (obj.metadata.name) {
        const ref = refOf(obj);
        // An object without a namespace lands in the destination's, as one naming it does.
        const key = refKey({ ...ref, namespace: obj.metadata.namespace || spec.destination.namespace || "" });
        const earlier = seen.get(key);
        if (earlier !== undefined && earlier !== index) {
          throw new RenderError(
            "invalid-source",
            `${formatRef(ref)} is rendered by both ${describeSource(spec, earlier)} and ${describeSource(spec, index)}; an object may come from one source only, so remove it from one of them`,
          );
        }
        seen.set(key, index);
      }
      objects.push(obj);
    }
    skipped.push(...(result.skipped ?? []));
    unrendered.push(...(result.unrendered ?? []));
  }
  return {
    tool: first.result.tool,
    objects,
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(unrendered.length > 0 ? { unrendered } : {}),
  };
}
