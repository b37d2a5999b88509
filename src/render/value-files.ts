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
// In a multi-source Application (core/app-sources.ts) an entry `$ref/path` names a file of the
// source whose `ref` is `ref`: the path is taken from the root of THAT source's checkout and is
// confined to it exactly as an entry is confined to its own repository (no `..` out, no symlink
// out), globs included. Argo CD also passes URLs through; renders read only checked-out
// commits, so a URL is refused with a message that says what to do instead.
import { join, relative, sep } from "node:path";
import { valueFileRef } from "../core/app-sources.ts";
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
  /** Multi-source apps: each `ref` name and the real root of its source's checkout. */
  refs?: ReadonlyMap<string, string>;
}

/** Where an entry is read: a repository root, the folder relative paths start from, the path. */
interface Entry {
  raw: string;
  root: string;
  base: string;
  path: string;
  /** How the entry is named in messages. */
  what: string;
}

const GLOB_CHARACTERS = /[*?[]/;

/** The real paths of the values files, in helm's order. */
export async function resolveValueFiles(input: ValueFilesInput): Promise<string[]> {
  const entries = input.valueFiles.map((raw) => checkEntry(input, raw));
  // Files listed by name, so that a glob leaves them to their own entry's position.
  const explicit = new Map<Entry, string | null>();
  for (const entry of entries) {
    if (!GLOB_CHARACTERS.test(entry.path)) explicit.set(entry, await resolveNamed(input, entry));
  }
  const named = new Set([...explicit.values()].filter((p): p is string => p !== null));
  const resolved: string[] = [];
  const add = (file: string) => {
    if (!resolved.includes(file)) resolved.push(file);
  };
  for (const entry of entries) {
    if (!GLOB_CHARACTERS.test(entry.path)) {
      const file = explicit.get(entry);
      if (file) add(file);
      continue;
    }
    const matches = await expandGlob(entry);
    if (matches.length === 0 && !input.ignoreMissing) {
      throw new RenderError(
        "path-not-found",
        `values file glob "${entry.raw}" matched no files in the repository; fix the pattern, commit a matching file, or set ignoreMissingValueFiles`,
      );
    }
    for (const file of matches) if (!named.has(file)) add(file);
  }
  return resolved;
}

/**
 * The entry with build variables expanded and where it is read: its own repository, or for
 * `$ref/path` the root of that ref's checkout. URLs and unknown refs are refused.
 */
function checkEntry(input: ValueFilesInput, raw: string): Entry {
  const path = expandBuildVariables(raw, input.env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new RenderError(
      "unsupported-source",
      `values file "${raw}" is a URL; rendering reads only the checked-out commit, so commit the file to the repository`,
    );
  }
  const reference = valueFileRef(path);
  if (!reference) return { raw, root: input.repoRoot, base: input.chartDir, path, what: "values file" };
  const root = input.refs?.get(reference.ref);
  if (root === undefined) {
    throw new RenderError(
      "invalid-source",
      `values file "${raw}" names ref $${reference.ref}, which no source of this Application has; ` +
        "give a source of spec.sources that ref, or name the file by its path in this repository",
    );
  }
  // `$ref/path` and `$ref//path` both start at the ref's root.
  return { raw, root, base: root, path: reference.path || ".", what: `values file of $${reference.ref}` };
}

/** A file named without wildcards; null when it is missing and missing files may be left out. */
async function resolveNamed(input: ValueFilesInput, entry: Entry): Promise<string | null> {
  try {
    return await resolveInRepo(entry.root, entry.base, entry.path, entry.what);
  } catch (err) {
    if (input.ignoreMissing && err instanceof RenderError && err.code === "path-not-found") return null;
    throw err;
  }
}

/** The files a glob entry matches, in doublestar's order. */
async function expandGlob(entry: Entry): Promise<string[]> {
  const { root: repoRoot, path: pattern } = entry;
  const joined = pattern.startsWith("/") ? join(repoRoot, pattern) : join(entry.base, pattern);
  if (!isInside(repoRoot, joined)) {
    throw new RenderError(
      "path-escapes-repo",
      `values file glob "${entry.raw}" leads outside the repository`,
    );
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
