// Which Applications and Stacks a pull request affects.
//
// A PR is previewed by rendering (or planning) only what it can change: in a 500-app monorepo a
// PR touching one app renders that app alone. An Application or Stack is affected when a changed
// file lies under one of its paths (a multi-source app may render several folders of the
// repository, or none and only read values files from it), or under something its last render
// read from outside them: a
// Kustomize base or component (`resources: [../../base]`), a Helm value file, a Terraform module
// with a local `source = "../modules/db"`. A change to a shared base therefore affects every app
// built on it. A rename touches both its old and its new path; a deletion its old one.
//
// Paths are compared as whole segments inside the repository (`apps/web` does not cover
// `apps/web2`). Every path is resolved first: `.` and empty segments vanish, `..` climbs, and
// a path that climbs out of the repository, is absolute, or holds a backslash or NUL is not a
// repository path at all and never matches anything, so a crafted `../../etc` can neither
// touch nor be touched. An empty path (or `.`) is the repository root and covers every file.
// Repositories are compared with src/core/repo-url.ts, so `https://h/Org/Repo.git/` and
// `https://h/org/repo` are one repository and a URL with another host is never mixed in.
import { parseRepoLocation, sameRepository } from "../repo-url.ts";

export const CHANGE_KINDS = ["added", "modified", "deleted", "renamed"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One file a pull request changes, as forges list them. */
export interface ChangedPath {
  kind: ChangeKind;
  /** The path at the head (for a deletion, the deleted path). */
  path: string;
  /** For a rename: the path at the base. */
  oldPath?: string;
}

export const TARGET_KINDS = ["Application", "Stack"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** An Application or Stack that reads a repository, as far as previews need to know it. */
export interface PreviewTarget {
  kind: TargetKind;
  namespace: string;
  name: string;
  /** The repository the paths are in. */
  repoURL: string;
  /**
   * The folders it renders in that repository ("" for the root): one for a Stack or a
   * single-source Application, one per source on the repository for a multi-source one, none
   * when it reads the repository only through a `ref` source's values files.
   */
  paths: readonly string[];
  /**
   * Repository-relative paths (files or folders) the last render or plan read outside `path`:
   * Kustomize bases and components, Helm value files, local Terraform modules. Resolve paths
   * written relative to the app (`../../base`) with joinRepoPath first.
   */
  reads?: readonly string[];
}

export interface AffectedTarget {
  target: PreviewTarget;
  /** The first changed path that touched the target (the old path, for a rename from inside). */
  changedPath: string;
  /** `path` when the change is under the target's own path, `read` when under one of its reads. */
  via: "path" | "read";
  /** The target path or read that covers the changed path. */
  covering: string;
  /** How many changed paths touched the target in all. */
  touched: number;
}

/**
 * The segments of a repository path, or undefined when it is not one: absolute, climbing out
 * of the repository with `..`, or holding a backslash or NUL. `""` and `.` are the root ([]).
 */
export function repoPathSegments(path: string): string[] | undefined {
  if (path.startsWith("/") || /[\\\0]/.test(path)) return undefined;
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else segments.push(segment);
  }
  return segments;
}

/**
 * A path written relative to a folder of the repository (a Kustomize `../../base`, a module's
 * `source = "../x"`), as a repository path; undefined when either is not a repository path or
 * the result leaves the repository.
 */
export function joinRepoPath(folder: string, relative: string): string | undefined {
  if (relative.startsWith("/")) return undefined;
  const base = repoPathSegments(folder);
  if (base === undefined) return undefined;
  const joined = repoPathSegments(base.length === 0 ? relative : `${base.join("/")}/${relative}`);
  return joined?.join("/");
}

function covers(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/** The paths a change touches: both sides of a rename, the path otherwise. */
function touchedPaths(change: ChangedPath): string[] {
  return change.kind === "renamed" && change.oldPath !== undefined
    ? [change.oldPath, change.path]
    : [change.path];
}

interface Cover {
  text: string;
  segments: string[];
  via: "path" | "read";
}

function coversOf(target: PreviewTarget): Cover[] {
  const out: Cover[] = [];
  for (const path of target.paths) {
    const own = repoPathSegments(path);
    if (own !== undefined) out.push({ text: own.join("/"), segments: own, via: "path" });
  }
  for (const read of target.reads ?? []) {
    const segments = repoPathSegments(read);
    if (segments !== undefined) out.push({ text: segments.join("/"), segments, via: "read" });
  }
  return out;
}

/**
 * The targets reading `repoURL` that the changes touch, in the order given, each with the
 * reason. Targets of other repositories, and any path that is not a repository path, never
 * match.
 */
export function affectedTargets(
  repoURL: string,
  changes: readonly ChangedPath[],
  targets: readonly PreviewTarget[],
): AffectedTarget[] {
  const repo = parseRepoLocation(repoURL);
  if (repo === undefined) return [];
  const changed: { text: string; segments: string[] }[] = [];
  for (const change of changes) {
    for (const text of touchedPaths(change)) {
      const segments = repoPathSegments(text);
      if (segments !== undefined && segments.length > 0) changed.push({ text: segments.join("/"), segments });
    }
  }
  const out: AffectedTarget[] = [];
  for (const target of targets) {
    const location = parseRepoLocation(target.repoURL);
    if (location === undefined || !sameRepository(repo, location)) continue;
    const targetCovers = coversOf(target);
    let first: Omit<AffectedTarget, "target" | "touched"> | undefined;
    let touched = 0;
    for (const path of changed) {
      const cover = targetCovers.find((c) => covers(c.segments, path.segments));
      if (cover === undefined) continue;
      touched++;
      first ??= { changedPath: path.text, via: cover.via, covering: cover.text };
    }
    if (first !== undefined) out.push({ target, ...first, touched });
  }
  return out;
}

/** `Application shop/web: apps/web/values.yaml changed (read: base/deploy.yaml)` for logs and the API. */
export function formatAffected(affected: AffectedTarget): string {
  const { target } = affected;
  const via = affected.via === "read" ? ` (read: ${affected.covering || "."})` : "";
  const more = affected.touched > 1 ? ` and ${affected.touched - 1} more` : "";
  return `${target.kind} ${target.namespace}/${target.name}: ${affected.changedPath} changed${more}${via}`;
}
