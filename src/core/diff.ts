// Compare: what differs between the live object and the desired one, field by field.
//
// The desired side is the result of a server-side dry-run apply of what Git declares, so the API
// server has already filled in defaults and both sides speak the same dialect. Before comparing,
// both go through the same chain (prepareForDiff): normalise away what never counts, mask Secret
// values, drop the fields ignoreDifferences names. Hooks are not compared at all: they are run
// during a sync, not kept in sync.
import type { IgnoreDifference } from "./application.ts";
import { applyIgnoreDifferences } from "./ignore.ts";
import { isPlainObject, jsonEqual } from "./json.ts";
import { maskSecretPair } from "./mask.ts";
import { normalizeForDiff } from "./normalize.ts";
import {
  type AppRef,
  formatRef,
  type KubeObject,
  type ObjectRef,
  parseTrackingId,
  refKey,
  refOf,
  sameRef,
  TRACKING_ANNOTATION,
} from "./objects.ts";
import { isHook } from "./sync-annotations.ts";

export const DIFF_ACTIONS = ["create", "update", "delete", "none"] as const;
export type DiffAction = (typeof DIFF_ACTIONS)[number];

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]` */
  path: string;
  /** Absent when the field does not exist live. */
  live?: unknown;
  /** Absent when the field is not desired. */
  desired?: unknown;
}

export interface ObjectDiff {
  ref: ObjectRef;
  action: DiffAction;
  changes: FieldChange[];
}

export interface PreparedPair {
  live: KubeObject | null;
  desired: KubeObject | null;
}

/** Normalise, then mask Secret values, then drop ignored fields: the one way to ready a pair. */
export function prepareForDiff(
  live: KubeObject | null,
  desired: KubeObject | null,
  rules: readonly IgnoreDifference[] = [],
): PreparedPair {
  const source = desired ?? live;
  if (source === null) return { live: null, desired: null };
  // Normalisation drops managedFields, but ignore rules by field manager still need the live ones.
  const liveManagedFields = live?.metadata.managedFields ?? [];
  const masked = maskSecretPair(live && normalizeForDiff(live), desired && normalizeForDiff(desired));
  return applyIgnoreDifferences(masked.live, masked.desired, rules, refOf(source), liveManagedFields);
}

/**
 * The changes that would turn `live` into `desired`, which should both have been through
 * prepareForDiff. A missing live object is a create and a missing desired one a delete; their
 * changes list every leaf field, so a reader sees what will appear or go. For an update, a map
 * key or array element present on one side only is reported once, with its whole value.
 */
export function diffObjects(live: KubeObject | null, desired: KubeObject | null): ObjectDiff {
  if (live === null) {
    if (desired === null) throw new TypeError("diffObjects needs a live or a desired object");
    return {
      ref: refOf(desired),
      action: "create",
      changes: leaves(desired, []).map(([path, v]) => ({ path, desired: v })),
    };
  }
  if (desired === null) {
    return {
      ref: refOf(live),
      action: "delete",
      changes: leaves(live, []).map(([path, v]) => ({ path, live: v })),
    };
  }
  const changes: FieldChange[] = [];
  compare(live, desired, [], changes);
  return { ref: refOf(desired), action: changes.length > 0 ? "update" : "none", changes };
}

type Segment = string | number;

function compare(live: unknown, desired: unknown, path: Segment[], out: FieldChange[]): void {
  if (isAbsent(live) && isAbsent(desired)) return;
  if (isAbsent(live)) {
    out.push({ path: formatPath(path), desired });
  } else if (isAbsent(desired)) {
    out.push({ path: formatPath(path), live });
  } else if (isPlainObject(live) && isPlainObject(desired)) {
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    for (const key of keys) compare(live[key], desired[key], [...path, key], out);
  } else if (Array.isArray(live) && Array.isArray(desired)) {
    for (let i = 0; i < Math.max(live.length, desired.length); i++) {
      if (i >= live.length) out.push({ path: formatPath([...path, i]), desired: desired[i] });
      else if (i >= desired.length) out.push({ path: formatPath([...path, i]), live: live[i] });
      else compare(live[i], desired[i], [...path, i], out);
    }
  } else if (!jsonEqual(live, desired)) {
    out.push({ path: formatPath(path), live, desired });
  }
}

// A field set to null is the same as an unset one to the API server, which drops it.
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Every scalar (and every empty map or array) under `value`, with its printed path. */
function leaves(value: unknown, path: Segment[]): [string, unknown][] {
  const entries: [Segment, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [i, item])
    : isPlainObject(value)
      ? Object.entries(value)
      : [];
  if (entries.length === 0) return isAbsent(value) ? [] : [[formatPath(path), value]];
  return entries.flatMap(([segment, item]) => leaves(item, [...path, segment]));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `a.b[0]["app.kubernetes.io/name"]`: dots for identifiers, brackets for indices and other keys. */
export function formatPath(path: readonly Segment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * The diff as text for `moor app diff`: a header naming the object (and the action when it is a
 * create or delete), then one `  path: live → desired` line per change, values as compact JSON
 * and `(absent)` for a missing side. An object without changes prints nothing.
 */
export function formatDiff(diff: ObjectDiff): string {
  if (diff.action === "none") return "";
  const header = diff.action === "update" ? formatRef(diff.ref) : `${formatRef(diff.ref)} (${diff.action})`;
  const lines = diff.changes.map(
    (change) => `  ${change.path}: ${formatValue(change, "live")} → ${formatValue(change, "desired")}`,
  );
  return [header, ...lines].join("\n");
}

function formatValue(change: FieldChange, side: "live" | "desired"): string {
  const value = change[side];
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

export interface CompareOptions {
  ignoreDifferences?: readonly IgnoreDifference[];
  /**
   * The Application being compared. When given, only live objects whose tracking annotation
   * names it are prune candidates; by default any tracked live object in `liveByKey` is.
   */
  app?: AppRef;
}

/**
 * One diff per desired object (create, update or none) and one delete per prune candidate: a
 * live object Git no longer declares that carries a tracking annotation naming this very object,
 * so that copies of a tracked object are never mistaken for it. Maps are keyed by refKey; desired
 * objects are dry-run results. Hooks on either side are left out.
 */
export function compareApp(
  desiredByKey: ReadonlyMap<string, KubeObject>,
  liveByKey: ReadonlyMap<string, KubeObject>,
  options: CompareOptions = {},
): ObjectDiff[] {
  const rules = options.ignoreDifferences ?? [];
  const diffs: ObjectDiff[] = [];
  for (const [key, desired] of desiredByKey) {
    if (isHook(desired)) continue;
    const pair = prepareForDiff(liveByKey.get(key) ?? null, desired, rules);
    diffs.push(diffObjects(pair.live, pair.desired));
  }
  for (const [key, live] of liveByKey) {
    if (desiredByKey.has(key) || isHook(live) || !isPruneCandidate(live, options.app)) continue;
    const pair = prepareForDiff(live, null, rules);
    diffs.push(diffObjects(pair.live, null));
  }
  return diffs;
}

function isPruneCandidate(live: KubeObject, app: AppRef | undefined): boolean {
  const id = live.metadata.annotations?.[TRACKING_ANNOTATION];
  const parsed = id === undefined ? null : parseTrackingId(id);
  if (parsed === null || !sameRef(parsed.ref, refOf(live))) return false;
  return app === undefined || (parsed.app.namespace === app.namespace && parsed.app.name === app.name);
}

/** Index objects by refKey, the shape compareApp takes. */
export function byKey(objects: Iterable<KubeObject>): Map<string, KubeObject> {
  const map = new Map<string, KubeObject>();
  for (const obj of objects) map.set(refKey(refOf(obj)), obj);
  return map;
}
