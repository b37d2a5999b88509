// User story: a platform engineer runs `moor install` against a cluster and gets Mooring's CRDs,
// its namespace and service accounts for the controller and the API server with least-privilege
// RBAC; running it again changes nothing and says so. The controller's own permissions cover only
// its resources, Events and the Secrets of its own namespace; the power to apply what
// Applications declare comes from one separate role, `mooring-manager`, which users may narrow
// and which re-installs leave narrowed.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { InstallResult } from "../../src/install/install.ts";
import { kubectl, kubectlOk, moor, withNamespace } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";

const SA = "system:serviceaccount:mooring:mooring-controller";

async function installJson(): Promise<InstallResult> {
  const res = await moor(["install", "--kubeconfig", runSandboxKubeconfig(), "-o", "json"]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as InstallResult;
}

/** `kubectl auth can-i` as the controller's service account: true for yes, false for no. */
async function controllerCan(args: string[]): Promise<boolean> {
  const res = await kubectl(["auth", "can-i", ...args, `--as=${SA}`]);
  const answer = res.stdout.trim();
  if (answer !== "yes" && answer !== "no")
    throw new Error(`kubectl auth can-i ${args.join(" ")}: ${res.stderr}`);
  return answer === "yes";
}

async function assertAnswers(expected: [string[], boolean][]): Promise<void> {
  const wrong: string[] = [];
  for (const [args, allowed] of expected) {
    if ((await controllerCan(args)) !== allowed)
      wrong.push(`${allowed ? "may" : "may not"} ${args.join(" ")}`);
  }
  assert.deepEqual(wrong, [], "the controller's permissions");
}

describe("moor install", () => {
  after(async () => {
    // Leave the shared cluster with the default installation whatever happened above.
    await kubectl(["delete", "clusterrole", "mooring-manager", "--ignore-not-found"]);
    await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
  });

  it("installs the CRDs, namespace, service account and RBAC, and a second run changes nothing", async () => {
    const first = await installJson();
    const crds = first.objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.name);
    assert.ok(crds.includes("applications.mooring.dev"));
    assert.deepEqual(
      first.objects.slice(crds.length).map((o) => o.object),
      [
        "Namespace/mooring",
        "ServiceAccount/mooring/mooring-server",
        "ServiceAccount/mooring/mooring-controller",
        "ClusterRole/mooring-controller",
        "ClusterRole/mooring-manager",
        "ClusterRole/mooring-server",
        "Role/mooring/mooring-controller",
        "Role/mooring/mooring-server",
        "ClusterRoleBinding/mooring-controller",
        "ClusterRoleBinding/mooring-manager",
        "ClusterRoleBinding/mooring-server",
        "RoleBinding/mooring/mooring-controller",
        "RoleBinding/mooring/mooring-server",
        "Project/mooring/default",
      ],
      "CRDs first, then the namespace, what lives in it, roles, bindings, and the default project",
    );

    // The CRD is Established and its kind served as soon as install returns.
    assert.equal(
      await kubectlOk([
        "get",
        "crd",
        "applications.mooring.dev",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]),
      "True",
    );
    await kubectlOk(["get", "applications.mooring.dev", "-n", "mooring"]);

    const second = await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      new RegExp(`mooring is already installed: nothing changed \\(${first.objects.length} unchanged\\)`),
    );
    assert.doesNotMatch(second.stdout, /created|configured/);
    const secondJson = await installJson();
    assert.equal(secondJson.changed, false);
    assert.ok(secondJson.objects.every((o) => o.action === "unchanged"));
  });

  it("takes back fields someone else changed on the objects it owns", async () => {
    await installJson();
    await kubectlOk([
      "label",
      "clusterrole",
      "mooring-controller",
      "app.kubernetes.io/name=tampered",
      "--overwrite",
    ]);
    const result = await installJson();
    const role = result.objects.find((o) => o.object === "ClusterRole/mooring-controller");
    assert.equal(role?.action, "configured");
    assert.equal(result.changed, true);
    assert.equal(
      await kubectlOk([
        "get",
        "clusterrole",
        "mooring-controller",
        "-o",
        "jsonpath={.metadata.labels.app\\.kubernetes\\.io/name}",
      ]),
      "mooring",
    );
  });

  it("lets the controller manage its resources, Events, Leases and its own Secrets", async (t) => {
    const other = await withNamespace(t);
    await installJson();
    await assertAnswers([
      [["patch", "applications.mooring.dev", "--subresource=status", "-n", "mooring"], true],
      [["update", "applications.mooring.dev", "--subresource=finalizers", "-n", other], true],
      [["patch", "stacks.mooring.dev", "--subresource=status", "-n", other], true],
      [["create", "events", "-n", other], true],
      [["patch", "events", "-n", "mooring"], true],
      [["list", "namespaces"], true],
      [["get", "secrets", "-n", "mooring"], true],
      [["watch", "secrets", "-n", "mooring"], true],
      [["update", "leases.coordination.k8s.io", "-n", "mooring"], true],
      [["get", "configmaps", "-n", "mooring"], true],
      // The default mooring-manager role lets it apply anything an Application declares there.
      [["create", "deployments.apps", "-n", other], true],
      [["get", "secrets", "-n", other], true],
    ]);
  });

  it("keeps a narrowed mooring-manager role, which leaves Secrets elsewhere out of reach", async (t) => {
    const other = await withNamespace(t);
    await installJson();
    // A platform team narrows the manager role to the kinds its Applications deploy.
    await kubectlOk(
      ["apply", "--server-side", "--field-manager=platform-team", "--force-conflicts", "-f", "-"],
      {
        input: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: mooring-manager }
rules:
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [""]
    resources: [services, configmaps]
    verbs: [get, list, watch, create, update, patch, delete]
`,
      },
    );

    const result = await installJson();
    const manager = result.objects.find((o) => o.object === "ClusterRole/mooring-manager");
    assert.equal(manager?.action, "skipped");
    assert.match(manager?.reason ?? "", /changed by platform-team; those changes are kept/);
    assert.equal(result.changed, false, "nothing else changed");
    const table = await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
    assert.match(table.stdout, /ClusterRole\/mooring-manager\s+skipped\s+changed by platform-team/);

    await assertAnswers([
      // What the controller needs for itself still works...
      [["patch", "applications.mooring.dev", "--subresource=status", "-n", "mooring"], true],
      [["create", "events", "-n", other], true],
      [["get", "secrets", "-n", "mooring"], true],
      [["create", "leases.coordination.k8s.io", "-n", "mooring"], true],
      // ...and so does what the narrowed role grants,
      [["create", "deployments.apps", "-n", other], true],
      // while Secrets outside its namespace, writing its own Secrets and everything else are refused.
      [["get", "secrets", "-n", other], false],
      [["list", "secrets", "--all-namespaces"], false],
      [["create", "secrets", "-n", "mooring"], false],
      [["delete", "secrets", "-n", "mooring"], false],
      [["create", "leases.coordination.k8s.io", "-n", other], false],
      [["delete", "namespaces"], false],
      [["create", "clusterrolebindings.rbac.authorization.k8s.io"], false],
      [["create", "pods", "-n", other], false],
      [["patch", "nodes"], false],
    ]);
  });

  it("creates a default project that allows what Mooring always did, and keeps a platform team's edits to it", async () => {
    const project = JSON.parse(
      await kubectlOk(["get", "projects.mooring.dev", "default", "-n", "mooring", "-o", "json"]),
    );
    assert.deepEqual(project.spec.sourceRepos, ["*"]);
    assert.deepEqual(project.spec.destinations, [{ name: "*", server: "*", namespace: "*" }]);
    await kubectlOk(
      ["apply", "--server-side", "--force-conflicts", "--field-manager=platform-team", "-f", "-"],
      {
        input: JSON.stringify({
          apiVersion: "mooring.dev/v1alpha1",
          kind: "Project",
          metadata: { name: "default", namespace: "mooring" },
          spec: { sourceRepos: ["https://git.example.com/platform/*"] },
        }),
      },
    );
    try {
      const result = await installJson();
      const kept = result.objects.find((o) => o.object === "Project/mooring/default");
      assert.equal(kept?.action, "skipped");
      assert.match(kept?.reason ?? "", /changed by platform-team; those changes are kept/);
      const after = JSON.parse(
        await kubectlOk(["get", "projects.mooring.dev", "default", "-n", "mooring", "-o", "json"]),
      );
      assert.deepEqual(after.spec.sourceRepos, ["https://git.example.com/platform/*"]);
    } finally {
      // Give the shared cluster its default project back.
      await kubectlOk(["delete", "projects.mooring.dev", "default", "-n", "mooring"]);
      await installJson();
    }
  });

  it("names the kubeconfig problem instead of failing obscurely", async () => {
    const res = await moor(["install", "--kubeconfig", runSandboxKubeconfig(), "--context", "nope"]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /has no context named "nope"/);
    const usage = await moor(["install", "--kubeconfig", runSandboxKubeconfig(), "-o", "xml"]);
    assert.equal(usage.code, 2);
  });
});
