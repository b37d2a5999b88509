// What becomes of a user's pending request (`moor app sync`, a rollback, an unpin, a terminate)
// when a reconcile pass fails before carrying it out. A request is never dropped in silence:
//   waiting helps (the repository is briefly unreachable, the API server timed out)
//       the request stays on the Application and the queue's backoff tries the pass again;
//   a person must act (a broken spec, a path that escapes, a Project refusal)
//       the request ends at once as a Failed operation whose message says why, as Argo CD's
//       operationState does, so `moor app get` and the UI show the refusal;
//   an operation is still running
//       a sync request waits for it, as it would have without the failure; a terminate request
//       stays until the operation it stops is over.
import type { OperationState } from "./app-status.ts";

export interface PendingRequest {
  sync?: { revision?: string };
  rollback?: { id: number };
  unpin?: boolean;
  terminate?: boolean;
  initiatedBy?: { username?: string };
}

export type RequestFate =
  | { kind: "keep" }
  | { kind: "clear" }
  | { kind: "fail"; operationState: OperationState };

export interface FailedPass {
  /** An operation is Running or Terminating. */
  running: boolean;
  /** The failure needs a person (Stalled); otherwise waiting helps. */
  needsPerson: boolean;
  message: string;
  now: string;
}

export function requestAfterFailure(request: PendingRequest, pass: FailedPass): RequestFate {
  if (pass.running) return { kind: "keep" };
  const asks = Boolean(request.sync || request.rollback || request.unpin);
  // A terminate with nothing running has nothing left to stop.
  if (!asks) return { kind: "clear" };
  if (!pass.needsPerson) return { kind: "keep" };
  const what = request.rollback
    ? `rollback to history ${request.rollback.id}`
    : request.unpin
      ? "unpin"
      : "sync";
  return {
    kind: "fail",
    operationState: {
      phase: "Failed",
      trigger: request.rollback ? "rollback" : "manual",
      revision: request.sync?.revision ?? "",
      message: `${what} request not carried out: ${pass.message}`,
      startedAt: pass.now,
      finishedAt: pass.now,
      attempt: 0,
      resources: [],
      ...(request.initiatedBy ? { initiatedBy: request.initiatedBy } : {}),
    },
  };
}
