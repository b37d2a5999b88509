// Keeping every read inside the checked-out repository.
//
// The repository is written by whoever can push to it, and the renderer runs with the
// controller's own file access (its other checkouts, its service-account token, its config). So
// a path in the spec, a symlink committed to the tree, or a kustomize base written as
// `../../../elsewhere` must never make us read a file outside the checkout. Each path is checked
// twice: as written (so `..` cannot climb out) and after following symlinks (so a link committed
// to the tree cannot point out). This is the check Argo CD added after its out-of-bounds symlink
// advisories.
import { lstat, readdir, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { RenderError } from "./errors.ts";

/** True when `candidate` is `root` itself or somewhere below it (both absolute, normalised). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/** The repository root with symlinks resolved; every other check compares against it. */
export async function realRepoRoot(repoDir: string): Promise<string> {
  try {
    return await realpath(repoDir);
  } catch {
    throw new RenderError("path-not-found", `repository checkout ${repoDir} does not exist`);
  }
}

/** How a path reads in messages: relative to the repository, "." for the root itself. */
export function repoRelative(repoRoot: string, absolute: string): string {
  return relative(repoRoot, absolute) || ".";
}

/**
 * Resolves a path from the spec and returns its real location. `userPath` is relative to `base`,
 * or to the repository root when it starts with "/" (Argo CD's convention for values files).
 * `what` names the path in messages, e.g. "source path" or "values file".
 */
export async function resolveInRepo(
  repoRoot: string,
  base: string,
  userPath: string,
  what: string,
): Promise<string> {
  const joined = userPath.startsWith("/") ? join(repoRoot, userPath) : join(base, userPath);
  if (!isInside(repoRoot, joined)) {
    throw new RenderError("path-escapes-repo", `${what} "${userPath}" leads outside the repository`);
  }
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    throw new RenderError(
      "path-not-found",
      `${what} "${userPath}" does not exist in the repository (looked for ${repoRelative(repoRoot, joined)})`,
    );
  }
  if (!isInside(repoRoot, real)) {
    throw new RenderError(
      "path-escapes-repo",
      `${what} "${userPath}" is a symlink (or lies under one) that points outside the repository`,
    );
  }
  return real;
}

/**
 * Follows one entry found while walking the tree and fails if it is a symlink leading outside
 * the repository. Returns the entry's real path.
 */
export async function followInRepo(repoRoot: string, entry: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(entry);
  } catch {
    throw new RenderError(
      "path-not-found",
      `${repoRelative(repoRoot, entry)} is a symlink to a file that does not exist; fix or remove the link`,
    );
  }
  if (!isInside(repoRoot, real)) {
    throw new RenderError(
      "path-escapes-repo",
      `${repoRelative(repoRoot, entry)} is a symlink that points outside the repository; ` +
        "replace it with the file itself",
    );
  }
  return real;
}

/**
 * Walks `dir` and fails on the first symlink that points outside the repository. Used before
 * handing a directory to a tool that follows symlinks on its own (helm reads every file of a
 * chart, links included, and `.Files.Get` would expose them).
 */
export async function assertNoEscapingSymlinks(repoRoot: string, dir: string): Promise<void> {
  const pending = [dir];
  const seen = new Set<string>();
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (seen.has(current)) continue;
    seen.add(current);
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) {
        const real = await followInRepo(repoRoot, path);
        if ((await lstat(real)).isDirectory()) pending.push(real);
      } else if (entry.isDirectory()) {
        pending.push(path);
      }
    }
  }
}
