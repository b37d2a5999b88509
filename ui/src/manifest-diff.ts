// Live against desired, side by side, the way a person reads a manifest: both objects printed as
// YAML with one key order, then a line diff of the two texts.
//
// Noise first. The server already drops what the cluster writes for its own bookkeeping
// (managedFields, resourceVersion, uid...) and masks Secret values. Two kinds of noise remain for
// a display: `status` (the cluster's report, not a difference Git can fix; the Live tab still
// shows it), and fields Git never sets that the API server fills in with defaults (a
// Deployment's strategy, a container's terminationMessagePath...). By default the live side is
// therefore cut down to the fields the desired object sets - what the sync would change - and a
// field added by hand to a list or set where Git has none still shows, because it is there.
//
// Secrets: values arrive masked as `++++++++ (n)`, numbered so that equal values compare equal
// within one comparison. A Secret written in Git with `stringData` is stored in `data`; the two
// fields are masked with different numbers, so when the desired side's stringData is folded into
// data, the server's field diff decides whether a value changed.
//
// The line diff is a longest-common-subsequence over lines after trimming the common head and
// tail, bounded in work: past MAX_CELLS the middle is shown as replaced, line against line.
import type { FieldChange } from "./tree-api.ts";

export const SECRET_MASK = "++++++++";

/** Work bound of the line diff: rows x columns of the LCS table (a few MB at most). */
export const MAX_CELLS = 4_000_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// ---- YAML, with a stable key order ----

const TOP_FIRST = ["apiVersion", "kind", "metadata", "spec"];
const METADATA_FIRST = ["name", "generateName", "namespace", "labels", "annotations"];

/** Keys in display order: the usual head of a manifest first, `status` last, the rest sorted. */
function orderedKeys(obj: JsonObject, where: "top" | "metadata" | "item" | "other"): string[] {
  const keys = Object.keys(obj).sort();
  const first =
    where === "top" ? TOP_FIRST : where === "metadata" ? METADATA_FIRST : where === "item" ? ["name"] : [];
  const head = first.filter((k) => k in obj);
  const tail = where === "top" && "status" in obj ? ["status"] : [];
  return [...head, ...keys.filter((k) => !head.includes(k) && !tail.includes(k)), ...tail];
}

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?\.(?:inf|nan))$/i;
const NUMBER_LIKE = /^[-+]?(?:\d|\.\d)|^0x/i;
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** A string as a YAML scalar on one line: plain when that reads back as the same string. */
function scalarText(value: string): string {
  const plain =
    value !== "" &&
    value.trim() === value &&
    !INDICATOR.test(value) &&
    !RESERVED.test(value) &&
    !NUMBER_LIKE.test(value) &&
    !value.includes(": ") &&
    !value.includes(" #") &&
    !value.endsWith(":") &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters force quoting
    !/[\u0000-\u001f\u007f]/.test(value);
  return plain ? value : JSON.stringify(value);
}

/** A scalar's text: its first line and, for a multi-line string, the block's lines at `pad`. */
function scalarLines(value: Json, pad: string): string[] {
  if (value === null) return ["null"];
  if (typeof value === "string") {
    const lines = value.split("\n");
    // A block scalar keeps long texts (config files, scripts) readable line by line; one
    // starting with a space would need an indentation indicator, so it stays quoted.
    if (lines.length > 1 && !/^[ \t]/.test(value)) {
      const keep = value.endsWith("\n") ? "" : "-";
      if (keep === "") lines.pop();
      return [`|${keep}`, ...lines.map((line) => (line === "" ? "" : `${pad}${line}`))];
    }
    return [scalarText(value)];
  }
  if (Array.isArray(value)) return ["[]"];
  if (isObject(value)) return ["{}"];
  return [String(value)];
}

const isBlock = (value: Json): boolean =>
  (Array.isArray(value) && value.length > 0) || (isObject(value) && Object.keys(value).length > 0);

function emit(value: Json, pad: string, where: "top" | "metadata" | "item" | "other", out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlock(item)) {
        const inner: string[] = [];
        emit(item, `${pad}  `, "item", inner);
        inner[0] = `${pad}- ${(inner[0] ?? "").slice(pad.length + 2)}`;
        out.push(...inner);
      } else {
        const [head, ...rest] = scalarLines(item, `${pad}  `);
        out.push(`${pad}- ${head}`, ...rest);
      }
    }
    return;
  }
  if (!isObject(value)) return;
  for (const key of orderedKeys(value, where)) {
    const child = value[key] as Json;
    const name = scalarText(key);
    if (isBlock(child)) {
      out.push(`${pad}${name}:`);
      emit(child, `${pad}  `, where === "top" && key === "metadata" ? "metadata" : "other", out);
    } else {
      const [head, ...rest] = scalarLines(child, `${pad}  `);
      out.push(`${pad}${name}: ${head}`, ...rest);
    }
  }
}

/** An object as YAML text, keys in a stable order (kubectl's: sorted, with the usual head first). */
export function toYaml(value: unknown): string {
  if (value === undefined) return "";
  const json = value as Json;
  if (!isBlock(json)) return `${scalarLines(json, "").join("\n")}\n`;
  const out: string[] = [];
  emit(json, "", "top", out);
  return `${out.join("\n")}\n`;
}

// ---- what the diff compares ----

const METADATA_NOISE = ["managedFields", "resourceVersion", "uid", "generation", "creationTimestamp"];
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** A copy without `status` and without the bookkeeping the server should already have dropped. */
export function withoutNoise(obj: Record<string, unknown>): JsonObject {
  const copy = structuredClone(obj) as JsonObject;
  delete copy.status;
  const metadata = copy.metadata;
  if (isObject(metadata)) {
    for (const key of METADATA_NOISE) delete metadata[key];
    const annotations = metadata.annotations;
    if (isObject(annotations)) {
      delete annotations[LAST_APPLIED];
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
    }
  }
  return copy;
}

const named = (item: Json): item is JsonObject => isObject(item) && typeof item.name === "string";

/**
 * The live object cut down to the fields the desired one sets: what a sync would compare.
 * Lists of named items (containers, env, ports) are matched by name, other lists by position;
 * an item live has and desired lacks stays whole - it is a real difference.
 */
export function projectOnto(live: unknown, desired: unknown): unknown {
  return project(live as Json, desired as Json);
}

function project(live: Json, desired: Json): Json {
  if (isObject(live) && isObject(desired)) {
    const out: JsonObject = {};
    for (const key of Object.keys(desired)) {
      if (key in live) out[key] = project(live[key] as Json, desired[key] as Json);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(desired)) {
    if (live.length > 0 && live.every(named) && desired.every(named)) {
      return live.map((item) => {
        const match = (desired as JsonObject[]).find((d) => d.name === (item as JsonObject).name);
        return match ? project(item, match) : item;
      });
    }
    return live.map((item, i) => (i < desired.length ? project(item, desired[i] as Json) : item));
  }
  return live;
}

const isMasked = (value: unknown) => typeof value === "string" && value.startsWith(SECRET_MASK);

/**
 * A Secret with every data/stringData value masked. The server masks them already; the page does
 * it again so that no mistake anywhere puts a value in the browser's DOM.
 */
export function maskSecretValues<T extends Record<string, unknown>>(obj: T): T {
  if (obj.kind !== "Secret" || (typeof obj.apiVersion === "string" && obj.apiVersion.includes("/")))
    return obj;
  const copy = structuredClone(obj) as Record<string, unknown>;
  for (const field of ["data", "stringData"]) {
    const values = copy[field];
    if (values === undefined) continue;
    if (!isObject(values)) {
      copy[field] = SECRET_MASK;
      continue;
    }
    for (const [key, value] of Object.entries(values)) if (!isMasked(value)) values[key] = SECRET_MASK;
  }
  return copy as T;
}

/** Whether the server's field diff names a change to the Secret key `key`. */
function secretKeyChanged(changes: readonly FieldChange[], key: string): boolean {
  return changes.some((c) => /(?:^|[./[])(?:data|stringData)\b/.test(c.path) && c.path.includes(key));
}

/**
 * A Secret from Git written with `stringData` is stored by the API server under `data`: fold the
 * desired side's stringData into data (when live has none), and where the server's field diff
 * reports no change to a key, show the same mask on both sides.
 */
function foldStringData(live: JsonObject, desired: JsonObject, changes: readonly FieldChange[]): JsonObject {
  const stringData = desired.stringData;
  if (desired.kind !== "Secret" || !isObject(stringData) || "stringData" in live) return desired;
  const liveData = isObject(live.data) ? live.data : {};
  const data: JsonObject = { ...(isObject(desired.data) ? desired.data : {}) };
  for (const [key, value] of Object.entries(stringData)) {
    const liveValue = liveData[key];
    data[key] =
      liveValue !== undefined && isMasked(liveValue) && isMasked(value) && !secretKeyChanged(changes, key)
        ? liveValue
        : value;
  }
  const out: JsonObject = { ...desired, data };
  delete out.stringData;
  return out;
}

// ---- the line diff ----

export type DiffRow =
  | { type: "same"; left: Line; right: Line }
  | { type: "changed"; left: Line; right: Line }
  | { type: "removed"; left: Line }
  | { type: "added"; right: Line };

export interface Line {
  /** 1-based line number in its own text. */
  n: number;
  text: string;
}

/** Rows pairing the two texts' lines; a run of removals next to a run of additions is paired up. */
export function diffLines(left: readonly string[], right: readonly string[]): DiffRow[] {
  let head = 0;
  while (head < left.length && head < right.length && left[head] === right[head]) head++;
  let tail = 0;
  while (
    tail < left.length - head &&
    tail < right.length - head &&
    left[left.length - 1 - tail] === right[right.length - 1 - tail]
  )
    tail++;
  const a = left.slice(head, left.length - tail);
  const b = right.slice(head, right.length - tail);

  // Edit script of the middle: "=" kept, "-" only left, "+" only right.
  const ops: ("=" | "-" | "+")[] = [];
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    for (let i = 0; i < a.length; i++) ops.push("-");
    for (let j = 0; j < b.length; j++) ops.push("+");
  } else {
    const width = b.length + 1;
    // lcs[i*width+j]: length of the LCS of a[i..] and b[j..]; min(n, m) <= 2000 here, so 16 bits
    // would do, but 32 keep it simple at a few MB.
    const lcs = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        lcs[i * width + j] =
          a[i] === b[j]
            ? (lcs[(i + 1) * width + j + 1] as number) + 1
            : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        ops.push("=");
        i++;
        j++;
      } else if ((lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number)) {
        ops.push("-");
        i++;
      } else {
        ops.push("+");
        j++;
      }
    }
    for (; i < a.length; i++) ops.push("-");
    for (; j < b.length; j++) ops.push("+");
  }

  const rows: DiffRow[] = [];
  let l = 0;
  let r = 0;
  const line = (texts: readonly string[], index: number): Line => ({
    n: index + 1,
    text: texts[index] ?? "",
  });
  for (let k = 0; k < head; k++, l++, r++)
    rows.push({ type: "same", left: line(left, l), right: line(right, r) });
  for (let k = 0; k < ops.length; ) {
    if (ops[k] === "=") {
      rows.push({ type: "same", left: line(left, l++), right: line(right, r++) });
      k++;
      continue;
    }
    let removed = 0;
    let added = 0;
    while (k < ops.length && ops[k] !== "=") {
      if (ops[k] === "-") removed++;
      else added++;
      k++;
    }
    const paired = Math.min(removed, added);
    for (let p = 0; p < paired; p++)
      rows.push({ type: "changed", left: line(left, l++), right: line(right, r++) });
    for (let p = paired; p < removed; p++) rows.push({ type: "removed", left: line(left, l++) });
    for (let p = paired; p < added; p++) rows.push({ type: "added", right: line(right, r++) });
  }
  for (let k = 0; k < tail; k++, l++, r++)
    rows.push({ type: "same", left: line(left, l), right: line(right, r) });
  return rows;
}

export type ShownRow = DiffRow | { type: "fold"; count: number; from: number };

/**
 * Runs of unchanged rows longer than 2*context+1 folded to their edges, so changes stand out.
 * With no change at all nothing is folded: the reader came to see the object.
 */
export function foldUnchanged(rows: readonly DiffRow[], context = 3): ShownRow[] {
  if (rows.every((row) => row.type === "same")) return [...rows];
  const out: ShownRow[] = [];
  let k = 0;
  while (k < rows.length) {
    if (rows[k]?.type !== "same") {
      out.push(rows[k] as DiffRow);
      k++;
      continue;
    }
    let end = k;
    while (end < rows.length && rows[end]?.type === "same") end++;
    const keepHead = k === 0 ? 0 : context;
    const keepTail = end === rows.length ? 0 : context;
    if (end - k > keepHead + keepTail + 1) {
      out.push(...rows.slice(k, k + keepHead));
      out.push({ type: "fold", count: end - k - keepHead - keepTail, from: k + keepHead });
      out.push(...rows.slice(end - keepTail, end));
    } else out.push(...rows.slice(k, end));
    k = end;
  }
  return out;
}

export interface ManifestDiff {
  rows: DiffRow[];
  /** Rows that are not the same on both sides. */
  differing: number;
}

/**
 * The side-by-side diff of an object: live on the left, desired on the right, `status` hidden.
 * `allFields` keeps every live field, defaults the API server filled in included.
 */
export function manifestDiff(
  live: Record<string, unknown> | undefined,
  desired: Record<string, unknown> | undefined,
  changes: readonly FieldChange[] = [],
  options: { allFields?: boolean } = {},
): ManifestDiff {
  let left: Json | undefined = live === undefined ? undefined : withoutNoise(live);
  let right: Json | undefined = desired === undefined ? undefined : withoutNoise(desired);
  if (isObject(left) && isObject(right)) {
    right = foldStringData(left, right, changes);
    if (!options.allFields) left = project(left, right);
  }
  const text = (value: Json | undefined) =>
    value === undefined ? [] : toYaml(value).split("\n").slice(0, -1);
  const rows = diffLines(text(left), text(right));
  return { rows, differing: rows.filter((row) => row.type !== "same").length };
}
