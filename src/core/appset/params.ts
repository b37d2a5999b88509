// Parameter sets: what one generator yields per Application. In Argo CD's default template form
// a set is a flat map of strings with dotted names (`metadata.labels.env`, `path[0]`); with
// goTemplate the same facts stay nested (`.metadata.labels.env`, `index .path.segments 0`). Each
// generator builds the nested shape; `flattenParams` gives the flat one.

import { isPlainObject as isRecord } from "../json.ts";

/** One set of parameters, nested (goTemplate) or flat with string values (`{{param}}` form). */
export type ParamSet = Record<string, unknown>;

/** Generation stops with a problem once this many parameter sets exist, anywhere in the tree. */
export const MAX_PARAM_SETS = 10_000;

/** A problem that stops generation; names the generator or template field and the parameter. */
export interface GenerationProblem {
  /** e.g. `spec.generators[0].matrix.generators[1].git` or `spec.template.metadata.name`. */
  field: string;
  message: string;
}

export { isPlainObject as isRecord } from "../json.ts";

/**
 * Nested values to Argo CD's flat form: objects join keys with dots, anything that is not a
 * string or an object becomes its JSON text (Argo CD's list generator does the same).
 */
export function flattenParams(params: ParamSet): Record<string, string> {
  const flat: Record<string, string> = {};
  const walk = (prefix: string, value: unknown): void => {
    if (typeof value === "string") flat[prefix] = value;
    else if (isRecord(value) && Object.keys(value).length > 0) {
      for (const [key, inner] of Object.entries(value)) walk(prefix === "" ? key : `${prefix}.${key}`, inner);
    } else flat[prefix] = JSON.stringify(value) ?? "";
  };
  for (const [key, value] of Object.entries(params)) walk(key, value);
  return flat;
}

/**
 * Argo CD's normalisation for names in parameters (`nameNormalized`, `basenameNormalized`):
 * lower case, every character outside [a-z0-9.-] becomes `-`.
 */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.-]/g, "-");
}

/** A short, stable text of a parameter set for messages (first few entries, values cut). */
export function describeParams(params: ParamSet): string {
  const entries = Object.entries(flattenParams(params)).slice(0, 6);
  const text = entries.map(([k, v]) => `${k}=${v.length > 40 ? `${v.slice(0, 40)}…` : v}`).join(", ");
  return `{${text}${Object.keys(flattenParams(params)).length > 6 ? ", …" : ""}}`;
}
