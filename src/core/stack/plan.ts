// Reading a plan. `tofu show -json <planfile>` describes a saved plan: every resource instance
// with the actions tofu will take on it (`resource_changes`), what changed outside tofu since
// the last apply (`resource_drift`), the outputs that change (`output_changes`), the
// configuration, and the variable values. This module turns it into a PlanSummary: counts,
// one line per changed resource, drifted resources, changed outputs, declared variables.
//
// The JSON holds values in clear — sensitive variables, passwords in `before`/`after` — so the
// summary takes names and actions only and never a value. The full JSON is for the plan id
// (hashed, never stored) and for the renderer that masks sensitive values.
//
// Actions come as lists: ["create"], ["update"], ["delete"], ["read"], ["no-op"], ["forget"],
// and replacements as ["delete","create"] (destroy first) or ["create","delete"]
// (create_before_destroy), or ["forget","create"]. Counts follow `tofu plan`'s own "Plan:" line
// (a replacement adds one and destroys one) so the numbers users see in Mooring and in tofu
// agree; `replace` says how many of them are replacements.
import { isPlainObject, type JsonMap } from "../json.ts";
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

const SUPPORTED_MAJOR = "1";

/** Summarises the output of `tofu show -json <planfile>` (already parsed). */
export function summarisePlan(plan: unknown): PlanSummary {
  if (!isPlainObject(plan)) throw new PlanFormatError("a plan must be a JSON object");
  const formatVersion = stringField(plan, "format_version");
  if (!formatVersion) throw new PlanFormatError("not a plan: format_version is missing");
  if (formatVersion.split(".")[0] !== SUPPORTED_MAJOR) {
    throw new PlanFormatError(
      `plan format ${formatVersion} is not supported (expected ${SUPPORTED_MAJOR}.x)`,
    );
  }
  const counts = emptyCounts();
  const resources: PlannedResource[] = [];
  let moved = false;
  for (const rc of listField(plan, "resource_changes")) {
    const change = changeOf(rc);
    const action = actionOf(change.actions);
    const previousAddress = stringField(rc, "previous_address");
    if (previousAddress) moved = true;
    if (change.importing) counts.import++;
    if (action === "no-op") continue;
    for (const [key, n] of Object.entries(COUNTS[action])) counts[key as keyof PlanCounts] += n ?? 0;
    const resource: PlannedResource = {
      address: stringField(rc, "address"),
      action,
      actions: change.actions,
      type: stringField(rc, "type"),
      name: stringField(rc, "name"),
    };
    if (previousAddress) resource.previousAddress = previousAddress;
    const reason = stringField(rc, "action_reason");
    if (reason) resource.reason = reason;
    resources.push(resource);
  }
  const drifted = listField(plan, "resource_drift")
    .map((rc) => ({ address: stringField(rc, "address"), actions: changeOf(rc).actions }))
    .filter((d) => actionOf(d.actions) !== "no-op");
  const outputs: PlanSummary["outputs"] = [];
  const outputChanges = plan.output_changes;
  if (isPlainObject(outputChanges)) {
    for (const name of Object.keys(outputChanges).sort()) {
      const change = outputChanges[name];
      if (!isPlainObject(change)) throw new PlanFormatError(`output_changes.${name} is not an object`);
      const action = actionOf(actionsOf(change, `output_changes.${name}`));
      if (action === "no-op") continue;
      outputs.push({
        name,
        action,
        sensitive: change.after_sensitive === true || change.before_sensitive === true,
      });
    }
  }
  const changes =
    resources.some((r) => r.action !== "read") || counts.import > 0 || moved || outputs.length > 0;
  return {
    formatVersion,
    tofuVersion: stringField(plan, "terraform_version"),
    counts,
    resources,
    drifted,
    outputs,
    declaredVariables: declaredVariables(plan),
    changes,
    errored: plan.errored === true,
  };
}

/** Parses and summarises the text `tofu show -json` printed. */
export function summarisePlanJson(text: string): PlanSummary {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (err) {
    throw new PlanFormatError(`plan is not JSON: ${(err as Error).message}`);
  }
  return summarisePlan(plan);
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

function declaredVariables(plan: JsonMap): string[] {
  const config = plan.configuration;
  const root = isPlainObject(config) ? config.root_module : undefined;
  const variables = isPlainObject(root) ? root.variables : undefined;
  return isPlainObject(variables) ? Object.keys(variables).sort() : [];
}

interface ChangeFacts {
  actions: string[];
  importing: boolean;
}

function changeOf(rc: JsonMap): ChangeFacts {
  const address = stringField(rc, "address") || "(no address)";
  const change = rc.change;
  if (!isPlainObject(change)) throw new PlanFormatError(`${address}: change is missing`);
  return { actions: actionsOf(change, address), importing: isPlainObject(change.importing) };
}

function actionsOf(change: JsonMap, where: string): string[] {
  const actions = change.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === "string")) {
    throw new PlanFormatError(`${where}: actions must be a list of strings`);
  }
  return actions as string[];
}

function listField(map: JsonMap, key: string): JsonMap[] {
  const value = map[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(isPlainObject)) {
    throw new PlanFormatError(`${key} must be a list of objects`);
  }
  return value;
}

function stringField(map: JsonMap, key: string): string {
  const value = map[key];
  return typeof value === "string" ? value : "";
}
