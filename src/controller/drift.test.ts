import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject, ManagedFieldsEntry } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { changedApp, DriftWatcher, driftManager, hookOwner, owningApp } from "./drift.ts";

function deployment(managedFields: ManagedFieldsEntry[]): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", managedFields },
  };
}

const ours: ManagedFieldsEntry = {
  manager: "mooring",
  operation: "Apply",
  time: "2026-01-01T00:00:00Z",
  fieldsV1: { "f:spec": { "f:replicas": {} } },
};
const controllerStatus: ManagedFieldsEntry = {
  manager: "kube-controller-manager",
  operation: "Update",
  subresource: "status",
  time: "2026-01-01T00:00:05Z",
  fieldsV1: { "f:status": {} },
};

describe("driftManager", () => {
  it("names the manager of a kubectl scale, with the subresource it used", () => {
    const scaled = {
      ...ours,
      manager: "kubectl",
      operation: "Update" as const,
      subresource: "scale",
      time: "2026-01-01T00:01:00Z",
    };
    assert.equal(driftManager(deployment([ours]), deployment([ours, scaled])), "kubectl (scale)");
  });

  it("names kubectl-edit when an edit changed fields another manager already owned", () => {
    const before = {
      manager: "kubectl-edit",
      operation: "Update" as const,
      time: "2026-01-01T00:00:00Z",
      fieldsV1: { "f:data": { "f:a": {} } },
    };
    const after = {
      ...before,
      time: "2026-01-01T00:02:00Z",
      fieldsV1: { "f:data": { "f:a": {}, "f:b": {} } },
    };
    assert.equal(driftManager(deployment([ours, before]), deployment([ours, after])), "kubectl-edit");
  });

  it("is not drift when only our own apply or a controller's status update changed", () => {
    const reapplied = { ...ours, time: "2026-01-01T00:03:00Z" };
    assert.equal(driftManager(deployment([ours]), deployment([reapplied])), null);
    assert.equal(driftManager(deployment([ours]), deployment([ours, controllerStatus])), null);
  });
});

it("wakes the app a hook belongs to, but never for a managed object that claims to be a hook", () => {
  const job = (annotations: Record<string, string>): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", namespace: "shop", annotations },
  });
  assert.equal(hookOwner(job({ "mooring.dev/hook-of": "mooring/shop" })), "mooring/shop");
  assert.equal(
    hookOwner(
      job({
        "mooring.dev/hook-of": "mooring/other",
        "mooring.dev/tracking-id": "mooring/shop:batch/Job:shop/migrate",
      }),
    ),
    null,
  );
  assert.equal(hookOwner(job({})), null);
});

it("finds the owning app from the tracking annotation, and nothing without one", () => {
  const obj = deployment([]);
  assert.equal(owningApp(obj), null);
  obj.metadata.annotations = { "mooring.dev/tracking-id": "mooring/shop:apps/Deployment:shop/web" };
  assert.equal(owningApp(obj), "mooring/shop");
});

describe("changedApp", () => {
  const claimed = (id: string | undefined) => {
    const obj = deployment([]);
    if (id !== undefined) obj.metadata.annotations = { "mooring.dev/tracking-id": id };
    return obj;
  };
  const shop = "mooring/shop:apps/Deployment:shop/web";
  const cases: { name: string; old: string | undefined; now: string | undefined; app: string | null }[] = [
    { name: "an unchanged claim names its app", old: shop, now: shop, app: "mooring/shop" },
    {
      name: "a claim rewritten to another app is drift of the app that had it",
      old: shop,
      now: "mooring/other:apps/Deployment:shop/web",
      app: "mooring/shop",
    },
    {
      name: "a claim rewritten to nonsense is drift of the app that had it",
      old: shop,
      now: "x",
      app: "mooring/shop",
    },
    {
      name: "a removed claim is drift of the app that had it",
      old: shop,
      now: undefined,
      app: "mooring/shop",
    },
    {
      name: "a claim put on an object nobody owned names the new app",
      old: undefined,
      now: shop,
      app: "mooring/shop",
    },
    { name: "no claim before or after: nobody", old: undefined, now: undefined, app: null },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(changedApp(claimed(c.old), claimed(c.now)), c.app));
  }
  it("without the old object, the claim now", () => {
    assert.equal(changedApp(undefined, claimed(shop)), "mooring/shop");
  });
});

describe("DriftWatcher", () => {
  it("says once when the API server refuses a watch, naming the kind, namespace and identity", async () => {
    const refused: string[] = [];
    let lists = 0;
    const client = {
      list: async () => {
        lists++;
        throw new KubeApiError(
          403,
          "Forbidden",
          'configmaps is forbidden: User "system:serviceaccount:shop:deployer" cannot list resource "configmaps"',
        );
      },
    } as unknown as KubeClient;
    const watcher = new DriftWatcher(
      () => {},
      undefined,
      (message) => refused.push(message),
    );
    watcher.watch("in-cluster|shop:deployer", client, [
      { apiVersion: "v1", kind: "ConfigMap", namespace: "shop" },
    ]);
    const deadline = Date.now() + 5000;
    while (lists < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    watcher.stop();
    assert.equal(refused.length, 1, "said once, though the informer retries");
    assert.match(
      refused[0] ?? "",
      /^drift watch of ConfigMap in namespace shop on in-cluster\|shop:deployer refused: .*cannot list resource "configmaps"/,
    );
  });
});
