// The commit status `mooring/preview` on a PR's head commit, which branch protection can
// require before a merge.
//
// - failure: an Application failed to render (the description names the file the renderer
//   blamed), a Stack failed to plan, or a Project policy rule was broken. A failure is reported
//   as soon as it is known, even while other previews still run: nothing can turn it into a
//   success.
// - pending: previews still run, or a Stack's plan waits for a writer's `/moor plan` (a fork's
//   PR): the preview is not complete, so a required check must not pass yet.
// - success: everything rendered and planned, no rule broken.
// Forges cut descriptions at 140 characters (GitHub), so the description is made to fit: the
// first problem in full, then how many more.
import type { PreviewReport } from "./report.ts";
import { targetLabel } from "./report.ts";

/** The status context branch protection rules name. */
export const STATUS_CONTEXT = "mooring/preview";

/** The longest description a forge keeps (GitHub's limit). */
export const DESCRIPTION_LIMIT = 140;

export const COMMIT_STATES = ["pending", "success", "failure"] as const;
export type CommitState = (typeof COMMIT_STATES)[number];

export interface CommitStatus {
  context: typeof STATUS_CONTEXT;
  state: CommitState;
  /** At most DESCRIPTION_LIMIT characters. */
  description: string;
}

/** The problems that fail a preview, most specific first: render errors, plan errors, violations. */
export function previewProblems(report: PreviewReport): string[] {
  const problems: string[] = [];
  for (const app of report.apps) {
    if (app.status !== "render-error") continue;
    problems.push(
      app.error.file
        ? `render error in ${app.error.file} (${targetLabel(app)})`
        : `render error in ${targetLabel(app)}: ${firstLine(app.error.message)}`,
    );
  }
  for (const stack of report.stacks) {
    if (stack.status === "plan-error") problems.push(`plan error in Stack ${targetLabel(stack)}`);
  }
  for (const v of report.violations) {
    const subject = v.subject ? ` (${v.subject})` : "";
    problems.push(`policy ${v.rule} violated by ${targetLabel(v.target)}${subject}`);
  }
  return problems;
}

/** Who a held Stack plan waits for, on a pull request. */
export const PULL_REQUEST_PLAN_WAIT = "for /moor plan from a user with write access";
/** Who a held Stack plan waits for, in a preview asked for without a forge (`moor preview`). */
export const LOCAL_PLAN_WAIT = "for a user whose role allows the verb plan";

/**
 * The commit status for a preview as it stands. `planWait` says who a held Stack plan waits for:
 * a writer's `/moor plan` on a pull request, a user allowed to plan in a local preview.
 */
export function previewStatus(report: PreviewReport, planWait = PULL_REQUEST_PLAN_WAIT): CommitStatus {
  const status = (state: CommitState, description: string): CommitStatus => ({
    context: STATUS_CONTEXT,
    state,
    description: fitDescription(description),
  });
  const problems = previewProblems(report);
  if (problems.length > 0) {
    const more = problems.length - 1;
    const tail = more > 0 ? ` and ${more} more ${more === 1 ? "problem" : "problems"}` : "";
    return status("failure", fitWithTail(problems[0] ?? "", tail));
  }
  const total = report.apps.length + report.stacks.length;
  const running =
    report.apps.filter((a) => a.status === "pending").length +
    report.stacks.filter((s) => s.status === "pending").length;
  if (running > 0) return status("pending", `previewing: ${total - running} of ${total} done`);
  const waiting = report.stacks.filter((s) => s.status === "awaiting-plan").length;
  if (waiting > 0) {
    const what = waiting === 1 ? "1 Stack plan waits" : `${waiting} Stack plans wait`;
    return status("pending", `${what} ${planWait}`);
  }
  if (total === 0) return status("success", "no Application or Stack affected");
  return status("success", successText(report));
}

function successText(report: PreviewReport): string {
  const changed = report.apps.filter(
    (a) =>
      a.status === "rendered" &&
      (a.summary.git.objects.length > 0 || (a.summary.live?.objects.length ?? 0) > 0),
  ).length;
  const parts: string[] = [];
  if (report.apps.length > 0)
    parts.push(`${plural(report.apps.length, "app")} rendered, ${changed} with changes`);
  if (report.stacks.length > 0) {
    const destroys = report.stacks.reduce(
      (n, s) => n + (s.status === "planned" ? s.plan.counts.destroy : 0),
      0,
    );
    const destroyText = destroys > 0 ? `, ${plural(destroys, "resource")} destroyed` : "";
    parts.push(`${plural(report.stacks.length, "Stack")} planned${destroyText}`);
  }
  return parts.join("; ");
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "").trim();
}

/** `text` then `tail`, with `text` shortened (ending in …) so that both fit. */
function fitWithTail(text: string, tail: string): string {
  return `${fitDescription(text, DESCRIPTION_LIMIT - tail.length)}${tail}`;
}

/**
 * At most `limit` UTF-16 code units (never fewer than the characters a forge counts), cut
 * between characters so no surrogate pair is split; … marks a cut.
 */
export function fitDescription(text: string, limit = DESCRIPTION_LIMIT): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= limit) return flat;
  let out = "";
  for (const char of flat) {
    if (out.length + char.length > limit - 1) break;
    out += char;
  }
  return `${out}…`;
}
