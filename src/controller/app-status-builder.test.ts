// The resources an Application's status lists: what Git declares, and what Git dropped that the
// app still manages, so a later sync with prune still finds it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { resourceStatuses } from "./app-status-builder.ts";
import type { Comparison } from "./compare.ts";

const app = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "shop", namespace: "mooring" },
  spec: {
    source: { repoURL: "https://git.example.com/shop.git", path: "web" },
    destination: { namespace: "shop" },
  },
} as Application;

const cm = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "shop" },
});
const ref = (name: string) => ({ group: "", kind: "ConfigMap", namespace: "shop", name });

describe("resourceStatuses", () => {
  it("lists an object Git dropped as OutOfSync and requiring pruning, after the declared ones", () => {
    const comparison: Comparison = {
      objects: [
        { ref: ref("kept"), desired: cm("kept"), live: cm("kept"), predicted: cm("kept"), hook: false },
      ],
      diffs: [
        { ref: ref("kept"), action: "none", changes: [] },
        { ref: ref("old"), action: "delete", changes: [] },
      ],
      pruneCandidates: [cm("old")],
    };
    const listed = resourceStatuses(comparison, app);
    assert.deepEqual(
      listed.map((r) => `${r.name}:${r.status}:${r.requiresPruning === true}`),
      ["kept:Synced:false", "old:OutOfSync:true"],
    );
    assert.equal(listed[1]?.version, "v1");
  });

  it("lists nothing to prune when Git still declares everything", () => {
    const comparison: Comparison = {
      objects: [
        { ref: ref("kept"), desired: cm("kept"), live: cm("kept"), predicted: cm("kept"), hook: false },
      ],
      diffs: [{ ref: ref("kept"), action: "none", changes: [] }],
      pruneCandidates: [],
    };
    assert.ok(resourceStatuses(comparison, app).every((r) => r.requiresPruning === undefined));
  });
});
