import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "./objects.ts";
import { parsePath, unknownFieldPaths, withoutFields } from "./unknown-fields.ts";

const PREFIX = "ConfigMap/shop/odd: failed to create typed patch object (shop/odd; /v1, Kind=ConfigMap): ";

describe("unknown fields named by a server-side apply error", () => {
  const cases: { name: string; message: string; paths: unknown[] }[] = [
    {
      name: "one top-level field",
      message: `${PREFIX}.extraField: field not declared in schema`,
      paths: [[{ field: "extraField" }]],
    },
    {
      name: "several fields, one per line",
      message: `${PREFIX}errors:\n  .spec.foo: field not declared in schema\n  .spec.template.spec.containers[name="main"].bogus: field not declared in schema`,
      paths: [
        [{ field: "spec" }, { field: "foo" }],
        [
          { field: "spec" },
          { field: "template" },
          { field: "spec" },
          { field: "containers" },
          { keys: { name: "main" } },
          { field: "bogus" },
        ],
      ],
    },
    {
      name: "a list element picked by two keys, one of them a number",
      message: `${PREFIX}.spec.ports[port=80,protocol="TCP"].extra: field not declared in schema`,
      paths: [
        [{ field: "spec" }, { field: "ports" }, { keys: { port: 80, protocol: "TCP" } }, { field: "extra" }],
      ],
    },
    { name: "another error", message: "Deployment/shop/web: spec.replicas: Invalid value: -1", paths: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(unknownFieldPaths(c.message), c.paths));
  }

  it("refuses a path it cannot read", () => {
    assert.equal(parsePath("spec.foo"), null);
    assert.equal(parsePath(".spec[unclosed"), null);
  });
});

describe("dropping unknown fields", () => {
  const job: KubeObject = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", namespace: "shop" },
    extraField: "surprise",
    spec: {
      template: {
        spec: {
          containers: [
            { name: "main", image: "busybox", bogus: true },
            { name: "side", image: "busybox", bogus: true },
          ],
        },
      },
    },
  } as KubeObject;

  it("removes just the named fields, and leaves the object it was given alone", () => {
    const message = `${PREFIX}errors:\n  .extraField: field not declared in schema\n  .spec.template.spec.containers[name="main"].bogus: field not declared in schema\n  .spec.nowhere[name="x"].y: field not declared in schema`;
    const cleaned = withoutFields(job, unknownFieldPaths(message)) as KubeObject & Record<string, unknown>;
    assert.equal(cleaned.extraField, undefined);
    const containers = (cleaned.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers;
    assert.deepEqual(containers, [
      { name: "main", image: "busybox" },
      { name: "side", image: "busybox", bogus: true },
    ]);
    assert.equal((job as unknown as Record<string, unknown>).extraField, "surprise");
  });
});
