// Label selectors in Kubernetes syntax, as `kubectl get -l` takes them, so the API filters
// Applications and Stacks with the words people already know:
//   app=web, tier==front      equality (= and == mean the same)
//   env!=prod                 inequality (true when the label is absent too)
//   env in (dev,staging)      set membership
//   env notin (prod)          set exclusion (true when the label is absent too)
//   team, !legacy             the label exists / does not exist
// Requirements are separated by commas and all must hold. A malformed selector is an error that
// quotes the part that is wrong, never a selector that silently matches everything.

export const SELECTOR_OPERATORS = ["=", "!=", "in", "notin", "exists", "!exists"] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface Requirement {
  key: string;
  op: SelectorOperator;
  values: readonly string[];
}

export type LabelSelector = readonly Requirement[];

export type SelectorResult = { ok: true; selector: LabelSelector } | { ok: false; message: string };

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.`. */
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    if (depth < 0 || depth > 1) return undefined;
    if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(text.slice(start));
  return parts;
}

function requirement(part: string): Requirement | string {
  const text = part.trim();
  const bad = (why: string) => `label selector part "${text}" ${why}`;
  if (text === "") return bad("is empty: remove the extra comma");
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const [, key = "", op = "", list = ""] = set;
    const values = list.split(",").map((v) => v.trim());
    if (values.length === 0 || values.every((v) => v === "")) return bad("lists no values inside ( )");
    const wrong = values.find((v) => !VALUE.test(v));
    if (wrong !== undefined) return bad(`has "${wrong}", which is not a label value`);
    if (!KEY.test(key)) return bad(`has "${key}", which is not a label key`);
    return { key, op: op as "in" | "notin", values: [...new Set(values)].sort() };
  }
  const compare = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (compare) {
    const [, key = "", op = "", value = ""] = compare;
    if (!KEY.test(key)) return bad(`has "${key}", which is not a label key`);
    if (!VALUE.test(value)) return bad(`has "${value}", which is not a label value`);
    return { key, op: op === "!=" ? "!=" : "=", values: [value] };
  }
  const negated = text.startsWith("!");
  const key = (negated ? text.slice(1) : text).trim();
  if (KEY.test(key)) return { key, op: negated ? "!exists" : "exists", values: [] };
  return bad("is not key=value, key!=value, key in (a,b), key notin (a,b), key or !key");
}

/** Parses a selector; the empty selector matches everything. */
export function parseLabelSelector(text: string): SelectorResult {
  if (text.trim() === "") return { ok: true, selector: [] };
  const parts = splitTop(text);
  if (parts === undefined)
    return { ok: false, message: `label selector "${text}" has unbalanced parentheses` };
  const selector: Requirement[] = [];
  for (const part of parts) {
    const parsed = requirement(part);
    if (typeof parsed === "string") return { ok: false, message: parsed };
    selector.push(parsed);
  }
  return { ok: true, selector };
}

/** Whether labels satisfy every requirement of the selector. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const { key, op, values } of selector) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (op) {
      case "=":
        if (!has || value !== values[0]) return false;
        break;
      case "!=":
        if (has && value === values[0]) return false;
        break;
      case "in":
        if (!has || !values.includes(value ?? "")) return false;
        break;
      case "notin":
        if (has && values.includes(value ?? "")) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
    }
  }
  return true;
}
