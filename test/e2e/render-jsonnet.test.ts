// User stories: a Jsonnet app (the shape of Argo CD's jsonnet-guestbook example) deploys as in
// Argo CD, with directory.jsonnet's top-level arguments, external variables and library folders;
// an import that leaves the repository is refused naming the file; a folder of files Mooring
// does not render stalls the app instead of pruning it, unless the app allows an empty render.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DirectorySource } from "../../src/core/application.ts";
import {
  type AppView,
  appFleet,
  applyApp,
  condition,
  refreshApp,
  syncedAndHealthy,
  waitForApp,
} from "../harness/apps.ts";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

/** A guestbook written for this test: the UI's Service and Deployment from a params library. */
const GUESTBOOK = {
  "guestbook/params.libsonnet": `{
  name: 'guestbook-ui',
  image: 'nginx:1.25',
  replicas: 1,
  containerPort: 80,
  servicePort: 80,
}
`,
  "guestbook/guestbook-ui.jsonnet": `local params = import 'params.libsonnet';
local labels = { app: params.name };
[
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: params.name },
    spec: {
      selector: labels,
      ports: [{ port: params.servicePort, targetPort: params.containerPort }],
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: params.name },
    spec: {
      replicas: params.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: labels },
        spec: { containers: [{ name: params.name, image: params.image, ports: [{ containerPort: params.containerPort }] }] },
      },
    },
  },
]
`,
};

const VARIABLES = {
  "vendor/team.libsonnet": "{ team: 'payments' }\n",
  "settings/main.jsonnet": `local team = import 'team.libsonnet';
function(tier) {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', labels: team },
  data: {
    tier: tier,
    env: std.extVar('env'),
    ports: std.join(',', [std.toString(p) for p in std.extVar('ports')]),
  },
}
`,
};

const ESCAPING = {
  "escape/main.jsonnet": "local hosts = importstr '../../../../../../../../etc/hosts';\n{ hosts: hosts }\n",
};

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  kept: "yes"\n`;

describe("Jsonnet sources and empty renders", { concurrency: false }, () => {
  let git: GitServer;
  let controller: RunningController;
  const fleet = appFleet();
  const source = (path: string, directory?: DirectorySource) => ({
    repoURL: git.url("jsonnet"),
    targetRevision: "main",
    path,
    ...(directory ? { directory } : {}),
  });

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo(
      "jsonnet",
      {
        ...GUESTBOOK,
        ...VARIABLES,
        ...ESCAPING,
        "kept/config.yaml": configMap("kept"),
        "emptied/config.yaml": configMap("emptied"),
      },
      "jsonnet apps",
    );
    controller = await startController();
  });

  after(async () => {
    await fleet.remove();
    await controller?.stop();
    await git?.close();
  });

  const stalledWith = (reason: string) => (app: AppView) => condition(app, "Stalled")?.reason === reason;

  it("deploys a guestbook written in Jsonnet: a Service and a Deployment, Synced and Healthy", async () => {
    const ns = await fleet.deploy("guestbook", source("guestbook"));
    const app = await waitForApp("guestbook", "to be Synced and Healthy", syncedAndHealthy(), 180_000);
    assert.deepEqual(app.status?.resources.map((r) => `${r.kind}/${r.name}`).sort(), [
      "Deployment/guestbook-ui",
      "Service/guestbook-ui",
    ]);
    assert.equal(app.status?.sourceType, "directory");
    const port = await kubectlOk([
      "get",
      "service",
      "guestbook-ui",
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.ports[0].port}",
    ]);
    assert.equal(port, "80");
  });

  it("renders a top-level argument, string and code external variables and a library folder", async () => {
    const ns = await fleet.deploy(
      "settings",
      source("settings", {
        jsonnet: {
          tlas: [{ name: "tier", value: "gold" }],
          extVars: [
            { name: "env", value: "prod" },
            { name: "ports", value: "[80, 443]", code: true },
          ],
          libs: ["vendor"],
        },
      }),
    );
    await waitForApp("settings", "to be Synced and Healthy", syncedAndHealthy());
    const cm = JSON.parse(await kubectlOk(["get", "configmap", "settings", "-n", ns, "-o", "json"]));
    assert.deepEqual(cm.data, { tier: "gold", env: "prod", ports: "80,443" });
    assert.equal(cm.metadata.labels.team, "payments");
  });

  it("refuses an import that leaves the repository, naming the file", async () => {
    await fleet.deploy("escape", source("escape"));
    const app = await waitForApp("escape", "to stall on the import", stalledWith("RenderFailed"));
    assert.match(
      condition(app, "Stalled")?.message ?? "",
      /escape\/main\.jsonnet: importstr "(\.\.\/)+etc\/hosts" leads outside; imports must stay inside the repository/,
    );
    assert.equal(condition(app, "Ready")?.status, "False");
  });

  it("stalls, and prunes nothing, when the folder holds only files Mooring does not render or YAML that is no object", async () => {
    const ns = await fleet.deploy("kept", source("kept"));
    await waitForApp("kept", "to be Synced and Healthy", syncedAndHealthy());
    await git.commit(
      "jsonnet",
      {
        "kept/config.yaml": null,
        "kept/app.cue": "kept: true\n",
        "kept/README.txt": "moved to CUE\n",
        "kept/values.yaml": "replicas: 2\n",
      },
      "rewrite the kept app in CUE",
    );
    await refreshApp("kept");
    const app = await waitForApp("kept", "to stall with nothing rendered", stalledWith("NothingRendered"));
    const message = condition(app, "Stalled")?.message ?? "";
    assert.match(
      message,
      /source path "kept" rendered no objects but holds files Mooring does not render: kept\/README\.txt, kept\/app\.cue, kept\/values\.yaml \(holds no Kubernetes object\);/,
    );
    assert.match(message, /allowEmpty/);
    assert.equal(condition(app, "Ready")?.status, "False");
    const still = await kubectl(["get", "configmap", "kept", "-n", ns]);
    assert.equal(still.code, 0, "the app's ConfigMap was not pruned");
  });

  it("with syncPolicy.automated.allowEmpty, an emptied folder prunes the app's objects", async () => {
    // The fleet's app, then the same app allowing an empty render: the story is "empty on purpose".
    const ns = await fleet.deploy("emptied", source("emptied"));
    await applyApp("emptied", {
      source: source("emptied"),
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, allowEmpty: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp("emptied", "to be Synced and Healthy", syncedAndHealthy());
    const sha = await git.commit(
      "jsonnet",
      { "emptied/config.yaml": null, "emptied/README.txt": "retired on purpose\n" },
      "retire the emptied app",
    );
    await refreshApp("emptied");
    const app = await waitForApp("emptied", "to sync the empty commit", syncedAndHealthy(sha));
    assert.deepEqual(app.status?.resources, []);
    const gone = await kubectl(["get", "configmap", "emptied", "-n", ns]);
    assert.notEqual(gone.code, 0, "the ConfigMap was pruned");
  });
});
