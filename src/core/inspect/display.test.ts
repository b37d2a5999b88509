import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffObjects, prepareForDiff } from "../diff.ts";
import type { KubeObject } from "../objects.ts";
import { displayPair, normalizeForDisplay, previewResources } from "./display.ts";

const secret = (value: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "db",
    namespace: "shop",
    uid: "u1",
    resourceVersion: "7",
    creationTimestamp: "2026-01-01T00:00:00Z",
    managedFields: [{ manager: "mooring" }],
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": `{"data":{"password":"${value}"}}` },
  },
  data: { password: Buffer.from(value).toString("base64") },
});

describe("objects for display", () => {
  it("drops the server's bookkeeping and keeps status", () => {
    const shown = normalizeForDisplay({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web",
        uid: "u",
        generation: 3,
        managedFields: [],
        resourceVersion: "1",
        labels: { a: "b" },
      },
      status: { readyReplicas: 1 },
    });
    assert.deepEqual(shown.metadata, { name: "web", labels: { a: "b" } });
    assert.deepEqual(shown.status, { readyReplicas: 1 });
  });

  it("masks Secret values on both sides, equal values with the same mask, and never leaks them", () => {
    const pair = displayPair(secret("hunter2"), secret("hunter2"));
    const text = JSON.stringify(pair);
    assert.doesNotMatch(text, /hunter2/);
    assert.doesNotMatch(text, new RegExp(Buffer.from("hunter2").toString("base64")));
    const values = (o: KubeObject | undefined) => (o?.data ?? {}) as Record<string, string>;
    assert.equal(values(pair.live).password, values(pair.desired).password);
    const changed = displayPair(secret("hunter2"), secret("letmein"));
    assert.notEqual(values(changed.live).password, values(changed.desired).password);
  });

  it("maps diff actions to preview statuses: create is Missing, delete is Extra, errors Unknown", () => {
    const live = secret("a");
    const prepared = prepareForDiff(live, null);
    const rows = previewResources(
      [
        {
          ref: { group: "apps", kind: "Deployment", namespace: "shop", name: "web" },
          action: "update",
          changes: [{ path: "spec.replicas", live: 3, desired: 2 }],
        },
        {
          ref: { group: "", kind: "Service", namespace: "shop", name: "web" },
          action: "create",
          changes: [],
        },
        diffObjects(prepared.live, null),
        { ref: { group: "", kind: "ConfigMap", namespace: "shop", name: "c" }, action: "none", changes: [] },
      ],
      [{ ref: { group: "", kind: "ConfigMap", namespace: "shop", name: "bad" }, error: "invalid" }],
      new Map([["apps/Deployment", "v1"]]),
    );
    assert.deepEqual(
      rows.map((r) => [r.kind, r.name, r.status, r.version ?? null]),
      [
        ["Deployment", "web", "OutOfSync", "v1"],
        ["Service", "web", "Missing", null],
        ["Secret", "db", "Extra", null],
        ["ConfigMap", "c", "Synced", null],
        ["ConfigMap", "bad", "Unknown", null],
      ],
    );
    assert.doesNotMatch(JSON.stringify(rows), /YQ==/, "the pruned Secret's value stays masked");
  });
});
