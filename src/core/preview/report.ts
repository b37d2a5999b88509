// A pull request's preview as data: per affected Application what its render changes, per
// affected Stack its plan, and the policy rules broken. The same value feeds the PR comment
// (comment.ts), the commit status (status.ts), the API (`/api/v1/previews/...`, where whatever
// did not fit in the comment stays reachable) and `moor preview`.
//
// Every entry has a status from a closed set. An Application is `pending` while it renders,
// `rendered`, or `render-error` (naming the file that broke when the renderer says which). A
// Stack is `pending`, `planned`, `plan-error`, or `awaiting-plan`: a PR from a fork or from
// someone without write access gets no plan until a writer comments `/moor plan`.
import type { PlanSummary } from "../stack/plan.ts";
import type { AppSummary } from "./app-summary.ts";

export interface TargetName {
  namespace: string;
  name: string;
}

export interface RenderFailure {
  /** The repository file the renderer blamed, e.g. `charts/web/templates/deployment.yaml`. */
  file?: string;
  /** The renderer's message, already scrubbed of secrets and host paths. */
  message: string;
}

export type AppPreview = TargetName &
  (
    | { status: "pending" }
    | { status: "rendered"; summary: AppSummary }
    | { status: "render-error"; error: RenderFailure }
  );

export type StackPreview = TargetName &
  (
    | { status: "pending" }
    | { status: "planned"; plan: PlanSummary }
    /** tofu's diagnostics, already scrubbed of variable values (src/core/stack/scrub.ts). */
    | { status: "plan-error"; message: string }
    | { status: "awaiting-plan"; reason: string }
  );

export const APP_PREVIEW_STATUSES = ["pending", "rendered", "render-error"] as const;
export const STACK_PREVIEW_STATUSES = ["pending", "planned", "plan-error", "awaiting-plan"] as const;

/** A Project policy rule (CEL) broken by a rendered object or a planned change. */
export interface PolicyViolation {
  /** The rule's name in the Project. */
  rule: string;
  target: TargetName & { kind: "Application" | "Stack" };
  /** The object (`Deployment/shop/web`) or resource address (`aws_db_instance.main`) at fault. */
  subject?: string;
  message: string;
}

export interface PreviewReport {
  /** The PR head commit the preview was made from. */
  headSha: string;
  /** The base branch, e.g. `main`. */
  baseRef?: string;
  apps: AppPreview[];
  stacks: StackPreview[];
  violations: PolicyViolation[];
  /** Set once the merged commit has been applied: the PR's comment then shows the whole path to live. */
  applied?: AppliedRecord;
}

/** What the controller applied after the merge, from its audit record. */
export interface AppliedRecord {
  /** The commit applied: the merge commit, or a later one whose history holds it. */
  commit: string;
  /** When, as the audit record says (RFC 3339); the core reads no clock. */
  at: string;
  /** The audit record's id, for `moor audit show` and the API. */
  auditId: string;
}

/** `shop/web`: how a comment, a status and the CLI name an Application or Stack. */
export function targetLabel(target: TargetName): string {
  return `${target.namespace}/${target.name}`;
}
