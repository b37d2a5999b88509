// ignoreDifferences: fields an Application tells Mooring not to compare, because something other
// than Git legitimately owns them. The classic case is a HorizontalPodAutoscaler scaling a
// Deployment: Git says `replicas: 2`, the HPA sets 5, and without a rule the app would be
// OutOfSync forever (and self-heal would fight the autoscaler).
//
// A rule names fields in one of two ways:
// - `jsonPointers`: RFC 6901 pointers such as `/spec/replicas`.
// - `managedFieldsManagers`: every field that the named field managers own in the live object,
//   read from `metadata.managedFields`, where the API server records who set what.
//
// Ignored fields are removed from both sides, so a diff can neither see them change nor see
// them appear or vanish.
import type { IgnoreDifference } from "./application.ts";
import { arrayIndex, isPlainObject, type JsonMap, jsonEqual, type Path, removePaths } from "./json.ts";
import { clone, type KubeObject, type ManagedFieldsEntry, type ObjectRef } from "./objects.ts";

/**
 * Whether a rule applies to an object. An omitted group means the core group only (as in
 * Argo CD), so a rule for `kind: Deployment` needs `group: apps`. Group and kind may be `*`;
 * name and namespace, when given, must match exactly.
 */
export function matchesRule(rule: IgnoreDifference, ref: ObjectRef): boolean {
  const group = rule.group ?? "";
  return (
    (group === "*" || group === ref.group) &&
    (rule.kind === "*" || rule.kind === ref.kind) &&
    (rule.name === undefined || rule.name === "" || rule.name === ref.name) &&
    (rule.namespace === undefined || rule.namespace === "" || rule.namespace === ref.namespace)
  );
}

/**
 * The tokens of an RFC 6901 JSON pointer (`~1` is `/`, `~0` is `~`), or null when it is not one.
 * The empty pointer names the whole document and yields no tokens.
 */
export function parsePointer(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split("/")) {
    if (/~(?![01])/.test(raw)) return null;
    tokens.push(raw.replace(/~[01]/g, (seq) => (seq === "~1" ? "/" : "~")));
  }
  return tokens;
}

/**
 * A copy of `obj` without the fields the pointers name. Pointers to fields that do not exist,
 * malformed pointers and the whole-document pointer "" remove nothing.
 */
export function removePointers<T extends JsonMap>(obj: T, pointers: readonly string[]): T {
  const copy = clone(obj);
  removePaths(copy, pointersToPaths(pointers));
  return copy;
}

function pointersToPaths(pointers: readonly string[]): Path[] {
  return pointers.map(parsePointer).filter((p): p is string[] => p !== null && p.length > 0);
}

/**
 * The concrete paths of the fields that `managers` own in `obj`, read from its managedFields.
 * List items the server keys by merge key (`k:{"name":"web"}`), by value (`v:"x"`) or by
 * position (`i:0`) are resolved to their index in `obj`; fields `obj` does not have are left out.
 */
export function fieldsOwnedBy(obj: KubeObject, managers: readonly string[]): string[][] {
  return resolveOwnedFields(obj.metadata.managedFields ?? [], managers, obj);
}

/**
 * Like fieldsOwnedBy, with the ownership records taken from `managedFields` (the live object's)
 * and the paths resolved in `target`, which may be the other side of a comparison: the same
 * container can sit at a different index there.
 */
export function resolveOwnedFields(
  managedFields: readonly ManagedFieldsEntry[],
  managers: readonly string[],
  target: JsonMap,
): string[][] {
  const paths: string[][] = [];
  for (const entry of managedFields) {
    if (entry.manager === undefined || !managers.includes(entry.manager)) continue;
    if (entry.fieldsType !== undefined && entry.fieldsType !== "FieldsV1") continue;
    if (entry.fieldsV1) collectFields(entry.fieldsV1, target, [], paths);
  }
  return paths;
}

// FieldsV1 is a tree whose keys say how to step into the object: `f:<name>` a map field,
// `k:<json>` the list item whose merge-key fields equal the JSON object, `v:<json>` the set
// item equal to the JSON value, `i:<n>` the item at a position, and `.` the field itself.
//
// A `.` on a list item means the manager added that item, so the whole item is the manager's.
// A `.` on a map field only means the manager created the map: other managers may own keys
// inside it (kube-controller-manager creates `metadata.annotations` when it adds its revision
// annotation), so there only the keys the manager lists count as its own.
function collectFields(node: JsonMap, target: unknown, path: string[], out: string[][]): void {
  for (const [key, children] of Object.entries(node)) {
    if (key === "." || !isPlainObject(children)) continue;
    const step = resolveStep(key, target);
    if (step === undefined) continue;
    const childPath = [...path, step.token];
    const childKeys = Object.keys(children);
    const ownsItself = childKeys.includes(".");
    const whole = childKeys.length === 0 || (ownsItself && (step.listItem || childKeys.length === 1));
    if (whole) out.push(childPath);
    else collectFields(children, step.value, childPath, out);
  }
}

interface Step {
  token: string;
  value: unknown;
  listItem: boolean;
}

function resolveStep(key: string, target: unknown): Step | undefined {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  if (kind === "f:") {
    if (!isPlainObject(target) || !Object.hasOwn(target, rest)) return undefined;
    return { token: rest, value: target[rest], listItem: false };
  }
  if (!Array.isArray(target)) return undefined;
  let index: number | undefined;
  if (kind === "i:") index = arrayIndex(rest, target);
  else if (kind === "k:" || kind === "v:") {
    const wanted = parseJson(rest);
    if (wanted === undefined) return undefined;
    const found =
      kind === "v:"
        ? target.findIndex((item) => jsonEqual(item, wanted))
        : target.findIndex((item) => isPlainObject(wanted) && hasFields(item, wanted));
    index = found < 0 ? undefined : found;
  }
  return index === undefined ? undefined : { token: String(index), value: target[index], listItem: true };
}

function hasFields(item: unknown, fields: JsonMap): boolean {
  return isPlainObject(item) && Object.entries(fields).every(([k, v]) => jsonEqual(item[k], v));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface IgnoredPair {
  live: KubeObject | null;
  desired: KubeObject | null;
}

/**
 * Copies of both sides without the fields that the rules matching `ref` ignore. Fields owned by
 * `managedFieldsManagers` are looked up in `liveManagedFields` — by default the live object's
 * own, which a caller that has already normalised it away must pass in — and removed from both.
 */
export function applyIgnoreDifferences(
  live: KubeObject | null,
  desired: KubeObject | null,
  rules: readonly IgnoreDifference[],
  ref: ObjectRef,
  liveManagedFields: readonly ManagedFieldsEntry[] = live?.metadata.managedFields ?? [],
): IgnoredPair {
  const matching = rules.filter((rule) => matchesRule(rule, ref));
  const pointers = pointersToPaths(matching.flatMap((rule) => rule.jsonPointers ?? []));
  const managers = matching.flatMap((rule) => rule.managedFieldsManagers ?? []);
  const strip = (obj: KubeObject | null): KubeObject | null => {
    if (obj === null) return null;
    const copy = clone(obj);
    const owned = managers.length > 0 ? resolveOwnedFields(liveManagedFields, managers, obj) : [];
    removePaths(copy, [...pointers, ...owned]);
    return copy;
  };
  return { live: strip(live), desired: strip(desired) };
}
