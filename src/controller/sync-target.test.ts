import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject, ObjectRef } from "../core/objects.ts";
import type { KubeClient } from "../kube/client.ts";
import type { ComparedObject, Comparison } from "./compare.ts";
import { blockedBeforeApply, type SyncTarget, watchTargets } from "./sync-target.ts";

function configMap(name: string, namespace: string): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace } };
}

function compared(obj: KubeObject, extra: Partial<ComparedObject> = {}): ComparedObject {
  const ref: ObjectRef = {
    group: "",
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name ?? "",
  };
  return { ref, desired: obj, live: null, predicted: obj, hook: false, ...extra };
}

function comparison(objects: ComparedObject[], pruneCandidates: KubeObject[] = []): Comparison {
  return { objects, diffs: [], pruneCandidates };
}

const client = {} as KubeClient;

function target(options: { namespaces?: string[]; account?: boolean } = {}): SyncTarget {
  return {
    destination: {
      name: "edge",
      server: "https://edge",
      client,
      ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    },
    project: "team-a",
    identity:
      options.account === false
        ? { type: "controller" }
        : { type: "service-account", account: { namespace: "shop", name: "deployer" }, source: "project" },
    client,
    watchKey: "edge|shop:deployer",
  };
}

describe("what stops a sync before anything is applied", () => {
  it("lets a sync inside the cluster's scope go ahead", () => {
    const c = comparison([compared(configMap("a", "shop"))]);
    assert.equal(blockedBeforeApply(target({ namespaces: ["shop"] }), c, undefined), null);
  });

  it("refuses objects, prunes and a CreateNamespace outside the scope", () => {
    const c = comparison([compared(configMap("a", "shop"))], [configMap("old", "other")]);
    const standing = blockedBeforeApply(target({ namespaces: ["shop"] }), c, "elsewhere");
    assert.equal(standing?.state, "stalled");
    assert.equal(standing?.reason, "OutsideNamespaceScope");
    assert.match(standing?.message ?? "", /ConfigMap\/other\/old \(namespace other\)/);
    assert.match(standing?.message ?? "", /Namespace\/elsewhere \(CreateNamespace\)/);
  });

  it("turns the API server's 403s into one Forbidden standing naming the account", () => {
    const c = comparison([
      compared(configMap("a", "shop")),
      compared(configMap("b", "shop"), {
        predicted: null,
        forbidden: true,
        error:
          'ConfigMap/shop/b: configmaps "b" is forbidden: User "system:serviceaccount:shop:deployer" cannot patch resource "configmaps"',
      }),
    ]);
    const standing = blockedBeforeApply(target(), c, undefined);
    assert.equal(standing?.reason, "Forbidden");
    assert.match(
      standing?.message ?? "",
      /^nothing was applied: the API server refused ServiceAccount shop\/deployer: /,
    );
    assert.match(standing?.message ?? "", /cannot patch resource "configmaps"/);
    assert.match(standing?.message ?? "", /from project team-a's destinationServiceAccounts/);
  });

  it("leaves other refusals (an invalid manifest) to the compare's own handling", () => {
    const c = comparison([compared(configMap("a", "shop"), { predicted: null, error: "Invalid value" })]);
    assert.equal(blockedBeforeApply(target(), c, undefined), null);
  });
});

describe("drift watches", () => {
  const objects = [
    compared(configMap("a", "shop")),
    compared(configMap("b", "web")),
    compared(configMap("c", "shop")),
    compared({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } }),
    compared(configMap("bad", "x"), { error: "refused" }),
  ];

  it("watch each namespace for a ServiceAccount, which usually may not list cluster-wide", () => {
    assert.deepEqual(watchTargets(target(), comparison(objects)), [
      { apiVersion: "v1", kind: "ConfigMap", namespace: "shop" },
      { apiVersion: "v1", kind: "ConfigMap", namespace: "web" },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole" },
    ]);
  });

  it("watch each kind across the cluster for the controller's own identity", () => {
    assert.deepEqual(watchTargets(target({ account: false }), comparison(objects)), [
      { apiVersion: "v1", kind: "ConfigMap" },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole" },
    ]);
  });
});
