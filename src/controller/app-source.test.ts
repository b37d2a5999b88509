// Combining the renders of a multi-source Application, and the checkouts its refs lend.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApplicationSpec } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { RenderError } from "../render/errors.ts";
import { combineRenders, refCheckouts } from "./app-source.ts";

const spec: ApplicationSpec = {
  sources: [
    { repoURL: "oci://registry.example.com/charts", chart: "web", targetRevision: "1.2.0" },
    { repoURL: "https://git.example.com/values.git", ref: "values" },
    { repoURL: "https://git.example.com/extra.git", path: "extra" },
  ],
  destination: { namespace: "shop" },
};

const cm = (name: string, namespace?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe("combineRenders", () => {
  it("keeps every source's objects in source order", () => {
    const combined = combineRenders(spec, [
      { index: 0, result: { tool: "helm", objects: [cm("web")] } },
      {
        index: 2,
        result: { tool: "directory", objects: [cm("extra")], skipped: [{ path: "x.yaml", reason: "r" }] },
      },
    ]);
    assert.equal(combined.tool, "helm");
    assert.deepEqual(
      combined.objects.map((o) => o.metadata.name),
      ["web", "extra"],
    );
    assert.deepEqual(combined.skipped, [{ path: "x.yaml", reason: "r" }]);
  });

  it("refuses the same object from two sources, naming both", () => {
    assert.throws(
      () =>
        combineRenders(spec, [
          { index: 0, result: { tool: "helm", objects: [cm("web", "shop")] } },
          { index: 2, result: { tool: "directory", objects: [cm("web", "shop")] } },
        ]),
      (err: unknown) =>
        err instanceof RenderError &&
        err.message.startsWith(
          "ConfigMap/shop/web is rendered by both sources[0] (chart web) and sources[2] (extra)",
        ),
    );
  });

  it("takes an object without a namespace as one in the destination namespace", () => {
    assert.throws(
      () =>
        combineRenders(spec, [
          { index: 0, result: { tool: "helm", objects: [cm("web")] } },
          { index: 2, result: { tool: "directory", objects: [cm("web", "shop")] } },
        ]),
      /is rendered by both sources\[0\] \(chart web\) and sources\[2\] \(extra\)/,
    );
  });

  it("allows objects of one name in two namespaces", () => {
    const combined = combineRenders(spec, [
      { index: 0, result: { tool: "helm", objects: [cm("web", "a")] } },
      { index: 2, result: { tool: "directory", objects: [cm("web", "b")] } },
    ]);
    assert.equal(combined.objects.length, 2);
  });
});

describe("refCheckouts", () => {
  it("maps each ref to its source's checkout, and is absent without refs", () => {
    assert.deepEqual(refCheckouts(spec.sources ?? [], ["/c/web", "/c/values", "/c/extra"]), {
      values: "/c/values",
    });
    assert.equal(refCheckouts([{ repoURL: "x" }], ["/c/x"]), undefined);
  });
});
