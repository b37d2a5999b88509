// Generators turn facts into parameter sets, one set per Application. `list` gives its elements,
// `clusters` one set per registered cluster, `git` one per folder or per file entry; `matrix`
// multiplies its children (a later child may use an earlier child's parameters in its own fields)
// and `merge` lays later children's sets over the first's where their merge keys agree. Both nest
// to any depth, bounded by MAX_PARAM_SETS in total. Any generator's `selector` keeps only the sets
// whose flat parameters match it.
import { clusterParams } from "./clusters.ts";
import { gitParams } from "./git.ts";
import { flattenParams, type GenerationProblem, isRecord, MAX_PARAM_SETS, type ParamSet } from "./params.ts";
import { renderValue, stringRenderer } from "./render.ts";
import { selectorMatches } from "./selector.ts";
import type { GenerationFacts, Generator, GitGenerator } from "./types.ts";

export interface GeneratorContext {
  goTemplate: boolean;
  facts: GenerationFacts;
  /** Told of every git generator as it runs, its fields already filled from earlier matrix children. */
  onGit?: (generator: GitGenerator) => void;
}

export type ParamsResult = { ok: true; sets: ParamSet[] } | { ok: false; problems: GenerationProblem[] };

const KINDS = ["list", "clusters", "git", "matrix", "merge"] as const;

/** The parameter sets one generator yields; `field` is where it sits in the set (for problems). */
export function generateParams(generator: Generator, field: string, ctx: GeneratorContext): ParamsResult {
  const kinds = KINDS.filter((kind) => generator[kind] !== undefined);
  if (kinds.length !== 1) {
    const message =
      kinds.length === 0
        ? `a generator needs one of ${KINDS.join(", ")}`
        : `a generator has exactly one kind, this one has ${kinds.join(" and ")}`;
    return { ok: false, problems: [{ field, message }] };
  }
  const generated = generateOfKind(generator, field, ctx);
  if (!generated.ok) return generated;
  // In the `{{param}}` form every set is flat, so selectors, merge keys and matrix see one shape.
  const result = ctx.goTemplate ? generated : { ok: true as const, sets: generated.sets.map(flattenParams) };
  if (result.sets.length > MAX_PARAM_SETS) return tooMany(field, result.sets.length);
  if (generator.selector === undefined) return result;
  return {
    ok: true,
    sets: result.sets.filter((set) => selectorMatches(generator.selector, flattenParams(set))),
  };
}

function generateOfKind(generator: Generator, field: string, ctx: GeneratorContext): ParamsResult {
  if (generator.list) return listParams(generator.list.elements, `${field}.list`);
  if (generator.clusters)
    return clusterParams(generator.clusters, ctx.facts.clusters, `${field}.clusters`, ctx.goTemplate);
  if (generator.git) ctx.onGit?.(generator.git);
  if (generator.git) return gitParams(generator.git, ctx.facts.git, `${field}.git`, ctx.goTemplate);
  if (generator.matrix) return matrixParams(generator.matrix.generators, `${field}.matrix`, ctx);
  if (generator.merge)
    return mergeParams(generator.merge.generators, generator.merge.mergeKeys, `${field}.merge`, ctx);
  return { ok: false, problems: [{ field, message: "unreachable: no generator kind" }] };
}

function listParams(elements: unknown, field: string): ParamsResult {
  if (!Array.isArray(elements))
    return {
      ok: false,
      problems: [{ field: `${field}.elements`, message: "elements must be a list of objects" }],
    };
  const sets: ParamSet[] = [];
  for (const [index, element] of elements.entries()) {
    if (!isRecord(element)) {
      return {
        ok: false,
        problems: [{ field: `${field}.elements[${index}]`, message: "each element must be an object" }],
      };
    }
    sets.push({ ...element });
  }
  return { ok: true, sets };
}

/**
 * The cartesian product of the children's sets. Each child after the first is generated once per
 * set so far, with that set's parameters put into the child's own fields first (what Argo CD
 * allows: a git generator whose path comes from a cluster label). A parameter both sides give
 * with different values is a problem.
 */
function matrixParams(children: Generator[], field: string, ctx: GeneratorContext): ParamsResult {
  if (!Array.isArray(children) || children.length < 2) {
    return {
      ok: false,
      problems: [{ field: `${field}.generators`, message: "a matrix needs two or more generators" }],
    };
  }
  let sets: ParamSet[] = [{}];
  for (const [index, child] of children.entries()) {
    const childField = `${field}.generators[${index}]`;
    const next: ParamSet[] = [];
    for (const left of sets) {
      const interpolated = index === 0 ? child : interpolateGenerator(child, left, ctx.goTemplate);
      const result = generateParams(interpolated, childField, ctx);
      if (!result.ok) return result;
      for (const right of result.sets) {
        const combined = combineParams(left, right, ctx.goTemplate);
        if (typeof combined === "string")
          return { ok: false, problems: [{ field: childField, message: combined }] };
        next.push(combined);
        if (next.length > MAX_PARAM_SETS) return tooMany(field, next.length);
      }
    }
    sets = next;
  }
  return { ok: true, sets };
}

/** A child's fields with an earlier child's parameters put in; text it cannot fill stays as it was. */
function interpolateGenerator(child: Generator, params: ParamSet, goTemplate: boolean): Generator {
  const render = stringRenderer(params, goTemplate);
  const lenient = (text: string, field: string) => {
    const result = render(text, field);
    return result.ok ? result : { ok: true as const, text };
  };
  const result = renderValue(child, lenient, "");
  return result.ok ? (result.value as Generator) : child;
}

/** Two sets as one, or a message naming the parameter they disagree on. */
function combineParams(left: ParamSet, right: ParamSet, goTemplate: boolean): ParamSet | string {
  if (goTemplate) {
    const out: ParamSet = { ...left };
    for (const [key, value] of Object.entries(right)) {
      if (
        Object.hasOwn(left, key) &&
        JSON.stringify(left[key]) !== JSON.stringify(value) &&
        !(isRecord(left[key]) && isRecord(value))
      ) {
        return `parameter "${key}" has two values: ${JSON.stringify(left[key])} and ${JSON.stringify(value)}`;
      }
      out[key] = isRecord(left[key]) && isRecord(value) ? { ...(left[key] as object), ...value } : value;
    }
    return out;
  }
  const flatLeft = flattenParams(left);
  const out: ParamSet = { ...flatLeft };
  for (const [key, value] of Object.entries(flattenParams(right))) {
    if (Object.hasOwn(flatLeft, key) && flatLeft[key] !== value) {
      return `parameter "${key}" has two values: "${flatLeft[key]}" and "${value}"`;
    }
    out[key] = value;
  }
  return out;
}

/**
 * The first child's sets, each overlaid by the set of every later child whose merge-key values
 * are the same. Sets of later children that match no base set are dropped, as in Argo CD.
 */
function mergeParams(
  children: Generator[],
  mergeKeys: string[],
  field: string,
  ctx: GeneratorContext,
): ParamsResult {
  if (!Array.isArray(children) || children.length < 2) {
    return {
      ok: false,
      problems: [{ field: `${field}.generators`, message: "a merge needs two or more generators" }],
    };
  }
  if (!Array.isArray(mergeKeys) || mergeKeys.length === 0) {
    return {
      ok: false,
      problems: [{ field: `${field}.mergeKeys`, message: "a merge needs at least one merge key" }],
    };
  }
  const keyOf = (set: ParamSet) => {
    const flat = flattenParams(set);
    return JSON.stringify(mergeKeys.map((key) => flat[key] ?? null));
  };
  const base = generateParams(children[0] as Generator, `${field}.generators[0]`, ctx);
  if (!base.ok) return base;
  let sets = base.sets;
  for (let index = 1; index < children.length; index++) {
    const childField = `${field}.generators[${index}]`;
    const result = generateParams(children[index] as Generator, childField, ctx);
    if (!result.ok) return result;
    const byKey = new Map<string, ParamSet>();
    for (const set of result.sets) {
      const key = keyOf(set);
      if (byKey.has(key)) {
        return {
          ok: false,
          problems: [{ field: childField, message: `two parameter sets have the same merge keys ${key}` }],
        };
      }
      byKey.set(key, set);
    }
    sets = sets.map((set) => {
      const over = byKey.get(keyOf(set));
      if (over === undefined) return set;
      return ctx.goTemplate ? deepMerge(set, over) : { ...flattenParams(set), ...flattenParams(over) };
    });
  }
  return { ok: true, sets };
}

function deepMerge(base: ParamSet, over: ParamSet): ParamSet {
  const out: ParamSet = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isRecord(base[key]) && isRecord(value) ? deepMerge(base[key] as ParamSet, value) : value;
  }
  return out;
}

function tooMany(field: string, count: number): ParamsResult {
  return {
    ok: false,
    problems: [
      {
        field,
        message: `generators give more than ${MAX_PARAM_SETS} parameter sets (${count} so far); narrow them with selectors or split the set`,
      },
    ],
  };
}
