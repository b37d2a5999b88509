// User stories: repositories written for Argo CD render the same in Mooring — Helm values files
// given as globs, build variables ($ARGOCD_APP_NAME, $ARGOCD_APP_REVISION, ...) in parameters and
// image overrides, Kustomize helmCharts with a vendored chart, and a values.yaml lying beside
// plain manifests.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appFleet, condition, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

/** A chart whose ConfigMap shows the values it was rendered with. */
const CHART = {
  "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "chart/values.yaml": "color: red\nsize: small\napp: none\nrevision: none\n",
  "chart/values.d/10-color.yaml": "color: yellow\nsize: medium\n",
  "chart/values.d/20-color.yaml": "color: green\n",
  "chart/values.d/README.md": "color: ignored\n",
  "chart/templates/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  color: {{ .Values.color | quote }}
  size: {{ .Values.size | quote }}
  app: {{ .Values.app | quote }}
  revision: {{ .Values.revision | quote }}
`,
};

/** A kustomization inflating a chart vendored where kustomize looks for it (charts/NAME). */
const HELM_CHARTS = {
  "inflate/kustomization.yaml": `helmCharts:
  - name: cache
    releaseName: cache
    valuesInline: { port: 6380 }
`,
  "inflate/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
  "inflate/charts/cache/values.yaml": "port: 6379\n",
  "inflate/charts/cache/templates/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  port: {{ .Values.port | quote }}
  kubeMinor: {{ .Capabilities.KubeVersion.Minor | quote }}
  servesApps: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
`,
  "download/kustomization.yaml": `helmCharts:
  - name: redis
    repo: https://charts.example.com/stable
    version: 18.2.0
`,
};

const IMAGES = {
  "images/kustomization.yaml": "resources: [deployment.yaml]\n",
  "images/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers: [{ name: api, image: registry.example.com/api:latest }]
`,
};

const DIRECTORY = {
  "plain/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: b\n",
  "plain/values.yaml": "replicas: 2\nimage:\n  tag: v1\n",
};

describe("rendering as Argo CD renders", () => {
  let git: GitServer;
  let controller: RunningController;
  let commit: string;
  const fleet = appFleet();

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    commit = await git.createRepo(
      "parity",
      { ...CHART, ...HELM_CHARTS, ...IMAGES, ...DIRECTORY },
      "repository written for Argo CD",
    );
    controller = await startController();
  });

  after(async () => {
    await fleet.remove();
    await controller?.stop();
    await git?.close();
  });

  const deploy = (name: string, path: string, tool: Record<string, unknown> = {}) =>
    fleet.deploy(name, { repoURL: git.url("parity"), targetRevision: "main", path, ...tool });

  async function configData(ns: string, name: string): Promise<Record<string, string>> {
    return JSON.parse(await kubectlOk(["get", "configmap", name, "-n", ns, "-o", "json"])).data;
  }

  it("layers values files matched by a glob in lexical order", async () => {
    const ns = await deploy("globbed", "chart", { helm: { valueFiles: ["values.d/*.yaml"] } });
    await waitForApp("globbed", "to be Synced and Healthy", syncedAndHealthy());
    const data = await configData(ns, "globbed-settings");
    assert.equal(data.color, "green", "20-color.yaml comes after 10-color.yaml and wins");
    assert.equal(data.size, "medium");
  });

  it("puts the app's name and commit into Helm parameters and Kustomize images", async () => {
    const ns = await deploy("variables", "chart", {
      helm: {
        releaseName: "${ARGOCD_APP_NAME}-release",
        parameters: [
          { name: "app", value: "$ARGOCD_APP_NAME in $ARGOCD_APP_NAMESPACE" },
          { name: "revision", value: "${ARGOCD_APP_REVISION}" },
        ],
      },
    });
    const app = await waitForApp("variables", "to be Synced and Healthy", syncedAndHealthy());
    assert.equal(app.status?.sync.revision, commit);
    const data = await configData(ns, "variables-release-settings");
    assert.equal(data.app, `variables in ${ns}`);
    assert.equal(data.revision, commit);

    const imagesNs = await deploy("images", "images", {
      kustomize: { images: ["registry.example.com/api:${ARGOCD_APP_REVISION_SHORT}"] },
    });
    await waitForApp("images", "to be Synced and Healthy", syncedAndHealthy());
    const image = await kubectlOk([
      "get",
      "deployment",
      "api",
      "-n",
      imagesNs,
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert.equal(image, `registry.example.com/api:${commit.slice(0, 7)}`);
  });

  it("inflates a vendored chart listed in a kustomization's helmCharts, for the destination's Kubernetes", async () => {
    const ns = await deploy("inflated", "inflate");
    const app = await waitForApp("inflated", "to be Synced and Healthy", syncedAndHealthy());
    assert.equal(app.status?.sourceType, "kustomize");
    assert.deepEqual(await configData(ns, "cache-config"), {
      port: "6380",
      kubeMinor: "36",
      servesApps: "true",
    });
  });

  it("stalls a kustomization whose chart would have to be downloaded, saying to vendor it", async () => {
    await deploy("download", "download");
    const app = await waitForApp(
      "download",
      "to be Stalled",
      (a) => condition(a, "Stalled")?.status === "True",
    );
    const stalled = condition(app, "Stalled");
    assert.equal(stalled?.reason, "RenderFailed");
    assert.match(
      stalled?.message ?? "",
      /download\/kustomization\.yaml helmCharts entry "redis" from https:\/\/charts\.example\.com\/stable is not in the repository at download\/charts\/redis-18\.2\.0\/redis; renders have no network, so charts must be vendored in the repository/,
    );
  });

  it("skips a values.yaml beside plain manifests and lists it as skipped", async () => {
    const ns = await deploy("plain", "plain");
    const app = await waitForApp("plain", "to be Synced and Healthy", syncedAndHealthy());
    assert.deepEqual(app.status?.skipped, [
      { path: "plain/values.yaml", reason: "no document has apiVersion or kind: not Kubernetes objects" },
    ]);
    assert.deepEqual(
      app.status?.resources.map((r) => `${r.kind}/${r.name}`),
      ["ConfigMap/plain"],
    );
    assert.deepEqual(await configData(ns, "plain"), { a: "b" });
    const shown = await moor(["app", "get", "plain", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Skipped:\s+plain\/values\.yaml \(no objects\)/);
  });
});
