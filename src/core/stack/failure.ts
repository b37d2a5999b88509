// Why a Stack's run stopped, and whether waiting can help. Every failure gets a condition reason
// (CamelCase, what `kubectl get stack` and Events show) and is either
// - stalled: retrying the same inputs gives the same answer (a module that does not parse, a
//   Secret the Stack's ServiceAccount may not read, a project rule); someone must change
//   something, and the controller only looks again at a slow pace; or
// - retried: the cause may pass (a git server that did not answer, a state lock, a time limit),
//   so the run is retried with the queue's backoff.
// The controller's own refusals carry a stable code (STACK_ERROR_CODES); failures of tofu, git,
// the run folder and the Kubernetes API are classified from their own codes.

/** Codes of the controller's own refusals; each message names the Stack and says what to do. */
export const STACK_ERROR_CODES = {
  /** A ConfigMap, Secret or key that varsFrom/env/envFrom name is missing. */
  "invalid-inputs": "InvalidInputs",
  /** A variable set for the Stack that its module does not declare. */
  "undeclared-variable": "UndeclaredVariable",
  /** The approved plan is no longer stored. */
  "plan-missing": "PlanMissing",
  /** The Stack's ServiceAccount does not exist. */
  "service-account-not-found": "ServiceAccountNotFound",
  /** The controller may not mint a token for the Stack's ServiceAccount. */
  "token-request-forbidden": "TokenRequestForbidden",
  /** The Stack's ServiceAccount may not do what the run needs (403 from the API server). */
  forbidden: "Forbidden",
  /** writeOutputsToSecret names a Secret this Stack did not create. */
  "outputs-secret-not-owned": "OutputsSecretNotOwned",
  /** An override file of the module declares a backend or cloud block. */
  "backend-override": "BackendOverrideRefused",
  /** The Stack's project does not allow it (namespace, repository, destination). */
  "project-violation": "ProjectViolation",
  /** spec.project names no Project. */
  "project-not-found": "ProjectNotFound",
  /** spec.project names a Project that is malformed. */
  "project-invalid": "InvalidProject",
  /** The project requires signed commits and the commit is not signed. */
  "commit-unsigned": "UnsignedCommit",
  /** The project requires signed commits and the commit's signature is not a good one by its keys. */
  "commit-untrusted": "UntrustedSignature",
  /** tofu cannot be confined on the controller's host (no user namespaces, no bubblewrap). */
  "sandbox-unavailable": "SandboxUnavailable",
} as const;

export type StackErrorCode = keyof typeof STACK_ERROR_CODES;

/** Where a failure came from, as plain data. */
export type FailureSource =
  | { from: "stack"; code: StackErrorCode }
  | { from: "tofu"; code: string }
  | { from: "git"; code: string }
  | { from: "workdir" }
  | { from: "kube"; status: number }
  | { from: "unknown" };

export interface FailureClass {
  /** Condition reason. */
  reason: string;
  /** True: waiting does not help; the Stack is Stalled until someone changes something. */
  stall: boolean;
}

const TOFU_REASONS: Record<string, string> = {
  "invalid-config": "InvalidConfiguration",
  "state-locked": "StateLocked",
  timeout: "Timeout",
  interrupted: "Interrupted",
  "apply-failed": "ApplyFailed",
};

/**
 * Refusals of the controller's own that waiting can end: a new namespace's `default`
 * ServiceAccount appears a moment after the namespace, and a named one may be on its way.
 */
const TRANSIENT_STACK = new Set<StackErrorCode>(["service-account-not-found"]);

/** Git refusals with a reason of their own, as an Application reports them. */
const GIT_REASONS: Record<string, string> = {
  "url-refused": "RepositoryURLRefused",
  "too-large": "RepositoryTooLarge",
};

/** Git failures that may pass by themselves; every other git failure needs a fix. */
const TRANSIENT_GIT = new Set(["unreachable", "timeout"]);

export function classifyFailure(source: FailureSource): FailureClass {
  switch (source.from) {
    case "stack":
      return { reason: STACK_ERROR_CODES[source.code], stall: !TRANSIENT_STACK.has(source.code) };
    case "tofu":
      return {
        reason: TOFU_REASONS[source.code] ?? "PlanFailed",
        stall: source.code === "invalid-config",
      };
    case "git":
      return { reason: GIT_REASONS[source.code] ?? "SourceFailed", stall: !TRANSIENT_GIT.has(source.code) };
    case "workdir":
      return { reason: "SourceFailed", stall: true };
    case "kube":
      // A 403 stays a 403 until someone grants the right; never read it as "not found".
      return source.status === 403
        ? { reason: "Forbidden", stall: true }
        : { reason: "ApiError", stall: false };
    case "unknown":
      return { reason: "SourceFailed", stall: false };
  }
}
