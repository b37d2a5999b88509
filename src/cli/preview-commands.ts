// `moor preview`: the report a pull request would get, for two revisions of a repository, without
// a forge: for CI pipelines, and for trying a branch before opening a pull request.
//
//   moor preview --repo URL --base main --head feature [-o json|yaml] [--no-live] [--server URL]
//
// It asks the Mooring API server the current login names (`POST /api/v1/previews`), which has the
// controller render every Application and plan every Stack the head changes, then shows what the
// caller may see: targets of projects it holds no role in are left out, and Stacks are planned
// only where it may `plan`. Text output: a line with the preview's status, one row per
// Application and Stack (status and its one-line summary), then each diff (against the base, and
// against the live cluster unless --no-live) and plan, then render and plan errors and policy
// violations. `-o json|yaml` prints the server's answer (LocalPreviewAnswer) as it came.
//
// Exit codes: 0 the preview passed (nothing failed; Stacks not planned for lack of the `plan`
// verb are no failure), 1 it failed (a render error, a plan error or a policy violation: what
// the commit status of a pull request would say), 2 the command was called wrongly. A server
// that cannot be reached or refuses the login ends the command as every other command's failure
// does (1, with the server's message on stderr); stdout then stays empty.

import { formatChangeDiff } from "../core/preview/app-summary.ts";
import type { LocalPreviewAnswer } from "../core/preview/protocol.ts";
import type { AppPreview, PreviewReport, StackPreview } from "../core/preview/report.ts";
import { targetLabel } from "../core/preview/report.ts";
import { formatCounts } from "../core/stack/plan.ts";
import { apiRequest, requireLogin } from "./api-client.ts";
import { type Command, EXIT, outputOption, stringValue, type Values } from "./command.ts";
import { print } from "./command-kit.ts";
import { parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";
import { createProgress } from "./progress.ts";
import { renderPlanResources } from "./stack-view.ts";

const USAGE = "moor preview --repo URL --base REV --head REV [-o json|yaml] [--no-live] [--server URL]";

/** The exit code for an answer: 1 when the preview failed, else 0. */
export function previewExitCode(answer: LocalPreviewAnswer): number {
  return answer.status.state === "failure" ? EXIT.failed : EXIT.ok;
}

function short(sha: string): string {
  return sha.slice(0, 10);
}

function appStatusWord(app: AppPreview): string {
  switch (app.status) {
    case "pending":
      return "rendering";
    case "render-error":
      return "render error";
    case "rendered":
      return app.summary.git.objects.length > 0 || (app.summary.live?.objects.length ?? 0) > 0
        ? "changes"
        : "no changes";
  }
}

function appSummary(app: AppPreview): string {
  switch (app.status) {
    case "pending":
      return "";
    case "render-error":
      return app.error.file ? `in ${app.error.file}` : firstLine(app.error.message);
    case "rendered": {
      const { git, live } = app.summary;
      return live === undefined ? git.line : `${git.line} · live: ${live.line}`;
    }
  }
}

function stackStatusWord(stack: StackPreview): string {
  switch (stack.status) {
    case "pending":
      return "planning";
    case "plan-error":
      return "plan error";
    case "awaiting-plan":
      return "not planned";
    case "planned":
      return stack.plan.counts.destroy > 0 ? "destroys" : stack.plan.changes ? "changes" : "no changes";
  }
}

function stackSummary(stack: StackPreview): string {
  switch (stack.status) {
    case "pending":
      return "";
    case "plan-error":
      return firstLine(stack.message);
    case "awaiting-plan":
      return stack.reason;
    case "planned":
      return formatCounts(stack.plan.counts);
  }
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "").trim();
}

interface Row {
  kind: string;
  name: string;
  status: string;
  summary: string;
}

function rowsOf(report: PreviewReport): Row[] {
  return [
    ...report.apps.map((a) => ({
      kind: "Application",
      name: targetLabel(a),
      status: appStatusWord(a),
      summary: appSummary(a),
    })),
    ...report.stacks.map((s) => ({
      kind: "Stack",
      name: targetLabel(s),
      status: stackStatusWord(s),
      summary: stackSummary(s),
    })),
  ];
}

function appDetails(app: AppPreview, baseRef: string): string[] {
  const title = `Application ${targetLabel(app)}`;
  if (app.status === "render-error")
    return [`${title}: render error${app.error.file ? ` in ${app.error.file}` : ""}\n${app.error.message}`];
  if (app.status !== "rendered") return [];
  const { git, live } = app.summary;
  const out: string[] = [];
  if (git.objects.length > 0) out.push(`${title} against ${baseRef}:\n${formatChangeDiff(git.objects)}`);
  if (live !== undefined && live.objects.length > 0)
    out.push(`${title} against the live cluster (server-side dry run):\n${formatChangeDiff(live.objects)}`);
  return out;
}

function stackDetails(stack: StackPreview): string[] {
  const title = `Stack ${targetLabel(stack)}`;
  if (stack.status === "plan-error") return [`${title}: plan error\n${stack.message}`];
  if (stack.status !== "planned" || !stack.plan.changes) return [];
  const { plan } = stack;
  const lines = [`${title} plan: ${formatCounts(plan.counts)}`];
  lines.push(renderPlanResources({ resources: plan.resources, outputs: plan.outputs.map((o) => o.name) }));
  if (plan.drifted.length > 0)
    lines.push(
      `changed outside OpenTofu and put back by this plan: ${plan.drifted.map((d) => d.address).join(", ")}`,
    );
  return [lines.join("\n")];
}

function violationsOf(report: PreviewReport): string[] {
  if (report.violations.length === 0) return [];
  const lines = ["Policy violations:"];
  for (const v of report.violations) {
    const where = `${v.target.kind} ${targetLabel(v.target)}${v.subject ? `, ${v.subject}` : ""}`;
    lines.push(`  ${v.rule} (${where}): ${v.message}`);
  }
  return [lines.join("\n")];
}

/** The text `moor preview` prints: status line, one row per target, diffs and plans, violations. */
export function renderPreview(answer: LocalPreviewAnswer): string {
  const { report, status } = answer;
  const baseRef = report.baseRef ?? "the base";
  const head = `head ${short(answer.headSha)} against ${baseRef} (${short(answer.baseSha)}): ${status.state}, ${status.description}`;
  const rows = rowsOf(report);
  const blocks = [head];
  if (rows.length > 0)
    blocks.push(
      renderTable(rows, [
        { header: "KIND", value: (r) => r.kind },
        { header: "NAME", value: (r) => r.name },
        { header: "STATUS", value: (r) => r.status },
        { header: "SUMMARY", value: (r) => r.summary },
      ]),
    );
  else blocks.push("No Application or Stack you may see is affected by these changes.");
  blocks.push(
    ...report.apps.flatMap((a) => appDetails(a, baseRef)),
    ...report.stacks.flatMap(stackDetails),
    ...violationsOf(report),
  );
  return `${blocks.join("\n\n")}\n`;
}

function required(values: Values, name: string): string {
  const value = stringValue(values, name);
  if (value === undefined || value.trim() === "") throw new UsageError(`--${name} is required`);
  return value;
}

export const previewCommand: Command = {
  path: ["preview"],
  usage: USAGE,
  summary:
    "preview what a branch changes in the Applications and Stacks that read a repository (exit 1 when it fails)",
  options: {
    ...outputOption,
    repo: { type: "string" },
    base: { type: "string" },
    head: { type: "string" },
    "no-live": { type: "boolean" },
    server: { type: "string" },
  },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const format = parseOutputFormat(stringValue(values, "output"));
    if (format === "name") throw new UsageError("-o takes json or yaml here");
    const repoURL = required(values, "repo");
    const base = required(values, "base");
    const head = required(values, "head");
    const live = values["no-live"] !== true;
    const login = requireLogin(stringValue(values, "server"));
    const progress = createProgress();
    progress.step(`previewing ${head} against ${base} of ${repoURL}`);
    let answer: LocalPreviewAnswer;
    try {
      answer = await apiRequest<LocalPreviewAnswer>(login, "POST", "/previews", {
        repoURL,
        base,
        head,
        live,
      });
    } catch (err) {
      progress.fail(`preview of ${head} against ${base} failed`);
      throw err;
    }
    const summary = `preview of ${head} against ${base}: ${answer.status.state}`;
    if (answer.status.state === "failure") progress.fail(summary);
    else progress.done(summary);
    print(format === "table" ? renderPreview(answer) : renderStructured(answer, format));
    return previewExitCode(answer);
  },
};

export const previewCommands: Command[] = [previewCommand];
