import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { liveWebDeployment } from "./compare-fixtures.ts";
import { normalizeForDiff } from "./normalize.ts";
import type { KubeObject } from "./objects.ts";

describe("normalizeForDiff", () => {
  const serverMetadata = [
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
  ];
  for (const field of serverMetadata) {
    it(`drops metadata.${field}, which the API server keeps`, () => {
      const obj = liveWebDeployment();
      obj.metadata[field] = obj.metadata[field] ?? "set by the server";
      assert.equal(field in normalizeForDiff(obj).metadata, false);
    });
  }

  it("drops status, which controllers write and Git never declares", () => {
    assert.equal("status" in normalizeForDiff(liveWebDeployment()), false);
  });

  it("drops the rollout revision and the last client-side apply, keeping other annotations", () => {
    const obj = liveWebDeployment();
    obj.metadata.annotations = {
      ...obj.metadata.annotations,
      "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
      "team.acme.io/owner": "payments",
    };
    assert.deepEqual(normalizeForDiff(obj).metadata.annotations, {
      "mooring.dev/tracking-id": "mooring/shop:apps/Deployment:shop/web",
      "team.acme.io/owner": "payments",
    });
  });

  it("leaves no empty annotation map behind", () => {
    const obj = liveWebDeployment();
    obj.metadata.annotations = { "deployment.kubernetes.io/revision": "3" };
    assert.equal("annotations" in normalizeForDiff(obj).metadata, false);
  });

  it("treats empty label and annotation maps as missing", () => {
    const obj: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", labels: {}, annotations: {} },
    };
    assert.deepEqual(normalizeForDiff(obj).metadata, { name: "settings" });
  });

  it("keeps what Git declares, down to empty maps inside the spec", () => {
    const normalized = normalizeForDiff(liveWebDeployment());
    assert.deepEqual(normalized.spec, liveWebDeployment().spec);
    assert.deepEqual(normalized.metadata.labels, liveWebDeployment().metadata.labels);
  });

  it("keeps finalizers, which decide whether the object can be deleted", () => {
    const obj = liveWebDeployment();
    obj.metadata.finalizers = ["acme.io/drain"];
    assert.deepEqual(normalizeForDiff(obj).metadata.finalizers, ["acme.io/drain"]);
  });

  it("returns a copy and leaves its input untouched", () => {
    const obj = liveWebDeployment();
    const normalized = normalizeForDiff(obj);
    (normalized.spec as { replicas: number }).replicas = 9;
    assert.deepEqual(obj, liveWebDeployment());
  });
});
