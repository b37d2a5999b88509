import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IgnoreDifference } from "./application.ts";
import { dryRunWebDeployment, liveWebDeployment } from "./compare-fixtures.ts";
import {
  applyIgnoreDifferences,
  fieldsOwnedBy,
  matchesRule,
  parsePointer,
  removePointers,
  resolveOwnedFields,
} from "./ignore.ts";
import type { KubeObject, ObjectRef } from "./objects.ts";

type DeploymentSpec = {
  replicas?: number;
  template: { spec: { containers: { name: string; image?: string }[] } };
};

function specOf(obj: KubeObject | null): DeploymentSpec {
  assert.ok(obj, "expected an object, not null");
  return obj.spec as DeploymentSpec;
}

const web: ObjectRef = { group: "apps", kind: "Deployment", namespace: "shop", name: "web" };
const settings: ObjectRef = { group: "", kind: "ConfigMap", namespace: "shop", name: "settings" };

describe("matchesRule", () => {
  const cases: [string, IgnoreDifference, ObjectRef, boolean][] = [
    ["matches group and kind", { group: "apps", kind: "Deployment" }, web, true],
    ["reads an omitted group as the core group", { kind: "ConfigMap" }, settings, true],
    ["does not match apps/Deployment without a group", { kind: "Deployment" }, web, false],
    ["matches any group with *", { group: "*", kind: "Deployment" }, web, true],
    ["matches any kind with *", { group: "apps", kind: "*" }, web, true],
    ["filters by name", { group: "apps", kind: "Deployment", name: "api" }, web, false],
    ["filters by namespace", { group: "apps", kind: "Deployment", namespace: "shop" }, web, true],
    ["filters out another namespace", { group: "apps", kind: "Deployment", namespace: "blog" }, web, false],
  ];
  for (const [name, rule, ref, expected] of cases) {
    it(name, () => assert.equal(matchesRule(rule, ref), expected));
  }
});

describe("parsePointer", () => {
  const cases: [string, string, string[] | null][] = [
    ["splits on slashes", "/spec/replicas", ["spec", "replicas"]],
    [
      "unescapes ~1 to a slash",
      "/metadata/labels/app.kubernetes.io~1name",
      ["metadata", "labels", "app.kubernetes.io/name"],
    ],
    ["unescapes ~0 to a tilde", "/data/a~0b", ["data", "a~b"]],
    ["reads ~01 as a tilde then 1, not as a slash", "/data/~01", ["data", "~1"]],
    ["keeps empty tokens", "/data/", ["data", ""]],
    ["reads the empty pointer as the whole document", "", []],
    ["rejects a pointer without a leading slash", "spec/replicas", null],
    ["rejects an unknown escape", "/data/a~2", null],
  ];
  for (const [name, pointer, expected] of cases) {
    it(name, () => assert.deepEqual(parsePointer(pointer), expected));
  }
});

describe("removePointers", () => {
  it("removes a field and an array element's field", () => {
    const obj = removePointers(liveWebDeployment(), [
      "/spec/replicas",
      "/spec/template/spec/containers/0/image",
    ]);
    const spec = specOf(obj);
    assert.equal(spec.replicas, undefined);
    assert.equal(spec.template.spec.containers[0]?.image, undefined);
    assert.equal(spec.template.spec.containers[1]?.image, "fluent/fluent-bit:3.1");
  });

  it("removes a label whose key holds a slash", () => {
    const obj = removePointers(liveWebDeployment(), ["/metadata/labels/app.kubernetes.io~1part-of"]);
    assert.deepEqual(obj.metadata.labels, { "app.kubernetes.io/name": "web" });
  });

  it("treats pointers to missing fields, malformed pointers and the root as no-ops", () => {
    const obj = removePointers(liveWebDeployment(), [
      "/spec/paused",
      "/spec/template/spec/containers/7/image",
      "/spec/template/spec/containers/-",
      "spec/replicas",
      "",
    ]);
    assert.deepEqual(obj, liveWebDeployment());
  });

  it("leaves no empty map behind", () => {
    const obj = removePointers(liveWebDeployment(), [
      "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt",
    ]);
    const template = (obj.spec as { template: { metadata: object } }).template;
    assert.deepEqual(template.metadata, { labels: { "app.kubernetes.io/name": "web" } });
  });

  it("returns a copy and leaves its input untouched", () => {
    const obj = liveWebDeployment();
    removePointers(obj, ["/spec/replicas"]);
    assert.deepEqual(obj, liveWebDeployment());
  });
});

describe("fieldsOwnedBy", () => {
  it("finds the replicas an HPA set through the scale subresource", () => {
    const paths = fieldsOwnedBy(liveWebDeployment(), ["kube-controller-manager"]);
    assert.deepEqual(
      paths.filter((p) => p[0] !== "status"),
      [
        ["spec", "replicas"],
        ["metadata", "annotations", "deployment.kubernetes.io/revision"],
      ],
    );
  });

  it("resolves keyed list items to their index in the object", () => {
    const paths = fieldsOwnedBy(liveWebDeployment(), ["kube-controller-manager"]);
    assert.ok(paths.some((p) => p.join("/") === "status/conditions/1"));
  });

  it("claims only the keys listed under a map the manager merely created", () => {
    // kubectl-rollout created spec.template.metadata.annotations ('.') but owns one key in it.
    assert.deepEqual(fieldsOwnedBy(liveWebDeployment(), ["kubectl-rollout"]), [
      ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"],
    ]);
  });

  it("claims a whole list item the manager added", () => {
    assert.deepEqual(fieldsOwnedBy(liveWebDeployment(), ["log-shipper-injector"]), [
      ["spec", "template", "spec", "containers", "1"],
      ["spec", "template", "spec", "volumes", "0"],
    ]);
  });

  it("resolves set members by value", () => {
    const pvc: KubeObject = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: "data",
        namespace: "shop",
        finalizers: ["acme.io/backup", "kubernetes.io/pvc-protection"],
        managedFields: [
          {
            manager: "kube-controller-manager",
            operation: "Update",
            apiVersion: "v1",
            fieldsType: "FieldsV1",
            fieldsV1: {
              "f:metadata": { "f:finalizers": { ".": {}, 'v:"kubernetes.io/pvc-protection"': {} } },
            },
          },
        ],
      },
    };
    assert.deepEqual(fieldsOwnedBy(pvc, ["kube-controller-manager"]), [["metadata", "finalizers", "1"]]);
  });

  it("leaves out fields the object no longer has", () => {
    const obj = liveWebDeployment();
    delete specOf(obj).replicas;
    const paths = fieldsOwnedBy(obj, ["kube-controller-manager"]);
    assert.equal(
      paths.some((p) => p.join("/") === "spec/replicas"),
      false,
    );
  });

  it("finds nothing for a manager that owns nothing", () => {
    assert.deepEqual(fieldsOwnedBy(liveWebDeployment(), ["helm"]), []);
  });
});

describe("resolveOwnedFields", () => {
  it("resolves the live object's ownership at a different index in another object", () => {
    const live = liveWebDeployment();
    const other = liveWebDeployment();
    specOf(other).template.spec.containers.reverse();
    const paths = resolveOwnedFields(live.metadata.managedFields ?? [], ["log-shipper-injector"], other);
    assert.deepEqual(paths[0], ["spec", "template", "spec", "containers", "0"]);
  });
});

describe("applyIgnoreDifferences", () => {
  const hpaRule: IgnoreDifference = {
    group: "apps",
    kind: "Deployment",
    managedFieldsManagers: ["kube-controller-manager"],
  };

  it("hides the replicas an HPA owns from both sides", () => {
    const { live, desired } = applyIgnoreDifferences(
      liveWebDeployment(),
      dryRunWebDeployment(),
      [hpaRule],
      web,
    );
    assert.equal(specOf(live).replicas, undefined);
    assert.equal(specOf(desired).replicas, undefined);
  });

  it("removes the same pointer from both sides", () => {
    const rule: IgnoreDifference = { group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] };
    const { live, desired } = applyIgnoreDifferences(liveWebDeployment(), dryRunWebDeployment(), [rule], web);
    assert.equal(specOf(live).replicas, undefined);
    assert.equal(specOf(desired).replicas, undefined);
  });

  it("ignores nothing when no rule matches the object", () => {
    const rule: IgnoreDifference = { kind: "Deployment", jsonPointers: ["/spec/replicas"] };
    const { live } = applyIgnoreDifferences(liveWebDeployment(), dryRunWebDeployment(), [rule], web);
    assert.deepEqual(live, liveWebDeployment());
  });

  it("removes the sidecar from the desired side where it sits elsewhere", () => {
    const desired = dryRunWebDeployment();
    specOf(desired).template.spec.containers.reverse();
    const rule: IgnoreDifference = {
      group: "apps",
      kind: "Deployment",
      managedFieldsManagers: ["log-shipper-injector"],
    };
    const result = applyIgnoreDifferences(liveWebDeployment(), desired, [rule], web);
    const names = (obj: KubeObject | null) => specOf(obj).template.spec.containers.map((c) => c.name);
    assert.deepEqual(names(result.live), ["web"]);
    assert.deepEqual(names(result.desired), ["web"]);
  });

  it("uses the managed fields it is given when the live object no longer carries them", () => {
    const live = liveWebDeployment();
    const managedFields = live.metadata.managedFields ?? [];
    delete live.metadata.managedFields;
    const result = applyIgnoreDifferences(live, dryRunWebDeployment(), [hpaRule], web, managedFields);
    assert.equal(specOf(result.desired).replicas, undefined);
  });

  it("handles a missing side", () => {
    const rule: IgnoreDifference = { group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] };
    const { live, desired } = applyIgnoreDifferences(null, dryRunWebDeployment(), [rule, hpaRule], web);
    assert.equal(live, null);
    assert.equal(specOf(desired).replicas, undefined);
  });
});
