import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IgnoreDifference } from "./application.ts";
import { dryRunWebDeployment, liveDbSecret, liveWebDeployment } from "./compare-fixtures.ts";
import {
  byKey,
  compareApp,
  diffObjects,
  formatDiff,
  formatPath,
  type ObjectDiff,
  prepareForDiff,
} from "./diff.ts";
import { formatRef, type KubeObject } from "./objects.ts";

function configMap(
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "shop", ...(annotations ? { annotations } : {}) },
    data,
  };
}

function tracked(obj: KubeObject, id: string): KubeObject {
  obj.metadata.annotations = { ...obj.metadata.annotations, "mooring.dev/tracking-id": id };
  return obj;
}

describe("formatPath", () => {
  const cases: [string, (string | number)[], string][] = [
    ["joins identifiers with dots", ["spec", "replicas"], "spec.replicas"],
    ["puts indices in brackets", ["spec", "containers", 0, "image"], "spec.containers[0].image"],
    [
      "quotes keys that are not identifiers",
      ["metadata", "labels", "app.kubernetes.io/name"],
      'metadata.labels["app.kubernetes.io/name"]',
    ],
    ["quotes a key that starts with a digit", ["data", "0.conf"], 'data["0.conf"]'],
    ["escapes quotes inside a key", ["data", 'a"b'], 'data["a\\"b"]'],
    ["quotes a first segment that needs it", ["my-key"], '["my-key"]'],
  ];
  for (const [name, path, expected] of cases) {
    it(name, () => assert.equal(formatPath(path), expected));
  }
});

describe("diffObjects", () => {
  it("reports a changed image by its full path", () => {
    const desired = liveWebDeployment();
    const containers = (desired.spec as { template: { spec: { containers: { image: string }[] } } }).template
      .spec.containers;
    (containers[0] as { image: string }).image = "ghcr.io/acme/web:1.5.0";
    const diff = diffObjects(liveWebDeployment(), desired);
    assert.equal(diff.action, "update");
    assert.deepEqual(diff.changes, [
      {
        path: "spec.template.spec.containers[0].image",
        live: "ghcr.io/acme/web:1.4.2",
        desired: "ghcr.io/acme/web:1.5.0",
      },
    ]);
  });

  it("finds nothing to do when the objects are equal", () => {
    const diff = diffObjects(liveWebDeployment(), liveWebDeployment());
    assert.deepEqual(diff, {
      ref: { group: "apps", kind: "Deployment", namespace: "shop", name: "web" },
      action: "none",
      changes: [],
    });
  });

  it("reports an added, a removed and a changed label", () => {
    const live = configMap("settings", {});
    live.metadata.labels = { "app.kubernetes.io/name": "shop", tier: "web" };
    const desired = configMap("settings", {});
    desired.metadata.labels = { "app.kubernetes.io/name": "store", team: "payments" };
    assert.deepEqual(diffObjects(live, desired).changes, [
      { path: 'metadata.labels["app.kubernetes.io/name"]', live: "shop", desired: "store" },
      { path: "metadata.labels.team", desired: "payments" },
      { path: "metadata.labels.tier", live: "web" },
    ]);
  });

  it("reports array elements added or removed at the end, whole", () => {
    const live = configMap("settings", {});
    live.spec = { ports: [{ port: 80 }, { port: 443 }] };
    const desired = configMap("settings", {});
    desired.spec = { ports: [{ port: 8080 }] };
    assert.deepEqual(diffObjects(live, desired).changes, [
      { path: "spec.ports[0].port", live: 80, desired: 8080 },
      { path: "spec.ports[1]", live: { port: 443 } },
    ]);
    assert.deepEqual(diffObjects(desired, live).changes[1], {
      path: "spec.ports[1]",
      desired: { port: 443 },
    });
  });

  it("reports a field that changed type as one change", () => {
    const live = configMap("settings", {});
    live.spec = { strategy: { type: "Recreate" } };
    const desired = configMap("settings", {});
    desired.spec = { strategy: "Recreate" };
    assert.deepEqual(diffObjects(live, desired).changes, [
      { path: "spec.strategy", live: { type: "Recreate" }, desired: "Recreate" },
    ]);
  });

  it("tells a number from the same digits in a string", () => {
    const diff = diffObjects(configMap("c", { port: "80" }), { ...configMap("c", {}), data: { port: 80 } });
    assert.equal(diff.action, "update");
  });

  it("reads a null field as an unset one, as the API server does", () => {
    const desired = configMap("settings", { a: "1" });
    desired.immutable = null;
    assert.equal(diffObjects(configMap("settings", { a: "1" }), desired).action, "none");
  });

  it("lists every leaf of an object to create", () => {
    const diff = diffObjects(null, configMap("settings", { LOG_LEVEL: "debug" }));
    assert.equal(diff.action, "create");
    assert.deepEqual(diff.changes, [
      { path: "apiVersion", desired: "v1" },
      { path: "kind", desired: "ConfigMap" },
      { path: "metadata.name", desired: "settings" },
      { path: "metadata.namespace", desired: "shop" },
      { path: "data.LOG_LEVEL", desired: "debug" },
    ]);
  });

  it("lists every leaf of an object to delete, empty maps included", () => {
    const diff = diffObjects(configMap("old", {}), null);
    assert.equal(diff.action, "delete");
    assert.deepEqual(diff.ref, { group: "", kind: "ConfigMap", namespace: "shop", name: "old" });
    assert.deepEqual(diff.changes.at(-1), { path: "data", live: {} });
  });

  it("refuses to compare nothing with nothing", () => {
    assert.throws(() => diffObjects(null, null), TypeError);
  });
});

describe("formatDiff", () => {
  it("prints a header and one quiet line per change", () => {
    const { live, desired } = prepareForDiff(liveWebDeployment(), dryRunWebDeployment());
    assert.equal(
      formatDiff(diffObjects(live, desired)),
      [
        "Deployment/shop/web",
        "  spec.replicas: 5 → 2",
        '  spec.template.spec.containers[0].image: "ghcr.io/acme/web:1.4.2" → "ghcr.io/acme/web:1.5.0"',
      ].join("\n"),
    );
  });

  it("names the action for a create and prints (absent) for the missing side", () => {
    const text = formatDiff(diffObjects(null, configMap("settings", { LOG_LEVEL: "debug" })));
    assert.equal(text.split("\n")[0], "ConfigMap/shop/settings (create)");
    assert.ok(text.includes('  data.LOG_LEVEL: (absent) → "debug"'));
  });

  it("prints values as compact JSON", () => {
    const diff: ObjectDiff = {
      ref: { group: "", kind: "Namespace", namespace: "", name: "shop" },
      action: "delete",
      changes: [{ path: "metadata.labels", live: { team: "payments" } }],
    };
    assert.equal(
      formatDiff(diff),
      'Namespace/shop (delete)\n  metadata.labels: {"team":"payments"} → (absent)',
    );
  });

  it("prints nothing for an object in sync", () => {
    assert.equal(formatDiff(diffObjects(liveWebDeployment(), liveWebDeployment())), "");
  });
});

describe("prepareForDiff", () => {
  const hpaRule: IgnoreDifference = {
    group: "apps",
    kind: "Deployment",
    managedFieldsManagers: ["kube-controller-manager"],
  };

  it("shows only the image once the HPA's replicas are ignored", () => {
    const { live, desired } = prepareForDiff(liveWebDeployment(), dryRunWebDeployment(), [hpaRule]);
    assert.deepEqual(
      diffObjects(live, desired).changes.map((c) => c.path),
      ["spec.template.spec.containers[0].image"],
    );
  });

  it("ignores status and server bookkeeping", () => {
    const desired = liveWebDeployment();
    desired.metadata.resourceVersion = "999999";
    (desired.status as { readyReplicas: number }).readyReplicas = 1;
    const { live, desired: prepared } = prepareForDiff(liveWebDeployment(), desired);
    assert.equal(diffObjects(live, prepared).action, "none");
  });

  it("shows a changed Secret value without revealing either value", () => {
    const desired = liveDbSecret();
    desired.data = { password: "aHVudGVyMg==", username: "c2hvcA==" };
    const { live, desired: prepared } = prepareForDiff(liveDbSecret(), desired);
    const diff = diffObjects(live, prepared);
    assert.deepEqual(diff.changes, [
      { path: "data.password", live: "++++++++ (1)", desired: "++++++++ (3)" },
    ]);
    const text = `${formatDiff(diff)}${JSON.stringify(diff)}`;
    for (const clear of ["czNjcmV0IQ==", "aHVudGVyMg==", "c2hvcA=="])
      assert.equal(text.includes(clear), false);
  });

  it("masks a Secret to create", () => {
    const { desired } = prepareForDiff(null, liveDbSecret());
    assert.equal(JSON.stringify(desired).includes("czNjcmV0IQ=="), false);
  });

  it("ignores a Secret key by pointer after masking", () => {
    const desired = liveDbSecret();
    desired.data = { password: "aHVudGVyMg==", username: "c2hvcA==" };
    const rule: IgnoreDifference = { kind: "Secret", name: "db", jsonPointers: ["/data/password"] };
    const { live, desired: prepared } = prepareForDiff(liveDbSecret(), desired, [rule]);
    assert.equal(diffObjects(live, prepared).action, "none");
  });
});

describe("compareApp", () => {
  const app = { namespace: "mooring", name: "shop" };

  function summary(diffs: ObjectDiff[]): string[] {
    return diffs.map((d) => `${d.action} ${formatRef(d.ref)}`);
  }

  it("plans a create, an update, a no-op and a prune", () => {
    const desired = byKey([
      dryRunWebDeployment(),
      configMap("settings", { LOG_LEVEL: "info" }),
      configMap("feature-flags", { checkout: "on" }),
    ]);
    const live = byKey([
      liveWebDeployment(),
      configMap("settings", { LOG_LEVEL: "info" }),
      tracked(configMap("legacy", {}), "mooring/shop:/ConfigMap:shop/legacy"),
    ]);
    assert.deepEqual(summary(compareApp(desired, live, { app })), [
      "update Deployment/shop/web",
      "none ConfigMap/shop/settings",
      "create ConfigMap/shop/feature-flags",
      "delete ConfigMap/shop/legacy",
    ]);
  });

  it("applies ignoreDifferences", () => {
    const ignoreDifferences: IgnoreDifference[] = [
      {
        group: "apps",
        kind: "Deployment",
        jsonPointers: ["/spec/replicas", "/spec/template/spec/containers/0/image"],
      },
    ];
    const diffs = compareApp(byKey([dryRunWebDeployment()]), byKey([liveWebDeployment()]), {
      ignoreDifferences,
    });
    assert.deepEqual(summary(diffs), ["none Deployment/shop/web"]);
  });

  it("never prunes a live object it does not track", () => {
    const diffs = compareApp(new Map(), byKey([configMap("kube-root-ca.crt", { "ca.crt": "..." })]));
    assert.deepEqual(diffs, []);
  });

  it("never prunes a copy whose tracking annotation names another object", () => {
    const copy = tracked(configMap("settings-copy", {}), "mooring/shop:/ConfigMap:shop/settings");
    assert.deepEqual(compareApp(new Map(), byKey([copy])), []);
  });

  it("never prunes an object another Application tracks", () => {
    const theirs = tracked(configMap("blog", {}), "mooring/blog:/ConfigMap:shop/blog");
    assert.deepEqual(compareApp(new Map(), byKey([theirs]), { app }), []);
    assert.equal(
      compareApp(new Map(), byKey([theirs])).length,
      1,
      "without an app, any tracked object counts",
    );
  });

  it("leaves hooks out on both sides", () => {
    const hook = { "mooring.dev/hook": "PreSync" };
    const desired = byKey([configMap("migrate", {}, hook)]);
    const live = byKey([
      tracked(configMap("old-migrate", {}, hook), "mooring/shop:/ConfigMap:shop/old-migrate"),
    ]);
    assert.deepEqual(compareApp(desired, live, { app }), []);
  });

  it("keys objects by group as well as kind", () => {
    const keys = [...byKey([liveWebDeployment(), liveDbSecret()]).keys()];
    assert.deepEqual(keys, ["apps/Deployment/shop/web", "/Secret/shop/db"]);
  });
});
