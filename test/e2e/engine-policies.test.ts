// User stories about telling Mooring what to care about: `moor app diff` shows exactly what a new
// commit would change before anyone syncs it; fields another controller owns (an autoscaler's
// replicas) are ignored instead of fought over; a custom resource's health comes from a CEL check;
// a sync that cannot finish in time fails with a clear message instead of hanging.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applyApp, condition, deleteApp, getApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const deployment = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers: [{ name: api, image: "${image}" }]
`;

const GADGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.mooring.dev
spec:
  group: example.mooring.dev
  names: { kind: Gadget, plural: gadgets, singular: gadget }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;

const gadget = (wave: number) => `apiVersion: example.mooring.dev/v1
kind: Gadget
metadata:
  name: slow
  annotations: { mooring.dev/sync-wave: "${wave}" }
spec: { size: 1 }
`;

const AFTER_GADGET = `apiVersion: v1
kind: ConfigMap
metadata:
  name: after-gadget
  annotations: { mooring.dev/sync-wave: "2" }
data: { ok: "yes" }
`;

const secret = (password: string) => `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: ${password}
`;

const kc = () => ["--kubeconfig", runSandboxKubeconfig()];

describe("what Mooring compares, and when a sync gives up", () => {
  let git: GitServer;
  let controller: RunningController;
  const suffix = Date.now().toString(36);
  const apps: string[] = [];
  const namespaces: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo(
      "policies",
      {
        "api/deployment.yaml": deployment(2, "example/api:1.0"),
        "crd/crd.yaml": GADGET_CRD,
        "gadgets/gadget.yaml": gadget(1),
        "gadgets/after.yaml": AFTER_GADGET,
        "secret/secret.yaml": secret("first-password-value"),
      },
      "policies",
    );
    controller = await startController();
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    await controller?.stop();
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "crd", "gadgets.example.mooring.dev", "--ignore-not-found"]);
  });

  function ns(name: string): string {
    const namespace = `${name}-${suffix}`;
    namespaces.push(namespace);
    apps.push(name);
    return namespace;
  }

  it("moor app diff shows exactly what a new commit changes, exits 1, and 0 once synced", async () => {
    const namespace = ns("preview");
    const created = await moor([
      "app",
      "create",
      "preview",
      "--repo",
      git.url("policies"),
      "--revision",
      "main",
      "--path",
      "api",
      "--dest-namespace",
      namespace,
      "--sync-option",
      "CreateNamespace=true",
      ...kc(),
    ]);
    assert.equal(created.code, 0, created.stderr);
    const firstSync = await moor(["app", "sync", "preview", "--wait", "--timeout", "60s", ...kc()]);
    assert.equal(firstSync.code, 0, firstSync.stderr);
    await waitForApp("preview", "to be Synced", syncedAndHealthy());

    await git.commit(
      "policies",
      { "api/deployment.yaml": deployment(3, "example/api:1.1") },
      "api 1.1, three replicas",
    );
    const diff = await moor(["app", "diff", "preview", "--timeout", "30s", ...kc()]);
    assert.equal(diff.code, 1, `a diff exits 1: ${diff.stderr}`);
    assert.match(diff.stdout, new RegExp(`Deployment/${namespace}/api`));
    assert.match(diff.stdout, /spec\.replicas: 2 → 3/);
    assert.match(
      diff.stdout,
      /spec\.template\.spec\.containers\[0\]\.image: "example\/api:1\.0" → "example\/api:1\.1"/,
    );
    // Nothing changed in the cluster: the app is manual.
    const replicas = await kubectlOk([
      "get",
      "deployment",
      "api",
      "-n",
      namespace,
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    assert.equal(replicas, "2");

    const sync = await moor(["app", "sync", "preview", "--wait", "--timeout", "60s", ...kc()]);
    assert.equal(sync.code, 0, sync.stderr);
    const clean = await moor(["app", "diff", "preview", "--timeout", "30s", ...kc()]);
    assert.equal(clean.code, 0, `no diff exits 0: ${clean.stdout}${clean.stderr}`);
  });

  it("never shows a Secret's values: not in the diff, the status, the events or the logs", async () => {
    const namespace = ns("secrets");
    await applyApp("secrets", {
      source: { repoURL: git.url("policies"), targetRevision: "main", path: "secret" },
      destination: { namespace },
      syncPolicy: { syncOptions: ["CreateNamespace=true"] },
    });
    const sync = await moor(["app", "sync", "secrets", "--wait", "--timeout", "60s", ...kc()]);
    assert.equal(sync.code, 0, sync.stderr);
    await git.commit(
      "policies",
      { "secret/secret.yaml": secret("second-password-value") },
      "rotate the password",
    );
    const diff = await moor(["app", "diff", "secrets", "--timeout", "30s", ...kc()]);
    assert.equal(diff.code, 1, "the rotation shows as a diff");
    assert.match(diff.stdout, new RegExp(`Secret/${namespace}/db`));
    assert.match(diff.stdout, /\+\+\+\+\+\+\+\+/, "values appear masked");
    const everything = [
      diff.stdout,
      diff.stderr,
      await kubectlOk(["get", "application", "secrets", "-n", "mooring", "-o", "json"]),
      await kubectlOk(["get", "events", "-n", "mooring", "-o", "json"]),
      JSON.stringify(controller.logs),
      (await moor(["app", "manifests", "secrets", ...kc()])).stdout,
      (await moor(["app", "manifests", "secrets", "--source", "live", ...kc()])).stdout,
    ].join("\n");
    for (const value of ["first-password-value", "second-password-value"]) {
      assert.ok(!everything.includes(value), `${value} leaked`);
      assert.ok(!everything.includes(Buffer.from(value).toString("base64")), `${value} leaked as base64`);
    }
  });

  it("ignores fields owned by another manager instead of fighting over them", async () => {
    const namespace = ns("autoscaled");
    await applyApp("autoscaled", {
      source: { repoURL: git.url("policies"), targetRevision: "main", path: "api" },
      destination: { namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
      // As with an HPA: the autoscaler owns spec.replicas.
      ignoreDifferences: [{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }],
    });
    await waitForApp("autoscaled", "to sync", syncedAndHealthy());
    await kubectlOk(["scale", "deployment/api", "-n", namespace, "--replicas=6"]);
    await new Promise((r) => setTimeout(r, 3000));
    const replicas = await kubectlOk([
      "get",
      "deployment",
      "api",
      "-n",
      namespace,
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    assert.equal(replicas, "6", "the scale was left alone");
    const app = await getApp("autoscaled");
    assert.equal(app.status?.sync.status, "Synced");
  });

  it("judges a custom resource by a CEL health check, and fails a sync that outlives its timeout", async () => {
    await applyApp("gadget-crd", {
      source: { repoURL: git.url("policies"), targetRevision: "main", path: "crd" },
      destination: {},
      syncPolicy: { automated: { prune: true } },
    });
    apps.push("gadget-crd");
    await waitForApp("gadget-crd", "to install the CRD", syncedAndHealthy());

    const namespace = ns("gadgets");
    await applyApp("gadgets", {
      source: { repoURL: git.url("policies"), targetRevision: "main", path: "gadgets" },
      destination: { namespace },
      syncPolicy: { automated: {}, syncOptions: ["CreateNamespace=true"], retry: { limit: 0 } },
      syncTimeout: "4s",
      healthChecks: [
        {
          group: "example.mooring.dev",
          kind: "Gadget",
          healthy: "has(object.status) && object.status.phase == 'Ready'",
          degraded: "has(object.status) && object.status.phase == 'Broken'",
          progressing: "!has(object.status) || object.status.phase == 'Pending'",
          message: "has(object.status) ? 'phase ' + object.status.phase : 'not reconciled yet'",
        },
      ],
    });
    // Wave 1 (the Gadget) never becomes healthy, so wave 2 never starts and the sync times out.
    const failed = await waitForApp(
      "gadgets",
      "to fail its sync",
      (a) => a.status?.operationState?.phase === "Failed",
      30_000,
    );
    assert.match(failed.status?.operationState?.message ?? "", /timed out/);
    assert.equal(
      (await kubectl(["get", "configmap", "after-gadget", "-n", namespace])).code,
      1,
      "wave 2 never ran",
    );
    const health = failed.status?.resources.find((r) => r.kind === "Gadget")?.health;
    assert.deepEqual(health, { status: "Progressing", message: "not reconciled yet" });
    assert.equal(condition(failed, "Ready")?.status, "False");

    // The gadget's own controller (played by us) reports it Ready: the CEL check says Healthy.
    await kubectlOk([
      "patch",
      "gadget",
      "slow",
      "-n",
      namespace,
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"phase":"Ready"}}',
    ]);
    const sync = await moor(["app", "sync", "gadgets", "--wait", "--timeout", "60s", ...kc()]);
    assert.equal(sync.code, 0, sync.stderr);
    const app = await waitForApp("gadgets", "to be Synced and Healthy", syncedAndHealthy());
    assert.deepEqual(app.status?.resources.find((r) => r.kind === "Gadget")?.health, {
      status: "Healthy",
      message: "phase Ready",
    });
  });
});
