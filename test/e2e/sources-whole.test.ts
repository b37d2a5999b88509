// A source is read whole, or the app says it was not. User stories on a real cluster with real
// git over HTTP: a repository whose manifests live in a git submodule (fetched with credentials
// registered for the submodule's own URL) deploys them; a submodule that cannot be fetched stalls
// the app with a message naming it, and nothing is applied from that commit; a Stack reads its
// module from a submodule through the same code; someone rewriting
// the tracking annotation of a managed object is drift, recorded with their field manager and
// put back by selfHeal.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applyApp, condition, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { createStackNamespace, waitStack } from "../harness/stacks.ts";

const SHARED_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared-settings
data:
  region: eu-west
`;

const OWN_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: own-settings
data:
  team: shop
`;

const TRACKING = "mooring.dev/tracking-id";

describe("a source is read whole", () => {
  let git: GitServer;
  let controller: RunningController;
  let libCommit = "";
  const ns = `whole-${Date.now().toString(36)}`;
  const secret = `repo-creds-${ns}`;

  const trackingOf = async (name: string) =>
    (
      await kubectlOk([
        "get",
        "configmap",
        name,
        "-n",
        ns,
        "-o",
        "jsonpath={.metadata.annotations.mooring\\.dev/tracking-id}",
      ])
    ).trim();

  before(async () => {
    await ensureInstalled();
    git = await startGitServer({ auth: { username: "deploy", password: "s3cret-pass" } });
    libCommit = await git.createRepo("platform-lib", {
      "manifests/config.yaml": SHARED_CONFIG,
      "manifests/kustomization.yaml": "resources:\n  - config.yaml\n",
    });
    await git.createRepo("shop", { "deploy/config.yaml": OWN_CONFIG });
    // One credential template for every repository on the server, submodules included.
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: secret, namespace: "mooring", labels: { "mooring.dev/secret-type": "repo-creds" } },
        stringData: { url: git.url("x").replace(/x\.git$/, ""), username: "deploy", password: "s3cret-pass" },
      }),
    });
    controller = await startController();
  });

  after(async () => {
    await deleteApp("whole-shop");
    await deleteApp("whole-broken");
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "secret", secret, "-n", "mooring", "--ignore-not-found"]);
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("deploys manifests that live in a git submodule", async () => {
    // An absolute URL: its credentials come from the Secret matching it, not from the superproject.
    await git.submodule("shop", "vendor/platform", git.url("platform-lib"), libCommit);
    const sha = await git.commit(
      "shop",
      { "deploy/kustomization.yaml": "resources:\n  - config.yaml\n  - ../vendor/platform/manifests\n" },
      "deploy the platform's shared settings too",
    );
    await applyApp("whole-shop", {
      source: { repoURL: git.url("shop"), targetRevision: "main", path: "deploy" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    const app = await waitForApp("whole-shop", "to be Synced and Healthy", syncedAndHealthy(sha), 90_000);
    assert.deepEqual(app.status?.resources.map((r) => r.name).sort(), ["own-settings", "shared-settings"]);
    assert.equal(
      await kubectlOk(["get", "configmap", "shared-settings", "-n", ns, "-o", "jsonpath={.data.region}"]),
      "eu-west",
    );
  });

  it("stalls an app whose submodule cannot be fetched, naming it, and applies nothing", async () => {
    await git.createRepo("broken", {
      "deploy/config.yaml": OWN_CONFIG.replace("own-settings", "broken-settings"),
    });
    await git.submodule("broken", "vendor/platform", "http://127.0.0.1:9/gone/platform-lib.git", libCommit);
    await applyApp("whole-broken", {
      source: { repoURL: git.url("broken"), targetRevision: "main", path: "deploy" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    const app = await waitForApp(
      "whole-broken",
      "to be Stalled",
      (a) => condition(a, "Stalled")?.status === "True",
      90_000,
    );
    const message = condition(app, "Stalled")?.message ?? "";
    assert.match(message, /submodule vendor\/platform \(http:\/\/127\.0\.0\.1:9\/gone\/platform-lib\.git\)/);
    assert.match(message, /cannot reach/);
    assert.notEqual(app.status?.sync.status, "Synced");
    assert.notEqual(app.status?.health?.status, "Healthy");
    const applied = await kubectl(["get", "configmap", "broken-settings", "-n", ns]);
    assert.notEqual(applied.code, 0, "nothing of the partly read commit was applied");
  });

  it("plans a Stack whose module lives in a submodule, through the same source code path", async () => {
    const stackNs = `${ns}-stack`;
    await createStackNamespace(stackNs);
    const module = await git.createRepo("tf-modules", {
      "settings/main.tf": 'resource "terraform_data" "from_submodule" {\n  input = "shared"\n}\n',
    });
    await git.createRepo("infra", { "README.md": "infrastructure\n" });
    await git.submodule("infra", "modules", "../tf-modules.git", module);
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "infra", namespace: stackNs },
        spec: { source: { repoURL: git.url("infra"), targetRevision: "main", path: "modules/settings" } },
      }),
    });
    const planned = await waitStack(
      stackNs,
      "infra",
      "to plan",
      (st) => st.status?.lastPlan?.pending === true,
    );
    assert.deepEqual(
      planned.status?.lastPlan?.resources.map((r) => r.address),
      ["terraform_data.from_submodule"],
    );
    await kubectl(["delete", "namespace", stackNs, "--wait=false", "--ignore-not-found"]);
  });

  it("reports a rewritten tracking annotation as drift with its field manager, and selfHeal puts it back", async () => {
    const want = `mooring/whole-shop:/ConfigMap:${ns}/own-settings`;
    assert.equal(await trackingOf("own-settings"), want);
    await kubectlOk([
      "annotate",
      "configmap",
      "own-settings",
      "-n",
      ns,
      `${TRACKING}=mooring/someone-else:/ConfigMap:${ns}/own-settings`,
      "--overwrite",
    ]);
    const started = Date.now();
    await eventually(
      "the tracking annotation to be put back",
      async () => ((await trackingOf("own-settings")) === want ? true : undefined),
      10_000,
    );
    const took = Date.now() - started;
    const app = await waitForApp("whole-shop", "to record the drift", (a) =>
      (a.status?.drift ?? []).some((d) => d.name === "own-settings" && d.manager === "kubectl-annotate"),
    );
    const record = app.status?.drift?.find((d) => d.name === "own-settings");
    assert.equal(record?.change, "modified");
    assert.ok(took < 8000, `put back within seconds, before the 20 s resync (took ${took} ms)`);
  });
});
