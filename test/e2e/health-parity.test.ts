// User stories about health that teams moving from Argo CD rely on: an aggregated API whose server
// is not there yet (an APIService pointing at a Service without ready Pods) keeps the app
// Progressing instead of reading Healthy while every request to that API fails; and a custom
// resource whose controller follows the kstatus conventions (Ready, Stalled conditions) is judged
// by them without anyone writing a health check.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AppView, applyApp, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const suffix = Date.now().toString(36);
const namespace = `health-parity-${suffix}`;
const apiGroup = `widgets-${suffix}.health.mooring.dev`;

// A Service whose selector matches no Pod: the API server finds no ready endpoint behind it.
const BACKEND_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: widgets-api
spec:
  selector: { app: widgets-api-${suffix} }
  ports:
    - { name: https, port: 443, targetPort: 8443 }
`;

const API_SERVICE = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.${apiGroup}
spec:
  group: ${apiGroup}
  version: v1alpha1
  groupPriorityMinimum: 1000
  versionPriority: 15
  insecureSkipTLSVerify: true
  service: { name: widgets-api, namespace: ${namespace}, port: 443 }
`;

const SPROCKET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sprockets.health.mooring.dev
spec:
  group: health.mooring.dev
  names: { kind: Sprocket, plural: sprockets, singular: sprocket }
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

const SPROCKET = `apiVersion: health.mooring.dev/v1
kind: Sprocket
metadata:
  name: main
spec: { teeth: 12 }
`;

function resourceHealth(app: AppView, kind: string) {
  return app.status?.resources.find((r) => r.kind === kind)?.health;
}

describe("health parity with Argo CD", () => {
  let git: GitServer;
  let controller: RunningController;
  const apps: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo(
      "health",
      {
        "aggregated/service.yaml": BACKEND_SERVICE,
        "aggregated/apiservice.yaml": API_SERVICE,
        "crd/crd.yaml": SPROCKET_CRD,
        "sprockets/sprocket.yaml": SPROCKET,
      },
      "health",
    );
    controller = await startController();
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "apiservice", `v1alpha1.${apiGroup}`, "--ignore-not-found"]);
    await kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "crd", "sprockets.health.mooring.dev", "--ignore-not-found"]);
  });

  it("an APIService whose Service has no endpoints is Progressing, not Healthy", async () => {
    apps.push("aggregated");
    await applyApp("aggregated", {
      source: { repoURL: git.url("health"), targetRevision: "main", path: "aggregated" },
      destination: { namespace },
      syncPolicy: { automated: {}, syncOptions: ["CreateNamespace=true"] },
    });
    // The API server's availability controller, not Mooring, decides: it finds no ready endpoint.
    const app = await waitForApp("aggregated", "to see the APIService unavailable", (a) => {
      const health = resourceHealth(a, "APIService");
      // Until the availability controller first writes the condition, Mooring says it waits for it.
      return (
        a.status?.sync.status === "Synced" &&
        health !== undefined &&
        !/^waiting for/.test(health.message ?? "")
      );
    });
    const health = resourceHealth(app, "APIService");
    assert.equal(health?.status, "Progressing", JSON.stringify(health));
    assert.match(health?.message ?? "", /^(MissingEndpoints|EndpointsNotFound): .*service\/widgets-api/);
    assert.equal(app.status?.health.status, "Progressing");

    const available = JSON.parse(
      await kubectlOk([
        "get",
        "apiservice",
        `v1alpha1.${apiGroup}`,
        "-o",
        "jsonpath={.status.conditions[?(@.type=='Available')]}",
      ]),
    ) as { status: string };
    assert.equal(available.status, "False", "the API server itself reports the API unavailable");
  });

  it("a custom resource following kstatus is Degraded when Stalled and Healthy once Ready", async () => {
    apps.push("sprocket-crd");
    await applyApp("sprocket-crd", {
      source: { repoURL: git.url("health"), targetRevision: "main", path: "crd" },
      destination: {},
      syncPolicy: { automated: {} },
    });
    await waitForApp("sprocket-crd", "to install the CRD", syncedAndHealthy());

    apps.push("sprockets");
    await applyApp("sprockets", {
      source: { repoURL: git.url("health"), targetRevision: "main", path: "sprockets" },
      destination: { namespace },
      syncPolicy: { automated: {}, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp("sprockets", "to be Synced", (a) => a.status?.sync.status === "Synced");

    // The sprocket's controller (played by the test) gives up: Stalled, Ready=False.
    const setStatus = (status: unknown) =>
      kubectlOk([
        "patch",
        "sprocket",
        "main",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status }),
      ]);
    await setStatus({
      conditions: [
        { type: "Ready", status: "False", reason: "OutOfTeeth", message: "12 teeth requested, 0 in stock" },
        { type: "Stalled", status: "True", reason: "OutOfTeeth", message: "12 teeth requested, 0 in stock" },
      ],
    });
    const degraded = await waitForApp(
      "sprockets",
      "to be Degraded",
      (a) => a.status?.health.status === "Degraded",
    );
    assert.deepEqual(resourceHealth(degraded, "Sprocket"), {
      status: "Degraded",
      message: "OutOfTeeth: 12 teeth requested, 0 in stock",
    });

    await setStatus({
      conditions: [{ type: "Ready", status: "True", reason: "Meshed", message: "all teeth fitted" }],
    });
    const healthy = await waitForApp("sprockets", "to be Healthy", syncedAndHealthy());
    assert.deepEqual(resourceHealth(healthy, "Sprocket"), {
      status: "Healthy",
      message: "Meshed: all teeth fitted",
    });
  });
});
