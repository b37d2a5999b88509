import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApplicationStatus, ResourceStatus } from "../core/app-status.ts";
import { DIFF_EXIT, diffFromComparison, diffFromStatus, STATUS_DIFF_LIMIT } from "./app-diff.ts";

function resource(name: string, extra: Partial<ResourceStatus>): ResourceStatus {
  return {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    namespace: "shop",
    name,
    status: "Synced",
    health: { status: "Healthy" },
    ...extra,
  };
}

describe("diffFromStatus", () => {
  it("prints each out-of-sync object in core's diff format and exits 1", () => {
    const status: Partial<ApplicationStatus> = {
      sync: { status: "OutOfSync" },
      resources: [
        resource("web", { status: "OutOfSync", diff: [{ path: "spec.replicas", live: 1, desired: 3 }] }),
        resource("same", {}),
        resource("new", {
          status: "OutOfSync",
          health: { status: "Missing" },
          diff: [{ path: "spec.replicas", desired: 2 }],
        }),
      ],
    };
    assert.deepEqual(diffFromStatus("shop", status), {
      text: "Deployment/shop/web\n  spec.replicas: 1 → 3\n\nDeployment/shop/new (create)\n  spec.replicas: (absent) → 2",
      code: DIFF_EXIT.differs,
    });
  });

  it("names an object Git dropped as one to prune, and exits 1", () => {
    const status: Partial<ApplicationStatus> = {
      sync: { status: "OutOfSync" },
      resources: [resource("old", { status: "OutOfSync", requiresPruning: true })],
    };
    assert.deepEqual(diffFromStatus("shop", status), {
      text: "Deployment/shop/old\n  to prune: Git no longer declares it (`moor app sync --prune` deletes it)",
      code: DIFF_EXIT.differs,
    });
  });

  it("exits 0 with nothing to print when Synced", () => {
    assert.deepEqual(
      diffFromStatus("shop", { sync: { status: "Synced" }, resources: [resource("web", {})] }),
      {
        text: "",
        code: DIFF_EXIT.inSync,
      },
    );
  });

  it("says when status kept only the first changes of an object", () => {
    const diff = Array.from({ length: STATUS_DIFF_LIMIT }, (_, i) => ({
      path: `data.k${i}`,
      live: "a",
      desired: "b",
    }));
    const report = diffFromStatus("shop", {
      sync: { status: "OutOfSync" },
      resources: [resource("web", { status: "OutOfSync", diff })],
    });
    assert.match(report.text, /status keeps the first 20 changes/);
  });

  it("exits 2 when an object could not be compared, still showing it", () => {
    const report = diffFromStatus("shop", {
      sync: { status: "OutOfSync" },
      resources: [resource("web", { status: "OutOfSync", error: "the cluster does not serve kind Foo" })],
    });
    assert.equal(report.code, DIFF_EXIT.error);
    assert.equal(report.text, "Deployment/shop/web\n  error: the cluster does not serve kind Foo");
    assert.match(report.problem ?? "", /1 object of application shop could not be compared/);
  });

  it("exits 2 when the controller has not compared the app yet", () => {
    for (const status of [{}, { sync: { status: "Unknown" as const } }]) {
      const report = diffFromStatus("shop", status);
      assert.equal(report.code, DIFF_EXIT.error);
      assert.match(report.problem ?? "", /application shop has no comparison result.*moor app get shop/);
    }
  });
});

describe("diffFromComparison", () => {
  const ref = { group: "", kind: "ConfigMap", namespace: "shop", name: "cfg" };

  it("exits 1 for any create, update or delete and 0 when every object matches", () => {
    const none = { ref, action: "none" as const, changes: [] };
    assert.deepEqual(diffFromComparison("shop", [none], []), { text: "", code: DIFF_EXIT.inSync });
    const update = { ref, action: "update" as const, changes: [{ path: "data.a", live: "1", desired: "2" }] };
    const prune = {
      ref: { ...ref, name: "old" },
      action: "delete" as const,
      changes: [{ path: "data.b", live: "x" }],
    };
    assert.deepEqual(diffFromComparison("shop", [none, update, prune], []), {
      text: 'ConfigMap/shop/cfg\n  data.a: "1" → "2"\n\nConfigMap/shop/old (delete)\n  data.b: "x" → (absent)',
      code: DIFF_EXIT.differs,
    });
  });

  it("counts an object waiting for its namespace as a create", () => {
    const report = diffFromComparison(
      "shop",
      [],
      [],
      [{ ref: "ConfigMap/new/cfg", why: "its namespace new is created by this sync" }],
    );
    assert.equal(report.code, DIFF_EXIT.differs);
    assert.match(report.text, /ConfigMap\/new\/cfg \(create\)/);
  });

  it("exits 2 when the server refused an object", () => {
    const report = diffFromComparison("shop", [], ["ConfigMap/shop/cfg: data must be a map"]);
    assert.equal(report.code, DIFF_EXIT.error);
    assert.equal(report.text, "error: ConfigMap/shop/cfg: data must be a map");
  });
});
