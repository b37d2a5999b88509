// The resource tree of an Application, as the web UI draws it: the Application at the root, the
// objects it manages below it (from its status), and below those the objects Kubernetes made for
// them — a Deployment's ReplicaSets, their Pods, a CronJob's Jobs. Kubernetes records who made
// an object in its ownerReferences (by uid), so the tree is built by following those uids down
// from the managed objects, never by guessing from names or labels. A workload may own thousands
// of Pods; the tree keeps at most a fixed number of owned nodes and says when it stopped.
import type { ResourceStatus } from "../app-status.ts";
import type { HealthCheck } from "../application.ts";
import { assessHealth } from "../health/assess.ts";
import { groupOf, type KubeObject, type ObjectRef, refOf, versionOf } from "../objects.ts";
import { objectFacts } from "./facts.ts";

/** Owned nodes a tree keeps (managed objects are always all there). */
export const TREE_CHILD_LIMIT = 500;

export interface TreeNode {
  /** `group/Kind/namespace/name`, group "" for core kinds: `/Pod/shop/web-1`. */
  id: string;
  group: string;
  version?: string;
  kind: string;
  namespace: string;
  name: string;
  /** The owner's id; absent on managed objects (the Application is their parent). */
  parent?: string;
  /** Declared in Git and applied by the app (true), or made by a controller for one (false). */
  managed: boolean;
  /** Managed objects only: Synced, OutOfSync, Unknown. */
  sync?: string;
  health?: { status: string; message?: string };
  createdAt?: string;
  /** Short facts for the node's card: pod phase, ready 1/1, replicas 2/2, images. */
  info?: string[];
}

export interface Tree {
  nodes: TreeNode[];
  /** Owned objects were left out past TREE_CHILD_LIMIT. */
  truncated: boolean;
}

/** One id format for every node (the UI keys its graph by it). */
export function nodeId(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/**
 * What a workload's controller creates, by `group/Kind` of the owner: the kinds to list in the
 * owner's namespace and then match by owner uid.
 */
export const OWNED_KINDS: ReadonlyMap<string, readonly { apiVersion: string; kind: string }[]> = new Map([
  ["apps/Deployment", [{ apiVersion: "apps/v1", kind: "ReplicaSet" }]],
  ["apps/ReplicaSet", [{ apiVersion: "v1", kind: "Pod" }]],
  ["apps/StatefulSet", [{ apiVersion: "v1", kind: "Pod" }]],
  ["apps/DaemonSet", [{ apiVersion: "v1", kind: "Pod" }]],
  ["batch/Job", [{ apiVersion: "v1", kind: "Pod" }]],
  ["batch/CronJob", [{ apiVersion: "batch/v1", kind: "Job" }]],
]);

/** The kinds an object of this group and kind owns ([] for kinds that make nothing). */
export function ownedKindsOf(group: string, kind: string): readonly { apiVersion: string; kind: string }[] {
  return OWNED_KINDS.get(`${group}/${kind}`) ?? [];
}

/** The managed nodes as the Application's status lists them: what the page shows without the controller. */
export function managedNodes(resources: readonly Partial<ResourceStatus>[]): TreeNode[] {
  return resources.map((r) => {
    const ref = {
      group: String(r.group ?? ""),
      kind: String(r.kind ?? ""),
      namespace: String(r.namespace ?? ""),
      name: String(r.name ?? ""),
    };
    return {
      id: nodeId(ref),
      ...ref,
      ...(typeof r.version === "string" && r.version ? { version: r.version } : {}),
      managed: true,
      sync: String(r.status ?? "Unknown"),
      ...(r.health ? { health: { ...r.health } } : {}),
    };
  });
}

export interface TreeInput {
  /** The managed nodes (managedNodes of the status). */
  managed: readonly TreeNode[];
  /** The managed objects as they are live (any subset of `managed`; absent ones stay as status says). */
  live: readonly KubeObject[];
  /** Objects listed in the namespaces of the managed workloads; those owned through them become nodes. */
  candidates: readonly KubeObject[];
  /** The app's own health checks, for owned objects of those kinds. */
  healthChecks?: readonly HealthCheck[];
  /** Default TREE_CHILD_LIMIT. */
  limit?: number;
}

/**
 * The tree: managed nodes enriched with what their live objects say (creation time, facts), then,
 * level by level, every candidate whose ownerReferences name the uid of a node already in the
 * tree. Siblings are ordered newest first, then by name, so the current ReplicaSet comes first.
 */
export function buildTree(input: TreeInput): Tree {
  const limit = input.limit ?? TREE_CHILD_LIMIT;
  const liveById = new Map(input.live.map((obj) => [nodeId(refOf(obj)), obj]));
  const nodes: TreeNode[] = [];
  const seen = new Set<string>();
  /** uid of an object in the tree → its node id. */
  let frontier = new Map<string, string>();
  for (const node of input.managed) {
    const live = liveById.get(node.id);
    nodes.push(live ? withLive(node, live) : node);
    seen.add(node.id);
    const uid = live?.metadata.uid;
    if (uid) frontier.set(uid, node.id);
  }
  const byOwner = new Map<string, KubeObject[]>();
  for (const obj of input.candidates) {
    for (const owner of obj.metadata.ownerReferences ?? []) {
      const list = byOwner.get(owner.uid) ?? [];
      list.push(obj);
      byOwner.set(owner.uid, list);
    }
  }
  let children = 0;
  let truncated = false;
  while (frontier.size > 0) {
    const next = new Map<string, string>();
    for (const [uid, parent] of frontier) {
      for (const obj of sortSiblings(byOwner.get(uid) ?? [])) {
        const id = nodeId(refOf(obj));
        if (seen.has(id)) continue;
        if (children >= limit) {
          truncated = true;
          continue;
        }
        seen.add(id);
        children++;
        nodes.push(ownedNode(obj, parent, input.healthChecks ?? []));
        if (obj.metadata.uid) next.set(obj.metadata.uid, id);
      }
    }
    frontier = next;
  }
  return { nodes, truncated };
}

function sortSiblings(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort(
    (a, b) =>
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") ||
      (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  );
}

function withLive(node: TreeNode, live: KubeObject): TreeNode {
  const info = objectFacts(live);
  return {
    ...node,
    ...(live.metadata.creationTimestamp ? { createdAt: live.metadata.creationTimestamp } : {}),
    ...(info.length > 0 ? { info } : {}),
  };
}

function ownedNode(obj: KubeObject, parent: string, checks: readonly HealthCheck[]): TreeNode {
  const ref = refOf(obj);
  const health = assessHealth(obj, checks);
  const info = objectFacts(obj);
  return {
    id: nodeId(ref),
    group: groupOf(obj.apiVersion),
    version: versionOf(obj.apiVersion),
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    parent,
    managed: false,
    health: { status: health.status, ...(health.message ? { message: health.message } : {}) },
    ...(obj.metadata.creationTimestamp ? { createdAt: obj.metadata.creationTimestamp } : {}),
    ...(info.length > 0 ? { info } : {}),
  };
}
