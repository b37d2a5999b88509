// How `moor stack` shows Stacks to people, and the checks it makes before writing a request.
// Everything is read from the status the controller writes (src/core/stack/spec.ts StackStatus):
// conditions, the last plan with its per-resource actions, the last apply, the outputs Secret
// and the drift report. Pure: the clock is a parameter, and nothing here reads the cluster.
//
// An approval names one plan by its content-hashed id, so the CLI refuses up front what the
// controller would refuse later: an id that is not the Stack's current plan, or a plan with
// nothing pending. Refusing here gives the user both ids at once instead of a condition later.
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { type Condition, findCondition } from "../core/conditions.ts";
import { formatCounts } from "../core/stack/plan.ts";
import {
  type PlanCounts,
  type PlannedResource,
  STACK_CONDITIONS,
  type Stack,
  type StackApplyStatus,
  type StackPlanStatus,
  type StackStatus,
  stackSpecDefaults,
} from "../core/stack/spec.ts";
import { describeStateLock, type StateLock } from "../core/stack/state-lock.ts";
import { timestamp } from "./app-view.ts";
import { age, type Column, renderTable } from "./output.ts";

/**
 * Exit codes of `moor stack`: Mooring's usual 0 ok, 1 failed, 2 usage, and — only when
 * `--detailed-exitcode` asks for it — 3 for "ran fine, and changes are pending" (plan) or
 * "ran fine, and the infrastructure drifted" (drift). Unlike `tofu plan -detailed-exitcode`, which
 * uses 2, Mooring keeps 2 for usage errors in every command.
 */
export const STACK_EXIT = { ok: 0, failed: 1, usage: 2, pending: 3 } as const;

export function statusOf(stack: Stack): Partial<StackStatus> {
  return stack.status ?? {};
}

/** `namespace/name`, as the controller's messages name a Stack. */
export function stackId(stack: Stack): string {
  return `${stack.metadata.namespace}/${stack.metadata.name}`;
}

/** A `moor stack` command line for hints; `-n` only outside the default namespace. */
export function stackCommand(words: string, namespace: string): string {
  return `moor stack ${words}${namespace === CONTROLLER_NAMESPACE ? "" : ` -n ${namespace}`}`;
}

function oneLine(text: string | undefined): string {
  return (text ?? "").replace(/\s*\n\s*/g, " ").trim();
}

function ago(iso: string | undefined, now: number): string {
  return iso ? `${age(iso, now)} ago` : "";
}

/** Commits are shown by their first 10 characters, as elsewhere in moor. */
function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 10) : "";
}

/** Counts as the controller wrote them, zero-filled (an older controller may leave fields out). */
function counts(summary: Partial<PlanCounts> | undefined): PlanCounts {
  return {
    add: summary?.add ?? 0,
    change: summary?.change ?? 0,
    destroy: summary?.destroy ?? 0,
    replace: summary?.replace ?? 0,
    forget: summary?.forget ?? 0,
    import: summary?.import ?? 0,
    read: summary?.read ?? 0,
  };
}

export function countsText(plan: StackPlanStatus): string {
  return formatCounts(counts(plan.summary));
}

/** Why a Stack has nothing to show yet; used by every command that needs a status. */
export function noStatusMessage(stack: Stack): string {
  const name = stack.metadata.name;
  const namespace = stack.metadata.namespace;
  if (stack.spec?.suspend) {
    return `stack ${stackId(stack)} has no status yet and is suspended (spec.suspend), so the controller does not plan it`;
  }
  return `stack ${stackId(stack)} has no status yet: the controller has not planned it; is the Stack controller running? (\`${stackCommand(`get ${name}`, namespace)}\` shows its conditions once it has)`;
}

/** Why a Stack has no plan to show; the Stalled/Ready condition or lastError says why when known. */
export function noPlanMessage(stack: Stack): string {
  if (!stack.status) return noStatusMessage(stack);
  const why = blockingReason(stack);
  return `stack ${stackId(stack)} has no plan yet${why ? `: ${why}` : ""}`;
}

/** The most telling explanation the status gives for a Stack not getting on: Stalled, lastError, not Ready. */
export function blockingReason(stack: Stack): string {
  const status = statusOf(stack);
  const stalled = stalledCondition(stack);
  if (stalled) return `${stalled.reason}: ${oneLine(stalled.message)}`;
  if (status.lastError) return oneLine(status.lastError);
  const ready = findCondition(status.conditions, STACK_CONDITIONS.ready);
  if (ready && ready.status !== "True") return `${ready.reason}: ${oneLine(ready.message)}`;
  return "";
}

/** The Stalled condition when it is True for the current generation of the spec. */
export function stalledCondition(stack: Stack): Condition | undefined {
  const stalled = findCondition(statusOf(stack).conditions, STACK_CONDITIONS.stalled);
  if (stalled?.status !== "True") return undefined;
  const generation = stack.metadata.generation;
  const observed = stalled.observedGeneration;
  return observed === undefined || generation === undefined || observed === generation ? stalled : undefined;
}

// ---- plan state and approval checks -----------------------------------------------------------

export type PlanState =
  | { state: "pending" }
  | { state: "applied"; apply: StackApplyStatus }
  | { state: "settled" };

/** Whether the last plan waits for approval, was applied (last apply names it), or neither. */
export function planState(stack: Stack): PlanState {
  const status = statusOf(stack);
  const plan = status.lastPlan;
  if (plan?.pending) return { state: "pending" };
  if (plan && status.lastApply?.planId === plan.id) return { state: "applied", apply: status.lastApply };
  return { state: "settled" };
}

function planStateText(stack: Stack, now: number): string {
  const plan = statusOf(stack).lastPlan;
  if (!plan) return "";
  const state = planState(stack);
  switch (state.state) {
    case "pending": {
      const mode = stackSpecDefaults(stack.spec, stack.metadata.namespace).approvePlan;
      const how =
        mode === "auto" ? "to be applied automatically (approvePlan: auto)" : "waiting for approval";
      return `pending: ${how}`;
    }
    case "applied":
      return `${appliedText(state.apply, now)} (approved by ${state.apply.approvedBy})`;
    case "settled":
      return isEmpty(plan) ? "no changes" : "not pending (nothing waits to be applied)";
  }
}

/** "applied 2m ago" or "apply failed 2m ago". */
function appliedText(apply: StackApplyStatus, now: number): string {
  return `${apply.result === "succeeded" ? "applied" : "apply failed"} ${ago(apply.appliedAt, now)}`;
}

function isEmpty(plan: StackPlanStatus): boolean {
  const c = counts(plan.summary);
  return (
    c.add + c.change + c.destroy + c.forget + c.import === 0 &&
    (plan.resources ?? []).length === 0 &&
    (plan.outputs ?? []).length === 0
  );
}

/**
 * Why `moor stack approve NAME PLAN_ID` must not set the annotation, or undefined when it may:
 * the id must be the current plan's and that plan must be pending.
 */
export function approvalProblem(stack: Stack, planId: string, now = Date.now()): string | undefined {
  const name = stack.metadata.name;
  const namespace = stack.metadata.namespace;
  if (!stack.status) return noStatusMessage(stack);
  const plan = statusOf(stack).lastPlan;
  if (!plan) return `${noPlanMessage(stack)}; there is nothing to approve`;
  const review = stackCommand(`plan ${name}`, namespace);
  if (plan.id !== planId) {
    return (
      `plan ${planId} is not the current plan of stack ${stackId(stack)}: the current plan is ${plan.id}` +
      `${plan.pending ? " (pending)" : ""}, made ${ago(plan.createdAt, now)} from ${shortSha(plan.revision)}; ` +
      `review it with \`${review}\`${plan.pending ? ` and approve ${plan.id} if it is what you want` : ""}`
    );
  }
  const state = planState(stack);
  if (state.state === "applied") {
    return `plan ${planId} of stack ${stackId(stack)} is not pending: ${appliedText(state.apply, now)} (approved by ${state.apply.approvedBy}); \`${review}\` shows it`;
  }
  if (state.state === "settled") {
    return `plan ${planId} of stack ${stackId(stack)} is not pending: ${isEmpty(plan) ? "it changes nothing" : "nothing waits to be applied"}; \`${stackCommand(`plan ${name} --refresh`, namespace)}\` makes a new plan`;
  }
  return undefined;
}

/** The plan `moor stack apply NAME` would approve, or why there is none. */
export function pendingPlan(stack: Stack, now = Date.now()): { plan: StackPlanStatus } | { problem: string } {
  if (!stack.status) return { problem: noStatusMessage(stack) };
  const plan = statusOf(stack).lastPlan;
  if (!plan) return { problem: `${noPlanMessage(stack)}; there is nothing to apply` };
  if (!plan.pending) {
    const state = planState(stack);
    const detail =
      state.state === "applied"
        ? `its last plan ${plan.id} was approved already (${appliedText(state.apply, now)})`
        : `its last plan ${plan.id} ${isEmpty(plan) ? "changes nothing" : "is not pending"}`;
    return {
      problem: `stack ${stackId(stack)} has nothing pending to apply: ${detail}; \`${stackCommand(`plan ${stack.metadata.name} --refresh`, stack.metadata.namespace)}\` makes a new plan`,
    };
  }
  return { plan };
}

// ---- list ------------------------------------------------------------------------------------

function readyText(stack: Stack): string {
  return findCondition(statusOf(stack).conditions, STACK_CONDITIONS.ready)?.status ?? "Unknown";
}

function driftedText(stack: Stack): string {
  const status = statusOf(stack);
  if (status.drift) return status.drift.drifted ? "yes" : "no";
  const drifted = findCondition(status.conditions, STACK_CONDITIONS.drifted);
  if (drifted) return drifted.status === "True" ? "yes" : drifted.status === "False" ? "no" : "Unknown";
  return "-";
}

function lastApplyText(apply: StackApplyStatus | undefined, now: number): string {
  return apply ? `${ago(apply.appliedAt, now)} ${apply.result}` : "-";
}

export function renderStackList(
  stacks: readonly Stack[],
  options: { allNamespaces?: boolean; now?: number } = {},
): string {
  const now = options.now ?? Date.now();
  const plan = (s: Stack) => statusOf(s).lastPlan;
  const columns: Column<Stack>[] = [
    ...(options.allNamespaces ? [{ header: "NAMESPACE", value: (s: Stack) => s.metadata.namespace }] : []),
    { header: "NAME", value: (s) => s.metadata.name },
    { header: "READY", value: readyText },
    { header: "PLAN", value: (s) => plan(s)?.id ?? "-" },
    { header: "PENDING", value: (s) => (plan(s) ? (plan(s)?.pending ? "yes" : "no") : "-") },
    {
      header: "SUMMARY",
      value: (s) => {
        const p = plan(s);
        return p ? countsText(p) : "-";
      },
    },
    { header: "LAST APPLY", value: (s) => lastApplyText(statusOf(s).lastApply, now) },
    { header: "DRIFTED", value: driftedText },
    {
      header: "AGE",
      value: (s) => (s.metadata.creationTimestamp ? age(s.metadata.creationTimestamp, now) : ""),
    },
  ];
  return renderTable(stacks, columns);
}

// ---- get -------------------------------------------------------------------------------------

const RESOURCE_COLUMNS: Column<PlannedResource>[] = [
  { header: "ACTION", value: (r) => r.action },
  { header: "ADDRESS", value: (r) => r.address },
  {
    header: "DETAIL",
    value: (r) =>
      [r.previousAddress ? `moved from ${r.previousAddress}` : "", r.reason ?? ""].filter(Boolean).join(", "),
  },
];

/** The changed resources of a plan, one line each, and how many the status left out. */
export function renderPlanResources(plan: StackPlanStatus): string {
  const resources = plan.resources ?? [];
  const lines: string[] = [];
  if (resources.length === 0) lines.push("no resource changes");
  else lines.push(renderTable(resources, RESOURCE_COLUMNS));
  if (plan.resourcesOmitted)
    lines.push(`... and ${plan.resourcesOmitted} more (\`moor stack plan\` shows all)`);
  if (plan.outputs?.length) lines.push(`outputs changing: ${plan.outputs.join(", ")}`);
  return lines.join("\n");
}

function conditionText(c: Condition): string {
  return `${c.status} (${c.reason}) ${oneLine(c.message)}`.trim();
}

function labelled(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`.trimEnd()).join("\n");
}

function approveText(stack: Stack): string {
  const mode = stackSpecDefaults(stack.spec, stack.metadata.namespace).approvePlan;
  if (mode === "auto") return "auto (every plan is applied as soon as it is made)";
  if (mode === "manual") return "manual (each plan waits for `moor stack approve NAME PLAN_ID`)";
  return `${mode} (approved in Git: only that plan is applied)`;
}

/** What `moor stack get NAME` prints: spec, conditions, last plan with resources, last apply, outputs and drift. */
export function renderStackSummary(stack: Stack, now = Date.now(), lock?: StateLock): string {
  const status = statusOf(stack);
  const spec = stackSpecDefaults(stack.spec, stack.metadata.namespace);
  const { name, namespace } = stack.metadata;
  const rows: [string, string][] = [
    ["Name", stackId(stack)],
    ["Repo", spec.source.repoURL],
    ["Path", spec.source.path || "."],
    ["Target", spec.source.targetRevision],
    ["Workspace", spec.workspace],
    ["Approve", approveText(stack)],
    [
      "Drift checks",
      spec.driftDetection.intervalMs === 0
        ? "off"
        : `every ${stack.spec.driftDetection?.interval ?? "1h"}, ${spec.driftDetection.mode}`,
    ],
    [
      "On delete",
      spec.destroyOnDelete ? "destroy the infrastructure (destroyOnDelete)" : "keep state and infrastructure",
    ],
  ];
  if (spec.dependsOn.length) {
    rows.push([
      "Depends on",
      spec.dependsOn.map((d) => (d.namespace === namespace ? d.name : `${d.namespace}/${d.name}`)).join(", "),
    ]);
  }
  if (spec.suspend) rows.push(["Suspended", "yes: nothing is planned, applied or checked (spec.suspend)"]);
  if (lock) rows.push(["State lock", describeStateLock(lock)]);
  if (stack.metadata.deletionTimestamp)
    rows.push(["Deleting", `since ${ago(stack.metadata.deletionTimestamp, now)}`]);
  if (!stack.status) {
    rows.push(["Status", "none yet (the controller has not planned this stack)"]);
    return labelled(rows);
  }
  for (const c of status.conditions ?? []) rows.push([c.type, conditionText(c)]);
  if (status.lastError) rows.push(["Last error", oneLine(status.lastError)]);
  const plan = status.lastPlan;
  if (plan) {
    rows.push([
      "Last plan",
      `${plan.id} (${plan.purpose}) from ${shortSha(plan.revision)}, ${ago(plan.createdAt, now)}: ${countsText(plan)}`,
    ]);
    rows.push(["Plan status", planStateText(stack, now)]);
  } else {
    rows.push(["Last plan", "none yet"]);
  }
  const apply = status.lastApply;
  if (apply) {
    rows.push([
      "Last apply",
      `${apply.result} ${ago(apply.appliedAt, now)}: plan ${apply.planId}, approved by ${apply.approvedBy}${apply.message ? `: ${oneLine(apply.message)}` : ""}`,
    ]);
  }
  rows.push([
    "Outputs",
    status.outputsSecret
      ? `Secret ${status.outputsSecret} (\`${stackCommand(`outputs ${name}`, namespace)}\`)`
      : spec.writeOutputsToSecret
        ? `Secret ${spec.writeOutputsToSecret.name} (not written yet)`
        : "not written to a Secret",
  ]);
  if (status.drift) {
    const d = status.drift;
    rows.push([
      "Drift",
      `${d.drifted ? `${d.resources.length} resource(s) drifted` : "none"} (checked ${ago(d.checkedAt, now)})`,
    ]);
  }
  const sections = [labelled(rows)];
  if (plan) sections.push(`Plan ${plan.id}:\n${renderPlanResources(plan)}`);
  if (plan?.pending && spec.approvePlan !== "auto") {
    sections.push(
      `Review with \`${stackCommand(`plan ${name}`, namespace)}\`, then approve with \`${stackCommand(`approve ${name} ${plan.id}`, namespace)}\``,
    );
  }
  if (status.drift?.drifted) sections.push(renderDriftResources(status.drift.resources));
  return sections.join("\n\n");
}

// ---- plan ------------------------------------------------------------------------------------

/** The lines `moor stack plan NAME` prints above tofu's own text. */
export function renderPlanHeader(stack: Stack, now = Date.now()): string {
  const plan = statusOf(stack).lastPlan;
  if (!plan) return noPlanMessage(stack);
  const rows: [string, string][] = [
    ["Stack", stackId(stack)],
    ["Plan", `${plan.id} (${plan.purpose})`],
    ["Revision", plan.revision],
    ["Created", `${timestamp(plan.createdAt)} (${ago(plan.createdAt, now)})`],
    ["Changes", countsText(plan)],
    ["Status", planStateText(stack, now)],
  ];
  const lines = [labelled(rows)];
  const mode = stackSpecDefaults(stack.spec, stack.metadata.namespace).approvePlan;
  if (plan.pending && mode !== "auto") {
    lines.push(
      `Approve with: ${stackCommand(`approve ${stack.metadata.name} ${plan.id}`, stack.metadata.namespace)}`,
    );
  }
  return lines.join("\n");
}

// ---- drift -----------------------------------------------------------------------------------

function renderDriftResources(resources: readonly { address: string; actions: string[] }[]): string {
  return renderTable(resources, [
    { header: "DRIFTED", value: (r) => r.address },
    { header: "ACTIONS TO PUT BACK", value: (r) => r.actions.join(", ") },
  ]);
}

/** What `moor stack drift NAME` prints. */
export function renderDrift(stack: Stack, now = Date.now()): string {
  const drift = statusOf(stack).drift;
  const spec = stackSpecDefaults(stack.spec, stack.metadata.namespace);
  const name = stack.metadata.name;
  const namespace = stack.metadata.namespace;
  if (!drift) {
    const off = spec.driftDetection.intervalMs === 0 ? " (periodic drift checks are off)" : "";
    return `stack ${stackId(stack)} has not been checked for drift yet${off}; \`${stackCommand(`drift ${name} --check`, namespace)}\` checks now`;
  }
  const when = `${timestamp(drift.checkedAt)} (${ago(drift.checkedAt, now)})`;
  if (!drift.drifted) return `stack ${stackId(stack)}: no drift, checked ${when}`;
  const lines = [
    `stack ${stackId(stack)}: ${drift.resources.length} resource(s) drifted, checked ${when}`,
    "",
    renderDriftResources(drift.resources),
    "",
  ];
  const plan = statusOf(stack).lastPlan;
  if (spec.driftDetection.mode === "remediate") {
    lines.push("driftDetection.mode is remediate: the controller puts them back");
  } else if (plan?.purpose === "drift" && plan.pending) {
    lines.push(
      `drift plan ${plan.id} puts them back once approved: \`${stackCommand(`approve ${name} ${plan.id}`, namespace)}\``,
    );
  } else {
    lines.push("driftDetection.mode is report: a drift plan waits for approval like any other plan");
  }
  return lines.join("\n");
}

// ---- outputs ---------------------------------------------------------------------------------

/** Shown instead of a value tofu marks sensitive, unless --show-sensitive. */
export const SENSITIVE_PLACEHOLDER = "(sensitive)";

/**
 * The outputs Secret's values, base64-decoded. `sensitive` names the keys tofu marks sensitive,
 * or is undefined when the Secret does not say — then every value is treated as sensitive.
 * Sensitive values become "(sensitive)" unless showSensitive.
 */
export function outputValues(
  data: Readonly<Record<string, string>>,
  sensitive: readonly string[] | undefined,
  showSensitive: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) {
    const hidden = !showSensitive && (sensitive === undefined || sensitive.includes(key));
    out[key] = hidden ? SENSITIVE_PLACEHOLDER : Buffer.from(data[key] ?? "", "base64").toString("utf8");
  }
  return out;
}

/** The comma-separated key list of the sensitive-outputs annotation; undefined when absent. */
export function parseSensitiveKeys(annotation: string | undefined): string[] | undefined {
  if (annotation === undefined) return undefined;
  return annotation
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
}

export function renderOutputs(values: Readonly<Record<string, string>>): string {
  const rows = Object.entries(values);
  if (rows.length === 0) return "no outputs";
  return renderTable(rows, [
    { header: "NAME", value: ([k]) => k },
    { header: "VALUE", value: ([, v]) => (v.includes("\n") ? JSON.stringify(v) : v) },
  ]);
}

// ---- logs ------------------------------------------------------------------------------------

/** The last n lines of a text (all of it when n is undefined). */
export function tailLines(text: string, n: number | undefined): string {
  if (n === undefined) return text;
  if (n === 0) return "";
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  return `${lines.slice(-n).join("\n")}\n`;
}
