// Which Applications and Stacks a pull request could change once merged: its candidates.
//
// A target is a candidate when it reads the PR's base repository and follows the PR's base
// branch, because only then does merging the PR change what the controller applies. It follows
// the branch when its targetRevision names it: `main`, or `refs/heads/main`. A target that
// follows the repository's default branch (targetRevision empty or `HEAD`) follows the base
// branch when that is the default branch; forges do not say which branch is the default in a
// pull request, so the caller decides it by asking git where HEAD points (its commit is the base
// branch's commit). A target pinned to a tag or a commit follows no branch and is never a
// candidate. Candidates are then narrowed to the affected ones by the files the PR touches
// (affected.ts). Repositories compare as in affected.ts (src/core/repo-url.ts).
import { parseRepoLocation, sameRepository } from "../repo-url.ts";

export interface FollowedSource {
  repoURL: string;
  /** spec.source.targetRevision as written. */
  targetRevision?: string;
}

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

/** The targets that read `repoURL` and follow `baseRef`, in the order given. */
export function candidateTargets<T extends FollowedSource>(
  repoURL: string,
  baseRef: string,
  baseIsDefaultBranch: boolean,
  targets: readonly T[],
): T[] {
  const repo = parseRepoLocation(repoURL);
  if (repo === undefined) return [];
  return targets.filter((target) => {
    const location = parseRepoLocation(target.repoURL);
    return (
      location !== undefined &&
      sameRepository(repo, location) &&
      followsBranch(target.targetRevision, baseRef, baseIsDefaultBranch)
    );
  });
}

/** Whether any target follows the default branch (then the caller must learn where HEAD points). */
export function needsDefaultBranch(targets: readonly FollowedSource[]): boolean {
  return targets.some((t) => {
    const revision = (t.targetRevision ?? "").trim();
    return revision === "" || revision === "HEAD";
  });
}
