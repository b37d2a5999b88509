// The resource tree and one object of an Application, as the server's inspect routes answer them
// (src/server/routes/app-inspect.ts). The tree is the app's managed objects (from its status) plus
// what they own in the destination cluster, read live by the controller: ReplicaSets of a
// Deployment, Pods of a ReplicaSet, Jobs of a CronJob. A managed object's parent is the
// Application itself, so it has no `parent`; an owned child names its owner's id. When the
// controller cannot be reached the server still answers the managed objects and says why the
// children are missing (`childrenError`), so the page degrades instead of failing.
import { api } from "./api.ts";

export interface TreeNode {
  /** "group/Kind/namespace/name"; group "" for core kinds: "/Pod/shop/web-1". */
  id: string;
  group: string;
  version?: string;
  kind: string;
  namespace: string;
  name: string;
  /** The owner's id; absent for managed objects (their parent is the Application). */
  parent?: string;
  managed: boolean;
  sync?: string;
  health?: { status: string; message?: string };
  createdAt?: string;
  /** Short facts: pod phase, ready 1/1, image names, replicas 2/2. */
  info?: string[];
}

export interface ApiProblem {
  code: string;
  message: string;
}

export interface AppTree {
  nodes: TreeNode[];
  /** The controller stopped at its cap of child objects: some children are not listed. */
  truncated: boolean;
  childrenError?: ApiProblem;
}

export interface ObjectRefView {
  group: string;
  version?: string;
  kind: string;
  namespace: string;
  name: string;
}

/** One field that differs between live and desired, as the controller's diff names it (masked). */
export interface FieldChange {
  path: string;
  live?: unknown;
  desired?: unknown;
}

export interface ObjectDetail {
  ref: ObjectRefView;
  /** The object in the cluster (status kept), normalised and masked; absent when missing. */
  live?: Record<string, unknown>;
  /** The object as Git renders it at the synced revision; absent for owned children and extras. */
  desired?: Record<string, unknown>;
  diff: FieldChange[];
}

const appPath = (namespace: string, name: string) =>
  `/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export function fetchTree(namespace: string, name: string, signal?: AbortSignal): Promise<AppTree> {
  return api<AppTree>(`${appPath(namespace, name)}/tree`, signal ? { signal } : {});
}

export function fetchObject(
  namespace: string,
  name: string,
  ref: ObjectRefView,
  signal?: AbortSignal,
): Promise<ObjectDetail> {
  const query = new URLSearchParams({
    group: ref.group,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
  });
  return api<ObjectDetail>(`${appPath(namespace, name)}/object?${query}`, signal ? { signal } : {});
}
