// Status conditions in the shape every Kubernetes tool understands (metav1.Condition), following
// kstatus so that `kubectl wait --for=condition=Ready`, Flux's health checks and Argo CD's
// generic health all read Mooring objects correctly:
// - Ready: True when the object is in the state its spec asks for; False with a reason otherwise.
// - Reconciling: present (True) only while work is in progress.
// - Stalled: present (True) only when progress is impossible without a change from a human
//   (a bad manifest, wrong credentials); removed once that is fixed.
// lastTransitionTime changes only when a condition's status changes, so it tells users how long
// something has been true.

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/** Returns the list with the condition set, keeping the transition time if status is unchanged. */
export function setCondition(
  conditions: readonly Condition[],
  input: ConditionInput,
  now: string,
  observedGeneration?: number,
): Condition[] {
  const existing = conditions.find((c) => c.type === input.type);
  const next: Condition = {
    ...input,
    lastTransitionTime: existing && existing.status === input.status ? existing.lastTransitionTime : now,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
  const others = conditions.filter((c) => c.type !== input.type);
  return sortConditions([...others, next]);
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Ready first, then Reconciling, Stalled, then the rest by name: stable output for diffs and UIs. */
const ORDER = ["Ready", "Reconciling", "Stalled"];

function sortConditions(conditions: Condition[]): Condition[] {
  const rank = (type: string) => {
    const i = ORDER.indexOf(type);
    return i < 0 ? ORDER.length : i;
  };
  return conditions.sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}

/** The three kstatus conditions from one summary of where the object stands. */
export type Standing =
  | { state: "ready"; reason: string; message: string }
  | { state: "progressing"; reason: string; message: string }
  | { state: "failed"; reason: string; message: string }
  | { state: "stalled"; reason: string; message: string };

export function applyStanding(
  conditions: readonly Condition[],
  standing: Standing,
  now: string,
  observedGeneration?: number,
): Condition[] {
  const { reason, message } = standing;
  let next = [...conditions];
  const set = (type: string, status: Condition["status"]) => {
    next = setCondition(next, { type, status, reason, message }, now, observedGeneration);
  };
  switch (standing.state) {
    case "ready":
      set("Ready", "True");
      next = removeCondition(removeCondition(next, "Reconciling"), "Stalled");
      break;
    case "progressing":
      set("Ready", "Unknown");
      set("Reconciling", "True");
      next = removeCondition(next, "Stalled");
      break;
    case "failed":
      set("Ready", "False");
      next = removeCondition(removeCondition(next, "Reconciling"), "Stalled");
      break;
    case "stalled":
      set("Ready", "False");
      set("Stalled", "True");
      next = removeCondition(next, "Reconciling");
      break;
  }
  return next;
}
