// The functions a goTemplate may call: the few from Go's text/template and Sprig that
// ApplicationSets use in practice, with Sprig's argument order (the piped value comes last:
// `{{ .name | trunc 10 }}` is `trunc 10 .name`). Every function is pure and its output bounded.
import { isRecord, normalizeName } from "./params.ts";

/** A parameter the template asked for and no generator gave; only `default` accepts it. */
export class Missing {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

export class TemplateError extends Error {}

/** The longest text one template string may produce. */
export const MAX_OUTPUT = 256 * 1024;

type Fn = (...args: unknown[]) => unknown;

function str(value: unknown): string {
  return typeof value === "string" ? value : printValue(value);
}

function int(value: unknown, name: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n))
    throw new TemplateError(`${name} needs a whole number, got ${printValue(value)}`);
  return n;
}

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

/** How Go's templates print a value: maps as `map[k:v]`, lists as `[a b]`, nil as `<no value>`. */
export function printValue(value: unknown): string {
  if (value === null || value === undefined) return "<no value>";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(printValue).join(" ")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${printValue(value[k])}`).join(" ")}]`;
  }
  return String(value);
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === "object" && a !== null)
    throw new TemplateError("eq and ne compare strings, numbers and booleans only");
  return a === b;
}

function printf(format: unknown, ...args: unknown[]): string {
  let next = 0;
  return str(format).replace(/%([%svdq])/g, (_, verb: string) => {
    if (verb === "%") return "%";
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    if (verb === "q") return JSON.stringify(str(arg));
    if (verb === "d") return String(int(arg, "printf %d"));
    return printValue(arg);
  });
}

function index(collection: unknown, ...keys: unknown[]): unknown {
  let value = collection;
  for (const key of keys) {
    if (Array.isArray(value)) {
      const at = int(key, "index");
      if (at < 0 || at >= value.length)
        throw new TemplateError(`index ${at} is out of range (length ${value.length})`);
      value = value[at];
    } else if (isRecord(value)) {
      const name = str(key);
      if (!Object.hasOwn(value, name)) return new Missing(name);
      value = value[name];
    } else throw new TemplateError(`cannot index ${printValue(value)} with ${printValue(key)}`);
  }
  return value;
}

export const FUNCTIONS: Record<string, Fn> = {
  index: (collection, ...keys) => index(collection, ...keys),
  default: (fallback, value) => (value instanceof Missing || !truthy(value) ? fallback : value),
  empty: (value) => value instanceof Missing || !truthy(value),
  hasKey: (map, key) => isRecord(map) && Object.hasOwn(map, str(key)),
  upper: (s) => str(s).toUpperCase(),
  lower: (s) => str(s).toLowerCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => str(s).trim(),
  trimPrefix: (prefix, s) => (str(s).startsWith(str(prefix)) ? str(s).slice(str(prefix).length) : str(s)),
  trimSuffix: (suffix, s) =>
    str(s).endsWith(str(suffix)) && str(suffix) !== "" ? str(s).slice(0, -str(suffix).length) : str(s),
  trunc: (n, s) => {
    const length = int(n, "trunc");
    return length >= 0 ? str(s).slice(0, length) : str(s).slice(length);
  },
  replace: (from, to, s) => str(s).split(str(from)).join(str(to)),
  contains: (sub, s) => str(s).includes(str(sub)),
  hasPrefix: (prefix, s) => str(s).startsWith(str(prefix)),
  hasSuffix: (suffix, s) => str(s).endsWith(str(suffix)),
  join: (sep, list) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  quote: (...values) => values.map((v) => JSON.stringify(str(v))).join(" "),
  squote: (...values) => values.map((v) => `'${str(v)}'`).join(" "),
  toJson: (value) => JSON.stringify(value) ?? "null",
  toString: (value: unknown) => str(value),
  normalize: (s) => normalizeName(str(s)),
  len: (value) => {
    if (typeof value === "string" || Array.isArray(value)) return value.length;
    if (isRecord(value)) return Object.keys(value).length;
    throw new TemplateError(`len of ${printValue(value)}`);
  },
  eq: (a, ...others) => others.some((b) => equal(a, b)),
  ne: (a, b) => !equal(a, b),
  lt: (a, b) => (a as number) < (b as number),
  gt: (a, b) => (a as number) > (b as number),
  not: (value) => !truthy(value),
  and: (...values) => values.find((v) => !truthy(v)) ?? values.at(-1),
  or: (...values) => values.find((v) => truthy(v)) ?? values.at(-1),
  printf: (format, ...args) => printf(format, ...args),
};
