// CEL (Common Expression Language), the expression language Kubernetes itself uses for
// validation rules and admission policies, evaluated over one variable, `object`: the live
// object as the API server returned it.
//
// Numbers need care. JSON has one number type, but CEL has int and double and does not mix them
// in arithmetic (`object.spec.replicas + 1` fails when replicas is a double). Kubernetes counts,
// generations and ports are all int64, and Kubernetes' own CEL sees them as int, so every
// integral JSON number is handed to CEL as an int; fractional numbers stay double. Comparisons
// across the two types work either way.
//
// A field that is absent is an error in CEL, not null: `object.status.replicas > 0` fails on an
// object without status. Guard with `has(object.status) && ...` or the optional form
// `object.?status.?replicas.orValue(0) > 0`.
import { Environment } from "@marcbachmann/cel-js";

export type Compiled =
  | { ok: true; source: string; resultType: string; run: (input: Record<string, unknown>) => unknown }
  | { ok: false; source: string; error: string };

let environment: Environment | undefined;

function celEnvironment(): Environment {
  environment ??= new Environment({ enableOptionalTypes: true }).registerVariable("object", "map");
  return environment;
}

/** Compiled expressions by source text; health checks are few and reused on every assessment. */
const cache = new Map<string, Compiled>();

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? text).trim();
}

/**
 * Parse and type-check an expression once; later calls with the same source return the same
 * result, failures included.
 */
export function compileExpression(source: string): Compiled {
  const cached = cache.get(source);
  if (cached) return cached;
  let compiled: Compiled;
  try {
    const program = celEnvironment().parse(source);
    const checked = program.check();
    compiled = checked.valid
      ? { ok: true, source, resultType: checked.type ?? "dyn", run: (input) => program(input) }
      : { ok: false, source, error: firstLine(checked.error ?? "invalid expression") };
  } catch (error) {
    compiled = { ok: false, source, error: firstLine(error) };
  }
  cache.set(source, compiled);
  return compiled;
}

/** A JSON value as CEL should see it: integral numbers become ints (bigint), the rest is unchanged. */
export function toCelValue(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) out[key] = toCelValue(field);
    }
    return out;
  }
  return value;
}

function celTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    case "bigint":
      return "int";
    case "number":
      return "double";
    case "boolean":
      return "bool";
    case "object":
      return "map";
    default:
      return typeof value;
  }
}

export type Evaluated<T> = { ok: true; value: T } | { ok: false; error: string };

/** Which CEL result type an expression must have, and how to recognise its value. */
const EXPECTED = {
  bool: (value: unknown): value is boolean => typeof value === "boolean",
  string: (value: unknown): value is string => typeof value === "string",
} as const;

type ExpectedType = keyof typeof EXPECTED;
type ValueOf<T extends ExpectedType> = T extends "bool" ? boolean : string;

/**
 * Evaluate an expression over an input already converted with `toCelValue`, requiring a result of
 * the given type. Never throws: compile errors, evaluation errors and wrong result types come
 * back as `{ ok: false, error }`.
 */
export function evaluateExpression<T extends ExpectedType>(
  source: string,
  input: Record<string, unknown>,
  expected: T,
): Evaluated<ValueOf<T>> {
  const compiled = compileExpression(source);
  if (!compiled.ok) return { ok: false, error: compiled.error };
  if (compiled.resultType !== expected && compiled.resultType !== "dyn") {
    return { ok: false, error: `must return ${expected}, not ${compiled.resultType}` };
  }
  let value: unknown;
  try {
    value = compiled.run(input);
  } catch (error) {
    return { ok: false, error: firstLine(error) };
  }
  if (!EXPECTED[expected](value)) {
    return { ok: false, error: `must return ${expected}, not ${celTypeName(value)}` };
  }
  return { ok: true, value: value as ValueOf<T> };
}
