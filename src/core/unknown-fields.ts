// Unknown fields and `Validate=false`. Server-side apply refuses an object with a field its
// schema does not declare ("failed to create typed patch object ...: .spec.foo: field not declared
// in schema"), whatever fieldValidation says. `kubectl apply --validate=false`, which Argo CD runs
// for Validate=false, sends the object in a way that makes the server silently drop such fields.
// Mooring does the same in two steps: it reads the paths the server named, takes them out of the
// object, and applies what is left. The dropped fields never reach the cluster, so they never show
// as a difference either (the compare's dry run drops them the same way).
import type { KubeObject } from "./objects.ts";

/** One step of a field path as the API server prints it: `.name`, `[3]` or `[key="v",k2=1]`. */
export type PathStep =
  | { field: string }
  | { index: number }
  | { keys: Record<string, unknown> }
  | { value: unknown };

const NOT_DECLARED = ": field not declared in schema";

/** The paths a server-side apply error names as not declared in the schema (empty: none). */
export function unknownFieldPaths(message: string): PathStep[][] {
  const paths: PathStep[][] = [];
  let at = message.indexOf(NOT_DECLARED);
  while (at >= 0) {
    const start = pathStart(message, at);
    const parsed = start === null ? null : parsePath(message.slice(start, at));
    if (parsed) paths.push(parsed);
    at = message.indexOf(NOT_DECLARED, at + NOT_DECLARED.length);
  }
  return paths;
}

/** Where the path that ends at `end` starts: after the whitespace that precedes it, outside brackets. */
function pathStart(message: string, end: number): number | null {
  let depth = 0;
  let inString = false;
  for (let i = end - 1; i >= 0; i--) {
    const c = message[i];
    if (inString) {
      if (c === '"' && message[i - 1] !== "\\") inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "]") depth++;
    else if (c === "[") depth--;
    else if (depth === 0 && (c === " " || c === "\n" || c === "\t")) return i + 1;
  }
  return 0;
}

export function parsePath(text: string): PathStep[] | null {
  const steps: PathStep[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ".") {
      const m = /^\.([^.[\s]+)/.exec(text.slice(i));
      if (!m?.[1]) return null;
      steps.push({ field: m[1] });
      i += m[0].length;
    } else if (text[i] === "[") {
      const close = closingBracket(text, i);
      if (close < 0) return null;
      const step = parseSelector(text.slice(i + 1, close));
      if (!step) return null;
      steps.push(step);
      i = close + 1;
    } else return null;
  }
  return steps.length > 0 ? steps : null;
}

function closingBracket(text: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "]") return i;
  }
  return -1;
}

function parseSelector(inner: string): PathStep | null {
  if (/^\d+$/.test(inner)) return { index: Number(inner) };
  try {
    if (inner.startsWith("=")) return { value: JSON.parse(inner.slice(1)) };
    // key="v",k2=1 is a JSON object once its keys are quoted.
    const json = `{${inner.replace(/(^|,)([A-Za-z0-9_$-]+)=/g, '$1"$2":')}}`;
    return { keys: JSON.parse(json) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/** A copy of the object without the fields at these paths; paths that lead nowhere are ignored. */
export function withoutFields(obj: KubeObject, paths: readonly PathStep[][]): KubeObject {
  const copy = structuredClone(obj);
  for (const path of paths) remove(copy, path);
  return copy;
}

function remove(root: unknown, path: readonly PathStep[]): void {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const step = path[i] as PathStep;
    const last = i === path.length - 1;
    if ("field" in step) {
      if (!isObject(node)) return;
      if (last) {
        delete node[step.field];
        return;
      }
      node = node[step.field];
      continue;
    }
    if (!Array.isArray(node)) return;
    const at = node.findIndex((item, n) => matches(item, n, step));
    if (at < 0) return;
    if (last) {
      node.splice(at, 1);
      return;
    }
    node = node[at];
  }
}

function matches(item: unknown, index: number, step: PathStep): boolean {
  if ("index" in step) return index === step.index;
  if ("value" in step) return JSON.stringify(item) === JSON.stringify(step.value);
  if ("keys" in step) {
    return (
      isObject(item) &&
      Object.entries(step.keys).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v))
    );
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
