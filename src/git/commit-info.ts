// What a commit says about itself, for status and the audit trail ("who changed what, when").
// The author wrote the change; the committer put it into history (they differ after a rebase,
// a cherry-pick or a merge through a web UI). Times keep the offset the person committed with,
// in strict ISO 8601 as git prints it (%aI), so "committed at 02:00 local time" stays visible.

export interface Person {
  name: string;
  email: string;
}

export interface CommitInfo {
  sha: string;
  author: Person;
  committer: Person;
  /** ISO 8601 with the author's offset, e.g. 2024-05-01T10:00:00+02:00. */
  authoredAt: string;
  /** ISO 8601 with the committer's offset. */
  committedAt: string;
  /** The whole message, without trailing newlines. */
  message: string;
  /** The first paragraph of the message on one line, as git shows it. */
  subject: string;
}

const FIELDS = ["%H", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%s", "%B"] as const;

/** The --format argument for `git show -s`; fields are separated by NUL, which a message cannot hold. */
export const COMMIT_INFO_FORMAT = `--format=${FIELDS.join("%x00")}`;

/** Parses the output of `git show -s` with COMMIT_INFO_FORMAT. */
export function parseCommitInfo(output: string): CommitInfo {
  const parts = output.split("\0");
  if (parts.length !== FIELDS.length) {
    throw new Error(`unexpected git show output: ${parts.length} fields instead of ${FIELDS.length}`);
  }
  const [
    sha,
    authorName,
    authorEmail,
    authoredAt,
    committerName,
    committerEmail,
    committedAt,
    subject,
    body,
  ] = parts as [string, string, string, string, string, string, string, string, string];
  return {
    sha: sha.trim(),
    author: { name: authorName, email: authorEmail },
    committer: { name: committerName, email: committerEmail },
    authoredAt,
    committedAt,
    message: body.replace(/\n+$/, ""),
    subject,
  };
}
