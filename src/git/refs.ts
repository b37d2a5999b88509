// Refs and revisions. `git ls-remote` lists every ref of a repository with the object it points
// at; an annotated tag points at a tag object, and the line `<sha> refs/tags/v1^{}` that follows
// gives the commit it peels to. A revision in an Application (`targetRevision`) is a branch, a
// tag, a full ref name, HEAD, or a commit sha, full or abbreviated.

/** A full object id: 40 hex digits (SHA-1), or 64 for repositories using SHA-256. */
export const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** An abbreviated commit sha; git abbreviates to at least 4 digits. */
export const SHORT_SHA = /^[0-9a-f]{4,63}$/i;

/** Parses `git ls-remote` output into ref name → commit, annotated tags peeled to their commit. */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of output.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const sha = line.slice(0, tab).trim().toLowerCase();
    const name = line.slice(tab + 1).trim();
    if (!FULL_SHA.test(sha) || name === "") continue;
    if (name.endsWith("^{}")) peeled.set(name.slice(0, -3), sha);
    else refs.set(name, sha);
  }
  for (const [name, sha] of peeled) refs.set(name, sha);
  return refs;
}

/**
 * The commit a revision names through the refs, trying the exact ref name (HEAD, refs/...), then
 * a branch, then a tag (a branch wins over a tag of the same name, as in `git checkout`), then
 * refs/<revision> (so "pull/7/head" works). Undefined when no ref matches.
 */
export function commitForRevision(refs: ReadonlyMap<string, string>, revision: string): string | undefined {
  const exact = revision === "HEAD" || revision.startsWith("refs/") ? [revision] : [];
  for (const name of [...exact, `refs/heads/${revision}`, `refs/tags/${revision}`, `refs/${revision}`]) {
    const sha = refs.get(name);
    if (sha !== undefined) return sha;
  }
  return undefined;
}
