// Health of Pods and of Jobs, the objects whose Pods are meant to finish rather than to keep
// running.
import type { KubeObject } from "../objects.ts";
import { at, conditions, describe, findCondition, isTrue, list, num, spec, status, str } from "./fields.ts";
import type { HealthResult } from "./status.ts";

/**
 * Reasons a container waits that the kubelet will keep retrying forever without a change from a
 * person: the image cannot be pulled (ErrImagePull, then ImagePullBackOff between retries), the
 * image name is malformed, a referenced ConfigMap or Secret key is missing
 * (CreateContainerConfigError), the runtime refuses the container (CreateContainerError,
 * RunContainerError), or the container keeps exiting and is restarted with a growing delay
 * (CrashLoopBackOff). Ordinary waits such as ContainerCreating and PodInitializing are not here.
 */
export const FAILING_WAITING_REASONS: ReadonlySet<string> = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

interface ContainerState {
  name: string;
  ready: boolean;
  waitingReason?: string;
  waitingMessage?: string;
  exitCode?: number;
  terminatedReason?: string;
}

function containerStates(obj: KubeObject): ContainerState[] {
  const s = status(obj);
  // Init containers run first, in order, so their problems explain a Pod stuck before its main
  // containers start.
  return [...list(s.initContainerStatuses), ...list(s.containerStatuses)].map((c) => ({
    name: str(at(c, "name")) ?? "",
    ready: at(c, "ready") === true,
    waitingReason: str(at(c, "state", "waiting", "reason")),
    waitingMessage: str(at(c, "state", "waiting", "message")),
    exitCode: num(at(c, "state", "terminated", "exitCode")),
    terminatedReason: str(at(c, "state", "terminated", "reason")),
  }));
}

/**
 * A Pod's phase is a summary: Pending until every container has started, Running while at least
 * one runs, Succeeded or Failed once all have ended for good (which only happens when
 * restartPolicy is not Always). A Running Pod serves traffic only once its Ready condition is
 * True, meaning every container passes its readiness probe. A Pod meant to run to completion
 * (restartPolicy OnFailure or Never) is healthy only when it has succeeded.
 */
export function podHealth(obj: KubeObject): HealthResult {
  const s = status(obj);
  const phase = str(s.phase);
  const containers = containerStates(obj);

  if (phase === "Succeeded") return { status: "Healthy", message: str(s.message) ?? "pod has completed" };
  if (phase === "Failed") {
    const crashed = containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
    const why =
      str(s.message) ??
      (crashed
        ? `container ${crashed.name} exited with code ${crashed.exitCode}${crashed.terminatedReason ? ` (${crashed.terminatedReason})` : ""}`
        : (str(s.reason) ?? "pod has failed"));
    return { status: "Degraded", message: why };
  }

  const stuck = containers.find(
    (c) => c.waitingReason !== undefined && FAILING_WAITING_REASONS.has(c.waitingReason),
  );
  if (stuck) {
    const detail = stuck.waitingMessage ? `: ${stuck.waitingMessage}` : "";
    return {
      status: "Degraded",
      message: `container ${stuck.name} is waiting: ${stuck.waitingReason}${detail}`,
    };
  }

  if (obj.metadata.deletionTimestamp) return { status: "Progressing", message: "pod is terminating" };

  if (phase === "Pending") {
    const scheduled = findCondition(conditions(obj), "PodScheduled");
    if (scheduled?.status === "False")
      return { status: "Progressing", message: `pending: ${describe(scheduled)}` };
    const waiting = containers.find((c) => c.waitingReason !== undefined);
    const detail = waiting
      ? `container ${waiting.name} is waiting: ${waiting.waitingReason}`
      : "waiting to start";
    return { status: "Progressing", message: `pending: ${detail}` };
  }

  if (phase === "Running") {
    const restartPolicy = str(spec(obj).restartPolicy) ?? "Always";
    if (restartPolicy !== "Always") {
      return {
        status: "Progressing",
        message: `pod is running to completion (restartPolicy ${restartPolicy})`,
      };
    }
    if (isTrue(conditions(obj), "Ready")) return { status: "Healthy", message: "pod is running and ready" };
    const unready = containers.filter((c) => !c.ready).map((c) => c.name);
    const names = unready.length > 0 ? `: ${unready.join(", ")}` : "";
    return { status: "Progressing", message: `waiting for containers to be ready${names}` };
  }

  return { status: "Unknown", message: phase ? `pod phase is ${phase}` : "pod has no phase yet" };
}

/**
 * A Job runs Pods until enough of them succeed. The controller ends it with a condition: Complete
 * once spec.completions Pods have succeeded, Failed when backoffLimit or activeDeadlineSeconds
 * is exceeded. FailureTarget is set first while the failed Job's remaining Pods are stopped, so
 * the failure is already decided. A Job with spec.suspend creates no Pods until resumed.
 */
export function jobHealth(obj: KubeObject): HealthResult {
  const all = conditions(obj);
  for (const type of ["Failed", "FailureTarget"]) {
    const failed = findCondition(all, type);
    if (failed?.status === "True")
      return { status: "Degraded", message: describe(failed) || "job has failed" };
  }
  if (isTrue(all, "Complete")) return { status: "Healthy", message: "job has completed" };
  if (isTrue(all, "Suspended") || spec(obj).suspend === true) {
    return { status: "Suspended", message: "job is suspended" };
  }
  const s = status(obj);
  const active = num(s.active) ?? 0;
  const succeeded = num(s.succeeded) ?? 0;
  const completions = num(spec(obj).completions);
  const progress =
    completions === undefined ? `${succeeded} succeeded` : `${succeeded} of ${completions} succeeded`;
  return { status: "Progressing", message: `job is running: ${active} active, ${progress}` };
}
