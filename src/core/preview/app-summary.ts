// What a pull request changes in one Application, object by object, and the one line a reviewer
// reads first.
//
// A preview compares the objects rendered from the PR's base with those rendered from its head
// (what the PR changes in Git) and, when the cluster was asked, the head's server-side dry run
// with the live objects (what merging now would really change, drift included). Both go through
// the same chain as every other diff (src/core/diff.ts: normalise, mask Secret values, drop
// ignored fields), so a preview never shows a Secret value and never shows server noise.
//
// Per object the change is `added` (only the head renders it), `changed` or `pruned` (only the
// base renders it, or, against live, a tracked live object the head no longer declares). The
// summary line counts them — `3 changed, 1 added, 1 pruned` — and calls out what changes how
// workloads run, because that is what a reviewer must not miss in a long diff: a container image,
// replicas, resource requests and limits, probes, and hostNetwork or privileged switched on or off.
// Hooks (PreSync Jobs and the like) are part of the Git diff, since a reviewer should see a
// changed migration Job, but not of the live one: they are run during a sync, not kept in sync.
import type { IgnoreDifference } from "../application.ts";
import {
  byKey,
  compareApp,
  diffObjects,
  type FieldChange,
  type ObjectDiff,
  prepareForDiff,
} from "../diff.ts";
import { isPlainObject, type JsonMap, jsonEqual } from "../json.ts";
import { type AppRef, formatRef, type KubeObject, type ObjectRef, refKey } from "../objects.ts";
import { diffLines, foldContext, isMultiline, splitLines } from "./line-diff.ts";

export const OBJECT_CHANGES = ["changed", "added", "pruned"] as const;
export type ObjectChangeKind = (typeof OBJECT_CHANGES)[number];

export interface ObjectChange {
  ref: ObjectRef;
  change: ObjectChangeKind;
  /** Field changes from the older side (base or live) to the newer (head); values masked. */
  fields: FieldChange[];
}

export const CALLOUT_KINDS = [
  "image",
  "replicas",
  "resources",
  "probes",
  "hostNetwork",
  "privileged",
] as const;
export type CalloutKind = (typeof CALLOUT_KINDS)[number];

/** A change to how a workload runs, worth a line of its own. */
export interface Callout {
  kind: CalloutKind;
  ref: ObjectRef;
  /** e.g. `web: image nginx:1.25 → nginx:1.27`, `web/sidecar: privileged on`. */
  text: string;
}

export type ChangeCounts = Record<ObjectChangeKind, number>;

export interface ChangeSet {
  /** Objects with a change, head order first, then pruned ones in base (or live) order. */
  objects: ObjectChange[];
  counts: ChangeCounts;
  callouts: Callout[];
  /** `3 changed, 1 added, 1 pruned; web: image a → b; web: replicas 2 → 3`, or `no changes`. */
  line: string;
}

export interface AppSummaryInput {
  /** Objects rendered from the PR's base commit. */
  base: readonly KubeObject[];
  /** Objects rendered from the PR's head commit (server-side dry-run results when live is given). */
  head: readonly KubeObject[];
  /** Live objects of the Application; when given, the summary also says what merging would change now. */
  live?: readonly KubeObject[];
  /** The Application, so that only live objects it tracks are prune candidates. */
  app?: AppRef;
  ignoreDifferences?: readonly IgnoreDifference[];
  /** How many callouts the line names before `+N more`; default 3. */
  lineCallouts?: number;
}

export interface AppSummary {
  /** What the PR changes in Git: base render → head render. */
  git: ChangeSet;
  /** What merging now would change in the cluster: live → head; absent when live was not given. */
  live?: ChangeSet;
}

/** The changes from base to head (and from live to head when live is given), with their summary lines. */
export function summariseApp(input: AppSummaryInput): AppSummary {
  const rules = input.ignoreDifferences ?? [];
  const limit = input.lineCallouts ?? 3;
  const git: ObjectChange[] = [];
  const callouts: Callout[] = [];
  const baseByKey = byKey(input.base);
  const headByKey = byKey(input.head);
  for (const [key, head] of headByKey) {
    const pair = prepareForDiff(baseByKey.get(key) ?? null, head, rules);
    const change = toChange(diffObjects(pair.live, pair.desired));
    if (change === undefined) continue;
    git.push(change);
    callouts.push(...calloutsOf(change.ref, pair.live, pair.desired));
  }
  for (const [key, base] of baseByKey) {
    if (headByKey.has(key)) continue;
    const pair = prepareForDiff(base, null, rules);
    const change = toChange(diffObjects(pair.live, null));
    if (change !== undefined) git.push(change);
  }
  const summary: AppSummary = { git: changeSet(git, callouts, limit) };
  if (input.live !== undefined) summary.live = liveChangeSet(input, headByKey, limit);
  return summary;
}

function liveChangeSet(input: AppSummaryInput, headByKey: Map<string, KubeObject>, limit: number): ChangeSet {
  const liveByKey = byKey(input.live ?? []);
  const options = {
    ...(input.ignoreDifferences ? { ignoreDifferences: input.ignoreDifferences } : {}),
    ...(input.app ? { app: input.app } : {}),
  };
  const objects: ObjectChange[] = [];
  const callouts: Callout[] = [];
  for (const diff of compareApp(headByKey, liveByKey, options)) {
    const change = toChange(diff);
    if (change === undefined) continue;
    objects.push(change);
    const head = headByKey.get(refKey(diff.ref));
    if (head === undefined) continue;
    const pair = prepareForDiff(liveByKey.get(refKey(diff.ref)) ?? null, head, input.ignoreDifferences ?? []);
    callouts.push(...calloutsOf(diff.ref, pair.live, pair.desired));
  }
  return changeSet(objects, callouts, limit);
}

const CHANGE_OF: Record<ObjectDiff["action"], ObjectChangeKind | undefined> = {
  create: "added",
  update: "changed",
  delete: "pruned",
  none: undefined,
};

function toChange(diff: ObjectDiff): ObjectChange | undefined {
  const change = CHANGE_OF[diff.action];
  return change === undefined ? undefined : { ref: diff.ref, change, fields: diff.changes };
}

function changeSet(objects: ObjectChange[], callouts: Callout[], limit: number): ChangeSet {
  const counts: ChangeCounts = { changed: 0, added: 0, pruned: 0 };
  for (const object of objects) counts[object.change]++;
  return { objects, counts, callouts, line: summaryLine(counts, callouts, limit) };
}

/** `3 changed, 1 added, 1 pruned; <callout>; <callout>; +2 more`, zero counts left out. */
export function summaryLine(counts: ChangeCounts, callouts: readonly Callout[], limit = 3): string {
  const parts = OBJECT_CHANGES.filter((kind) => counts[kind] > 0).map((kind) => `${counts[kind]} ${kind}`);
  if (parts.length === 0) return "no changes";
  const named = callouts.slice(0, limit).map((c) => c.text);
  if (callouts.length > limit) named.push(`+${callouts.length - limit} more`);
  return [parts.join(", "), ...named].join("; ");
}

// Where a workload keeps its pod template, by kind; anything else with spec.template.spec
// (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Argo Rollout...) uses the default.
// Policy rules (policy.ts) see the same pod spec as `podSpec`.
export function podSpecOf(obj: KubeObject | null): JsonMap | undefined {
  if (obj === null) return undefined;
  const spec = obj.spec;
  if (!isPlainObject(spec)) return undefined;
  if (obj.kind === "Pod") return spec;
  const template = obj.kind === "CronJob" ? dig(spec, ["jobTemplate", "spec", "template"]) : spec.template;
  const podSpec = isPlainObject(template) ? template.spec : undefined;
  return isPlainObject(podSpec) ? podSpec : undefined;
}

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isPlainObject(current) ? current[key] : undefined;
  return current;
}

/** Containers and init containers by name (init ones as `init:name`). */
function containersOf(podSpec: JsonMap | undefined): Map<string, JsonMap> {
  const out = new Map<string, JsonMap>();
  for (const [field, prefix] of [
    ["initContainers", "init:"],
    ["containers", ""],
  ] as const) {
    const list = podSpec?.[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (isPlainObject(c)) out.set(`${prefix}${typeof c.name === "string" ? c.name : `#${i}`}`, c);
    });
  }
  return out;
}

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

function show(value: unknown): string {
  if (value === undefined || value === null) return "(unset)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function on(value: unknown): boolean {
  return value === true;
}

/**
 * The callouts for one object going from `before` to `after` (both prepared for diff). Added
 * objects only call out hostNetwork and privileged switched on: everything else in them is new.
 */
export function calloutsOf(ref: ObjectRef, before: KubeObject | null, after: KubeObject | null): Callout[] {
  if (after === null) return [];
  const out: Callout[] = [];
  const add = (kind: CalloutKind, who: string, text: string) =>
    out.push({ kind, ref, text: `${who}: ${text}` });
  const added = before === null;
  const name = ref.name;
  const beforePod = podSpecOf(before);
  const afterPod = podSpecOf(after);
  if (!added) {
    const was = dig(before.spec, ["replicas"]);
    const now = dig(after.spec, ["replicas"]);
    if (!jsonEqual(was ?? null, now ?? null)) add("replicas", name, `replicas ${show(was)} → ${show(now)}`);
  }
  if (afterPod === undefined) return out;
  if (on(beforePod?.hostNetwork) !== on(afterPod.hostNetwork) && (!added || on(afterPod.hostNetwork))) {
    add("hostNetwork", name, `hostNetwork ${on(afterPod.hostNetwork) ? "on" : "off"}`);
  }
  const beforeContainers = containersOf(beforePod);
  const afterContainers = containersOf(afterPod);
  const single = afterContainers.size === 1;
  for (const [cname, container] of afterContainers) {
    const who = single ? name : `${name}/${cname}`;
    const old = beforeContainers.get(cname);
    const wasPrivileged = on(dig(old, ["securityContext", "privileged"]));
    const isPrivileged = on(dig(container, ["securityContext", "privileged"]));
    if (wasPrivileged !== isPrivileged && (!added || isPrivileged)) {
      add("privileged", who, `privileged ${isPrivileged ? "on" : "off"}`);
    }
    if (added) continue;
    if (old === undefined) {
      add("image", who, `image ${show(container.image)} (new container)`);
      continue;
    }
    if (!jsonEqual(old.image ?? null, container.image ?? null)) {
      add("image", who, `image ${show(old.image)} → ${show(container.image)}`);
    }
    const resources = resourceChanges(old.resources, container.resources);
    if (resources.length > 0) add("resources", who, resources.join(", "));
    const probes = PROBES.filter((p) => !jsonEqual(old[p] ?? null, container[p] ?? null)).map(
      (p) => `${p} ${old[p] === undefined ? "added" : container[p] === undefined ? "removed" : "changed"}`,
    );
    if (probes.length > 0) add("probes", who, probes.join(", "));
  }
  return out;
}

/** `requests.cpu 100m → 200m`, one per changed request or limit. */
function resourceChanges(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  for (const group of ["requests", "limits"] as const) {
    const was = dig(before, [group]);
    const now = dig(after, [group]);
    const keys = new Set([
      ...Object.keys(isPlainObject(was) ? was : {}),
      ...Object.keys(isPlainObject(now) ? now : {}),
    ]);
    for (const key of [...keys].sort()) {
      const a = dig(was, [key]);
      const b = dig(now, [key]);
      if (!jsonEqual(a ?? null, b ?? null)) out.push(`${group}.${key} ${show(a)} → ${show(b)}`);
    }
  }
  return out;
}

/**
 * The changes as the body of a ```diff block: one `@@ Kind/namespace/name (change) @@` header
 * per object, then `-` lines for the older side's values and `+` lines for the newer side's. A
 * multi-line string (a file in a ConfigMap) is shown as its lines, changed ones marked and
 * long unchanged runs folded.
 */
export function formatChangeDiff(objects: readonly ObjectChange[]): string {
  const lines: string[] = [];
  for (const object of objects) {
    lines.push(`@@ ${formatRef(object.ref)} (${object.change}) @@`);
    for (const field of object.fields) lines.push(...fieldLines(field));
  }
  return lines.join("\n");
}

function fieldLines(field: FieldChange): string[] {
  const { live, desired } = field;
  const textual = (v: unknown) => v === undefined || typeof v === "string";
  if ((isMultiline(live) || isMultiline(desired)) && textual(live) && textual(desired)) {
    const before = live === undefined ? [] : splitLines(live as string);
    const after = desired === undefined ? [] : splitLines(desired as string);
    const mark = live === undefined ? "+" : desired === undefined ? "-" : " ";
    const out = [`${mark} ${field.path}: |`];
    for (const line of foldContext(diffLines(before, after))) {
      out.push(
        "skipped" in line ? `     … ${line.skipped} unchanged lines` : `${line.mark}     ${line.text}`,
      );
    }
    return out;
  }
  const out: string[] = [];
  if (live !== undefined) out.push(`- ${field.path}: ${JSON.stringify(live)}`);
  if (desired !== undefined) out.push(`+ ${field.path}: ${JSON.stringify(desired)}`);
  return out;
}
