// The few facts a resource-tree node shows under its name, read from the live object: how many
// replicas are ready, a Pod's phase and restarts, the images it runs, a Service's type. Short
// strings, at most a handful per object, so a node card stays small.
import { at, list, num, str } from "../health/fields.ts";
import type { KubeObject } from "../objects.ts";

const MAX_IMAGES = 3;

/** Facts about one object; [] for kinds with nothing worth showing. */
export function objectFacts(obj: KubeObject): string[] {
  switch (obj.kind) {
    case "Pod":
      return podFacts(obj);
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet": {
      const desired = num(at(obj, "spec", "replicas")) ?? 1;
      const ready = num(at(obj, "status", "readyReplicas")) ?? 0;
      return [`replicas ${ready}/${desired}`, ...images(at(obj, "spec", "template", "spec"))];
    }
    case "DaemonSet": {
      const desired = num(at(obj, "status", "desiredNumberScheduled")) ?? 0;
      const ready = num(at(obj, "status", "numberReady")) ?? 0;
      return [`ready ${ready}/${desired}`, ...images(at(obj, "spec", "template", "spec"))];
    }
    case "Job": {
      const succeeded = num(at(obj, "status", "succeeded")) ?? 0;
      const completions = num(at(obj, "spec", "completions")) ?? 1;
      return [`completions ${succeeded}/${completions}`];
    }
    case "CronJob":
      return [`schedule ${str(at(obj, "spec", "schedule")) ?? "?"}`];
    case "Service": {
      const type = str(at(obj, "spec", "type")) ?? "ClusterIP";
      const ports = list(at(obj, "spec", "ports"))
        .map((p) => num(at(p, "port")))
        .filter((p): p is number => p !== undefined);
      return [ports.length > 0 ? `${type} ${ports.join(",")}` : type];
    }
    default:
      return [];
  }
}

function podFacts(pod: KubeObject): string[] {
  const phase = str(at(pod, "status", "phase")) ?? "Pending";
  const statuses = list(at(pod, "status", "containerStatuses"));
  const containers = list(at(pod, "spec", "containers")).length;
  const ready = statuses.filter((s) => at(s, "ready") === true).length;
  const restarts = statuses.reduce<number>((sum, s) => sum + (num(at(s, "restartCount")) ?? 0), 0);
  return [
    phase,
    `ready ${ready}/${containers}`,
    ...(restarts > 0 ? [`restarts ${restarts}`] : []),
    ...images(at(pod, "spec")),
  ];
}

function images(podSpec: unknown): string[] {
  const all = list(at(podSpec, "containers"))
    .map((c) => str(at(c, "image")))
    .filter((image): image is string => Boolean(image));
  return all.length > MAX_IMAGES ? [...all.slice(0, MAX_IMAGES), `+${all.length - MAX_IMAGES} images`] : all;
}
