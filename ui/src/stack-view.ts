// What the Stack pages say about a Stack, as pure functions: the list's filters as they live in the
// address bar, the one-word state of a Stack (waiting for approval, drifted, failed...), the word
// and colour of each planned action, and what a person should do next. Words always come with
// a colour, never colour alone.
import type { Condition, StackObject, StackRow } from "./stack-api.ts";

// ---- the list's state in the address bar -----------------------------------------------------

/** The states the server can narrow the list to (GET /stacks?state=...). */
export const STACK_STATES = ["pending", "drifted", "failed", "ready", "suspended"] as const;
export const STACK_STATE_LABELS: Record<(typeof STACK_STATES)[number], string> = {
  pending: "Waiting for approval",
  drifted: "Drifted",
  failed: "Not ready",
  ready: "Ready",
  suspended: "Suspended",
};
export const STACK_SORTS = ["name", "namespace", "project", "ready", "lastApply"] as const;
export type StackSort = (typeof STACK_SORTS)[number];

export interface StackListState {
  search: string;
  project: string;
  state: string;
  sort: StackSort;
  order: "asc" | "desc";
}

export const DEFAULT_STACK_LIST: StackListState = {
  search: "",
  project: "",
  state: "",
  sort: "name",
  order: "asc",
};

const LIST_KEYS = ["search", "project", "state", "sort", "order"] as const;

export function stackListFromQuery(query: URLSearchParams): StackListState {
  const sort = query.get("sort") ?? "";
  const state = query.get("state") ?? "";
  return {
    search: query.get("search") ?? "",
    project: query.get("project") ?? "",
    state: (STACK_STATES as readonly string[]).includes(state) ? state : "",
    sort: (STACK_SORTS as readonly string[]).includes(sort) ? (sort as StackSort) : "name",
    order: query.get("order") === "desc" ? "desc" : "asc",
  };
}

/** The query for the address bar and for GET /stacks (paging aside); defaults left out. */
export function queryFromStackList(state: StackListState): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of LIST_KEYS) {
    const value = state[key].trim();
    if (value !== "" && value !== DEFAULT_STACK_LIST[key]) query.set(key, value);
  }
  return query;
}

// ---- a Stack's state in one word ---------------------------------------------------------------

export type Tone = "good" | "warn" | "bad" | "busy" | "quiet";

export interface StateWord {
  word: string;
  tone: Tone;
}

/** The one state a list row leads with: what most needs a person's attention first. */
export function stackState(row: StackRow): StateWord {
  if (row.suspended) return { word: "Suspended", tone: "quiet" };
  if (row.pendingPlan !== undefined) return { word: "Waiting for approval", tone: "warn" };
  if (row.drifted) return { word: "Drifted", tone: "warn" };
  if (row.ready === "True") return { word: "Ready", tone: "good" };
  if (row.ready === "False")
    return { word: row.reason ? `Not ready: ${row.reason}` : "Not ready", tone: "bad" };
  return { word: row.reason ? `${row.reason}` : "Unknown", tone: "busy" };
}

// ---- planned actions -----------------------------------------------------------------------------

const ACTION_WORDS: Record<string, StateWord> = {
  create: { word: "create", tone: "good" },
  update: { word: "update", tone: "warn" },
  replace: { word: "replace", tone: "bad" },
  delete: { word: "delete", tone: "bad" },
  forget: { word: "forget", tone: "quiet" },
  read: { word: "read", tone: "busy" },
  "no-op": { word: "no change", tone: "quiet" },
};

/** The word and colour of a planned resource action; unknown actions are shown as they come. */
export function actionWord(action: string): StateWord {
  return ACTION_WORDS[action] ?? { word: action, tone: "quiet" };
}

/** Actions that destroy what exists: called out before anyone approves. */
export function destroys(action: string): boolean {
  return action === "delete" || action === "replace";
}

/** "2 to add, 1 to change, 0 to destroy", as tofu says it. */
export function countsText(counts: { add: number; change: number; destroy: number }): string {
  return `${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`;
}

// ---- what to do next -----------------------------------------------------------------------------

export function condition(stack: StackObject, type: string): Condition | undefined {
  return stack.status?.conditions?.find((c) => c.type === type);
}

/**
 * What a person should do about the Stack now, in one sentence, most urgent first; undefined
 * when nothing is needed. `mayApprove` says whether this person can approve themselves.
 */
export function nextStep(stack: StackObject, mayApprove: boolean): string | undefined {
  if (stack.spec.suspend) return "The Stack is suspended: nothing is planned or applied until it is resumed.";
  const stalled = condition(stack, "Stalled");
  if (stalled?.status === "True")
    return `Stalled (${stalled.reason}): ${stalled.message}. Fix the cause in Git or the cluster; the Stack retries by itself.`;
  const plan = stack.status?.lastPlan;
  if (plan?.pending) {
    const effect =
      plan.purpose === "drift"
        ? ", undoing the drift"
        : plan.purpose === "destroy"
          ? ", destroying the Stack's infrastructure"
          : "";
    return mayApprove
      ? `Plan ${plan.id} waits for approval: review the changes below, then approve it; exactly this plan is applied${effect}.`
      : `Plan ${plan.id} waits for approval by someone with the approver role in project ${stack.spec.project ?? "default"}.`;
  }
  const ready = condition(stack, "Ready");
  if (ready?.status === "False") return `${ready.reason}: ${ready.message}`;
  const drift = stack.status?.drift;
  if (drift?.drifted)
    return "The infrastructure changed outside OpenTofu; the next drift plan shows what applying Git again would undo.";
  const reconciling = condition(stack, "Reconciling");
  if (reconciling?.status === "True") return `Working: ${reconciling.message}`;
  return undefined;
}
