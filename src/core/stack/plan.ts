// Summarising a plan: counts, one line per changed resource, the drift that matters, the
// outputs that change, the variables the module declares — names and actions only, never a
// value. The facts come from the saved plan itself (src/core/stack/plan-file.ts).
//
// Actions come as lists: ["create"], ["update"], ["delete"], ["read"], ["no-op"], ["forget"],
// and replacements as ["delete","create"] (destroy first) or ["create","delete"]
// (create_before_destroy), or ["forget","create"]. Counts follow `tofu plan`'s own "Plan:" line
// (a replacement adds one and destroys one) so the numbers users see in Mooring and in tofu
// agree; `replace` says how many of them are replacements.
//
// Drift. While refreshing, tofu records every object whose live state differs from the state
// file, including differences the configuration does not care about: a provider that reads an
// empty map back as null, a server-side default. tofu's own output only shows drift that the
// plan acts on, and so does Mooring: an object counts as drifted when the plan changes it to
// put it back (or, in a refresh-only plan, where recording the drift is the plan). Anything
// else would mark Stacks Drifted forever with nothing an apply could fix.
import type { DecodedChange, DecodedPlan } from "./plan-file.ts";
import type { PlanCounts, PlannedResource, ResourceAction } from "./spec.ts";

export interface PlanSummary {
  /** tofu's format_version, e.g. "1.2". */
  formatVersion: string;
  /** The tofu version that made the plan. */
  tofuVersion: string;
  counts: PlanCounts;
  /** Resources with an action other than no-op, in tofu's order. */
  resources: PlannedResource[];
  /** Resources changed outside tofu since the last apply (resource_drift without no-ops). */
  drifted: { address: string; actions: string[] }[];
  /** Outputs whose value is created, changed or removed, by name. */
  outputs: { name: string; action: ResourceAction; sensitive: boolean }[];
  /** Variables the root module declares (names only). */
  declaredVariables: string[];
  /** True when applying the plan would change anything: resources, state moves or outputs. */
  changes: boolean;
  /** tofu stopped with an error while planning; such a plan can never be applied. */
  errored: boolean;
}

/** The input is not a plan tofu could have written; the message says what is wrong. */
export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFormatError";
  }
}

/** The one-word action for tofu's action list; unknown lists throw (a newer, unsupported tofu). */
export function actionOf(actions: readonly string[]): ResourceAction {
  const key = actions.join(",");
  const action = ACTION_TABLE[key];
  if (!action) throw new PlanFormatError(`unknown plan action [${actions.join(", ")}]`);
  return action;
}

const ACTION_TABLE: Record<string, ResourceAction> = {
  "no-op": "no-op",
  create: "create",
  read: "read",
  update: "update",
  delete: "delete",
  forget: "forget",
  "delete,create": "replace",
  "create,delete": "replace",
  "forget,create": "replace",
};

/** How each action moves the counts of the "Plan:" line. */
const COUNTS: Record<ResourceAction, Partial<PlanCounts>> = {
  create: { add: 1 },
  update: { change: 1 },
  replace: { add: 1, destroy: 1, replace: 1 },
  delete: { destroy: 1 },
  forget: { forget: 1 },
  read: { read: 1 },
  "no-op": {},
};

export function emptyCounts(): PlanCounts {
  return { add: 0, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 };
}

/** Summarises a decoded plan. */
export function summarisePlan(plan: DecodedPlan): PlanSummary {
  const counts = emptyCounts();
  const resources: PlannedResource[] = [];
  const acted = new Set<string>();
  let moved = false;
  for (const change of plan.changes) {
    const action = actionOf(change.actions);
    if (change.previousAddress) moved = true;
    if (change.importing) counts.import++;
    if (action === "no-op") continue;
    if (action !== "read") acted.add(change.address);
    for (const [key, n] of Object.entries(COUNTS[action])) counts[key as keyof PlanCounts] += n ?? 0;
    resources.push(plannedResource(change, action));
  }
  const drifted = plan.drift
    .filter((d) => actionOf(d.actions) !== "no-op")
    .filter((d) => plan.mode === "refresh-only" || acted.has(d.address))
    .map((d) => ({ address: d.address, actions: d.actions }));
  const outputs: PlanSummary["outputs"] = [];
  for (const o of plan.outputs) {
    const action = actionOf(o.actions);
    if (action !== "no-op") outputs.push({ name: o.name, action, sensitive: o.sensitive });
  }
  const changes =
    resources.some((r) => r.action !== "read") || counts.import > 0 || moved || outputs.length > 0;
  return {
    formatVersion: String(plan.formatVersion),
    tofuVersion: plan.tofuVersion,
    counts,
    resources,
    drifted,
    outputs,
    declaredVariables: plan.variables,
    changes,
    errored: plan.errored,
  };
}

function plannedResource(change: DecodedChange, action: ResourceAction): PlannedResource {
  const { type, name } = resourceTypeAndName(change.address);
  const resource: PlannedResource = { address: change.address, action, actions: change.actions, type, name };
  if (change.previousAddress) resource.previousAddress = change.previousAddress;
  if (change.reason) resource.reason = change.reason;
  return resource;
}

/**
 * The resource type and name in an instance address such as
 * `module.db["eu"].aws_db_instance.main[0]` or `data.aws_ami.base`: the last two steps outside
 * brackets, after the module path and the `data.` mode.
 */
export function resourceTypeAndName(address: string): { type: string; name: string } {
  const steps: string[] = [];
  let current = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < address.length; i++) {
    const c = address[i] as string;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"' && depth > 0) quoted = true;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "." && depth === 0) {
      steps.push(current);
      current = "";
    } else if (depth === 0) current += c;
  }
  steps.push(current);
  while (steps[0] === "module") steps.splice(0, 2);
  if (steps[0] === "data") steps.shift();
  return { type: steps[0] ?? "", name: steps[1] ?? "" };
}

/** "2 to add, 1 to change, 0 to destroy" — tofu's wording, plus replacements/forget/import when any. */
export function formatCounts(counts: PlanCounts): string {
  const parts = [`${counts.add} to add`, `${counts.change} to change`, `${counts.destroy} to destroy`];
  if (counts.replace) parts.push(`${counts.replace} replaced`);
  if (counts.forget) parts.push(`${counts.forget} to forget`);
  if (counts.import) parts.push(`${counts.import} to import`);
  return parts.join(", ");
}

/** The status form of a summary: at most `limit` resources, the rest counted. */
export function limitResources(
  resources: readonly PlannedResource[],
  limit = 200,
): { resources: PlannedResource[]; omitted: number } {
  return { resources: resources.slice(0, limit), omitted: Math.max(0, resources.length - limit) };
}
