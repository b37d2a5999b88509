// The errors a Stack's run stops with, turned into plain data for the pure classification in
// src/core/stack/failure.ts: the controller's own refusals (StackError, with a stable code), and
// the errors of tofu, git, the run folder and the Kubernetes API, each known by its own code.
import { type FailureSource, STACK_ERROR_CODES, type StackErrorCode } from "../core/stack/failure.ts";
import { GitError } from "../git/errors.ts";
import { KubeApiError } from "../kube/client.ts";
import { TofuError } from "../terraform/runner.ts";
import { BackendOverrideError, WorkdirError } from "./stack-workdir.ts";

/** A refusal of the controller's own: the message names the Stack and says what to do. */
export class StackError extends Error {
  readonly code: StackErrorCode;
  /** The condition reason of the code. */
  readonly reason: string;
  constructor(code: StackErrorCode, message: string) {
    super(message);
    this.name = "StackError";
    this.code = code;
    this.reason = STACK_ERROR_CODES[code];
  }
}

export function failureSource(err: unknown): FailureSource {
  if (err instanceof StackError) return { from: "stack", code: err.code };
  if (err instanceof TofuError) return { from: "tofu", code: err.code };
  if (err instanceof GitError) return { from: "git", code: err.code };
  if (err instanceof BackendOverrideError) return { from: "stack", code: "backend-override" };
  if (err instanceof WorkdirError) return { from: "workdir" };
  if (err instanceof KubeApiError) return { from: "kube", status: err.status };
  return { from: "unknown" };
}
