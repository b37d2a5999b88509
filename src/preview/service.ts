// Pull-request previews in the controller: from a forge's word that a PR moved to one comment
// and one commit status on it, and, after the merge, to what went live.
//
// A PR is followed when it targets a repository that an Application or Stack reads and that a
// configured forge serves (forges.ts). Its preview (pipeline.ts) covers the targets that follow
// its base branch (src/core/preview/candidates.ts) and that its files touch. The comment is
// posted once with every target pending, then edited in place with the results; the status
// `mooring/preview` follows (src/core/preview/status.ts).
//
// One PR's work runs one job at a time, in order: the forge cannot upsert a comment atomically,
// and two previews of one PR must not race to write it. A newer request supersedes the preview
// under way: it is aborted, and whatever it had not written yet is dropped.
//
// Stacks run the PR's code with the Stack's credentials, so a fork's PR, or one by a user
// without write access, gets `awaiting-plan` until a writer comments `/moor plan` for its head
// (pull-lifecycle.ts); the controller asks the forge who may write and never believes the hook.
//
// After the merge, the PR waits for a successful sync (Application) or apply (Stack) of a commit
// that contains its merge commit, as the audit trail records them (ControllerAudit.onRecorded);
// the comment then names that commit, the time and the audit record's id. Applies seen shortly
// before the merge is learned are remembered, so the order of the two does not matter.
//
// A poll (every pollIntervalMs) backs up lost webhooks. Everything lives in memory, bounded (the
// last `maxStored` PRs), and only on the leader: a new leader rebuilds it from the next poll.
import { splitRevisions } from "../core/app-sources.ts";
import type { AuditActor, AuditEntry, AuditKind } from "../core/audit/record.ts";
import type { JsonMap } from "../core/json.ts";
import type { KubeObject } from "../core/objects.ts";
import { candidateTargets, needsDefaultBranch } from "../core/preview/candidates.ts";
import { renderComment } from "../core/preview/comment.ts";
import type {
  LocalPreviewAnswer,
  LocalPreviewRequest,
  NudgeAnswer,
  PreviewNudge,
  PreviewRow,
  PreviewState,
  StoredPreview,
  TargetProjects,
} from "../core/preview/protocol.ts";
import {
  type AppliedEntry,
  appliedEntryOf,
  planGate,
  pollActions,
  refusedPlanRequest,
} from "../core/preview/pull-lifecycle.ts";
import { type PreviewReport, targetLabel } from "../core/preview/report.ts";
import type { PreviewSource } from "../core/preview/sources.ts";
import { type CommitStatus, fitDescription, previewStatus, STATUS_CONTEXT } from "../core/preview/status.ts";
import { redactRepoURL } from "../core/repo-url.ts";
import { type ForgeClient, type PullRequest, type RepoRef, repoPath } from "../forge/forge.ts";
import { callForge, type ForgeCallOptions, type ForgeTarget, isWriter } from "./forge-calls.ts";
import { type ConfiguredForge, type ForgeRepo, forgeFor } from "./forges.ts";
import { previewLocally } from "./local.ts";
import { type PreviewRunDeps, runPreview, type StackGate } from "./pipeline.ts";
import { type Job, SerialJobs, Superseded } from "./serial-jobs.ts";
import { candidateOf, type PreviewCandidate } from "./targets.ts";

/** What the service needs of the audit trail (ControllerAudit). */
export interface PreviewAudit {
  readonly controller: AuditActor;
  recordInProject(kind: AuditKind, project: string, details: JsonMap, actor?: AuditActor): void;
  onRecorded(listener: (entry: AuditEntry, seq: number) => void): () => void;
}

export interface PreviewServiceDeps extends PreviewRunDeps {
  forges: { list(fresh?: boolean): Promise<ConfiguredForge[]> };
  /** The Applications and Stacks the informers hold now. */
  targets: () => readonly KubeObject[];
  audit: PreviewAudit;
  /** Default: the system clock. */
  now?: () => Date;
  /** Waits between forge retries; default a timer that the signal cuts short. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PreviewServiceOptions {
  /** How often open PRs are listed (lost webhooks); default 60 s; 0 turns the poll off. */
  pollIntervalMs?: number;
  /** Pull requests kept in memory; default 500 (the least recently active go first). */
  maxStored?: number;
  /** Calls per forge request when it is rate-limited or unreachable; default 4. */
  forgeAttempts?: number;
  /** Where the API server serves a stored preview; the comment links it when it had to cut. */
  apiPath?: string;
}

/** One followed pull request. */
interface Pull {
  key: string;
  forge: ConfiguredForge;
  repo: RepoRef;
  number: number;
  /** The repository's URL as the targets name it, for git. */
  repoURL: string;
  stored?: StoredPreview;
  /** Head commits for which a writer asked for Stack plans. */
  approvals: Set<string>;
  /** The last `/moor plan` from someone without write access, for the comment. */
  refused?: { login: string; headSha: string };
  mergeCommitSha?: string;
  /** The head asked for last (by a poll or a run), so a poll does not ask twice. */
  requestedHead?: string;
  open: boolean;
  /** The last preview could not be made: the poll tries again. */
  failed?: boolean;
  jobs: SerialJobs;
}

/** Applies remembered for a merge learned after them. */
const RECENT_APPLIES = 200;

export class PreviewService {
  readonly #deps: PreviewServiceDeps;
  readonly #options: Required<PreviewServiceOptions>;
  readonly #pulls = new Map<string, Pull>();
  readonly #recent: { applied: AppliedEntry; seq: number }[] = [];
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;
  #stopped = new AbortController();

  constructor(deps: PreviewServiceDeps, options: PreviewServiceOptions = {}) {
    this.#deps = deps;
    this.#options = {
      pollIntervalMs: options.pollIntervalMs ?? 60_000,
      maxStored: options.maxStored ?? 500,
      forgeAttempts: options.forgeAttempts ?? 4,
      apiPath: options.apiPath ?? "/api/v1/previews/pull",
    };
  }

  /** Listens to the audit trail and starts polling. */
  start(): void {
    this.#unsubscribe = this.#deps.audit.onRecorded((entry, seq) => this.#recorded(entry, seq));
    if (this.#options.pollIntervalMs > 0) {
      this.#timer = setInterval(() => void this.poll(), this.#options.pollIntervalMs);
      this.#timer.unref();
      void this.poll();
    }
  }

  /** Stops polling and interrupts every preview under way (leadership lost or shutdown). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#stopped.abort();
    for (const pull of this.#pulls.values()) pull.jobs.abort();
  }

  /** Resolves once every job queued so far has finished (tests). */
  async idle(): Promise<void> {
    for (;;) {
      const chains = [...this.#pulls.values()].map((p) => p.jobs.settled);
      await Promise.all([...chains, this.#polling]);
      if ([...this.#pulls.values()].every((p, i) => p.jobs.settled === chains[i])) return;
    }
  }

  /** A verified webhook, forwarded by the API server: answered at once, worked on in the background. */
  async nudge(nudge: PreviewNudge): Promise<NudgeAnswer> {
    const found = forgeFor(await this.#deps.forges.list(), nudge.repoURL);
    if (!found)
      return { accepted: false, reason: `no configured forge serves ${redactRepoURL(nudge.repoURL)}` };
    const readers = this.#readers(found);
    if (readers.length === 0)
      return {
        accepted: false,
        reason: `no Application or Stack reads ${found.forge.name}:${repoPath(found.repo)}`,
      };
    const pull = this.#pull(found, nudge.number, sourcesOn(found, readers)[0]?.repoURL ?? nudge.repoURL);
    if (nudge.kind === "comment") {
      if (!nudge.plan) return { accepted: false, reason: "the comment asks for nothing" };
      this.#enqueue(pull, false, (signal) => this.#planRequested(pull, nudge.commenter, signal));
      return { accepted: true };
    }
    if (nudge.action === "closed" || nudge.action === "merged") this.#settle(pull);
    else this.#refresh(pull, "all", nudge.headSha);
    return { accepted: true };
  }

  /** Every followed PR with a preview, the most recently updated first. */
  list(): PreviewRow[] {
    return [...this.#pulls.values()]
      .flatMap((p) => (p.stored ? [rowOf(p.stored)] : []))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** One PR's preview with its full report, or undefined when unknown. */
  async get(repoURL: string, number: number): Promise<StoredPreview | undefined> {
    const found = forgeFor(await this.#deps.forges.list(), repoURL);
    return found ? this.#pulls.get(pullKey(found, number))?.stored : undefined;
  }

  /** `moor preview`: the same report for two revisions of a repository, with no forge involved. */
  runLocal(request: LocalPreviewRequest, signal?: AbortSignal): Promise<LocalPreviewAnswer> {
    return previewLocally(this.#deps, this.#candidates(), request, signal);
  }

  /** Lists the open PRs of every followed repository: previews unseen heads, re-reads PRs gone from the list. */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    let forges: ConfiguredForge[];
    try {
      forges = await this.#deps.forges.list(true);
    } catch (err) {
      this.#deps.log.warn("preview poll: cannot read the forge Secrets", { error: String(err) });
      return;
    }
    const repos = new Map<string, ForgeRepo & { repoURL: string }>();
    for (const source of this.#candidates().flatMap((c) => c.sources)) {
      const found = source.chart ? undefined : forgeFor(forges, source.repoURL);
      if (!found) continue;
      const key = `${found.forge.name}/${repoPath(found.repo)}`;
      if (!repos.has(key)) repos.set(key, { ...found, repoURL: source.repoURL });
    }
    for (const found of repos.values()) {
      if (this.#stopped.signal.aborted) return;
      let open: PullRequest[];
      try {
        open = await this.#forgeCall(found, (c) => c.listOpenPullRequests(found.repo), this.#stopped.signal);
      } catch (err) {
        this.#deps.log.warn("preview poll: cannot list open pull requests", {
          forge: found.forge.name,
          repo: repoPath(found.repo),
          error: String(err),
        });
        continue;
      }
      const followed = [...this.#pulls.values()].filter(
        (p) => p.forge.name === found.forge.name && repoPath(p.repo) === repoPath(found.repo),
      );
      const actions = pollActions(
        open.map((pr) => ({ number: pr.number, headSha: pr.head.sha })),
        followed.map((p) => ({
          number: p.number,
          headSha: p.failed ? "" : (p.requestedHead ?? p.stored?.headSha ?? ""),
          open: p.open,
        })),
      );
      for (const number of actions.preview) {
        const pull = this.#pull(found, number, found.repoURL);
        this.#refresh(pull, "all", open.find((pr) => pr.number === number)?.head.sha);
      }
      for (const number of actions.reread) {
        const pull = followed.find((p) => p.number === number);
        if (pull) this.#settle(pull);
      }
    }
  }

  // ---- one pull request's jobs ----

  #pull(found: ForgeRepo, number: number, repoURL: string): Pull {
    const key = pullKey(found, number);
    let pull = this.#pulls.get(key);
    if (pull) {
      // Least recently active first: a touched PR moves to the end.
      this.#pulls.delete(key);
      pull.forge = found.forge;
    } else {
      const created: Pull = {
        key,
        forge: found.forge,
        repo: found.repo,
        number,
        repoURL,
        approvals: new Set(),
        open: true,
        jobs: new SerialJobs(this.#stopped.signal, {
          superseded: () => this.#deps.metrics?.previews.inc({ result: "superseded" }),
          failed: (err, isCurrent) => this.#failed(created, err, isCurrent),
        }),
      };
      pull = created;
    }
    this.#pulls.set(key, pull);
    this.#evict();
    return pull;
  }

  #evict(): void {
    for (const [key, pull] of this.#pulls) {
      if (this.#pulls.size <= this.#options.maxStored) return;
      if (!pull.jobs.busy) this.#pulls.delete(key);
    }
  }

  /**
   * Queues a job after the PR's others. A superseding job aborts the one running and makes every
   * older job drop what it has not written.
   */
  #enqueue(pull: Pull, supersede: boolean, job: Job): void {
    pull.jobs.add(supersede, job);
  }

  #refresh(pull: Pull, mode: "all" | "plans", headSha?: string): void {
    if (headSha) pull.requestedHead = headSha;
    this.#enqueue(pull, true, (signal, isCurrent) => this.#run(pull, mode, signal, isCurrent));
  }

  #settle(pull: Pull): void {
    this.#enqueue(pull, true, async (signal) => {
      const pr = await this.#forgeCall(pull, (c) => c.getPullRequest(pull.repo, pull.number), signal);
      if (pr.state === "open") {
        // Reopened, or the open list was incomplete: preview it again if its head is new.
        if (pr.head.sha !== pull.stored?.headSha) this.#refresh(pull, "all", pr.head.sha);
        return;
      }
      await this.#closed(pull, pr);
    });
  }

  /** A preview of the PR's present head: all targets, or (after `/moor plan`) the Stacks only. */
  async #run(
    pull: Pull,
    mode: "all" | "plans",
    signal: AbortSignal,
    isCurrent: () => boolean,
  ): Promise<void> {
    const started = this.#now();
    const pr = await this.#forgeCall(pull, (c) => c.getPullRequest(pull.repo, pull.number), signal);
    if (pr.state !== "open") return this.#closed(pull, pr);
    pull.open = true;
    pull.failed = false;
    pull.requestedHead = pr.head.sha;
    const { git } = this.#deps;
    const found = { forge: pull.forge, repo: pull.repo };
    // Every reader reads this repository through a source; the repoURL given makes those one spelling.
    const readers = this.#readers(found).map((c) => ({
      ...c,
      sources: c.sources.map((s) => (servedBy(found, s) ? { ...s, repoURL: pull.repoURL } : s)),
    }));
    const isDefault =
      needsDefaultBranch(pull.repoURL, readers) &&
      (await git.head(pull.repoURL, "HEAD", true)) === (await git.head(pull.repoURL, pr.base.ref, true));
    const candidates = candidateTargets(pull.repoURL, pr.base.ref, isDefault, readers);
    const baseSha = pr.base.sha || (await git.head(pull.repoURL, pr.base.ref, true));
    const needsGate = candidates.some((c) => c.kind === "Stack");
    const writer = needsGate && !pr.fromFork ? await this.#isWriter(pull, pr.author, signal) : false;
    const gate = planGate({
      fromFork: pr.fromFork,
      authorIsWriter: writer,
      headSha: pr.head.sha,
      approvedHeads: pull.approvals,
      repo: repoPath(pull.repo),
    });
    const stackGate: StackGate = () =>
      gate.plan ? { plan: true } : { plan: false, reason: this.#withRefusal(pull, gate.reason, pr.head.sha) };
    const earlier = pull.stored;
    const kept =
      mode === "plans" &&
      earlier?.headSha === pr.head.sha &&
      earlier.report.apps.every((a) => a.status !== "pending")
        ? {
            apps: earlier.report.apps,
            violations: earlier.report.violations.filter((v) => v.target.kind === "Application"),
          }
        : undefined;
    const { report, projects } = await runPreview(this.#deps, {
      repoURL: pull.repoURL,
      baseRef: pr.base.ref,
      baseSha,
      headSha: pr.head.sha,
      candidates,
      stackGate,
      signal,
      ...(kept ? { keptApps: kept } : {}),
      onAffected: async (pending, pendingProjects) => {
        if (!isCurrent()) throw new Superseded();
        this.#store(pull, pr, pending, pendingProjects, "running");
        await this.#publish(pull, pr, signal, isCurrent);
      },
    });
    if (!isCurrent()) throw new Superseded();
    const stored = this.#store(pull, pr, report, projects, "done");
    await this.#publish(pull, pr, signal, isCurrent);
    const seconds = (this.#now().getTime() - started.getTime()) / 1000;
    this.#deps.metrics?.previewDuration.observe(seconds);
    this.#deps.metrics?.previews.inc({ result: stored.status.state });
    this.#audit("preview", pull, stored, {
      status: stored.status.state,
      description: stored.status.description,
    });
  }

  /**
   * The comment (when there is something to show or one was posted already), then the status:
   * the status is the last word, so whoever waits for it (branch protection, a CI job, a person)
   * finds the comment explaining it already there.
   */
  async #publish(pull: Pull, pr: PullRequest, signal: AbortSignal, isCurrent: () => boolean): Promise<void> {
    const stored = pull.stored;
    if (!stored) return;
    const report = stored.report;
    if (report.apps.length + report.stacks.length > 0 || stored.commentId !== undefined) {
      if (!isCurrent()) throw new Superseded();
      stored.commentId = await this.#postComment(pull, signal);
    }
    if (!isCurrent()) throw new Superseded();
    await this.#forgeCall(
      pull,
      (c) =>
        c.setCommitStatus(pull.repo, pr.head.sha, {
          state: stored.status.state,
          description: stored.status.description,
          context: STATUS_CONTEXT,
        }),
      signal,
    );
  }

  /** Writes the stored report as the PR's one comment; its id. */
  async #postComment(pull: Pull, signal?: AbortSignal): Promise<number> {
    const stored = pull.stored as StoredPreview;
    const apiPath = `${this.#options.apiPath}?repoURL=${encodeURIComponent(pull.repoURL)}&number=${pull.number}`;
    const { body } = renderComment(stored.report, { budget: pull.forge.client.commentLimit, apiPath });
    const result = await this.#forgeCall(
      pull,
      (c) => c.upsertMarkedComment(pull.repo, pull.number, body),
      signal,
    );
    return result.comment.id;
  }

  #store(
    pull: Pull,
    pr: PullRequest,
    report: PreviewReport,
    projects: TargetProjects,
    state: PreviewState,
  ): StoredPreview {
    const stored: StoredPreview = {
      forge: pull.forge.name,
      forgeKind: pull.forge.kind,
      repo: repoPath(pull.repo),
      repoURL: pull.repoURL,
      number: pull.number,
      title: pr.title,
      url: pr.url,
      author: pr.author,
      fromFork: pr.fromFork,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      state,
      status: previewStatus(report),
      ...(pull.stored?.commentId !== undefined ? { commentId: pull.stored.commentId } : {}),
      updatedAt: this.#now().toISOString(),
      projects,
      report,
    };
    pull.stored = stored;
    return stored;
  }

  /** A preview that could not be made: the status says so (best effort), the stored one too. */
  async #failed(pull: Pull, err: unknown, isCurrent: () => boolean): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.#deps.log.error("preview failed", {
      forge: pull.forge.name,
      repo: repoPath(pull.repo),
      number: pull.number,
      error: message,
    });
    this.#deps.metrics?.previews.inc({ result: "error" });
    const status: CommitStatus = {
      context: STATUS_CONTEXT,
      state: "failure",
      description: fitDescription(`preview failed: ${message}`),
    };
    // A PR merged or closed keeps its state and status: only an open PR's preview failed.
    if (!pull.open) return;
    const stored = pull.stored;
    if (stored) {
      stored.state = "done";
      stored.status = status;
      stored.updatedAt = this.#now().toISOString();
    }
    const head = pull.requestedHead;
    // The next poll tries this head again: git or the forge may be back by then.
    pull.failed = true;
    if (!head || !isCurrent()) return;
    await pull.forge.client
      .setCommitStatus(pull.repo, head, {
        state: "error",
        description: status.description,
        context: STATUS_CONTEXT,
      })
      .catch(() => {});
  }

  /** A PR closed or merged: its state, and for a merge what it waits for to go live. */
  async #closed(pull: Pull, pr: PullRequest): Promise<void> {
    pull.open = false;
    const stored = pull.stored;
    if (pr.state === "merged" && pr.mergeCommitSha) pull.mergeCommitSha = pr.mergeCommitSha;
    if (!stored || stored.state === "applied") return;
    stored.state = pr.state === "merged" ? "merged" : "closed";
    stored.updatedAt = this.#now().toISOString();
    if (stored.state !== "merged") return;
    for (const { applied, seq } of [...this.#recent]) {
      if (await this.#appliedIn(pull, applied, seq)) return;
    }
  }

  // ---- /moor plan ----

  async #planRequested(pull: Pull, commenter: string, signal: AbortSignal): Promise<void> {
    const writer = await this.#isWriter(pull, commenter, signal);
    const pr = await this.#forgeCall(pull, (c) => c.getPullRequest(pull.repo, pull.number), signal);
    const stored = pull.stored;
    const actor: AuditActor = { type: "user", name: commenter };
    const details = { granted: writer, headSha: pr.head.sha };
    if (stored) this.#audit("preview-plan-requested", pull, stored, details, actor);
    else
      this.#deps.audit.recordInProject(
        "preview-plan-requested",
        "",
        { ...this.#pullDetails(pull), ...details },
        actor,
      );
    if (writer) {
      pull.approvals.add(pr.head.sha);
      this.#refresh(pull, "plans");
      return;
    }
    this.#deps.log.info("/moor plan ignored: the commenter has no write access", {
      forge: pull.forge.name,
      repo: repoPath(pull.repo),
      number: pull.number,
      commenter,
    });
    pull.refused = { login: commenter, headSha: pr.head.sha };
    // The comment says who may ask; nothing else changes.
    if (!stored || stored.headSha !== pr.head.sha || stored.state !== "done") return;
    let changed = false;
    stored.report.stacks = stored.report.stacks.map((s) => {
      if (s.status !== "awaiting-plan") return s;
      changed = true;
      return {
        ...s,
        reason: this.#withRefusal(pull, s.reason.replace(/ \(`\/moor plan` from .*$/, ""), pr.head.sha),
      };
    });
    if (changed) await this.#postComment(pull, signal);
  }

  #withRefusal(pull: Pull, reason: string, headSha: string): string {
    const refused = pull.refused;
    return refused && refused.headSha === headSha ? refusedPlanRequest(reason, refused.login) : reason;
  }

  // ---- after the merge ----

  #recorded(entry: AuditEntry, seq: number): void {
    const applied = appliedEntryOf(entry);
    if (!applied) return;
    this.#recent.push({ applied, seq });
    if (this.#recent.length > RECENT_APPLIES) this.#recent.shift();
    for (const pull of this.#pulls.values()) {
      if (pull.stored?.state === "merged" && pull.mergeCommitSha && covers(pull.stored.report, applied))
        this.#enqueue(pull, false, async () => {
          await this.#appliedIn(pull, applied, seq);
        });
    }
  }

  /** When `applied` went live with the PR's merge commit in it: the comment shows it. */
  async #appliedIn(pull: Pull, applied: AppliedEntry, seq: number): Promise<boolean> {
    const stored = pull.stored;
    const merge = pull.mergeCommitSha;
    if (stored?.state !== "merged" || !merge || !covers(stored.report, applied)) return false;
    // A multi-source app applied one revision per source (joined): the one containing the merge counts.
    const commits = splitRevisions(applied.revision);
    let contains = commits.find((commit) => commit === merge);
    for (const commit of commits.filter((c) => c !== merge && /^[0-9a-f]{40,64}$/.test(c))) {
      if (contains !== undefined) break;
      const inIt = await this.#deps.git.isAncestor(pull.repoURL, merge, commit).catch((err: unknown) => {
        this.#deps.log.warn("preview: cannot tell whether an applied commit contains a merge", {
          repo: repoPath(pull.repo),
          number: pull.number,
          error: String(err),
        });
        return false;
      });
      if (inIt) contains = commit;
    }
    if (contains === undefined) return false;
    stored.report.applied = { commit: contains, at: applied.at, auditId: String(seq) };
    stored.state = "applied";
    stored.updatedAt = this.#now().toISOString();
    await this.#postComment(pull);
    return true;
  }

  // ---- helpers ----

  #candidates(): PreviewCandidate[] {
    return this.#deps.targets().flatMap((obj) => candidateOf(obj) ?? []);
  }

  /** The candidates with a source reading the repository `found` names on its forge. */
  #readers(found: ForgeRepo): PreviewCandidate[] {
    return this.#candidates().filter((c) => sourcesOn(found, [c]).length > 0);
  }

  /** A forge call with retries (forge-calls.ts). */
  #forgeCall<T>(
    target: ForgeTarget,
    call: (client: ForgeClient) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return callForge(target, call, this.#forgeOptions(), signal);
  }

  #isWriter(pull: Pull, login: string, signal: AbortSignal): Promise<boolean> {
    return isWriter(pull, login, this.#forgeOptions(), signal);
  }

  #forgeOptions(): ForgeCallOptions {
    const { log, metrics, sleep } = this.#deps;
    return {
      attempts: this.#options.forgeAttempts,
      log,
      ...(metrics ? { metrics } : {}),
      ...(sleep ? { sleep } : {}),
    };
  }

  #pullDetails(pull: Pull): JsonMap {
    return { forge: pull.forge.name, repo: repoPath(pull.repo), number: pull.number };
  }

  /** One audit record per project the preview covers (the API server shows each to its readers). */
  #audit(kind: AuditKind, pull: Pull, stored: StoredPreview, extra: JsonMap, actor?: AuditActor): void {
    const byProject = new Map<string, string[]>();
    for (const [target, project] of Object.entries(stored.projects)) {
      byProject.set(project, [...(byProject.get(project) ?? []), target]);
    }
    if (byProject.size === 0) byProject.set("", []);
    for (const [project, targets] of byProject) {
      this.#deps.audit.recordInProject(
        kind,
        project,
        { ...this.#pullDetails(pull), headSha: stored.headSha, ...extra, targets },
        actor,
      );
    }
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}

function pullKey(found: ForgeRepo, number: number): string {
  return `${found.forge.name}/${repoPath(found.repo)}#${number}`;
}

function rowOf(stored: StoredPreview): PreviewRow {
  const { report: _report, ...row } = stored;
  return row;
}

/** Whether a report names the Application or Stack an applied entry is about. */
function covers(report: PreviewReport, applied: AppliedEntry): boolean {
  const list = applied.kind === "Application" ? report.apps : report.stacks;
  return list.some((t) => targetLabel(t) === targetLabel(applied));
}

/** Whether a Git source reads the repository `found` names on its forge (a chart never does). */
function servedBy(found: ForgeRepo, source: PreviewSource): boolean {
  const mine = source.chart ? undefined : forgeFor([found.forge], source.repoURL);
  return mine !== undefined && repoPath(mine.repo) === repoPath(found.repo);
}

/** The candidates' sources reading the repository `found` names, in order. */
function sourcesOn(found: ForgeRepo, candidates: readonly PreviewCandidate[]): PreviewSource[] {
  return candidates.flatMap((c) => c.sources.filter((s) => servedBy(found, s)));
}
