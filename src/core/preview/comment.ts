// The pull-request comment: one per PR, found again by its hidden marker and edited in place on
// every push, so the PR page always shows the preview of its latest head and never a pile of
// stale ones.
//
// Layout: the marker, a summary table (one row per Application and Stack: status and the
// one-line summary), the policy violations, then one collapsible <details> per Application (the
// diff in a ```diff block: against the base branch, and against the live cluster when asked) and
// per Stack (the plan's resources in a table, destroys in bold), and a footer naming the head
// commit. A plan is shown from its summary (src/core/stack/plan.ts), which holds resource
// addresses, actions and output names but never a value, so no sensitive value can reach a PR.
//
// Forges cap a comment's size (GitHub: 65,536 characters) and tools that ignore the cap lose the
// whole comment. So the comment is built in whole sections and fitted to a budget: when it is
// over, whole <details> sections are dropped, largest first, and a line says how many more diffs
// the API serves; if the table itself is too long its last rows go the same way. A code fence is
// therefore never cut. Length is counted in UTF-16 code units (JavaScript's length), which is
// never less than the characters a forge counts, so the budget is never exceeded.
import { formatCounts, type PlanSummary } from "../stack/plan.ts";
import type { ResourceAction } from "../stack/spec.ts";
import { type AppSummary, formatChangeDiff } from "./app-summary.ts";
import {
  type AppPreview,
  type PolicyViolation,
  type PreviewReport,
  type StackPreview,
  targetLabel,
} from "./report.ts";

/** The hidden marker by which Mooring finds its own comment on a PR. */
export const COMMENT_MARKER = "<!-- mooring-preview -->";

/** GitHub's limit on an issue or PR comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface CommentOptions {
  /** The most characters the body may hold; default GITHUB_COMMENT_LIMIT. */
  budget?: number;
  /**
   * Where the full preview is served, named in the comment when something had to be left out;
   * default `/api/v1/previews`. Callers pass the PR's own path.
   */
  apiPath?: string;
  /** Policy violations listed before `+N more`; default 50. */
  maxViolations?: number;
}

export interface RenderedComment {
  body: string;
  /** The titles of the <details> sections left out to stay within the budget, e.g. `Application shop/web`. */
  omitted: string[];
  /** Summary-table rows left out (only when the table alone did not fit). */
  omittedRows: number;
}

interface Section {
  title: string;
  text: string;
}

/** The comment body for a preview, within the budget. */
export function renderComment(report: PreviewReport, options: CommentOptions = {}): RenderedComment {
  const budget = options.budget ?? GITHUB_COMMENT_LIMIT;
  const apiPath = options.apiPath ?? "/api/v1/previews";
  const rows = [...report.apps.map(appRow), ...report.stacks.map(stackRow)];
  const top = `${COMMENT_MARKER}\n### Mooring preview\n\n`;
  const rest = [
    appliedBlock(report),
    violationsBlock(report.violations, options.maxViolations ?? 50),
    notesBlock(report),
  ].join("");
  const sections = [...report.apps.flatMap(appSection), ...report.stacks.flatMap(stackSection)];
  const footer = footerOf(report);

  const omission = (dropped: number): string =>
    dropped === 0 ? "" : `${dropped} more ${dropped === 1 ? "diff" : "diffs"}: GET ${apiPath}\n\n`;
  const compose = (tableRows: readonly string[], kept: readonly Section[], droppedRows: number): string =>
    [
      top,
      table(tableRows, droppedRows, apiPath),
      rest,
      ...kept.map((s) => s.text),
      omission(sections.length - kept.length),
      footer,
    ].join("");

  // Drop whole sections, largest first (ties: the later one), until the body fits. The length is
  // kept as a sum so that dropping hundreds of sections stays linear.
  const order = sections
    .map((section, index) => ({ index, size: section.text.length }))
    .sort((a, b) => b.size - a.size || b.index - a.index);
  const frame = top.length + table(rows, 0, apiPath).length + rest.length + footer.length;
  let length = frame + sections.reduce((sum, s) => sum + s.text.length, 0);
  const keep = new Set(sections.map((_, i) => i));
  for (const { index, size } of order) {
    if (length + omission(sections.length - keep.size).length <= budget) break;
    keep.delete(index);
    length -= size;
  }
  const kept = sections.filter((_, i) => keep.has(i));
  const body = compose(rows, kept, 0);
  if (body.length <= budget) {
    return { body, omitted: sections.filter((_, i) => !keep.has(i)).map((s) => s.title), omittedRows: 0 };
  }
  // Still over: the table itself is too long. Keep as many rows as fit (the length grows with
  // the rows kept, so a binary search finds the most).
  const omitted = sections.map((s) => s.title);
  const withRows = (n: number) => compose(rows.slice(0, n), kept, rows.length - n);
  let low = 0;
  let high = rows.length - 1;
  let best: string | undefined;
  let bestRows = 0;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const candidate = withRows(mid);
    if (candidate.length <= budget) {
      best = candidate;
      bestRows = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  if (best !== undefined) return { body: best, omitted, omittedRows: rows.length - bestRows };
  // Not even the frame fits (a tiny budget or a huge violation list): say where the preview is.
  const minimal = `${COMMENT_MARKER}\nMooring preview too large for a comment: GET ${apiPath}\n\n${footer}`;
  return { body: minimal.slice(0, budget), omitted, omittedRows: rows.length };
}

/** Text for HTML (a <summary>, a list item): one line, no markup. */
export function htmlText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\s*[\r\n]+\s*/g, " ");
}

/**
 * Text for Markdown (a table cell, a list item) that a pull request controls — an object's name,
 * an image, a renderer's message — shown as plain text under Mooring's name: no link, image,
 * emphasis or heading can be made of it, no user is @-mentioned and no address turns into a link.
 * Markdown punctuation is escaped with a backslash, except backticks: a code span is inert
 * (Mooring's own texts use them for `/moor plan`). A zero-width space after `@` and inside
 * `://` and `www.` stops forges from linking mentions and addresses (which happens after escapes
 * are read, so a backslash alone does not stop it).
 */
export function markdownText(text: string): string {
  return htmlText(text)
    .replace(/[\\*_{}[\]()#+!~|]/g, (c) => `\\${c}`)
    .replace(/@/g, "@\u200b")
    .replace(/:\/\//g, ":\u200b//")
    .replace(/www\./gi, (w) => `${w.slice(0, 3)}\u200b.`);
}

/** Text for a table cell: one line, plain text (markdownText), no pipe that would end the cell. */
export function cell(text: string): string {
  return markdownText(text);
}

/** A code span that no backtick inside can end early; pipes escaped when it sits in a table. */
function code(text: string, inTable = false): string {
  const plain = text.replace(/`/g, "'").replace(/\s*[\r\n]+\s*/g, " ");
  return `\`${inTable ? plain.replace(/\|/g, "\\|") : plain}\``;
}

/** A fenced code block whose fence is longer than any run of backticks inside, so it cannot end early. */
export function fenced(language: string, content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content}\n${fence}\n`;
}

function table(rows: readonly string[], droppedRows: number, apiPath: string): string {
  if (rows.length === 0 && droppedRows === 0)
    return "No Application or Stack is affected by this pull request.\n\n";
  const lines = ["| | Name | Status | Summary |", "|---|---|---|---|", ...rows];
  if (droppedRows > 0) lines.push("", `${droppedRows} more rows: GET ${apiPath}`);
  return `${lines.join("\n")}\n\n`;
}

const APP_STATUS_TEXT: Record<AppPreview["status"], string> = {
  pending: "rendering",
  rendered: "rendered",
  "render-error": "**render error**",
};

const STACK_STATUS_TEXT: Record<StackPreview["status"], string> = {
  pending: "planning",
  planned: "planned",
  "plan-error": "**plan error**",
  "awaiting-plan": "waiting for `/moor plan`",
};

function appRow(app: AppPreview): string {
  return `| Application | ${cell(targetLabel(app))} | ${appStatusText(app)} | ${cell(appLine(app))} |`;
}

function appStatusText(app: AppPreview): string {
  if (app.status === "rendered" && appHasChanges(app.summary)) return "changes";
  if (app.status === "rendered") return "no changes";
  return APP_STATUS_TEXT[app.status];
}

function appHasChanges(summary: AppSummary): boolean {
  return summary.git.objects.length > 0 || (summary.live?.objects.length ?? 0) > 0;
}

function appLine(app: AppPreview): string {
  switch (app.status) {
    case "pending":
      return "";
    case "rendered": {
      const live = app.summary.live;
      return live === undefined ? app.summary.git.line : `${app.summary.git.line} · live: ${live.line}`;
    }
    case "render-error":
      return app.error.file ? `in ${app.error.file}` : app.error.message;
  }
}

function stackRow(stack: StackPreview): string {
  const status = stack.status === "planned" ? planStatus(stack.plan) : STACK_STATUS_TEXT[stack.status];
  return `| Stack | ${cell(targetLabel(stack))} | ${status} | ${cell(stackLine(stack))} |`;
}

function planStatus(plan: PlanSummary): string {
  if (plan.counts.destroy > 0) return "**destroys**";
  return plan.changes ? "changes" : "no changes";
}

function stackLine(stack: StackPreview): string {
  switch (stack.status) {
    case "pending":
      return "";
    case "planned":
      return formatCounts(stack.plan.counts);
    case "plan-error":
      return stack.message;
    case "awaiting-plan":
      return stack.reason;
  }
}

function violationsBlock(violations: readonly PolicyViolation[], max: number): string {
  if (violations.length === 0) return "";
  const lines = ["**Policy violations**", ""];
  for (const v of violations.slice(0, max)) {
    const where = `${v.target.kind} ${targetLabel(v.target)}${v.subject ? `, ${v.subject}` : ""}`;
    lines.push(`- ${code(v.rule)} (${markdownText(where)}): ${markdownText(v.message)}`);
  }
  if (violations.length > max) lines.push(`- +${violations.length - max} more`);
  return `${lines.join("\n")}\n\n`;
}

function appliedBlock(report: PreviewReport): string {
  const applied = report.applied;
  if (applied === undefined) return "";
  return `**Applied** commit ${code(applied.commit)} at ${htmlText(applied.at)} (audit record ${code(applied.auditId)}).\n\n`;
}

function notesBlock(report: PreviewReport): string {
  if (!report.stacks.some((s) => s.status === "awaiting-plan")) return "";
  return "Stack plans of this pull request wait until a user with write access comments `/moor plan`.\n\n";
}

function details(summary: string, body: string): string {
  return `<details><summary>${htmlText(summary)}</summary>\n\n${body}\n</details>\n\n`;
}

function appSection(app: AppPreview): Section[] {
  const title = `Application ${targetLabel(app)}`;
  if (app.status === "render-error") {
    const where = app.error.file ? ` in ${app.error.file}` : "";
    return [{ title, text: details(`${title}: render error${where}`, fenced("text", app.error.message)) }];
  }
  if (app.status !== "rendered" || !appHasChanges(app.summary)) return [];
  const parts: string[] = [];
  const { git, live } = app.summary;
  if (git.objects.length > 0) {
    parts.push(
      live === undefined ? "" : "Against the base branch:\n\n",
      fenced("diff", formatChangeDiff(git.objects)),
    );
  }
  if (live !== undefined && live.objects.length > 0) {
    parts.push(
      "\nAgainst the live cluster (server-side dry run):\n\n",
      fenced("diff", formatChangeDiff(live.objects)),
    );
  }
  return [{ title, text: details(`${title}: ${git.line}`, parts.join("")) }];
}

/** Destroying actions: what a reviewer must see first in a plan. */
const DESTROYS: ReadonlySet<ResourceAction> = new Set(["delete", "replace"]);

const ACTION_WORD: Record<ResourceAction, string> = {
  create: "create",
  update: "update",
  replace: "replace",
  delete: "destroy",
  forget: "forget",
  read: "read",
  "no-op": "no-op",
};

function stackSection(stack: StackPreview): Section[] {
  const title = `Stack ${targetLabel(stack)}`;
  if (stack.status === "plan-error") {
    return [{ title, text: details(`${title}: plan error`, fenced("text", stack.message)) }];
  }
  if (stack.status !== "planned" || !stack.plan.changes) return [];
  const plan = stack.plan;
  const lines = [`Plan: ${formatCounts(plan.counts)}.`, ""];
  const destroyed = plan.resources.filter((r) => DESTROYS.has(r.action)).length;
  if (destroyed > 0)
    lines.push(`**${destroyed} ${destroyed === 1 ? "resource is" : "resources are"} destroyed.**`, "");
  if (plan.resources.length > 0) {
    lines.push("| Action | Resource |", "|---|---|");
    for (const r of plan.resources) {
      const word = ACTION_WORD[r.action];
      const address = code(r.address, true);
      lines.push(DESTROYS.has(r.action) ? `| **${word}** | **${address}** |` : `| ${word} | ${address} |`);
    }
    lines.push("");
  }
  if (plan.drifted.length > 0) {
    const addresses = plan.drifted.map((d) => code(d.address));
    lines.push(
      `Changed outside OpenTofu since the last apply, and put back by this plan: ${addresses.join(", ")}`,
      "",
    );
  }
  if (plan.outputs.length > 0) {
    const names = plan.outputs.map((o) => `${code(o.name)} (${o.action}${o.sensitive ? ", sensitive" : ""})`);
    lines.push(`Outputs: ${names.join(", ")}`, "");
  }
  const summary = `${title}: ${formatCounts(plan.counts)}${destroyed > 0 ? " (destroys)" : ""}`;
  return [{ title, text: details(summary, lines.join("\n")) }];
}

function footerOf(report: PreviewReport): string {
  const base = report.baseRef ? ` against ${code(report.baseRef)}` : "";
  return `---\nPreview of ${code(report.headSha)}${base}, updated on every push.\n`;
}
