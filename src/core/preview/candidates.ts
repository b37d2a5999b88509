// Which Applications and Stacks a pull request could change once merged: its candidates.
//
// A target is a candidate when one of its sources reads the PR's base repository and follows the
// PR's base branch, because only then does merging the PR change what the controller applies (a
// multi-source Application's other sources stay where they are; sources.ts). It follows
// the branch when its targetRevision names it: `main`, or `refs/heads/main`. A target that
// follows the repository's default branch (targetRevision empty or `HEAD`) follows the base
// branch when that is the default branch; forges do not say which branch is the default in a
// pull request, so the caller decides it by asking git where HEAD points (its commit is the base
// branch's commit). A target pinned to a tag or a commit follows no branch and is never a
// candidate. Candidates are then narrowed to the affected ones by the files the PR touches
// (affected.ts). Repositories compare as in affected.ts (src/core/repo-url.ts).
import { parseRepoLocation, sameRepository } from "../repo-url.ts";
import type { PreviewSource } from "./sources.ts";

/** Whether a target's targetRevision follows the branch `baseRef`. */
export function followsBranch(
  targetRevision: string | undefined,
  baseRef: string,
  baseIsDefaultBranch: boolean,
): boolean {
  const revision = (targetRevision ?? "").trim();
  if (revision === "" || revision === "HEAD") return baseIsDefaultBranch;
  const branch = baseRef.startsWith("refs/heads/") ? baseRef.slice("refs/heads/".length) : baseRef;
  return revision === branch || revision === `refs/heads/${branch}`;
}

/** Whether a source is a Git source of the repository `repo` (a chart from a registry never is). */
function readsRepository(source: PreviewSource, repoURL: string): boolean {
  const repo = parseRepoLocation(repoURL);
  const location = parseRepoLocation(source.repoURL);
  return !source.chart && repo !== undefined && location !== undefined && sameRepository(repo, location);
}

/** The indexes of the sources that read `repoURL` and follow the branch `baseRef`. */
export function followingSources(
  repoURL: string,
  baseRef: string,
  baseIsDefaultBranch: boolean,
  sources: readonly PreviewSource[],
): number[] {
  return sources.flatMap((source, i) =>
    readsRepository(source, repoURL) && followsBranch(source.targetRevision, baseRef, baseIsDefaultBranch)
      ? [i]
      : [],
  );
}

/** A candidate, with the indexes of its sources a merge into the base branch changes. */
export type Following<T> = T & { following: number[] };

/** The targets with a source that reads `repoURL` and follows `baseRef`, in the order given. */
export function candidateTargets<T extends { sources: readonly PreviewSource[] }>(
  repoURL: string,
  baseRef: string,
  baseIsDefaultBranch: boolean,
  targets: readonly T[],
): Following<T>[] {
  return targets.flatMap((target) => {
    const following = followingSources(repoURL, baseRef, baseIsDefaultBranch, target.sources);
    return following.length > 0 ? [{ ...target, following }] : [];
  });
}

/** Whether a target's source on `repoURL` follows the default branch (then the caller must learn where HEAD points). */
export function needsDefaultBranch(
  repoURL: string,
  targets: readonly { sources: readonly PreviewSource[] }[],
): boolean {
  return targets.some((t) =>
    t.sources.some((source) => {
      const revision = (source.targetRevision ?? "").trim();
      return (revision === "" || revision === "HEAD") && readsRepository(source, repoURL);
    }),
  );
}

/** Whether any source of the target is a Git source of the repository `repoURL`. */
export function readsRepositoryOf(target: { sources: readonly PreviewSource[] }, repoURL: string): boolean {
  return target.sources.some((source) => readsRepository(source, repoURL));
}
