import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scopeMessage, scopeViolations } from "./namespace-scope.ts";
import type { ObjectRef } from "./objects.ts";

const ref = (kind: string, namespace: string, name: string, group = ""): ObjectRef => ({
  group,
  kind,
  namespace,
  name,
});

describe("a cluster's namespace scope", () => {
  it("refuses nothing when the cluster has no scope", () => {
    assert.deepEqual(
      scopeViolations([ref("ClusterRole", "", "admin", "rbac.authorization.k8s.io")], undefined),
      [],
    );
    assert.deepEqual(scopeViolations([ref("ConfigMap", "x", "c")], []), []);
  });

  it("allows namespaced objects inside the scope", () => {
    assert.deepEqual(
      scopeViolations([ref("ConfigMap", "shop", "c"), ref("Service", "web", "s")], ["shop", "web"]),
      [],
    );
  });

  it("refuses objects in other namespaces and cluster-scoped objects", () => {
    const violations = scopeViolations(
      [
        ref("ConfigMap", "shop", "ok"),
        ref("Secret", "kube-system", "steal"),
        ref("ClusterRoleBinding", "", "escalate", "rbac.authorization.k8s.io"),
        ref("Namespace", "", "new"),
      ],
      ["shop"],
    );
    assert.deepEqual(
      violations.map((v) => [v.ref.name, v.why]),
      [
        ["steal", "namespace kube-system"],
        ["escalate", "cluster-scoped"],
        ["new", "cluster-scoped"],
      ],
    );
  });

  it("says which cluster, its scope, what was refused and how to fix it", () => {
    const violations = scopeViolations(
      [ref("Secret", "kube-system", "s"), ref("Namespace", "", "n")],
      ["shop"],
    );
    const message = scopeMessage("edge", ["shop"], violations);
    assert.equal(
      message,
      "nothing was applied: cluster edge may only be used in namespaces shop (its --namespace-scope), which excludes Secret/kube-system/s (namespace kube-system), Namespace/n (cluster-scoped); move these objects into the scope, or register the cluster again with a wider --namespace-scope",
    );
  });

  it("lists only the first few refused objects", () => {
    const many = Array.from({ length: 8 }, (_, i) => ref("ConfigMap", "other", `c${i}`));
    assert.match(scopeMessage("edge", ["shop"], scopeViolations(many, ["shop"])), /and 3 more;/);
  });
});
