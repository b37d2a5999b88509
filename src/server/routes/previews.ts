// Pull-request previews through the API: the previews the controller keeps (one per pull request
// it follows), the full report of one (where a PR comment cut below the forge's size limit sends
// its readers), and a preview of two revisions of a repository on demand (`moor preview`).
//
//   GET  /api/v1/previews                         → { items: PreviewRow[] }
//   GET  /api/v1/previews/pull?repoURL=U&number=N → StoredPreview (404 when unknown or nothing visible)
//   POST /api/v1/previews  {repoURL, base, head, live?} → LocalPreviewAnswer
//
// The controller renders and plans (core/preview/protocol.ts) and answers for every target; this
// server decides what the caller sees. A target is visible to a caller who may `get` in its
// project; a preview is visible when one of its targets is, and the others are left out of what
// is returned: their rows, diffs, plans and policy violations, and their names in `projects`.
// A commit status describes the whole preview and may name a file of a hidden target, so when
// something was left out a PR preview keeps its state (the forge shows it to anyone anyway) with
// a neutral description, and an on-demand preview's status is worked out again from what is left.
// On demand, Stacks are planned only in the projects where the caller holds verb `plan`.
import { z } from "zod";
import type { Subject } from "../../core/access/authorize.ts";
import {
  type LocalPreviewAnswer,
  type LocalPreviewRequest,
  PREVIEWS_PREFIX,
  type PreviewRow,
  type StoredPreview,
  type TargetProjects,
  targetKey,
} from "../../core/preview/protocol.ts";
import type { PreviewReport } from "../../core/preview/report.ts";
import {
  type CommitStatus,
  fitDescription,
  LOCAL_PLAN_WAIT,
  previewStatus,
} from "../../core/preview/status.ts";
import { cacheOf, callerOf, mayIn, projectsWith } from "../cache-reads.ts";
import type { ServerDeps } from "../context.ts";
import { ApiError } from "../errors.ts";
import { ControllerUnreachable, type InspectClient } from "../inspect-client.ts";
import { defineRoute, type Route } from "../route.ts";

/**
 * How long an on-demand preview may take at the controller: renders and Stack plans. Below the
 * 300 s a Node client (`moor preview`) waits for an answer's headers by default.
 */
export const PREVIEW_RUN_TIMEOUT_MS = 270_000;

/** Which projects' targets a caller may see; "all" for a global admin. */
export type ProjectFilter = "all" | ReadonlySet<string>;

/** The entries of `projects` whose project the caller may see. */
export function visibleProjectsOf(projects: TargetProjects, may: ProjectFilter): TargetProjects {
  return Object.fromEntries(Object.entries(projects).filter(([, project]) => mayIn(may, project)));
}

/** The report with only the targets named in `visible` (a `targetKey` → project map). */
export function filterReport(report: PreviewReport, visible: TargetProjects): PreviewReport {
  const shows = (kind: "Application" | "Stack", t: { namespace: string; name: string }) =>
    Object.hasOwn(visible, targetKey(kind, t.namespace, t.name));
  return {
    ...report,
    apps: report.apps.filter((a) => shows("Application", a)),
    stacks: report.stacks.filter((s) => shows("Stack", s)),
    violations: report.violations.filter((v) => shows(v.target.kind, v.target)),
  };
}

function hiddenCount(all: TargetProjects, visible: TargetProjects): number {
  return Object.keys(all).length - Object.keys(visible).length;
}

/** A PR preview's status with the description made neutral when targets were left out. */
function neutralStatus(status: CommitStatus, hidden: number): CommitStatus {
  if (hidden === 0) return status;
  const targets = hidden === 1 ? "1 target" : `${hidden} targets`;
  return {
    ...status,
    description: fitDescription(`${status.state}; ${targets} in projects you may not see`),
  };
}

/** The row as the caller may see it; undefined when none of its targets is visible. */
export function visibleRow(row: PreviewRow, may: ProjectFilter): PreviewRow | undefined {
  const projects = visibleProjectsOf(row.projects, may);
  if (may !== "all" && Object.keys(projects).length === 0) return undefined;
  return { ...row, projects, status: neutralStatus(row.status, hiddenCount(row.projects, projects)) };
}

/** The stored preview as the caller may see it; undefined when none of its targets is visible. */
export function visibleStoredPreview(preview: StoredPreview, may: ProjectFilter): StoredPreview | undefined {
  const row = visibleRow(preview, may);
  if (row === undefined) return undefined;
  return { ...row, report: filterReport(preview.report, row.projects) };
}

/** The on-demand answer as the caller may see it: hidden targets out, the status worked out again. */
export function visibleLocalAnswer(answer: LocalPreviewAnswer, may: ProjectFilter): LocalPreviewAnswer {
  const projects = visibleProjectsOf(answer.projects, may);
  if (hiddenCount(answer.projects, projects) === 0) return answer;
  const report = filterReport(answer.report, projects);
  return { ...answer, report, projects, status: previewStatus(report, LOCAL_PLAN_WAIT) };
}

/** The projects where the caller may plan Stacks (verb `plan`); every project for a global admin. */
export function planProjectsOf(subject: Subject, allProjects: () => readonly string[]): string[] {
  const may = projectsWith(subject, "plan");
  return [...(may === "all" ? allProjects() : may)].sort();
}

function inspectOf(deps: ServerDeps): InspectClient {
  if (!deps.inspect)
    throw new ApiError(
      "controller-unreachable",
      "this API server was started without a controller to ask (--controller-url); retry once it has one",
    );
  return deps.inspect;
}

function unreachable(err: unknown): never {
  if (err instanceof ControllerUnreachable)
    throw new ApiError("controller-unreachable", `${err.message}; retry in a moment`);
  throw err;
}

/** The caller (its roles as authentication read them from the Projects) and where it may read. */
function readerOf(ctx: { subject: Subject | undefined }): { subject: Subject; may: ProjectFilter } {
  const subject = callerOf(ctx);
  return { subject, may: projectsWith(subject, "get") };
}

const str = z.string();
const repoURL = str
  .min(1)
  .max(2048)
  .regex(
    /^(https?|ssh|git|file):\/\/|^[\w.-]+@[\w.-]+:/,
    "must be a repository URL (https, ssh, git or file)",
  )
  // The URL is audited and sent on: credentials belong in a repository Secret, never in it.
  .refine(
    (url) => !/^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(url),
    "must not carry a password: register the repository's credentials instead",
  )
  .describe("the repository's clone URL, as Applications and Stacks name it");
const revision = str
  .min(1)
  .max(255)
  .regex(/^[^\s\0~^:?*[\\]+$/, "must be a branch, tag or commit")
  .refine((r) => !r.startsWith("-"), "must not start with -");

const commitStatus = z.object({
  context: str,
  state: z.enum(["pending", "success", "failure"]),
  description: str,
});
const report = z
  .object({
    headSha: str,
    baseRef: str.optional(),
    apps: z.array(z.object({ namespace: str, name: str, status: str })),
    stacks: z.array(z.object({ namespace: str, name: str, status: str })),
    violations: z.array(z.object({ rule: str, message: str })),
  })
  .describe("core/preview/report.ts's PreviewReport: per Application its changes, per Stack its plan");
const projects = z.record(str, str).describe("`Kind/namespace/name` → project, for every target shown");
const previewRow = z.object({
  forge: str,
  forgeKind: str,
  repo: str,
  repoURL: str,
  number: z.number(),
  title: str,
  url: str,
  author: str,
  fromFork: z.boolean(),
  headSha: str,
  baseRef: str,
  state: str,
  status: commitStatus,
  commentId: z.number().optional(),
  updatedAt: str,
  projects,
});

export function previewRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/previews",
      summary: "the pull-request previews you may see (targets of projects you may not read left out)",
      tag: "previews",
      response: z.object({ items: z.array(previewRow) }),
      handle: async (ctx) => {
        const { may } = readerOf(ctx);
        const answer = await inspectOf(ctx.deps)
          .get<{ items: PreviewRow[] }>(PREVIEWS_PREFIX)
          .catch(unreachable);
        return { items: answer.items.flatMap((row) => visibleRow(row, may) ?? []) };
      },
    }),
    defineRoute({
      method: "get",
      path: "/previews/pull",
      summary: "one pull request's preview with its full report, as far as you may see it",
      tag: "previews",
      query: z.strictObject({
        repoURL,
        number: z.coerce
          .number()
          .int()
          .min(1)
          .max(2 ** 31)
          .describe("the pull request's number"),
      }),
      response: previewRow.extend({ report }),
      handle: async (ctx) => {
        const { may } = readerOf(ctx);
        const { repoURL: url, number } = ctx.query;
        const notFound = `no preview of pull request ${number} of ${url} that you may see: GET /api/v1/previews lists them`;
        let stored: StoredPreview;
        try {
          stored = await inspectOf(ctx.deps).get<StoredPreview>(`${PREVIEWS_PREFIX}/pull`, {
            repoURL: url,
            number: String(number),
          });
        } catch (err) {
          if (err instanceof ApiError && err.code === "not-found") throw new ApiError("not-found", notFound);
          unreachable(err);
        }
        const visible = visibleStoredPreview(stored, may);
        if (visible === undefined) throw new ApiError("not-found", notFound);
        return visible;
      },
    }),
    defineRoute({
      method: "post",
      path: "/previews",
      summary:
        "preview two revisions of a repository: what the head changes in every Application and Stack it affects, against the base and the live cluster",
      tag: "previews",
      body: z.strictObject({
        repoURL,
        base: revision.describe("branch, tag or commit to compare against, e.g. main"),
        head: revision.describe("branch, tag or commit to preview"),
        live: z.boolean().optional().describe("also compare the head with the live cluster; default true"),
      }),
      response: z.object({
        report,
        projects,
        status: commitStatus,
        baseSha: str,
        headSha: str,
      }),
      handle: async (ctx) => {
        const { subject, may } = readerOf(ctx);
        if (may !== "all" && may.size === 0) {
          ctx.audit({
            kind: "api-denied",
            project: "",
            details: {
              action: "preview",
              repoURL: ctx.body.repoURL,
              reason: "no role granting get in any project",
            },
          });
          throw new ApiError(
            "forbidden",
            `${subject.name} may read in no project, so no preview could show anything: ask for a role`,
          );
        }
        const planProjects = planProjectsOf(subject, () =>
          cacheOf(ctx.deps, "Project")
            .projects()
            .map((p) => p.metadata.name ?? ""),
        );
        const request: LocalPreviewRequest = { ...ctx.body, planProjects };
        ctx.audit({
          kind: "api-allowed",
          project: "",
          details: {
            action: "preview",
            repoURL: request.repoURL,
            base: request.base,
            head: request.head,
            live: request.live ?? true,
            planProjects,
          },
        });
        const answer = await inspectOf(ctx.deps)
          .post<LocalPreviewAnswer>(`${PREVIEWS_PREFIX}/run`, request, PREVIEW_RUN_TIMEOUT_MS)
          .catch(unreachable);
        return visibleLocalAnswer(answer, may);
      },
    }),
  ];
}
