// Carrying out a RollingSync (core/appset/rollout.ts decides): read each generated Application's
// standing from the cluster, ask for the syncs the decision names the way `moor app sync` does
// (the Application's `operation` field, which the app controller runs), and hand back the rows
// and condition for the set's status. The set is generated again whenever one of its
// Applications changes (appset-runner.ts), so each finished step starts the next.
import { APPLICATION_API_VERSION, type Application } from "../core/application.ts";
import {
  decideRollout,
  type LiveStanding,
  type RolloutCondition,
  type RolloutRow,
} from "../core/appset/rollout.ts";
import type { ApplicationSet } from "../core/appset/types.ts";
import type { KubeClient } from "../kube/client.ts";

interface LiveStatus {
  sync?: { status?: string };
  health?: { status?: string };
  operationState?: { phase?: string };
}

function standingOf(app: Application): LiveStanding {
  const status = ((app as { status?: LiveStatus }).status ?? {}) as LiveStatus;
  const sync = status.sync?.status;
  const health = status.health?.status;
  const phase = status.operationState?.phase;
  return {
    sync: sync === "Synced" || sync === "OutOfSync" ? sync : "Unknown",
    health: (["Healthy", "Progressing", "Degraded", "Suspended", "Missing"].includes(health ?? "")
      ? health
      : "Unknown") as LiveStanding["health"],
    ...(phase === "Running" || phase === "Terminating" || phase === "Succeeded" || phase === "Failed"
      ? { operationPhase: phase }
      : {}),
  };
}

function requestLost(app: Application): boolean {
  const phase = (app as { status?: LiveStatus }).status?.operationState?.phase;
  const pending = (app as { operation?: { sync?: unknown } }).operation?.sync;
  return !pending && phase !== "Running" && phase !== "Terminating";
}

export async function rollOut(
  client: KubeClient,
  set: ApplicationSet,
  generated: Application[],
  now: string,
): Promise<{
  applicationStatus: RolloutRow[];
  condition: RolloutCondition;
  started: string[];
  /** The 1-based step under way, undefined once every step is done. */
  currentStep: number | undefined;
  steps: number;
}> {
  const namespace = set.metadata.namespace;
  const live = (await client.list(APPLICATION_API_VERSION, "Application", { namespace }))
    .items as Application[];
  const byName = new Map(live.map((a) => [a.metadata.name, a]));
  const decision = decideRollout({
    steps: set.spec.strategy?.rollingSync?.steps ?? [],
    applications: generated,
    live: Object.fromEntries(
      generated.map((a) => {
        const found = byName.get(a.metadata.name);
        return [a.metadata.name, found ? standingOf(found) : undefined];
      }),
    ),
    previous: set.status?.applicationStatus ?? [],
    now,
  });
  // A sync asked for earlier whose request is gone without a sync running (the app controller
  // drops a request on a failed pass) is asked for again, or the rollout would wait forever.
  const lost = decision.applicationStatus
    .filter((row) => row.status === "Pending" && !decision.syncNow.includes(row.application))
    .map((row) => byName.get(row.application))
    .filter((app): app is Application => app !== undefined && requestLost(app))
    .map((app) => app.metadata.name);
  for (const name of [...decision.syncNow, ...lost]) {
    const cleared = { sync: null, rollback: null, unpin: null, terminate: null, initiatedBy: null };
    await client.mergePatch(
      { apiVersion: APPLICATION_API_VERSION, group: "mooring.dev", kind: "Application", namespace, name },
      {
        operation: { ...cleared, sync: {}, initiatedBy: { username: `applicationset/${set.metadata.name}` } },
      },
    );
  }
  return {
    applicationStatus: decision.applicationStatus,
    condition: decision.condition,
    started: decision.syncNow,
    currentStep: decision.currentStep,
    steps: set.spec.strategy?.rollingSync?.steps?.length ?? 0,
  };
}
