import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../core/application.ts";
import { compareApp } from "../core/diff.ts";
import { type KubeObject, refKey, refOf, TRACKING_ANNOTATION, trackingId } from "../core/objects.ts";
import { type ComparedObject, type Comparison, observeSync } from "./compare.ts";

const app = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "web", namespace: "mooring" },
  spec: { source: { repoURL: "x", path: "." }, destination: { namespace: "web" } },
} as unknown as Application;

const APP_REF = { namespace: "mooring", name: "web" };

/** A ConfigMap this app applied once: it carries the app's tracking annotation. */
function tracked(obj: KubeObject): KubeObject {
  obj.metadata.annotations = { [TRACKING_ANNOTATION]: trackingId(APP_REF, refOf(obj)) };
  return obj;
}

function configMap(name: string, value: string, resourceVersion = "1"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "web", resourceVersion },
    data: { value },
  } as KubeObject;
}

function compared(desired: KubeObject, live: KubeObject | null): ComparedObject {
  return { ref: refOf(desired), desired, live, predicted: desired, hook: false };
}

function comparison(objects: ComparedObject[], pruneCandidates: KubeObject[] = []): Comparison {
  const desired = new Map(objects.map((o) => [refKey(o.ref), o.predicted ?? o.desired] as const));
  const live = new Map<string, KubeObject>();
  for (const o of objects) if (o.live) live.set(refKey(o.ref), o.live);
  for (const p of pruneCandidates) live.set(refKey(refOf(p)), p);
  return { objects, diffs: compareApp(desired, live, { app: APP_REF }), pruneCandidates };
}

describe("observeSync", () => {
  it("takes what the server answered to each apply as the object now, and drops what was pruned", () => {
    const changed = configMap("changed", "new");
    const created = configMap("created", "v");
    const untouched = configMap("untouched", "same");
    const dropped = tracked(configMap("dropped", "old"));
    const before = comparison(
      [
        compared(changed, configMap("changed", "old")),
        compared(created, null),
        compared(untouched, configMap("untouched", "same")),
      ],
      [dropped],
    );
    assert.deepEqual(before.diffs.map((d) => `${d.ref.name}:${d.action}`).sort(), [
      "changed:update",
      "created:create",
      "dropped:delete",
      "untouched:none",
    ]);
    const applied = new Map([
      [refKey(refOf(changed)), configMap("changed", "new", "2")],
      [refKey(refOf(created)), configMap("created", "v", "3")],
    ]);
    const after = observeSync(app, before, applied, new Set([refKey(refOf(dropped))]));
    assert.deepEqual(after.diffs.map((d) => `${d.ref.name}:${d.action}`).sort(), [
      "changed:none",
      "created:none",
      "untouched:none",
    ]);
    assert.equal(after.pruneCandidates.length, 0);
    const live = after.objects.find((o) => o.ref.name === "created")?.live;
    assert.equal(live?.metadata.resourceVersion, "3", "the applied object is the live one");
  });

  it("leaves an object the sync did not reach out of sync", () => {
    const pending = configMap("pending", "new");
    const before = comparison([compared(pending, configMap("pending", "old"))]);
    const after = observeSync(app, before, new Map(), new Set());
    assert.deepEqual(
      after.diffs.map((d) => `${d.ref.name}:${d.action}`),
      ["pending:update"],
    );
  });
});
