// How `moor stack` shows Stacks to people, and the checks it makes before writing a request.
// Everything is read from the status the controller writes (src/core/stack/spec.ts StackStatus):
// conditions, the last plan with its per-resource actions, the last apply, the outputs Secret
// and the drift report. Pure: the clock is a parameter, and nothing here reads the cluster. The
// checks made before writing a request live in src/actions/stack-checks.ts, shared with the API
// server's Stack actions, and are re-exported here.

import {
  ago,
  countsText,
  noPlanMessage,
  oneLine,
  planStateText,
  shortSha,
  stackCommand,
  stackId,
  statusOf,
} from "../actions/stack-checks.ts";
import { type Condition, findCondition } from "../core/conditions.ts";
import {
  type PlannedResource,
  STACK_CONDITIONS,
  type Stack,
  type StackApplyStatus,
  type StackPlanStatus,
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

export {
  approvalProblem,
  blockingReason,
  countsText,
  noPlanMessage,
  noStatusMessage,
  type PlanState,
  pendingPlan,
  planState,
  stackCommand,
  stackId,
  stalledCondition,
  statusOf,
} from "../actions/stack-checks.ts";

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
export function renderPlanResources(
  plan: Pick<StackPlanStatus, "resources" | "resourcesOmitted" | "outputs">,
): string {
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

export { outputValues, parseSensitiveKeys, SENSITIVE_PLACEHOLDER } from "../actions/stack-outputs.ts";

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
