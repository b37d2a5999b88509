// The GitOps engine's core user story, end to end on a real cluster with real git over HTTP:
// a merged commit goes live; a hand-made change is reverted at once and attributed to its field
// manager; a file removed from Git is pruned; every deploy is recorded with its commit.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  applyApp,
  condition,
  deleteApp,
  getApp,
  refreshApp,
  syncedAndHealthy,
  waitForApp,
} from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const ANN = { name: "Ann Author", email: "ann@example.com" };
const BOB = { name: "Bob Builder", email: "bob@example.com" };

function web(replicas: number, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
`;
}

const CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

describe("GitOps engine: commit to live, self-heal, prune, history", () => {
  let git: GitServer;
  let controller: RunningController;
  const ns = `shop-${Date.now().toString(36)}`;

  before(async () => {
    await ensureInstalled();
    git = await startGitServer({ auth: { username: "deploy", password: "s3cret-pass" } });
    await git.createRepo(
      "shop",
      { "web/deployment.yaml": web(2, "nginx:1.26"), "web/config.yaml": CONFIG, "web/service.yaml": SERVICE },
      "first deploy of the shop",
      ANN,
    );
    // Repository credentials, as users register them (Argo CD's Secret format).
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "repo-shop",
          namespace: "mooring",
          labels: { "mooring.dev/secret-type": "repository" },
        },
        stringData: { url: git.url("shop"), username: "deploy", password: "s3cret-pass" },
      }),
    });
    controller = await startController();
  });

  after(async () => {
    await deleteApp("shop");
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "secret", "repo-shop", "-n", "mooring", "--ignore-not-found"]);
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("deploys the first commit and records who made it", async () => {
    await applyApp("shop", {
      source: { repoURL: git.url("shop"), targetRevision: "main", path: "web" },
      destination: { namespace: ns },
      syncPolicy: { syncOptions: ["CreateNamespace=true"] },
    });
    // Without automated sync the app only reports what it would change.
    const pending = await waitForApp("shop", "to be OutOfSync", (a) => a.status?.sync.status === "OutOfSync");
    assert.equal(pending.status?.resources.length, 3);
    assert.ok(pending.status?.resources.every((r) => r.status === "OutOfSync"));

    // Turning on automated sync deploys it.
    await applyApp("shop", {
      source: { repoURL: git.url("shop"), targetRevision: "main", path: "web" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    const app = await waitForApp("shop", "to be Synced and Healthy", syncedAndHealthy());
    assert.equal(condition(app, "Ready")?.status, "True");
    assert.equal(app.status?.commit?.author, "Ann Author <ann@example.com>");
    assert.equal(app.status?.commit?.message, "first deploy of the shop");
    assert.deepEqual(
      app.status?.history.map((h) => [h.id, h.author, h.message]),
      [[1, "Ann Author <ann@example.com>", "first deploy of the shop"]],
    );
    const deploy = JSON.parse(
      await kubectlOk(["get", "deployment", "web", "-n", ns, "-o", "json", "--show-managed-fields"]),
    );
    assert.equal(deploy.status.availableReplicas, 2);
    assert.equal(
      deploy.metadata.annotations["mooring.dev/tracking-id"],
      `mooring/shop:apps/Deployment:${ns}/web`,
    );
    const managers = deploy.metadata.managedFields.map((m: { manager: string }) => m.manager);
    assert.ok(managers.includes("mooring"), "applied server-side as field manager mooring");
  });

  it("shows the exact diff of a new commit, then applies it and reports Synced and Healthy", async () => {
    const sha = await git.commit(
      "shop",
      { "web/deployment.yaml": web(3, "nginx:1.27") },
      "web: nginx 1.27, three replicas",
      BOB,
    );
    await refreshApp("shop");
    const app = await waitForApp("shop", `to run ${sha.slice(0, 7)}`, syncedAndHealthy(sha));
    const deploy = JSON.parse(await kubectlOk(["get", "deployment", "web", "-n", ns, "-o", "json"]));
    assert.equal(deploy.spec.replicas, 3);
    assert.equal(deploy.spec.template.spec.containers[0].image, "nginx:1.27");
    assert.equal(deploy.status.readyReplicas, 3);
    const last = app.status?.history.at(-1);
    assert.deepEqual([last?.id, last?.revision, last?.author], [2, sha, "Bob Builder <bob@example.com>"]);
    const synced = app.status?.operationState?.resources.find((r) => r.kind === "Deployment");
    assert.equal(synced?.result, "configured");
    const events = await kubectlOk([
      "get",
      "events",
      "-n",
      "mooring",
      "--field-selector",
      "involvedObject.name=shop",
      "-o",
      "json",
    ]);
    const reasons = JSON.parse(events).items.map((e: { reason: string }) => e.reason);
    assert.ok(reasons.includes("Synced"), `events: ${reasons}`);
  });

  it("reverts a manual scale at once and records kubectl as the manager", async () => {
    await kubectlOk(["scale", "deployment/web", "-n", ns, "--replicas=5"]);
    const started = Date.now();
    await eventually(
      "the scale to be reverted",
      async () => {
        const replicas = (
          await kubectlOk(["get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}"])
        ).trim();
        return replicas === "3" ? true : undefined;
      },
      10_000,
    );
    const took = Date.now() - started;
    const app = await waitForApp("shop", "to record the drift", (a) =>
      (a.status?.drift ?? []).some((d) => d.kind === "Deployment" && d.correctedAt),
    );
    const record = app.status?.drift?.find((d) => d.kind === "Deployment");
    assert.equal(record?.manager, "kubectl (scale)");
    assert.ok(took < 5000, `reverted within seconds (took ${took} ms)`);
  });

  it("reverts a kubectl edit of a ConfigMap and a deleted Service", async () => {
    // A real `kubectl edit`, with an editor that rewrites the file as a person would.
    const edit = await kubectl(["edit", "configmap", "web-config", "-n", ns], {
      env: { EDITOR: "sed -i s/hello/bye/" },
    });
    assert.equal(edit.code, 0, edit.stderr);
    await kubectlOk(["delete", "service", "web", "-n", ns]);
    await eventually(
      "the ConfigMap and Service to be put back",
      async () => {
        const greeting = await kubectl([
          "get",
          "configmap",
          "web-config",
          "-n",
          ns,
          "-o",
          "jsonpath={.data.greeting}",
        ]);
        const service = await kubectl(["get", "service", "web", "-n", ns]);
        return greeting.stdout === "hello" && service.code === 0 ? true : undefined;
      },
      10_000,
    );
    const app = await waitForApp("shop", "to record both drifts", (a) => {
      const drift = a.status?.drift ?? [];
      return drift.some((d) => d.kind === "ConfigMap") && drift.some((d) => d.kind === "Service");
    });
    const drift = app.status?.drift ?? [];
    assert.equal(drift.find((d) => d.kind === "ConfigMap")?.manager, "kubectl-edit");
    assert.equal(drift.find((d) => d.kind === "Service")?.change, "deleted");
  });

  it("prunes an object whose file was removed from Git", async () => {
    const sha = await git.commit("shop", { "web/config.yaml": null }, "drop the config map", BOB);
    await refreshApp("shop");
    await waitForApp("shop", "to run the commit without the ConfigMap", syncedAndHealthy(sha));
    const gone = await kubectl(["get", "configmap", "web-config", "-n", ns]);
    assert.notEqual(gone.code, 0, "the ConfigMap was deleted");
    const app = await getApp("shop");
    assert.ok(!app.status?.resources.some((r) => r.kind === "ConfigMap"));
    assert.equal(
      app.status?.operationState?.resources.find((r) => r.kind === "ConfigMap")?.result,
      "deleted",
    );
  });

  it("serves Prometheus metrics about the apps it manages", async () => {
    const text = await (await fetch(`${controller.metricsUrl}`)).text();
    assert.match(text, /mooring_app_info\{[^}]*name="shop"[^}]*sync_status="Synced"/);
    assert.match(text, /mooring_drift_corrections_total\{manager="kubectl-edit"\} [1-9]/);
    assert.match(text, /mooring_app_sync_total\{phase="Succeeded",trigger="automated"\} [1-9]/);
  });

  it("never logs the repository password", () => {
    assert.ok(controller.logs.length > 0);
    assert.ok(!JSON.stringify(controller.logs).includes("s3cret-pass"));
  });
});
