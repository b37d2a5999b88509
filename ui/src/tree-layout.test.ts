import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TreeNode } from "./tree-api.ts";
import { type LaidOutNode, layoutTree, moreId, ROOT_ID } from "./tree-layout.ts";

function node(kind: string, name: string, extra: Partial<TreeNode> = {}): TreeNode {
  const group = ["Deployment", "ReplicaSet", "StatefulSet"].includes(kind) ? "apps" : "";
  return {
    id: `${group}/${kind}/shop/${name}`,
    group,
    kind,
    namespace: "shop",
    name,
    managed: extra.parent === undefined,
    health: { status: "Healthy" },
    ...extra,
  };
}

const DEPLOY = node("Deployment", "web");
const RS = node("ReplicaSet", "web-7d9", { parent: DEPLOY.id, createdAt: "2026-01-02T00:00:00Z" });
const OLD_RS = node("ReplicaSet", "web-5c4", { parent: DEPLOY.id, createdAt: "2026-01-01T00:00:00Z" });
const POD_A = node("Pod", "web-7d9-a", { parent: RS.id });
const POD_B = node("Pod", "web-7d9-b", { parent: RS.id });
const SERVICE = node("Service", "web");
const CONFIG = node("ConfigMap", "web-config");
const SECRET = node("Secret", "web-secret");
const APP = [DEPLOY, RS, POD_A, POD_B, SERVICE, CONFIG, SECRET];

const ids = (nodes: LaidOutNode[]) => nodes.map((n) => n.id);
const find = (nodes: LaidOutNode[], id: string) => {
  const found = nodes.find((n) => n.id === id);
  assert.ok(found, `no box for ${id}`);
  return found;
};

describe("layoutTree", () => {
  it("puts the Application alone in column 0 when the app has no objects yet", () => {
    const layout = layoutTree([]);
    assert.equal(layout.nodes.length, 1);
    assert.equal(layout.nodes[0]?.type, "app");
    assert.deepEqual(layout.edges, []);
    assert.ok(layout.width >= (layout.nodes[0]?.width ?? 0));
    assert.ok(layout.height >= (layout.nodes[0]?.height ?? 0));
  });

  it("lays out Application -> managed objects -> ReplicaSet -> Pods in columns 0 to 3", () => {
    const layout = layoutTree(APP);
    const depth = (id: string) => find(layout.nodes, id).depth;
    assert.equal(depth(ROOT_ID), 0);
    for (const managed of [DEPLOY, SERVICE, CONFIG, SECRET]) assert.equal(depth(managed.id), 1);
    assert.equal(depth(RS.id), 2);
    assert.equal(depth(POD_A.id), 3);
    assert.equal(depth(POD_B.id), 3);
    // Columns are left to right.
    assert.ok(find(layout.nodes, RS.id).x > find(layout.nodes, DEPLOY.id).x);
    assert.ok(find(layout.nodes, POD_A.id).x > find(layout.nodes, RS.id).x);
  });

  it("groups managed objects in the order a sync applies kinds, top to bottom", () => {
    const layout = layoutTree(APP);
    const column = layout.nodes.filter((n) => n.depth === 1).sort((a, b) => a.y - b.y);
    assert.deepEqual(
      column.map((n) => (n.type === "object" ? n.node.kind : n.type)),
      ["Secret", "ConfigMap", "Service", "Deployment"],
    );
  });

  it("gives the same boxes whatever order the server listed the nodes in", () => {
    const forward = layoutTree(APP);
    const backward = layoutTree([...APP].reverse());
    assert.deepEqual(backward, forward);
  });

  it("never lets two boxes overlap and centres a parent on its children", () => {
    const layout = layoutTree([...APP, OLD_RS]);
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        assert.ok(apart, `${a.id} overlaps ${b.id}`);
      }
    }
    const rs = find(layout.nodes, RS.id);
    const pods = [find(layout.nodes, POD_A.id), find(layout.nodes, POD_B.id)];
    assert.equal(rs.y, ((pods[0]?.y ?? 0) + (pods[1]?.y ?? 0)) / 2);
    for (const box of layout.nodes) {
      assert.ok(box.x >= 0 && box.x + box.width <= layout.width, `${box.id} inside the width`);
      assert.ok(box.y >= 0 && box.y + box.height <= layout.height, `${box.id} inside the height`);
    }
  });

  it("lists the newest ReplicaSet first", () => {
    const layout = layoutTree([DEPLOY, OLD_RS, RS]);
    assert.ok(find(layout.nodes, RS.id).y < find(layout.nodes, OLD_RS.id).y);
  });

  it("draws each edge from the parent's right side to the child's left side", () => {
    const layout = layoutTree(APP);
    assert.equal(layout.edges.length, APP.length);
    const edge = layout.edges.find((e) => e.to === POD_B.id);
    assert.ok(edge);
    assert.equal(edge.from, RS.id);
    const rs = find(layout.nodes, RS.id);
    const pod = find(layout.nodes, POD_B.id);
    assert.deepEqual(edge.points[0], [rs.x + rs.width, rs.y + rs.height / 2]);
    assert.deepEqual(edge.points.at(-1), [pod.x, pod.y + pod.height / 2]);
    assert.equal(edge.points[1]?.[0], edge.points[2]?.[0], "bends on one vertical line");
    const fromApp = layout.edges.filter((e) => e.from === ROOT_ID).map((e) => e.to);
    assert.deepEqual(fromApp.sort(), [DEPLOY.id, SERVICE.id, CONFIG.id, SECRET.id].sort());
  });

  it("lists boxes in reading order: the Application, then each parent before its children", () => {
    const order = ids(layoutTree(APP).nodes);
    assert.equal(order[0], ROOT_ID);
    assert.ok(order.indexOf(DEPLOY.id) < order.indexOf(RS.id));
    assert.ok(order.indexOf(RS.id) < order.indexOf(POD_A.id));
    assert.ok(order.indexOf(POD_A.id) < order.indexOf(POD_B.id));
  });

  it("hangs a child whose owner is not in the tree off the Application, marked as an orphan", () => {
    const stray = node("Pod", "stray", { parent: "apps/ReplicaSet/shop/gone" });
    const layout = layoutTree([DEPLOY, stray]);
    const box = find(layout.nodes, stray.id);
    assert.equal(box.depth, 1);
    assert.equal(box.type === "object" && box.orphan, true);
    assert.ok(layout.edges.some((e) => e.from === ROOT_ID && e.to === stray.id));
    const deploy = find(layout.nodes, DEPLOY.id);
    assert.equal(deploy.type === "object" && deploy.orphan, false);
  });

  it("breaks an owner loop instead of losing its nodes or recursing forever", () => {
    const a = node("ConfigMap", "a", { parent: "/ConfigMap/shop/b" });
    const b = node("ConfigMap", "b", { parent: "/ConfigMap/shop/a" });
    const layout = layoutTree([a, b]);
    assert.deepEqual(ids(layout.nodes).sort(), [ROOT_ID, a.id, b.id].sort());
    assert.equal(find(layout.nodes, a.id).depth, 1);
    assert.equal(find(layout.nodes, b.id).depth, 2);
  });

  it("keeps one box per id when the server repeats a node", () => {
    const layout = layoutTree([DEPLOY, DEPLOY, RS]);
    assert.equal(layout.nodes.filter((n) => n.id === DEPLOY.id).length, 1);
  });

  it("folds hundreds of Pods into 20 boxes and a '+N more' box, keeping the failing ones in view", () => {
    const pods = Array.from({ length: 300 }, (_, i) =>
      node("Pod", `web-7d9-${String(i).padStart(3, "0")}`, {
        parent: RS.id,
        health: { status: i === 250 ? "Degraded" : "Healthy" },
      }),
    );
    const layout = layoutTree([DEPLOY, RS, ...pods]);
    const shown = layout.nodes.filter((n) => n.type === "object" && n.node.kind === "Pod");
    assert.equal(shown.length, 20);
    assert.ok(
      shown.some((n) => n.id === pods[250]?.id),
      "the Degraded pod stays visible",
    );
    const more = find(layout.nodes, moreId(RS.id));
    assert.equal(more.type === "more" && more.hidden, 280);
    assert.equal(more.depth, 3);
    assert.ok(layout.edges.some((e) => e.from === RS.id && e.to === more.id));
    // Shown pods keep name order; the fold is last.
    const ys = shown.map((n) => n.y);
    assert.deepEqual(
      ys,
      [...ys].sort((a, b) => a - b),
    );
    assert.ok(more.y > Math.max(...ys));
  });

  it("shows every child of a parent the user expanded", () => {
    const pods = Array.from({ length: 45 }, (_, i) => node("Pod", `p-${i}`, { parent: RS.id }));
    const layout = layoutTree([DEPLOY, RS, ...pods], { expanded: new Set([RS.id]) });
    assert.equal(layout.nodes.filter((n) => n.type === "object" && n.node.kind === "Pod").length, 45);
    assert.equal(
      layout.nodes.some((n) => n.type === "more"),
      false,
    );
  });

  it("lays out 500 nodes, folding the Pods of each of ten ReplicaSets", () => {
    const rss = Array.from({ length: 10 }, (_, i) => node("ReplicaSet", `rs-${i}`, { parent: DEPLOY.id }));
    const pods = rss.flatMap((rs) =>
      Array.from({ length: 49 }, (_, i) => node("Pod", `${rs.name}-${i}`, { parent: rs.id })),
    );
    const layout = layoutTree([DEPLOY, ...rss, ...pods]);
    // 1 app + 1 deployment + 10 ReplicaSets + 10 x (20 pods + 1 fold).
    assert.equal(layout.nodes.length, 1 + 1 + 10 + 10 * 21);
  });
});
