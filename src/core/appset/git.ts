// The git generator reads one revision of a repository. `directories` gives one parameter set
// per folder its include patterns choose (and no `exclude: true` pattern drops): `path`,
// `path.basename`, `path.basenameNormalized` and `path[n]` for each segment. `files` gives one
// set per matching JSON or YAML file — or per object when the file holds a list — with the
// file's fields as parameters beside `path` (the file's folder), `path.basename`, `path.filename`
// and their normalized forms. With goTemplate the same facts are nested (`.path.segments`).
// `pathParamPrefix` puts the path parameters under a prefix, so a matrix of two git generators
// can tell them apart; `values` are templated with the set's own parameters.
import { parse } from "yaml";
import type { ParamsResult } from "./generators.ts";
import { type GenerationProblem, isRecord, normalizeName, type ParamSet } from "./params.ts";
import { chosenByPatterns } from "./path-glob.ts";
import { renderValue, stringRenderer } from "./render.ts";
import type { GitFact, GitGenerator } from "./types.ts";

/** The key under which the controller hands in a generator's Git facts. */
export function gitFactKey(repoURL: string, revision: string): string {
  return `${repoURL}#${revision}`;
}

export function gitParams(
  generator: GitGenerator,
  facts: Record<string, GitFact>,
  field: string,
  goTemplate: boolean,
): ParamsResult {
  const hasDirs = (generator.directories?.length ?? 0) > 0;
  const hasFiles = (generator.files?.length ?? 0) > 0;
  if (hasDirs === hasFiles) {
    return {
      ok: false,
      problems: [
        { field, message: "a git generator needs either directories or files, not both or neither" },
      ],
    };
  }
  const fact = facts[gitFactKey(generator.repoURL, generator.revision)];
  if (fact === undefined) {
    return {
      ok: false,
      problems: [
        {
          field,
          message: `no facts for ${generator.repoURL} at ${generator.revision}; the revision was not read yet, waiting helps`,
        },
      ],
    };
  }
  const bases = hasDirs ? directorySets(generator, fact) : fileSets(generator, fact, field);
  if (!Array.isArray(bases)) return { ok: false, problems: [bases] };
  const sets: ParamSet[] = [];
  for (const { content, path } of bases) {
    const pathParams = goTemplate ? path.nested : path.flat;
    const params: ParamSet = goTemplate ? { ...content } : { ...flattenWithArrays(content) };
    if (generator.pathParamPrefix) {
      if (goTemplate) params[generator.pathParamPrefix] = pathParams;
      else for (const [k, v] of Object.entries(pathParams)) params[`${generator.pathParamPrefix}.${k}`] = v;
    } else Object.assign(params, pathParams);
    if (generator.values !== undefined) {
      const values = renderValue(generator.values, stringRenderer(params, goTemplate), `${field}.values`);
      if (!values.ok) return { ok: false, problems: [values.problem] };
      if (goTemplate) params.values = values.value;
      else
        for (const [k, v] of Object.entries(values.value as Record<string, string>))
          params[`values.${k}`] = v;
    }
    sets.push(params);
  }
  return { ok: true, sets };
}

interface PathParams {
  flat: Record<string, string>;
  nested: Record<string, unknown>;
}

function directorySets(generator: GitGenerator, fact: GitFact): { content: ParamSet; path: PathParams }[] {
  const patterns = generator.directories ?? [];
  return [...fact.directories]
    .sort()
    .filter((dir) => chosenByPatterns(patterns, dir))
    .map((dir) => ({ content: {}, path: pathParams(dir, undefined) }));
}

function fileSets(
  generator: GitGenerator,
  fact: GitFact,
  field: string,
): { content: ParamSet; path: PathParams }[] | GenerationProblem {
  const patterns = generator.files ?? [];
  const out: { content: ParamSet; path: PathParams }[] = [];
  for (const file of [...fact.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!chosenByPatterns(patterns, file.path)) continue;
    let data: unknown;
    try {
      data = parse(file.text, { maxAliasCount: 100 });
    } catch (error) {
      return {
        field,
        message: `${file.path} is not valid JSON or YAML: ${(error as Error).message.split("\n")[0]}`,
      };
    }
    const entries = Array.isArray(data) ? data : [data];
    for (const [index, entry] of entries.entries()) {
      if (entry === null || entry === undefined) continue;
      if (!isRecord(entry)) {
        return {
          field,
          message: `${file.path}${Array.isArray(data) ? `[${index}]` : ""} must be an object of parameters`,
        };
      }
      const slash = file.path.lastIndexOf("/");
      const dir = slash < 0 ? "." : file.path.slice(0, slash);
      out.push({ content: entry, path: pathParams(dir, file.path.slice(slash + 1)) });
    }
  }
  return out;
}

function pathParams(dir: string, filename: string | undefined): PathParams {
  const segments = dir === "." ? [] : dir.split("/");
  const basename = segments.at(-1) ?? ".";
  const nested: Record<string, unknown> = {
    path: dir,
    basename,
    basenameNormalized: normalizeName(basename),
    segments,
  };
  const flat: Record<string, string> = {
    path: dir,
    "path.basename": basename,
    "path.basenameNormalized": normalizeName(basename),
  };
  if (filename !== undefined) {
    nested.filename = filename;
    nested.filenameNormalized = normalizeName(filename);
    flat["path.filename"] = filename;
    flat["path.filenameNormalized"] = normalizeName(filename);
  }
  for (const [index, segment] of segments.entries()) flat[`path[${index}]`] = segment;
  return { flat, nested: { path: nested } };
}

/** A file's fields flattened as Argo CD does for `{{param}}` templates: `a.b`, lists as `a.0`. */
function flattenWithArrays(value: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  const walk = (prefix: string, inner: unknown): void => {
    if (Array.isArray(inner)) {
      for (const [index, item] of inner.entries()) walk(`${prefix}.${index}`, item);
    } else if (isRecord(inner))
      for (const [k, v] of Object.entries(inner)) walk(prefix === "" ? k : `${prefix}.${k}`, v);
    else flat[prefix] = inner === null ? "" : String(inner);
  };
  walk("", value);
  return flat;
}
