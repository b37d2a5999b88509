// Health of the controllers that keep a set of Pods running: Deployment, StatefulSet, DaemonSet
// and ReplicaSet. Each follows the question `kubectl rollout status` asks of it: has the
// controller seen the latest spec, have all Pods been replaced with the new template, and are
// enough of the new Pods available? Counts the controller has not written yet read as zero.
import type { KubeObject } from "../objects.ts";
import {
  at,
  conditions,
  describe,
  findCondition,
  num,
  plural,
  spec,
  status,
  str,
  unobservedGeneration,
} from "./fields.ts";
import type { HealthResult } from "./status.ts";

function progressing(message: string): HealthResult {
  return { status: "Progressing", message };
}

function notObserved(obj: KubeObject, controller: string): HealthResult | undefined {
  const unseen = unobservedGeneration(obj, { absentMeansUnobserved: true });
  if (!unseen) return undefined;
  return progressing(
    `waiting for rollout: the ${controller} controller has not yet observed generation ${unseen.generation}`,
  );
}

/**
 * A Deployment rolls out by scaling a new ReplicaSet up and old ones down. It is done when every
 * desired replica runs the new template, no old replica is left and every new one is available
 * (ready for minReadySeconds). When a rollout makes no progress for progressDeadlineSeconds, the
 * controller sets the Progressing condition to False with reason ProgressDeadlineExceeded; it
 * never retries on its own, so that is a failure. A paused Deployment does not roll out at all.
 */
export function deploymentHealth(obj: KubeObject): HealthResult {
  if (spec(obj).paused === true) return { status: "Suspended", message: "deployment is paused" };
  const waiting = notObserved(obj, "deployment");
  if (waiting) return waiting;

  const progress = findCondition(conditions(obj), "Progressing");
  if (progress?.reason === "ProgressDeadlineExceeded") {
    return { status: "Degraded", message: `rollout stuck: ${describe(progress)}` };
  }

  const desired = num(spec(obj).replicas) ?? 1;
  const s = status(obj);
  const total = num(s.replicas) ?? 0;
  const updated = num(s.updatedReplicas) ?? 0;
  const available = num(s.availableReplicas) ?? 0;
  if (updated < desired) {
    return progressing(`waiting for rollout: ${updated} of ${desired} replicas have been updated`);
  }
  if (total > updated) {
    const old = total - updated;
    return progressing(
      `waiting for rollout: ${old} old ${plural(old, "replica is", "replicas are")} pending termination`,
    );
  }
  if (available < updated) {
    return progressing(`waiting for rollout: ${available} of ${updated} updated replicas are available`);
  }
  return { status: "Healthy", message: `${available} of ${desired} replicas are available` };
}

/**
 * A StatefulSet replaces its Pods one at a time, highest ordinal first, and names each template
 * version with a revision: `currentRevision` is what the old Pods run, `updateRevision` what the
 * spec asks for; they become equal when the rollout ends. A RollingUpdate `partition` holds Pods
 * with an ordinal below it on the old revision (a canary): the rollout is done once the Pods at
 * or above the partition are updated. With the OnDelete strategy the controller only updates
 * Pods that someone deletes, so there is no rollout to wait for.
 */
export function statefulSetHealth(obj: KubeObject): HealthResult {
  const waiting = notObserved(obj, "statefulset");
  if (waiting) return waiting;

  const desired = num(spec(obj).replicas) ?? 1;
  const s = status(obj);
  const ready = num(s.readyReplicas) ?? 0;
  if (ready < desired) return progressing(`waiting for rollout: ${ready} of ${desired} pods are ready`);

  const strategy = str(at(obj, "spec", "updateStrategy", "type")) ?? "RollingUpdate";
  if (strategy === "OnDelete") {
    return {
      status: "Healthy",
      message: `${ready} pods are ready; OnDelete updates wait for pods to be deleted`,
    };
  }

  const updated = num(s.updatedReplicas) ?? 0;
  const partition = num(at(obj, "spec", "updateStrategy", "rollingUpdate", "partition")) ?? 0;
  if (partition > 0) {
    const toUpdate = Math.max(desired - partition, 0);
    if (updated < toUpdate) {
      return progressing(
        `waiting for partitioned rollout: ${updated} of ${toUpdate} pods at or above ordinal ${partition} have been updated`,
      );
    }
    return {
      status: "Healthy",
      message: `partitioned rollout complete: ${updated} of ${desired} pods updated`,
    };
  }

  const updateRevision = str(s.updateRevision);
  if (updateRevision !== undefined && updateRevision !== str(s.currentRevision)) {
    return progressing(
      `waiting for rollout: ${updated} of ${desired} pods have been updated to revision ${updateRevision}`,
    );
  }
  const revision = updateRevision ? ` at revision ${updateRevision}` : "";
  return { status: "Healthy", message: `${ready} of ${desired} pods are ready${revision}` };
}

/**
 * A DaemonSet runs one Pod per eligible node; `desiredNumberScheduled` is how many nodes that is.
 * A rollout is done when every such node runs a Pod from the current template and all of them
 * are available.
 */
export function daemonSetHealth(obj: KubeObject): HealthResult {
  const waiting = notObserved(obj, "daemonset");
  if (waiting) return waiting;

  const s = status(obj);
  const desired = num(s.desiredNumberScheduled) ?? 0;
  const available = num(s.numberAvailable) ?? 0;
  const strategy = str(at(obj, "spec", "updateStrategy", "type")) ?? "RollingUpdate";
  if (strategy === "OnDelete") {
    return {
      status: "Healthy",
      message: `${available} of ${desired} pods are available; OnDelete updates wait for pods to be deleted`,
    };
  }
  const updated = num(s.updatedNumberScheduled) ?? 0;
  if (updated < desired) {
    return progressing(`waiting for rollout: ${updated} of ${desired} nodes run the updated pod`);
  }
  if (available < desired) {
    return progressing(`waiting for rollout: ${available} of ${desired} updated pods are available`);
  }
  return { status: "Healthy", message: `${available} of ${desired} pods are available` };
}

/**
 * A ReplicaSet only keeps a count of identical Pods. It reports ReplicaFailure when it cannot
 * create Pods at all (a ResourceQuota or a PodSecurity admission refusing them), which waiting
 * will not fix.
 */
export function replicaSetHealth(obj: KubeObject): HealthResult {
  const waiting = notObserved(obj, "replicaset");
  if (waiting) return waiting;

  const failure = findCondition(conditions(obj), "ReplicaFailure");
  if (failure?.status === "True") return { status: "Degraded", message: describe(failure) };

  const desired = num(spec(obj).replicas) ?? 1;
  const available = num(status(obj).availableReplicas) ?? 0;
  if (available < desired)
    return progressing(`waiting for replicas: ${available} of ${desired} are available`);
  return { status: "Healthy", message: `${available} of ${desired} replicas are available` };
}
