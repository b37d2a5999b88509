// Small texts built from an Application's status that both `moor app` and the API server's app
// actions print: a commit's short form, how long ago something began, and a running operation in
// one line. Pure: the clock is a parameter.
import { splitRevisions } from "../core/app-sources.ts";
import type { ApplicationStatus, OperationState } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { describeStep, isRunning } from "../core/sync-operation.ts";

/** How long since an instant, in the largest whole unit kubectl would use: 45s, 3m, 5h, 2d. */
export function age(since: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (!Number.isFinite(seconds)) return "<unknown>";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Commits are shown by their first 10 characters, as the controller's messages do. */
export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 10) : "";
}

/**
 * A revision as people read it: a commit by its short form, a chart's `name@version` whole, and
 * a multi-source app's revisions (joined in source order, core/app-sources.ts) each so, comma
 * separated.
 */
export function revisionText(revision: string | undefined): string {
  if (!revision) return "";
  return splitRevisions(revision)
    .map((r) => (/^[0-9a-f]{40,64}$/i.test(r) ? shortSha(r) : r))
    .join(", ");
}

/** Any text squeezed onto one line, for table cells and one-line messages. */
export function oneLine(text: string | undefined): string {
  return (text ?? "").replace(/\s*\n\s*/g, " ").trim();
}

export function statusOf(app: Application): Partial<ApplicationStatus> {
  return (app.status ?? {}) as Partial<ApplicationStatus>;
}

/**
 * A running operation in one line: its phase, the step it is on, what it waits for and since
 * when ("Running, wave 0 PreSync hooks 1/3: waiting for PreSync hook Job/shop/migrate to complete
 * (for 40s)"). Empty when no operation runs.
 */
export function operationProgress(op: OperationState | undefined, now = Date.now()): string {
  if (!op || !isRunning(op)) return "";
  const step = op.step ? `, ${describeStep(op.step)}` : "";
  const waitingFor = op.waitingFor;
  const detail = waitingFor
    ? `: ${oneLine(waitingFor.message)} (for ${age(waitingFor.since, now)})`
    : op.message
      ? `: ${oneLine(op.message)}`
      : "";
  return `${op.phase}${step}${detail}`;
}
