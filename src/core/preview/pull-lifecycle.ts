// The decisions a pull request's preview takes over its life, from opened to live.
//
// - Stack plans run the PR's code with the Stack's credentials, so a PR from a fork, or by
//   someone without write access, gets no plan until a writer comments `/moor plan`. That
//   approval holds for the head commit it was given on: a new push is new code and needs a new
//   `/moor plan`.
// - The poll backs up lost webhooks: an open PR whose head was never previewed is previewed; a PR
//   followed as open that left the open list is read again to learn whether it merged or closed.
// - After the merge, a successful sync (Application) or apply (Stack) of a commit that contains
//   the merge commit shows, in the PR's comment, what went live: the commit, when, and the audit
//   record. The audit entries say which revision they applied (`details.revision`).
// Pure: no clock, no I/O; the caller passes the answers of git and the forge in.
import type { AuditEntry } from "../audit/record.ts";

export interface PlanGateInput {
  fromFork: boolean;
  /** Whether the PR's author may push to the base repository (asked of the forge). */
  authorIsWriter: boolean;
  headSha: string;
  /** Head commits for which a writer commented `/moor plan`. */
  approvedHeads: ReadonlySet<string>;
  /** `owner/name` on the forge, to say where write access is needed. */
  repo: string;
}

export type PlanGate = { plan: true; by: "author" | "approval" } | { plan: false; reason: string };

/** Whether a PR's Stacks may be planned now, and if not, what the comment says. */
export function planGate(input: PlanGateInput): PlanGate {
  if (!input.fromFork && input.authorIsWriter) return { plan: true, by: "author" };
  if (input.approvedHeads.has(input.headSha)) return { plan: true, by: "approval" };
  const who = input.fromFork ? "this pull request comes from a fork" : "its author has no write access";
  return {
    plan: false,
    reason: `${who}: a user with write access to ${input.repo} must comment \`/moor plan\` to plan Stacks for commit ${input.headSha.slice(0, 12)}`,
  };
}

/** The reason shown when someone without write access asked for a plan. */
export function refusedPlanRequest(reason: string, commenter: string): string {
  return `${reason} (\`/moor plan\` from ${commenter} was ignored: ${commenter} has no write access)`;
}

export interface FollowedPull {
  number: number;
  /** The head last previewed, or being previewed. */
  headSha: string;
  /** Whether Mooring still counts it as open (not closed, merged or applied). */
  open: boolean;
}

export interface PollActions {
  /** Open PRs whose head was not previewed yet. */
  preview: number[];
  /** PRs followed as open that are not in the open list any more: read them again. */
  reread: number[];
}

/** What a poll of one repository's open pull requests must do. */
export function pollActions(
  open: readonly { number: number; headSha: string }[],
  followed: readonly FollowedPull[],
): PollActions {
  const known = new Map(followed.map((f) => [f.number, f]));
  const openNumbers = new Set(open.map((pr) => pr.number));
  return {
    preview: open.filter((pr) => known.get(pr.number)?.headSha !== pr.headSha).map((pr) => pr.number),
    reread: followed.filter((f) => f.open && !openNumbers.has(f.number)).map((f) => f.number),
  };
}

/** What an audit entry says went live: a successful sync or Stack apply, and its commit. */
export interface AppliedEntry {
  kind: "Application" | "Stack";
  namespace: string;
  name: string;
  revision: string;
  /** The audit record's time (RFC 3339). */
  at: string;
}

/** The Application or Stack and commit an audit entry applied, or undefined for any other entry. */
export function appliedEntryOf(entry: AuditEntry): AppliedEntry | undefined {
  const object = entry.object;
  const revision = entry.details.revision;
  if (object === undefined || typeof revision !== "string" || revision === "") return undefined;
  const base = { namespace: object.namespace, name: object.name, revision, at: entry.time };
  if (entry.kind === "sync" && object.kind === "Application" && entry.details.phase === "Succeeded")
    return { kind: "Application", ...base };
  if (entry.kind === "stack-apply" && object.kind === "Stack" && entry.details.result === "succeeded")
    return { kind: "Stack", ...base };
  return undefined;
}

/** Backoff before retry `attempt` (1, 2, ...) of a forge call: the forge's word, else doubling from 1 s, at most 30 s. */
export function forgeRetryDelayMs(attempt: number, retryAfterSeconds?: number): number {
  const asked = retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000;
  return Math.min(30_000, asked ?? 1000 * 2 ** Math.max(0, attempt - 1));
}
