// Where each box of an Application's resource tree goes: a layered, left-to-right layout.
// Column 0 holds the Application, column 1 the objects it manages, grouped in the order a sync
// applies kinds (Namespace, Secret, ConfigMap, Service, Deployment...), and each further column
// what the objects to its left own (Deployment -> ReplicaSets -> Pods). Every leaf takes a row of
// its own and a parent sits in the middle of its children's rows, so subtrees never overlap and
// edges never cross. A tree needs no general graph-layout library; this keeps the bundle small.
//
// The layout is pure and stable: the same nodes give the same boxes, whatever order the server
// listed them in. It copes with what live clusters hand over: no objects at all (a new app), a
// child whose owner is not in the tree (the controller's cap cut it off, or the owner is not
// managed) - it hangs off the Application and is marked `orphan` - and hundreds of Pods: beyond
// `maxChildren` children of one parent, the worst-health ones are kept and the rest fold into one
// "+N more" box, which the page can expand.
import type { TreeNode } from "./tree-api.ts";

/** The order a sync applies kinds in (mirrors src/core/sync-plan.ts KIND_ORDER, which the UI
 * bundle cannot import); unknown kinds (custom resources) come after, by kind name. */
const KIND_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
] as const;
const KIND_RANK = new Map<string, number>(KIND_ORDER.map((kind, i) => [kind, i]));
const kindRank = (kind: string) => KIND_RANK.get(kind) ?? KIND_ORDER.length;

/** Kinds that are revisions of their owner: the newest comes first. */
const REVISION_KINDS = new Set(["ReplicaSet", "Job", "ControllerRevision"]);

/** Worst first, for choosing which children stay visible when some fold away. */
const HEALTH_BADNESS: Record<string, number> = {
  Degraded: 0,
  Missing: 1,
  Progressing: 2,
  Unknown: 3,
  Suspended: 4,
  Healthy: 5,
};
const badness = (node: TreeNode) => HEALTH_BADNESS[node.health?.status ?? "Unknown"] ?? 3;

export const ROOT_ID = "application" as const;

export interface LayoutOptions {
  /** Width of a box (a Pod name with its hashes fits); default 260. */
  nodeWidth: number;
  /** Height of a box; default 76. */
  nodeHeight: number;
  /** Space between columns, where the edges bend; default 56. */
  columnGap: number;
  /** Space between rows; default 14. */
  rowGap: number;
  /** Margin around the drawing; default 12. */
  margin: number;
  /** Children of one parent shown before the rest fold into "+N more"; default 20. */
  maxChildren: number;
  /** Parents (ids) whose children are all shown, whatever their number; default none. */
  expanded: ReadonlySet<string>;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 260,
  nodeHeight: 76,
  columnGap: 56,
  rowGap: 14,
  margin: 12,
  maxChildren: 20,
  expanded: new Set(),
};

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

export type LaidOutNode =
  | (Box & { type: "app"; id: typeof ROOT_ID })
  | (Box & { type: "object"; id: string; node: TreeNode; orphan: boolean })
  | (Box & { type: "more"; id: string; parent: string; hidden: number });

export interface Edge {
  from: string;
  to: string;
  /** Polyline from the parent's right side to the child's left side, bending halfway. */
  points: [number, number][];
}

export interface TreeLayout {
  /** Boxes in reading order: depth first, top to bottom. */
  nodes: LaidOutNode[];
  edges: Edge[];
  width: number;
  height: number;
}

/** The id of the "+N more" box under `parent`. */
export const moreId = (parent: string) => `${parent}#more`;

export function layoutTree(input: readonly TreeNode[], options: Partial<LayoutOptions> = {}): TreeLayout {
  const o: LayoutOptions = { ...DEFAULT_LAYOUT, ...options };

  // One node per id (the first wins), then the children of each parent.
  const byId = new Map<string, TreeNode>();
  for (const node of input) if (!byId.has(node.id)) byId.set(node.id, node);
  const children = new Map<string, TreeNode[]>();
  const orphans = new Set<string>();
  for (const node of byId.values()) {
    let parent: string = ROOT_ID;
    if (node.parent !== undefined && node.parent !== node.id) {
      if (byId.has(node.parent)) parent = node.parent;
      else orphans.add(node.id);
    }
    const list = children.get(parent) ?? [];
    list.push(node);
    children.set(parent, list);
  }
  // Owner chains that loop (a owns b owns a) are never reached from the Application: the first
  // of each loop, in id order, hangs off the Application instead.
  const reached = new Set<string>();
  const mark = (id: string) => {
    if (reached.has(id)) return;
    reached.add(id);
    for (const child of children.get(id) ?? []) mark(child.id);
  };
  mark(ROOT_ID);
  for (const id of [...byId.keys()].sort()) {
    if (reached.has(id)) continue;
    const node = byId.get(id) as TreeNode;
    const list = children.get(node.parent ?? ROOT_ID);
    if (list) list.splice(list.indexOf(node), 1);
    children.set(ROOT_ID, [...(children.get(ROOT_ID) ?? []), node]);
    orphans.add(id);
    mark(id);
  }

  const rowHeight = o.nodeHeight + o.rowGap;
  const columnWidth = o.nodeWidth + o.columnGap;
  const laidOut: LaidOutNode[] = [];
  const edges: Edge[] = [];
  let rows = 0;
  let maxDepth = 0;

  const box = (depth: number, y: number): Box => ({
    x: o.margin + depth * columnWidth,
    y,
    width: o.nodeWidth,
    height: o.nodeHeight,
    depth,
  });
  const edge = (from: Box & { id: string }, to: Box & { id: string }): Edge => {
    const startY = from.y + from.height / 2;
    const endY = to.y + to.height / 2;
    const bendX = from.x + from.width + o.columnGap / 2;
    return {
      from: from.id,
      to: to.id,
      points: [
        [from.x + from.width, startY],
        [bendX, startY],
        [bendX, endY],
        [to.x, endY],
      ],
    };
  };

  /** Lays out the children of `parentId` at `depth`; returns their boxes (empty for a leaf). */
  const place = (parentId: string, depth: number): (Box & { id: string })[] => {
    const all = children.get(parentId) ?? [];
    if (all.length === 0) return [];
    maxDepth = Math.max(maxDepth, depth);
    let shown = [...all];
    let hidden = 0;
    if (shown.length > o.maxChildren && !o.expanded.has(parentId)) {
      // Keep the worst ones in view: a failing Pod among 300 healthy ones must not fold away.
      shown = shown
        .sort((a, b) => badness(a) - badness(b) || compareSiblings(a, b))
        .slice(0, Math.max(0, o.maxChildren));
      hidden = all.length - shown.length;
    }
    shown.sort(compareSiblings);
    const boxes: (Box & { id: string })[] = [];
    for (const node of shown) {
      const index = laidOut.length;
      const below = place(node.id, depth + 1);
      const y = below.length > 0 ? middle(below) : o.margin + rows++ * rowHeight;
      const laid = {
        ...box(depth, y),
        type: "object" as const,
        id: node.id,
        node,
        orphan: orphans.has(node.id),
      };
      // Reading order: a parent before its children.
      laidOut.splice(index, 0, laid);
      for (const child of below) edges.push(edge(laid, child));
      boxes.push(laid);
    }
    if (hidden > 0) {
      const more = {
        ...box(depth, o.margin + rows++ * rowHeight),
        type: "more" as const,
        id: moreId(parentId),
        parent: parentId,
        hidden,
      };
      laidOut.push(more);
      boxes.push(more);
    }
    return boxes;
  };

  const top = place(ROOT_ID, 1);
  const rootY = top.length > 0 ? middle(top) : o.margin + rows++ * rowHeight;
  const root = { ...box(0, rootY), type: "app" as const, id: ROOT_ID as typeof ROOT_ID };
  laidOut.unshift(root);
  // Edges from the Application first, then the deeper ones, each in reading order.
  edges.unshift(...top.map((child) => edge(root, child)));

  return {
    nodes: laidOut,
    edges,
    width: 2 * o.margin + (maxDepth + 1) * columnWidth - o.columnGap,
    height: 2 * o.margin + rows * rowHeight - o.rowGap,
  };
}

/** Vertical middle of a column of sibling boxes: where their parent goes. */
function middle(boxes: readonly Box[]): number {
  const first = boxes[0] as Box;
  const last = boxes[boxes.length - 1] as Box;
  return (first.y + last.y) / 2;
}

/** Siblings: by kind order, revisions newest first, then namespace and name. */
function compareSiblings(a: TreeNode, b: TreeNode): number {
  const byKind = kindRank(a.kind) - kindRank(b.kind) || compareText(a.kind, b.kind);
  if (byKind !== 0) return byKind;
  if (REVISION_KINDS.has(a.kind) && a.createdAt !== b.createdAt) {
    if (a.createdAt === undefined) return 1;
    if (b.createdAt === undefined) return -1;
    return compareText(b.createdAt, a.createdAt);
  }
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || compareText(a.id, b.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
