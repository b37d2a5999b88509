// The preview of one change to a repository — base commit to head commit — for the Applications
// and Stacks that follow it, as a PreviewReport. Forge-free: a pull request's preview
// (service.ts) and `moor preview` (a LocalPreviewRequest) both run it.
//
// The road: check out the base; list the files changed on the head since its merge base with
// the base (git, as the forge shows them); learn what each candidate reads outside its own path
// (read on the BASE checkout: the head is untrusted, and what a target reads today is what a
// change can break); keep the affected ones (src/core/preview/affected.ts), so a PR touching one
// app of 500 renders that one; then render each affected Application at base and head, a few at
// once, and plan each affected Stack that may be planned, one at a time (tofu is heavy); and
// check the rendered objects and planned changes against the rules of the target's Project.

import { mapLimit } from "../controller/compare.ts";
import type { ControllerMetrics } from "../controller/metrics.ts";
import { isMultiSource, joinRevisions, rendersObjects } from "../core/app-sources.ts";
import type { Application } from "../core/application.ts";
import type { ChangedPath } from "../core/preview/affected.ts";
import { type AffectedTarget, affectedTargets, type PreviewTarget } from "../core/preview/affected.ts";
import type { Following } from "../core/preview/candidates.ts";
import { type CompiledPolicies, checkObjects, checkPlan, compilePolicies } from "../core/preview/policy.ts";
import { type TargetProjects, targetKey } from "../core/preview/protocol.ts";
import type { AppPreview, PolicyViolation, PreviewReport, StackPreview } from "../core/preview/report.ts";
import { ownPaths, ownValueFiles, refValueReads } from "../core/preview/sources.ts";
import type { Logger } from "../util/log.ts";
import type { AppPreviewer } from "./app-preview.ts";
import type { ReadsInput } from "./reads.ts";
import type { StackPlanner } from "./stack-plan.ts";
import type { PreviewCandidate } from "./targets.ts";

/** How many targets' reads are looked up at once (file reads on the base checkout). */
const READS_CONCURRENCY = 16;

/** What previews need of git (the controller's SourceResolver). */
export interface PreviewGit {
  /**
   * The commit a branch, tag or commit names now (with `chart`, the chart's `chart@version` a
   * version or range names now); `force` skips the cache.
   */
  head(repoURL: string, revision: string, force?: boolean, chart?: string): Promise<string>;
  fetch(repoURL: string, sha: string): Promise<{ dir: string }>;
  changedFiles(repoURL: string, baseSha: string, headSha: string): Promise<ChangedPath[]>;
  isAncestor(repoURL: string, ancestorSha: string, descendantSha: string): Promise<boolean>;
}

export interface PreviewRunDeps {
  git: PreviewGit;
  reads: (checkoutDir: string, input: ReadsInput) => Promise<string[]>;
  apps: AppPreviewer;
  /** Absent when this controller runs no Stacks. */
  stacks?: StackPlanner;
  /** The policy rules (`spec.policies`) of a Project; [] when it has none or does not exist. */
  policies: (project: string) => Promise<readonly unknown[]>;
  log: Logger;
  metrics?: ControllerMetrics;
  /** Applications rendered at once; default 4. */
  appConcurrency?: number;
}

/** Whether a Stack may be planned; if not, the reason its entry shows. */
export type StackGate = (stack: PreviewCandidate) => { plan: true } | { plan: false; reason: string };

export interface PreviewRunInput {
  repoURL: string;
  baseRef: string;
  baseSha: string;
  headSha: string;
  /**
   * The targets following the base, each with its sources that do (candidates.ts); only the
   * affected ones are previewed.
   */
  candidates: readonly Following<PreviewCandidate>[];
  stackGate: StackGate;
  /** Compare with the live cluster too; default true. */
  live?: boolean;
  signal?: AbortSignal;
  /** Application results of an earlier run of the same head, kept (a `/moor plan` plans Stacks only). */
  keptApps?: { apps: readonly AppPreview[]; violations: readonly PolicyViolation[] };
  /** Told once the affected targets are known, with each of them pending. */
  onAffected?: (report: PreviewReport, projects: TargetProjects) => Promise<void>;
}

export interface PreviewRunResult {
  report: PreviewReport;
  projects: TargetProjects;
  affected: AffectedTarget[];
}

/** Longest message kept from an unexpected failure of one target's preview. */
const MAX_MESSAGE = 2_000;

export async function runPreview(deps: PreviewRunDeps, input: PreviewRunInput): Promise<PreviewRunResult> {
  const { signal } = input;
  const affected = await affectedCandidates(deps, input);
  signal?.throwIfAborted();
  const chosen = affected.list.map((a) => affected.candidateOf(a.target));
  const apps = chosen.filter((c) => c.kind === "Application");
  const stacks = chosen.filter((c) => c.kind === "Stack");
  const projects: TargetProjects = {};
  for (const c of chosen) projects[targetKey(c.kind, c.namespace, c.name)] = c.project;

  const name = (c: PreviewCandidate) => ({ namespace: c.namespace, name: c.name });
  const kept = input.keptApps;
  const report: PreviewReport = {
    headSha: input.headSha,
    baseRef: input.baseRef,
    apps: kept ? [...kept.apps] : apps.map((c): AppPreview => ({ ...name(c), status: "pending" })),
    stacks: stacks.map((c): StackPreview => ({ ...name(c), status: "pending" })),
    violations: kept ? [...kept.violations] : [],
  };
  await input.onAffected?.(structuredClone(report), projects);
  signal?.throwIfAborted();

  const policies = new PolicyBook(deps);
  if (!kept) {
    await eachLimited(apps, deps.appConcurrency ?? 4, async (c, i) => {
      signal?.throwIfAborted();
      const { preview, violations } = await previewOneApp(deps, policies, c, input);
      report.apps[i] = preview;
      report.violations.push(...violations);
      deps.metrics?.previewAppRenders.inc({ result: preview.status });
    });
  }
  for (const [i, c] of stacks.entries()) {
    signal?.throwIfAborted();
    const gate = input.stackGate(c);
    let preview: StackPreview;
    if (!gate.plan) preview = { ...name(c), status: "awaiting-plan", reason: gate.reason };
    else if (!deps.stacks || c.kind !== "Stack")
      preview = {
        ...name(c),
        status: "plan-error",
        message: "this controller runs no Stacks (started without Stack support)",
      };
    else {
      preview = await deps.stacks.planStack(c.object, input.headSha, signal ? { signal } : {});
      if (preview.status === "planned")
        report.violations.push(...checkPlan(await policies.of(c.project), name(c), preview.plan));
    }
    report.stacks[i] = preview;
    deps.metrics?.previewStackPlans.inc({ result: preview.status });
  }
  // Apps finish in any order; the report lists violations in one order whatever it was.
  report.violations.sort((a, b) => violationOrder(a).localeCompare(violationOrder(b)));
  return { report, projects, affected: affected.list };
}

/** The affected candidates: by their own paths and `$ref` values files first, then by what the others read. */
async function affectedCandidates(deps: PreviewRunDeps, input: PreviewRunInput) {
  const { repoURL, baseSha, headSha } = input;
  const changes = await deps.git.changedFiles(repoURL, baseSha, headSha);
  const owner = new Map<PreviewTarget, Following<PreviewCandidate>>();
  const plain = input.candidates.map((c) => {
    // Every candidate was matched to this repository already; its URL may be spelt otherwise (ssh).
    const target: PreviewTarget = {
      kind: c.kind,
      namespace: c.namespace,
      name: c.name,
      repoURL,
      paths: ownPaths(c.sources, c.following),
      reads: refValueReads(c.sources, c.following),
    };
    owner.set(target, c);
    return target;
  });
  const byPath = new Set(affectedTargets(repoURL, changes, plain).map((a) => a.target));
  const rest = plain.filter((t) => !byPath.has(t));
  if (rest.length > 0) {
    const { dir } = await deps.git.fetch(repoURL, baseSha);
    await mapLimit(rest, READS_CONCURRENCY, async (target) => {
      input.signal?.throwIfAborted();
      const c = owner.get(target) as Following<PreviewCandidate>;
      const rendered = c.following.flatMap((i) => {
        const source = c.sources[i];
        return source && rendersObjects(source) && !source.chart ? [source] : [];
      });
      for (const source of rendered) {
        const valueFiles = ownValueFiles(source);
        const reads = await deps
          .reads(dir, {
            kind: c.kind,
            path: source.path ?? "",
            ...(valueFiles.length > 0 ? { helmValueFiles: valueFiles } : {}),
          })
          .catch((err: unknown) => {
            deps.log.warn("preview: could not tell what a target reads; only its own path counts", {
              target: `${c.kind} ${c.namespace}/${c.name}`,
              error: String(err),
            });
            return [];
          });
        target.reads = [...(target.reads ?? []), ...reads];
      }
    });
  }
  return {
    list: affectedTargets(repoURL, changes, plain),
    candidateOf: (target: PreviewTarget) => owner.get(target) as Following<PreviewCandidate>,
  };
}

/**
 * What an app is rendered at for a preview, base then head: the commit itself for a
 * single-source app; for a multi-source one a revision per source, joined in source order
 * (core/app-sources.ts), the following sources at the commit and every other source where it
 * stands now (resolved once, so both sides differ only by the pull request).
 */
async function previewRevisions(
  deps: PreviewRunDeps,
  c: Following<PreviewCandidate>,
  app: Application,
  input: PreviewRunInput,
): Promise<{ base: string; head: string }> {
  if (!isMultiSource(app.spec)) return { base: input.baseSha, head: input.headSha };
  const standing = await Promise.all(
    c.sources.map((s, i) =>
      c.following.includes(i)
        ? undefined
        : deps.git.head(s.repoURL, s.targetRevision || "HEAD", false, s.chart),
    ),
  );
  const at = (sha: string) => joinRevisions(standing.map((r) => r ?? sha));
  return { base: at(input.baseSha), head: at(input.headSha) };
}

async function previewOneApp(
  deps: PreviewRunDeps,
  policies: PolicyBook,
  c: Following<PreviewCandidate>,
  input: PreviewRunInput,
): Promise<{ preview: AppPreview; violations: PolicyViolation[] }> {
  const target = { namespace: c.namespace, name: c.name };
  if (c.kind !== "Application") throw new Error(`${c.kind} ${c.namespace}/${c.name} is not an Application`);
  try {
    const revisions = await previewRevisions(deps, c, c.object, input);
    const result = await deps.apps.previewApp(c.object, revisions.base, revisions.head, {
      live: input.live ?? true,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const violations =
      result.preview.status === "rendered"
        ? checkObjects(await policies.of(c.project), target, result.headObjects)
        : [];
    return { preview: result.preview, violations };
  } catch (err) {
    input.signal?.throwIfAborted();
    const message = err instanceof Error ? err.message : String(err);
    deps.log.warn("preview of an Application failed", { app: `${c.namespace}/${c.name}`, error: message });
    return {
      preview: { ...target, status: "render-error", error: { message: message.slice(0, MAX_MESSAGE) } },
      violations: [],
    };
  }
}

/** Each Project's rules, compiled once per run; compile problems are logged, the good rules kept. */
class PolicyBook {
  readonly #deps: PreviewRunDeps;
  readonly #compiled = new Map<string, Promise<CompiledPolicies>>();

  constructor(deps: PreviewRunDeps) {
    this.#deps = deps;
  }

  of(project: string): Promise<CompiledPolicies> {
    let found = this.#compiled.get(project);
    if (!found) {
      found = this.#deps.policies(project).then((rules) => {
        const { policies, problems } = compilePolicies(rules);
        if (problems.length > 0)
          this.#deps.log.warn("preview: some policy rules of a project do not compile", {
            project,
            problems,
          });
        return policies;
      });
      this.#compiled.set(project, found);
    }
    return found;
  }
}

function violationOrder(v: PolicyViolation): string {
  return [v.target.kind, v.target.namespace, v.target.name, v.rule, v.subject ?? ""].join("\u0000");
}

/** Runs `work` over `items`, at most `limit` at once; the first failure is thrown once all settle. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  });
  const results = await Promise.allSettled(workers);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
