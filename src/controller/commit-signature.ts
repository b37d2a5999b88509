// Signed commits, enforced where an Application's or a Stack's commit is chosen and before any of
// it is checked out, rendered, planned or applied (core/project/signature.ts explains the rule).
// A project without signatureKeys changes nothing. A refused commit stops the object with a
// stable reason (UnsignedCommit, UntrustedSignature) and a message naming the whole commit sha
// and why; what the last good sync applied stays as it is. The audit trail gets one
// `commit-refused` record per refused commit and reason, not one per look at it.
import type { Condition } from "../core/conditions.ts";
import type { JsonMap } from "../core/json.ts";
import type { Project } from "../core/project/project.ts";
import {
  describeSigner,
  refusalMessage,
  requiresSignedCommits,
  type Signer,
} from "../core/project/signature.ts";
import { SignatureKeyError } from "../git/signature.ts";
import { redactURLs } from "../git/url.ts";
import type { SourceResolver } from "./app-source.ts";
import { INVALID_PROJECT_REASON } from "./projects.ts";

/** A commit the project refuses, or keys the project holds that cannot be used. */
export class CommitRefused extends Error {
  /** UnsignedCommit, UntrustedSignature or InvalidProject. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "CommitRefused";
    this.reason = reason;
  }
}

export interface SignedCommitCheck {
  sources: Pick<SourceResolver, "verify">;
  project: Project;
  /** `Application team-a/web`, `Stack infra/network`. */
  subject: string;
  repoURL: string;
  sha: string;
  /** The object's conditions now: a refusal they already state is not recorded again. */
  conditions: readonly Condition[];
  /** Called once per newly refused commit with the audit record's details (no secrets). */
  onRefused?: (details: JsonMap) => void;
}

/**
 * The commit's signer when the project requires signatures and the commit is signed by one of its
 * keys; undefined when the project does not require them. Throws CommitRefused otherwise.
 */
export async function enforceSignedCommit(check: SignedCommitCheck): Promise<Signer | undefined> {
  const { project, subject, sha } = check;
  const keys = project.spec.signatureKeys ?? [];
  if (!requiresSignedCommits(project.spec)) return undefined;
  const name = project.metadata.name;
  let verdict: Awaited<ReturnType<SourceResolver["verify"]>>;
  try {
    verdict = await check.sources.verify(check.repoURL, sha, keys);
  } catch (err) {
    if (!(err instanceof SignatureKeyError)) throw err;
    throw new CommitRefused(
      INVALID_PROJECT_REASON,
      `${subject}: project ${name} is malformed, so nothing it governs is synced: project ${name}: ${err.message}`,
    );
  }
  const { decision, check: seen } = verdict;
  if (decision.allowed) return decision.signer;
  const message = refusalMessage(subject, name, sha, decision.why);
  const stated = check.conditions.some(
    (c) =>
      c.type === "Ready" && c.status === "False" && c.reason === decision.reason && c.message === message,
  );
  if (!stated && check.onRefused) {
    const details: JsonMap = {
      revision: sha,
      repoURL: redactURLs(check.repoURL),
      reason: decision.reason,
      signature: seen.status,
      message,
    };
    if ("key" in seen && seen.key) details.key = seen.key;
    if ("signer" in seen) details.signer = describeSigner(seen.signer);
    check.onRefused(details);
  }
  throw new CommitRefused(decision.reason, message);
}
