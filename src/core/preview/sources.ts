// What a pull request into one repository can change in an Application of several sources.
//
// A multi-source Application (core/app-sources.ts) may read the PR's repository through any of
// its sources: one that renders a folder of it, or a `ref` source lending its files to another
// source's `helm.valueFiles` as `$ref/path` — the way a chart from a registry takes its values
// from Git. Only the sources that read the PR's repository AND follow its base branch are
// changed by merging it (candidates.ts followingSources); those are its following sources, and a preview renders
// them at the PR's commits while every other source stays where it is.
//
// Within the PR's repository the app is touched through:
//   its own paths  the folder each following source renders (none for a ref-only source, whose
//                  files count only where a values entry names them; so a ref source never
//                  makes the whole repository the app's)
//   its value reads the files a `$ref/path` entry of ANY source names, when `ref` is a
//                  following source; a glob or a build variable in the path counts its folder
// Paths are repository paths as in affected.ts: an entry climbing out of the repository
// (`$values/../../etc/passwd`) names nothing and is dropped.

import { rendersObjects, valueFileRef } from "../app-sources.ts";
import type { ApplicationSource } from "../application.ts";
import { repoPathSegments } from "./affected.ts";

/** The part of a source previews read: an Application's, or a Stack's one source. */
export type PreviewSource = Pick<
  ApplicationSource,
  "repoURL" | "targetRevision" | "path" | "chart" | "ref"
> & {
  helm?: { valueFiles?: readonly string[] };
};

/** The folders of the PR's repository the following sources render ("" for its root). */
export function ownPaths(sources: readonly PreviewSource[], following: readonly number[]): string[] {
  return following.flatMap((i) => {
    const source = sources[i];
    return source && rendersObjects(source) && !source.chart ? [source.path ?? ""] : [];
  });
}

/**
 * The repository paths that `$ref/path` values entries (of any source) name in a following
 * source's checkout: a file, or for a glob or build variable the folder before it.
 */
export function refValueReads(sources: readonly PreviewSource[], following: readonly number[]): string[] {
  const refs = new Set(following.flatMap((i) => sources[i]?.ref ?? []));
  const out: string[] = [];
  for (const source of sources) {
    for (const entry of source.helm?.valueFiles ?? []) {
      const named = valueFileRef(entry);
      if (named === undefined || !refs.has(named.ref)) continue;
      const fixed = valueFileFolder(named.path);
      const segments = fixed === undefined ? undefined : repoPathSegments(fixed.replace(/^\/+/, ""));
      if (segments !== undefined && !out.includes(segments.join("/"))) out.push(segments.join("/"));
    }
  }
  return out;
}

/** A source's own values entries: those written relative to its path, without `$ref/` ones. */
export function ownValueFiles(source: PreviewSource): string[] {
  return (source.helm?.valueFiles ?? []).filter((entry) => valueFileRef(entry) === undefined);
}

/**
 * The part of a Helm values entry that names a fixed place: the entry itself, or for a glob or a
 * build variable (`envs/$ARGOCD_APP_NAME.yaml`) the folder before the first segment holding
 * one; undefined for a URL.
 */
export function valueFileFolder(entry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return undefined;
  const segments = entry.split("/");
  const variable = segments.findIndex((segment) => /[*?[$]/.test(segment));
  return variable < 0 ? entry : segments.slice(0, variable).join("/") || (entry.startsWith("/") ? "/" : ".");
}
