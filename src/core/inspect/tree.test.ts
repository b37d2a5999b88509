import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import { buildTree, managedNodes, nodeId } from "./tree.ts";

const owner = (kind: string, name: string, uid: string) => ({ apiVersion: "apps/v1", kind, name, uid });

function obj(
  apiVersion: string,
  kind: string,
  name: string,
  uid: string,
  extra: Partial<KubeObject> = {},
): KubeObject {
  const { metadata, ...rest } = extra;
  return { apiVersion, kind, metadata: { name, namespace: "shop", uid, ...metadata }, ...rest };
}

const deployment = obj("apps/v1", "Deployment", "web", "d1", {
  metadata: { creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { replicas: 2, template: { spec: { containers: [{ image: "nginx:1.27" }] } } },
  status: { readyReplicas: 2 },
});
const rsNew = obj("apps/v1", "ReplicaSet", "web-new", "r2", {
  metadata: {
    ownerReferences: [owner("Deployment", "web", "d1")],
    creationTimestamp: "2026-01-02T00:00:00Z",
  },
  spec: { replicas: 2 },
  status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
});
const rsOld = obj("apps/v1", "ReplicaSet", "web-old", "r1", {
  metadata: {
    ownerReferences: [owner("Deployment", "web", "d1")],
    creationTimestamp: "2026-01-01T00:00:00Z",
  },
  spec: { replicas: 0 },
});
const pod = (name: string, uid: string, rs: string) =>
  obj("v1", "Pod", name, uid, {
    metadata: { ownerReferences: [owner("ReplicaSet", rs, rs === "web-new" ? "r2" : "r1")] },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [{ name: "web", ready: true, restartCount: 0 }],
    },
  });
const stranger = obj("v1", "Pod", "other", "x9", {
  metadata: { ownerReferences: [owner("ReplicaSet", "other", "zz")] },
});

const managed = managedNodes([
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    namespace: "shop",
    name: "web",
    status: "Synced",
    health: { status: "Healthy" },
  },
  { group: "", version: "v1", kind: "Service", namespace: "shop", name: "web", status: "OutOfSync" },
]);

describe("resource tree", () => {
  it("names nodes group/Kind/namespace/name with an empty group for core kinds", () => {
    assert.equal(nodeId({ group: "", kind: "Pod", namespace: "ns", name: "web-1" }), "/Pod/ns/web-1");
    assert.deepEqual(
      managed.map((n) => [n.id, n.managed, n.sync, n.parent]),
      [
        ["apps/Deployment/shop/web", true, "Synced", undefined],
        ["/Service/shop/web", true, "OutOfSync", undefined],
      ],
    );
  });

  it("follows ownerReferences by uid: Deployment -> ReplicaSets (newest first) -> Pods, strangers left out", () => {
    const tree = buildTree({
      managed,
      live: [deployment],
      candidates: [stranger, rsOld, pod("web-a", "p1", "web-new"), rsNew, pod("web-b", "p2", "web-new")],
    });
    assert.equal(tree.truncated, false);
    assert.deepEqual(
      tree.nodes.map((n) => [n.id, n.parent ?? null]),
      [
        ["apps/Deployment/shop/web", null],
        ["/Service/shop/web", null],
        ["apps/ReplicaSet/shop/web-new", "apps/Deployment/shop/web"],
        ["apps/ReplicaSet/shop/web-old", "apps/Deployment/shop/web"],
        ["/Pod/shop/web-a", "apps/ReplicaSet/shop/web-new"],
        ["/Pod/shop/web-b", "apps/ReplicaSet/shop/web-new"],
      ],
    );
    const web = tree.nodes[0];
    assert.deepEqual(web?.info, ["replicas 2/2", "nginx:1.27"]);
    assert.equal(web?.createdAt, "2026-01-01T00:00:00Z");
    const podNode = tree.nodes.find((n) => n.name === "web-a");
    assert.equal(podNode?.managed, false);
    assert.equal(podNode?.health?.status, "Healthy");
    assert.deepEqual(podNode?.info, ["Running", "ready 1/1", "nginx:1.27"]);
  });

  it("keeps at most `limit` owned nodes and says it stopped", () => {
    const tree = buildTree({
      managed,
      live: [deployment],
      candidates: [rsNew, pod("web-a", "p1", "web-new"), pod("web-b", "p2", "web-new")],
      limit: 2,
    });
    assert.equal(tree.truncated, true);
    assert.equal(tree.nodes.filter((n) => !n.managed).length, 2);
    assert.equal(tree.nodes.filter((n) => n.managed).length, 2, "managed objects are always all there");
  });

  it("without live objects the managed nodes stay as the status says", () => {
    const tree = buildTree({ managed, live: [], candidates: [rsNew] });
    assert.deepEqual(tree.nodes, managed);
  });
});
