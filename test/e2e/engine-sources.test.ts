// User stories: Helm charts and Kustomize overlays in Git deploy as users expect; sync waves and
// hooks run in order; a CRD and its custom resources arrive in one sync.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applyApp, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const CHART = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "charts/web/values.yaml": "replicas: 1\nimage: nginx:1.25\ngreeting: hello\n",
  "charts/web/values-prod.yaml": "replicas: 2\n",
  "charts/web/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels:
    kube-version: "{{ .Capabilities.KubeVersion.Minor }}"
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }} }
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
`,
  "charts/web/templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
  {{- if .Capabilities.APIVersions.Has "mooring.dev/v1alpha1/Application" }}
  mooring: "installed"
  {{- end }}
`,
};

const KUSTOMIZE = {
  "kustomize/base/kustomization.yaml": "resources: [deployment.yaml]\n",
  "kustomize/base/deployment.yaml": `apiVersion: apps/v1
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
      containers: [{ name: api, image: example/api:1.0 }]
`,
  "kustomize/prod/kustomization.yaml":
    "resources: [../base]\nnamePrefix: prod-\nreplicas: [{ name: api, count: 2 }]\n",
};

const WAVES = {
  "waves/db.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: database
  annotations: { mooring.dev/sync-wave: "-1" }
data: { url: "postgres://db" }
`,
  "waves/app.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  annotations: { mooring.dev/sync-wave: "1" }
data: { uses: database }
`,
  "waves/migrate.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    mooring.dev/hook: PreSync
    mooring.dev/hook-delete-policy: BeforeHookCreation
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: migrate, image: busybox }]
`,
  "waves/smoke.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: smoke-test
  annotations:
    argocd.argoproj.io/hook: PostSync
    argocd.argoproj.io/hook-delete-policy: HookSucceeded
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: smoke, image: busybox }]
`,
};

const CRD = {
  "crd/crd.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.mooring.dev
spec:
  group: example.mooring.dev
  names: { kind: Widget, plural: widgets, singular: widget }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`,
  "crd/widget.yaml": `apiVersion: example.mooring.dev/v1
kind: Widget
metadata:
  name: blue
spec:
  size: 3
`,
};

describe("Helm, Kustomize, waves, hooks and CRDs", () => {
  let git: GitServer;
  let controller: RunningController;
  const suffix = Date.now().toString(36);
  const apps: string[] = [];
  const namespaces: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo("platform", { ...CHART, ...KUSTOMIZE, ...WAVES, ...CRD }, "platform manifests");
    controller = await startController();
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    await controller?.stop();
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "crd", "widgets.example.mooring.dev", "--ignore-not-found"]);
  });

  async function deploy(name: string, path: string, extra: Record<string, unknown> = {}): Promise<string> {
    const ns = `${name}-${suffix}`;
    apps.push(name);
    namespaces.push(ns);
    await applyApp(name, {
      source: { repoURL: git.url("platform"), targetRevision: "main", path, ...extra },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    return ns;
  }

  it("renders a Helm chart with value files, inline values, parameters and the cluster's capabilities", async () => {
    const ns = await deploy("chart", "charts/web", {
      helm: {
        releaseName: "shop",
        valueFiles: ["values-prod.yaml"],
        values: "greeting: bonjour\n",
        parameters: [{ name: "image", value: "nginx:1.27" }],
      },
    });
    const app = await waitForApp("chart", "to be Synced and Healthy", syncedAndHealthy());
    assert.equal(app.status?.sourceType, "helm");
    const workload = JSON.parse(await kubectlOk(["get", "deployment", "shop-web", "-n", ns, "-o", "json"]));
    assert.equal(workload.spec.replicas, 2, "values-prod.yaml applied");
    assert.equal(workload.spec.template.spec.containers[0].image, "nginx:1.27", "--set parameter applied");
    assert.equal(workload.metadata.labels["kube-version"], "36", "helm saw the destination's version");
    const cm = JSON.parse(await kubectlOk(["get", "configmap", "shop-settings", "-n", ns, "-o", "json"]));
    assert.deepEqual(cm.data, { greeting: "bonjour", mooring: "installed" });
  });

  it("builds a Kustomize overlay", async () => {
    const ns = await deploy("overlay", "kustomize/prod");
    const app = await waitForApp("overlay", "to be Synced and Healthy", syncedAndHealthy());
    assert.equal(app.status?.sourceType, "kustomize");
    const replicas = await kubectlOk([
      "get",
      "deployment",
      "prod-api",
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    assert.equal(replicas, "2");
  });

  it("runs the PreSync hook, then the waves in order, then the PostSync hook", async () => {
    const ns = await deploy("waves", "waves");
    const app = await waitForApp("waves", "to be Synced and Healthy", syncedAndHealthy());
    const order = (app.status?.operationState?.resources ?? []).map(
      (r) => `${r.phase}:${r.wave}:${r.kind}/${r.name}:${r.result}`,
    );
    assert.deepEqual(order, [
      "PreSync:0:Job/migrate:hook-succeeded",
      "Sync:-1:ConfigMap/database:created",
      "Sync:1:ConfigMap/app:created",
      "PostSync:0:Job/smoke-test:hook-succeeded",
    ]);
    // HookSucceeded removed the smoke test; BeforeHookCreation keeps the migration until next time.
    assert.notEqual((await kubectl(["get", "job", "smoke-test", "-n", ns])).code, 0);
    assert.equal((await kubectl(["get", "job", "migrate", "-n", ns])).code, 0);
    // Hooks are not part of the app's resources or its sync status.
    assert.deepEqual(app.status?.resources.map((r) => r.name).sort(), ["app", "database"]);
  });

  it("creates a CRD and a custom resource of its kind in one sync", async () => {
    const ns = await deploy("widgets", "crd");
    const app = await waitForApp("widgets", "to be Synced and Healthy", syncedAndHealthy());
    const kinds = app.status?.operationState?.resources.map((r) => `${r.kind}:${r.result}`);
    assert.deepEqual(kinds, ["CustomResourceDefinition:created", "Widget:created"]);
    const size = await kubectlOk(["get", "widget", "blue", "-n", ns, "-o", "jsonpath={.spec.size}"]);
    assert.equal(size, "3");
  });
});
