// Waiting on the controller. The CLI never syncs or compares itself: it writes a request (the
// `operation` field, the refresh annotation, a deletion) and watches the Application until the
// controller has answered. Each kind of wait is a pure verdict over the Application as read
// (waiting, done or failed, with a label for the progress line); one polling loop runs them all,
// always bounded by a timeout.
import { REFRESH_ANNOTATION } from "../controller/app-reconciler.ts";
import type { Application } from "../core/application.ts";
import { operationProgress, stalledCondition, statusOf } from "./app-view.ts";
import { poll, type Verdict } from "./poll.ts";
import type { Progress } from "./progress.ts";

export type { Verdict };

/** What the CLI saw just before it wrote its request, to tell the controller's answer from old news. */
export interface Before {
  /** status.operationState.startedAt before the request. */
  startedAt?: string;
}

export function requestBefore(app: Application): Before {
  const startedAt = statusOf(app).operationState?.startedAt;
  return startedAt ? { startedAt } : {};
}

function gone(name: string): Verdict {
  return { state: "failed", label: `application ${name} was deleted while waiting` };
}

/**
 * A refresh is done once the controller cleared the annotation: it does so only after writing
 * the status of a comparison that started after it read the annotation. (reconciledAt alone is
 * no proof: the controller skips the status write when nothing but the timestamp changed.)
 */
export function refreshVerdict(name: string, app: Application | null): Verdict {
  if (!app) return gone(name);
  if (app.spec.suspend) {
    return {
      state: "failed",
      label: `application ${name} is suspended (spec.suspend): the controller does not compare it`,
    };
  }
  if (app.metadata.annotations?.[REFRESH_ANNOTATION] === undefined) {
    return { state: "done", label: `application ${name} refreshed` };
  }
  return { state: "waiting", label: `waiting for the controller to refresh application ${name}` };
}

/**
 * A sync or rollback is done when an operationState newer than the request has finished. When
 * the controller cleared the request without starting a sync, something stopped it (a missing
 * history entry, a manifest the server refuses): the Stalled or Ready condition says what.
 */
export function operationVerdict(
  name: string,
  what: string,
  app: Application | null,
  before: Before,
): Verdict {
  if (!app) return gone(name);
  const status = statusOf(app);
  const op = status.operationState;
  const fresh = op !== undefined && op.startedAt !== before.startedAt;
  if (fresh && op.phase === "Succeeded") {
    return {
      state: "done",
      label: `${what} of application ${name} succeeded at ${op.revision.slice(0, 10)}: ${op.message}`,
    };
  }
  if (fresh && op.phase === "Failed") {
    return { state: "failed", label: `${what} of application ${name} failed: ${op.message}` };
  }
  if (fresh) {
    const progress = operationProgress(op) || op.message;
    return { state: "waiting", label: `${what} of application ${name}: ${progress}` };
  }
  const pending = (app as { operation?: unknown }).operation !== undefined;
  if (!pending) {
    const condition =
      stalledCondition(app) ?? status.conditions?.find((c) => c.type === "Ready" && c.status !== "True");
    const why = condition ? `${condition.reason}: ${condition.message}` : "no reason recorded";
    return {
      state: "failed",
      label: `the controller took the ${what} request for application ${name} but did not sync (${why})`,
    };
  }
  return {
    state: "waiting",
    label: `waiting for the controller to start the ${what} of application ${name}`,
  };
}

export interface ReadyWanted {
  sync: boolean;
  health: boolean;
}

/** `moor app wait`: Synced and Healthy for the current generation, or Stalled (no use waiting). */
export function readyVerdict(name: string, app: Application | null, wanted: ReadyWanted): Verdict {
  if (!app) return gone(name);
  const status = statusOf(app);
  const stalled = stalledCondition(app);
  if (stalled)
    return {
      state: "failed",
      label: `application ${name} is stalled (${stalled.reason}): ${stalled.message}`,
    };
  if (app.spec.suspend) return { state: "failed", label: `application ${name} is suspended (spec.suspend)` };
  const sync = status.sync?.status ?? "Unknown";
  const health = status.health?.status ?? "Unknown";
  const observed =
    app.metadata.generation === undefined || status.observedGeneration === app.metadata.generation;
  const ok = observed && (!wanted.sync || sync === "Synced") && (!wanted.health || health === "Healthy");
  const running = operationProgress(status.operationState);
  const message = running
    ? `sync ${running}`
    : (status.health?.message ?? status.conditions?.find((c) => c.type === "Ready")?.message);
  const summary = `sync ${sync}, health ${health}${observed ? "" : ", spec change not yet observed"}${message && !ok ? `: ${message}` : ""}`;
  return ok
    ? {
        state: "done",
        label: `application ${name} is ${[wanted.sync ? "Synced" : "", wanted.health ? "Healthy" : ""].filter(Boolean).join(" and ")}`,
      }
    : { state: "waiting", label: `application ${name}: ${summary}` };
}

export function deletedVerdict(name: string, app: Application | null): Verdict {
  if (!app) return { state: "done", label: `application ${name} deleted` };
  const finalizers = app.metadata.finalizers ?? [];
  return {
    state: "waiting",
    label: finalizers.length
      ? `waiting for finalizers of application ${name} (${finalizers.join(", ")})`
      : `waiting for application ${name} to go`,
  };
}

export interface PollOptions {
  timeoutMs: number;
  /** Default 250 ms. */
  intervalMs?: number;
  progress: Progress;
}

export interface PollResult {
  verdict: Verdict;
  app: Application | null;
  timedOut: boolean;
}

/** Reads the Application until the verdict is done or failed, or the timeout passes (see poll). */
export async function pollApp(
  read: () => Promise<Application | null>,
  judge: (app: Application | null) => Verdict,
  options: PollOptions,
): Promise<PollResult> {
  const { verdict, value, timedOut } = await poll(read, judge, {
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs ?? 250,
    confirmMs: 0,
    progress: options.progress,
  });
  return { verdict, app: value, timedOut };
}
