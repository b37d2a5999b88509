// Which files `helm.valueFiles` names, in the order helm gets them (later files win).
//
// An entry is a path relative to the chart folder, or to the repository root when it starts
// with "/". Build variables in it are expanded first (core/build-env.ts), as Argo CD does, so
// `envs/$ARGOCD_APP_NAME.yaml` picks the app's own file. An entry holding `*`, `?` or `[` is a
// glob (Argo CD 3.4), matched in doublestar's dialect (render/glob.ts: `*` within a segment,
// `**` across segments) and expanded in lexical order — a folder's own files before those of
// its subfolders, names compared byte by byte — which is the order doublestar returns and so
// the merge order Argo CD gives. A file that a glob matches and that is also listed by name
// takes the position of its own entry, and no file is passed twice.
//
// A glob matching nothing is an error, as a missing file is, unless `ignoreMissingValueFiles`
// is set; then both are left out. Globs never leave the repository: the part before the first
// wildcard is resolved like any path (no `..` out, no symlink out), and the matches are found by
// walking the tree below it, following a symlink only when it stays inside.
//
// Argo CD passes URLs through and resolves `$ref/...` against another source of a
// multi-source Application. Mooring renders only the checked-out commit of its one source, so
// both are refused with a message that says what to do instead.
import { join, relative, sep } from "node:path";
import { type BuildEnv, expandBuildVariables } from "../core/build-env.ts";
import { listFiles } from "./directory.ts";
import { RenderError } from "./errors.ts";
import { compileGlob } from "./glob.ts";
import { isInside, resolveInRepo } from "./path-safety.ts";

export interface ValueFilesInput {
  repoRoot: string;
  /** The chart folder, resolved inside the repository: where relative entries start. */
  chartDir: string;
  valueFiles: readonly string[];
  ignoreMissing: boolean;
  env: BuildEnv;
}

const GLOB_CHARACTERS = /[*?[]/;

/** The real paths of the values files, in helm's order. */
export async function resolveValueFiles(input: ValueFilesInput): Promise<string[]> {
  const entries = input.valueFiles.map((raw) => ({ raw, path: checkEntry(raw, input.env) }));
  // Files listed by name, so that a glob leaves them to their own entry's position.
  const explicit = new Map<string, string | null>();
  for (const { path } of entries) {
    if (!GLOB_CHARACTERS.test(path)) explicit.set(path, await resolveNamed(input, path));
  }
  const named = new Set([...explicit.values()].filter((p): p is string => p !== null));
  const resolved: string[] = [];
  const add = (file: string) => {
    if (!resolved.includes(file)) resolved.push(file);
  };
  for (const { raw, path } of entries) {
    if (!GLOB_CHARACTERS.test(path)) {
      const file = explicit.get(path);
      if (file) add(file);
      continue;
    }
    const matches = await expandGlob(input, path);
    if (matches.length === 0 && !input.ignoreMissing) {
      throw new RenderError(
        "path-not-found",
        `values file glob "${raw}" matched no files in the repository; fix the pattern, commit a matching file, or set ignoreMissingValueFiles`,
      );
    }
    for (const file of matches) if (!named.has(file)) add(file);
  }
  return resolved;
}

/** The entry with build variables expanded; URLs and other sources' files are refused. */
function checkEntry(raw: string, env: BuildEnv): string {
  const path = expandBuildVariables(raw, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new RenderError(
      "unsupported-source",
      `values file "${raw}" is a URL; rendering reads only the checked-out commit, so commit the file to the repository`,
    );
  }
  const reference = /^\$[A-Za-z_][A-Za-z0-9_]*(?=\/|$)/.exec(path);
  if (reference) {
    throw new RenderError(
      "unsupported-source",
      `values file "${raw}" names another source (${reference[0]}); an Application renders one source, so commit the file to this repository and name it by its path`,
    );
  }
  return path;
}

/** A file named without wildcards; null when it is missing and missing files may be left out. */
async function resolveNamed(input: ValueFilesInput, path: string): Promise<string | null> {
  try {
    return await resolveInRepo(input.repoRoot, input.chartDir, path, "values file");
  } catch (err) {
    if (input.ignoreMissing && err instanceof RenderError && err.code === "path-not-found") return null;
    throw err;
  }
}

/** The files a glob entry matches, in doublestar's order. */
async function expandGlob(input: ValueFilesInput, pattern: string): Promise<string[]> {
  const { repoRoot } = input;
  const joined = pattern.startsWith("/") ? join(repoRoot, pattern) : join(input.chartDir, pattern);
  if (!isInside(repoRoot, joined)) {
    throw new RenderError("path-escapes-repo", `values file glob "${pattern}" leads outside the repository`);
  }
  const segments = relative(repoRoot, joined).split(sep);
  const wild = segments.findIndex((segment) => GLOB_CHARACTERS.test(segment));
  const fixed = segments.slice(0, wild).join("/");
  const rest = segments.slice(wild).join("/");
  let base: string;
  try {
    base = await resolveInRepo(repoRoot, repoRoot, fixed || ".", "values file glob folder");
  } catch (err) {
    // A folder that is not there holds no matches; one that leads out is still an error.
    if (err instanceof RenderError && err.code === "path-not-found") return [];
    throw err;
  }
  const matches = compileGlob(rest, { segments: true });
  const recurse = rest.includes("/") || rest.includes("**");
  const found = await listFiles(repoRoot, base, recurse, (_name, relPath) => matches(relPath)).catch(
    (err: unknown) => {
      // The fixed part named a file, not a folder: nothing below it can match.
      if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw err;
    },
  );
  const byOrder = found.map((file) => ({ real: file.real, key: relative(base, file.path).split(sep) }));
  byOrder.sort((a, b) => doublestarOrder(a.key, b.key));
  return byOrder.map((file) => file.real);
}

/**
 * doublestar's order: segment by segment, a folder's own files before anything in its
 * subfolders, otherwise names compared byte by byte.
 */
export function doublestarOrder(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const xIsFile = i === a.length - 1;
    const yIsFile = i === b.length - 1;
    if (xIsFile !== yIsFile) return xIsFile ? -1 : 1;
    return Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  return a.length - b.length;
}
