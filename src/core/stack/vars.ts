// Input variables. A Stack's variables come from three places, merged in this order, each
// later one winning for the same name: the `varsFrom` ConfigMaps and Secrets in list order,
// then the inline `vars`. The result is written as `terraform.tfvars.json` and passed with
// `-var-file`, which beats the module's own terraform.tfvars and *.auto.tfvars files.
//
// Inline vars are JSON, so any HCL type (string, number, bool, list, map, object) passes as is.
// A ConfigMap or Secret holds strings: with `format: string` (the default) they are passed as
// strings, which tofu converts for number and bool variables; with `format: json` each value
// is parsed as JSON, for lists, maps and objects.
//
// A value that came from a Secret is sensitive: its name is listed so renderers mask it, and
// its strings are handed to the log scrubber, whether or not the module declares the variable
// `sensitive`. Names must be valid OpenTofu identifiers; a key imported from a whole object
// (no varsKeys) that is not one is skipped rather than failing the run.
import { isPlainObject } from "../json.ts";
import { type ResolvedStackSpec, VARIABLE_NAME, type VarsSourceKind } from "./spec.ts";

/** Decoded data of a ConfigMap or Secret (Secret values base64-decoded), or undefined when it does not exist. */
export type LookupData = (kind: VarsSourceKind, name: string) => Readonly<Record<string, string>> | undefined;

export type VarSource = "spec.vars" | `${VarsSourceKind}/${string}`;

export interface ResolvedVars {
  /** The terraform.tfvars.json object. */
  values: Record<string, unknown>;
  /** Where each value came from: "spec.vars", "ConfigMap/<name>" or "Secret/<name>". */
  sources: Record<string, VarSource>;
  /** Variables whose value came from a Secret, sorted: mask these wherever values are shown. */
  sensitive: string[];
  /** Variables imported from a whole ConfigMap/Secret (no varsKeys); a module need not declare them. */
  wholesale: string[];
  /** Strings inside sensitive values, for the log scrubber. Never log this list. */
  secretValues: string[];
  /** Keys left out, with the reason (names only, never values). */
  skipped: string[];
  /** Why the variables cannot be built; empty when they can. */
  problems: string[];
}

export function resolveVars(
  spec: Pick<ResolvedStackSpec, "vars" | "varsFrom">,
  lookup: LookupData,
): ResolvedVars {
  const values: Record<string, unknown> = {};
  const sources: Record<string, VarSource> = {};
  const wholesale = new Set<string>();
  const skipped: string[] = [];
  const problems: string[] = [];
  /** The text each Secret-sourced value was read from (for format json it differs from the value). */
  const secretTexts = new Map<string, string>();
  spec.varsFrom.forEach((from, i) => {
    const where = `varsFrom[${i}] (${from.kind} ${from.name})`;
    const data = lookup(from.kind, from.name);
    if (!data) {
      if (!from.optional) problems.push(`${where}: not found`);
      return;
    }
    const keys = from.varsKeys ?? Object.keys(data).sort();
    for (const key of keys) {
      if (!VARIABLE_NAME.test(key)) {
        if (from.varsKeys) problems.push(`${where}: "${key}" is not a valid variable name`);
        else skipped.push(`${where}: key "${key}" is not a valid variable name`);
        continue;
      }
      const text = data[key];
      if (text === undefined) {
        if (!from.optional) problems.push(`${where}: has no key "${key}"`);
        continue;
      }
      let value: unknown = text;
      if (from.format === "json") {
        try {
          value = JSON.parse(text);
        } catch {
          // The message would quote the value; say where it is instead.
          problems.push(`${where}: key "${key}" is not valid JSON (format: json)`);
          continue;
        }
      }
      values[key] = value;
      sources[key] = `${from.kind}/${from.name}`;
      if (from.kind === "Secret") secretTexts.set(key, text);
      else secretTexts.delete(key);
      if (from.varsKeys) wholesale.delete(key);
      else wholesale.add(key);
    }
  });
  for (const [name, value] of Object.entries(spec.vars)) {
    if (!VARIABLE_NAME.test(name)) {
      problems.push(`spec.vars: "${name}" is not a valid variable name`);
      continue;
    }
    values[name] = value;
    sources[name] = "spec.vars";
    secretTexts.delete(name);
    wholesale.delete(name);
  }
  const sensitive = Object.keys(sources)
    .filter((name) => sources[name]?.startsWith("Secret/"))
    .sort();
  const secretValues = new Set<string>();
  for (const name of sensitive) collectStrings(values[name], secretValues);
  for (const text of secretTexts.values()) secretValues.add(text);
  return {
    values,
    sources,
    sensitive,
    wholesale: [...wholesale].sort(),
    secretValues: [...secretValues],
    skipped,
    problems,
  };
}

/** The text of terraform.tfvars.json for the resolved values. Holds secrets: write it, never log it. */
export function tfvarsJson(values: Record<string, unknown>): string {
  return `${JSON.stringify(values, null, 2)}\n`;
}

/**
 * Variables set but not declared by the module (tofu only warns about these). Values set by
 * name — spec.vars or varsKeys — are errors: a typo would otherwise silently do nothing. Keys
 * imported from a whole ConfigMap/Secret are ignored: such objects are often shared.
 */
export function undeclaredVariables(
  resolved: Pick<ResolvedVars, "values" | "wholesale" | "sources">,
  declared: readonly string[],
): { errors: string[]; ignored: string[] } {
  const known = new Set(declared);
  const wholesale = new Set(resolved.wholesale);
  const errors: string[] = [];
  const ignored: string[] = [];
  for (const name of Object.keys(resolved.values).sort()) {
    if (known.has(name)) continue;
    if (wholesale.has(name)) ignored.push(name);
    else errors.push(`variable "${name}" (from ${resolved.sources[name]}) is not declared by the module`);
  }
  return { errors, ignored };
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === "string") into.add(value);
  else if (typeof value === "number" || typeof value === "boolean") into.add(String(value));
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (isPlainObject(value)) for (const item of Object.values(value)) collectStrings(item, into);
}
