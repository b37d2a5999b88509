import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../core/objects.ts";
import { candidateOf } from "./targets.ts";

const object = (kind: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "mooring.dev/v1alpha1",
  kind,
  metadata: { namespace: "mooring", name: "shop", labels: {} },
  spec: { project: "team-a", ...spec },
});

describe("what previews know of an Application or a Stack", () => {
  const chart = { repoURL: "oci://registry.example/charts", chart: "shop", targetRevision: "1.x" };
  const values = { repoURL: "https://git.example/values.git", targetRevision: "main", ref: "values" };

  it("reads every source of a multi-source app, in spec order, and spec.source when sources is empty", () => {
    assert.deepEqual(
      candidateOf(object("Application", { source: values, sources: [chart, values] }))?.sources,
      [chart, values],
    );
    assert.deepEqual(candidateOf(object("Application", { source: values, sources: [] }))?.sources, [values]);
    assert.equal(candidateOf(object("Application", { sources: [chart, values] }))?.project, "team-a");
  });

  it("reads a Stack's one source, never a sources list", () => {
    const stack = candidateOf(
      object("Stack", { source: { repoURL: "https://git.example/infra.git" }, sources: [chart] }),
    );
    assert.deepEqual(stack?.sources, [{ repoURL: "https://git.example/infra.git" }]);
  });

  it("leaves out an app with a source lacking its repository, and what is neither app nor Stack", () => {
    assert.equal(candidateOf(object("Application", { sources: [chart, { path: "x" }] })), undefined);
    assert.equal(candidateOf(object("Application", {})), undefined);
    assert.equal(candidateOf(object("ConfigMap", { source: values })), undefined);
  });
});
