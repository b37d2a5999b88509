// What a pull request changes, as a forge lists it: the files that differ between the head and
// the merge base of head and base (the commit the branch started from, or last merged), not
// between head and the base branch's tip, so work that landed on base after the branch was cut
// is not counted as the PR's. git prints each change as a status letter and one path (two for
// a rename or copy), every field ended by NUL with `-z`, so no path is quoted or mangled:
// A added, M modified, D deleted, T type changed (file ↔ symlink: modified for a preview),
// R<score> renamed (old, new), C<score> copied (old, new: the new path is added, the old one
// untouched).
import type { ChangedPath } from "../core/preview/affected.ts";

/** A pull request's list of changed files stops at this many entries. */
export const MAX_CHANGED_FILES = 20_000;

/**
 * Parses `git diff-tree -r -z --name-status` (or `git diff --name-status -z`) output into the
 * changes, at most `max` of them (the rest are dropped). An unknown status letter is skipped
 * together with its path.
 */
export function parseNameStatus(output: string, max = MAX_CHANGED_FILES): ChangedPath[] {
  const fields = output.split("\0");
  const changes: ChangedPath[] = [];
  let i = 0;
  while (i < fields.length && changes.length < max) {
    const status = fields[i++] ?? "";
    if (status === "") continue;
    const letter = status[0];
    if (letter === "R" || letter === "C") {
      const oldPath = fields[i++];
      const path = fields[i++];
      if (oldPath === undefined || path === undefined) break;
      changes.push(letter === "R" ? { kind: "renamed", path, oldPath } : { kind: "added", path });
      continue;
    }
    const path = fields[i++];
    if (path === undefined) break;
    const kind = STATUS_KINDS[letter ?? ""];
    if (kind !== undefined) changes.push({ kind, path });
  }
  return changes;
}

const STATUS_KINDS: Record<string, ChangedPath["kind"] | undefined> = {
  A: "added",
  M: "modified",
  T: "modified",
  D: "deleted",
};
