// How the API server and the controller talk about pull-request previews.
//
// Previews run in the controller: rendering an app against the live cluster (a server-side dry
// run) needs the app's sync identity, and a Stack's plan needs its ServiceAccount and sandbox,
// none of which the API server's own identity may use. So the API server, which receives the
// forge's webhooks and the users' requests, verifies and authorises them and then asks the
// controller over the same token-guarded channel as inspections (core/inspect/protocol.ts):
//
//   POST {PREVIEWS_PREFIX}/events   PreviewNudge            → 202 NudgeAnswer
//   GET  {PREVIEWS_PREFIX}                                  → { items: PreviewRow[] }
//   GET  {PREVIEWS_PREFIX}/pull?repoURL=U&number=N          → StoredPreview (404 when unknown)
//   POST {PREVIEWS_PREFIX}/run      LocalPreviewRequest     → LocalPreviewAnswer
//
// The controller answers for every target; the API server filters what a caller may see by the
// projects named in each answer (`projects`). Errors use core/inspect/protocol.ts's shape.
//
// A forge is configured by a Secret in the controller namespace labelled
// `mooring.dev/secret-type: forge`, holding `type` (gitea | github | gitlab), `url` (the
// forge's web address, e.g. https://gitea.example/), `token` (an access token of the user Mooring
// comments as) and optionally `apiURL`. The webhook secret stays in `mooring-webhook` under the
// forge's key, as for pushes.

import type { PreviewReport } from "./report.ts";
import type { CommitStatus } from "./status.ts";

export const PREVIEWS_PREFIX = "/inspect/v1/previews";

/** The value of `mooring.dev/secret-type` on a forge's Secret. */
export const FORGE_SECRET_TYPE = "forge";

export const FORGE_KINDS = ["gitea", "github", "gitlab"] as const;
export type ForgeKind = (typeof FORGE_KINDS)[number];

/** A verified forge delivery, as the API server forwards it. */
export type PreviewNudge =
  | {
      kind: "pull_request";
      forge: ForgeKind;
      /** Clone URL of the pull request's base repository. */
      repoURL: string;
      number: number;
      action: "opened" | "synchronized" | "closed" | "reopened" | "merged";
      /**
       * The head commit as the delivery says, so that a poll meanwhile knows this head is being
       * previewed already. A hint only: the controller reads the pull request from the forge.
       */
      headSha?: string;
    }
  | {
      kind: "comment";
      forge: ForgeKind;
      repoURL: string;
      number: number;
      /** Login of whoever commented; the controller checks their write access itself. */
      commenter: string;
      /** The comment asks for a Stack plan (`/moor plan`). */
      plan: boolean;
    };

export interface NudgeAnswer {
  /** False when no configured forge serves the repository, or no Application or Stack reads it. */
  accepted: boolean;
  reason?: string;
}

/** `Kind/namespace/name` → project, for every target in a report. */
export type TargetProjects = Record<string, string>;

export function targetKey(kind: "Application" | "Stack", namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export const PREVIEW_STATES = ["running", "done", "merged", "applied", "closed"] as const;
export type PreviewState = (typeof PREVIEW_STATES)[number];

/** One pull request's preview, as lists show it. */
export interface PreviewRow {
  /** Name of the forge's Secret. */
  forge: string;
  forgeKind: ForgeKind;
  /** `owner/name` on the forge. */
  repo: string;
  repoURL: string;
  number: number;
  title: string;
  /** The pull request's web page. */
  url: string;
  author: string;
  fromFork: boolean;
  headSha: string;
  baseRef: string;
  state: PreviewState;
  status: CommitStatus;
  /** The comment's id on the forge, once posted. */
  commentId?: number;
  /** RFC 3339. */
  updatedAt: string;
  projects: TargetProjects;
}

export interface StoredPreview extends PreviewRow {
  report: PreviewReport;
}

/** `moor preview`: the same report for two revisions of a repository, without a forge. */
export interface LocalPreviewRequest {
  repoURL: string;
  /** Branch, tag or commit of the base. */
  base: string;
  /** Branch, tag or commit of the head. */
  head: string;
  /** Projects in which the caller may plan Stacks (verb `plan`); Stacks elsewhere are not planned. */
  planProjects: string[];
  /** Compare the head with the live cluster too (a server-side dry run); default true. */
  live?: boolean;
}

export interface LocalPreviewAnswer {
  report: PreviewReport;
  projects: TargetProjects;
  status: CommitStatus;
  /** The commits the names resolved to. */
  baseSha: string;
  headSha: string;
}
