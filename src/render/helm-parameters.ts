// Helm parameters (`spec.source.helm.parameters`, Argo CD's field) as a values file. Argo CD
// passes each one as `--set name=value`, but a command line is readable by every user of the
// machine (ps, /proc/<pid>/cmdline), and parameters often carry secrets. So Mooring builds the
// values that helm's `--set` parser (helm's pkg/strvals) would build, writes them to a file in
// the render's private scratch folder and passes that file last, where `--set` would have been:
// helm merges values files and `--set` values the same way (maps merged, lists replaced).
//
// What `--set` means, and therefore what this reproduces:
//   name    dotted path with list indexes: `a.b[0].c`, `a[0][1]`; `\.` is a literal dot
//   value   `true`/`false` (any case) become booleans, `null` removes the key, whole numbers
//           without a leading zero become integers, anything else stays a string; a backslash
//           takes the next character literally; `{x,y}` is a list of such values
//   forceString (`--set-string`) keeps every value a string
// Later parameters override earlier ones; setting `a.b` then `a.c` fills one map.
import type { HelmParameter } from "../core/application.ts";
import { RenderError } from "./errors.ts";

type PathStep = { key: string } | { index: number };

/** Helm refuses list indexes above this, so that `a[999999999]` cannot exhaust memory. */
const MAX_INDEX = 65_536;

/** An integer written exactly as given, so 64-bit values keep every digit in the file. */
class IntegerText {
  readonly digits: string;
  constructor(digits: string) {
    this.digits = digits;
  }
}

/** The values the parameters set, in order. */
export function parametersToValues(parameters: readonly HelmParameter[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const parameter of parameters) {
    const path = parsePath(parameter.name);
    const value = parseValue(parameter.value, parameter.forceString === true);
    assign(root, path, value, parameter.name);
  }
  return root;
}

/** The values as JSON text (which helm reads as YAML), integers written digit for digit. */
export function valuesFileText(values: Record<string, unknown>): string {
  return `${serialize(values)}\n`;
}

function serialize(value: unknown): string {
  if (value instanceof IntegerText) return value.digits;
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function invalid(name: string, problem: string): RenderError {
  return new RenderError(
    "invalid-source",
    `helm parameter "${name}": ${problem}; write names as helm's --set does, e.g. a.b[0].c`,
  );
}

/** `a.b[0].c` → key a, key b, index 0, key c. */
export function parsePath(name: string): PathStep[] {
  const steps: PathStep[] = [];
  let key = "";
  let i = 0;
  let afterIndex = false;
  const endKey = () => {
    if (key === "" && !afterIndex) throw invalid(name, "a name part is empty");
    if (key !== "") steps.push({ key });
    key = "";
  };
  while (i < name.length) {
    const ch = name[i] as string;
    if (ch === "\\") {
      if (i + 1 >= name.length) throw invalid(name, "it ends with a backslash");
      key += name[i + 1];
      i += 2;
      afterIndex = false;
      continue;
    }
    if (ch === ".") {
      endKey();
      afterIndex = false;
      i++;
      continue;
    }
    if (ch === "[") {
      if (key === "" && steps.length === 0) throw invalid(name, "a list index needs a name before it");
      if (key !== "") steps.push({ key });
      key = "";
      const close = name.indexOf("]", i);
      if (close < 0) throw invalid(name, 'a "[" is not closed');
      const text = name.slice(i + 1, close);
      if (!/^\d+$/.test(text)) throw invalid(name, `list index "${text}" is not a whole number`);
      const index = Number(text);
      if (index > MAX_INDEX) throw invalid(name, `list index ${index} is above ${MAX_INDEX}`);
      steps.push({ index });
      i = close + 1;
      afterIndex = true;
      if (i < name.length && name[i] !== "." && name[i] !== "[")
        throw invalid(name, 'a list index must be followed by ".", "[" or the end');
      continue;
    }
    if (ch === "," || ch === "=") throw invalid(name, `"${ch}" cannot appear in a name unless escaped`);
    key += ch;
    afterIndex = false;
    i++;
  }
  if (key !== "" || !afterIndex) endKey();
  if (steps.length === 0) throw invalid(name, "the name is empty");
  return steps;
}

function parseValue(text: string, forceString: boolean): unknown {
  if (text.startsWith("{") && text.endsWith("}")) {
    const inner = text.slice(1, -1);
    if (inner === "") return [];
    return splitUnescaped(inner).map((item) => typed(dropEscapes(item), forceString));
  }
  return typed(dropEscapes(text), forceString);
}

function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === ",") {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function dropEscapes(text: string): string {
  return text.replace(/\\(.)/gs, "$1");
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** helm's typedVal: what a `--set` value becomes. */
function typed(text: string, forceString: boolean): unknown {
  if (forceString) return text;
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (text === "0") return new IntegerText("0");
  if (text !== "" && text[0] !== "0" && /^[+-]?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT64_MIN && n <= INT64_MAX) return new IntegerText(n.toString());
  }
  return text;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof IntegerText)
  );
}

function assign(root: Record<string, unknown>, path: PathStep[], value: unknown, name: string): void {
  let container: Record<string, unknown> | unknown[] = root;
  path.forEach((step, position) => {
    const last = position === path.length - 1;
    const next = path[position + 1];
    const fresh = () => (next !== undefined && "index" in next ? [] : {});
    if ("key" in step) {
      if (Array.isArray(container)) throw invalid(name, "a name part follows a list without an index");
      if (last) {
        container[step.key] = value;
        return;
      }
      const existing = container[step.key];
      const wantList = next !== undefined && "index" in next;
      const reuse = wantList ? Array.isArray(existing) : isMap(existing);
      if (!reuse) container[step.key] = fresh();
      container = container[step.key] as Record<string, unknown> | unknown[];
      return;
    }
    if (!Array.isArray(container)) throw invalid(name, "a list index follows something that is not a list");
    while (container.length <= step.index) container.push(null);
    if (last) {
      container[step.index] = value;
      return;
    }
    const existing = container[step.index];
    const wantList = next !== undefined && "index" in next;
    const reuse = wantList ? Array.isArray(existing) : isMap(existing);
    if (!reuse) container[step.index] = fresh();
    container = container[step.index] as Record<string, unknown> | unknown[];
  });
}
