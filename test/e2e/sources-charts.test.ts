// User stories: a team deploys a chart published to an OCI registry by version range and moves
// to a new release with a refresh; another deploys a chart from a password-protected Helm
// repository with the credentials in a repository Secret; a chart or version that is not
// published stalls the app with a message naming what was asked for; the password shows nowhere.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appFleet, condition, getApp, refreshApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import {
  type HelmRepository,
  type OciRegistry,
  startHelmRepository,
  startOciRegistry,
} from "../harness/registry.ts";

const PASSWORD = "chart-repo-pw-7f3e9a";
const CREDS_SECRET = "charts-e2e-creds";

describe("charts from OCI registries and Helm repositories", () => {
  let registry: OciRegistry;
  let repository: HelmRepository;
  let controller: RunningController;
  const fleet = appFleet();
  const apps = ["oci-web", "repo-api", "oci-missing", "repo-missing"];

  before(async () => {
    await ensureInstalled();
    registry = await startOciRegistry();
    for (const version of ["1.0.0", "1.1.0", "2.0.0"]) await registry.push("charts", "web", version);
    repository = await startHelmRepository({ username: "deployer", password: PASSWORD });
    await repository.add("api", "0.1.0");
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: CREDS_SECRET,
          namespace: "mooring",
          labels: { "mooring.dev/secret-type": "repository" },
        },
        stringData: { url: repository.url, username: "deployer", password: PASSWORD },
      }),
    });
    controller = await startController();
  });

  after(async () => {
    await fleet.remove();
    await controller?.stop();
    await registry?.close();
    await repository?.close();
    await kubectl(["delete", "secret", CREDS_SECRET, "-n", "mooring", "--ignore-not-found"]);
  });

  async function deployedChartVersion(ns: string, name: string): Promise<string> {
    return kubectlOk([
      "get",
      "configmap",
      `${name}-settings`,
      "-n",
      ns,
      "-o",
      "jsonpath={.data.chartVersion}",
    ]);
  }

  it("deploys the highest 1.x from the OCI registry, and moves to 1.2.0 on a refresh after it is pushed", async () => {
    const ns = await fleet.deploy("oci-web", {
      repoURL: registry.url("charts"),
      chart: "web",
      targetRevision: "1.*",
    });
    await waitForApp("oci-web", "to deploy web@1.1.0", syncedAndHealthy("web@1.1.0"), 120_000);
    assert.equal(await deployedChartVersion(ns, "oci-web"), "1.1.0");

    await registry.push("charts", "web", "1.2.0");
    await refreshApp("oci-web");
    const moved = await waitForApp("oci-web", "to deploy web@1.2.0", syncedAndHealthy("web@1.2.0"), 120_000);
    assert.equal(await deployedChartVersion(ns, "oci-web"), "1.2.0");
    assert.deepEqual(
      moved.status?.history.map((h) => h.revision),
      ["web@1.1.0", "web@1.2.0"],
    );
    const history = await moor(["app", "history", "oci-web", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /web@1\.1\.0/);
    assert.match(history.stdout, /web@1\.2\.0/);
  });

  it("deploys a chart from a Helm repository behind basic auth with the repository Secret's credentials", async () => {
    const ns = await fleet.deploy("repo-api", {
      repoURL: repository.url,
      chart: "api",
      targetRevision: "0.1.0",
    });
    await waitForApp("repo-api", "to deploy api@0.1.0", syncedAndHealthy("api@0.1.0"), 120_000);
    assert.equal(await deployedChartVersion(ns, "repo-api"), "0.1.0");
    const served = repository.requests.filter((r) => r.authorized).map((r) => r.path);
    assert.ok(served.includes("/charts/index.yaml"), JSON.stringify(repository.requests));
    assert.ok(served.includes("/charts/api-0.1.0.tgz"), JSON.stringify(repository.requests));
  });

  it("stalls an app whose chart or version is not published, naming the chart, repository and range", async () => {
    await fleet.deploy("oci-missing", {
      repoURL: registry.url("charts"),
      chart: "web",
      targetRevision: "3.*",
    });
    const noVersion = await waitForApp(
      "oci-missing",
      "to be Stalled",
      (a) => condition(a, "Stalled")?.status === "True",
      60_000,
    );
    assert.equal(condition(noVersion, "Stalled")?.reason, "RevisionNotFound");
    assert.match(
      condition(noVersion, "Stalled")?.message ?? "",
      new RegExp(`chart web in oci://${registry.host}/charts/web has no version matching "3\\.\\*"`),
    );

    await fleet.deploy("repo-missing", {
      repoURL: repository.url,
      chart: "nothing",
      targetRevision: "1.0.0",
    });
    const noChart = await waitForApp(
      "repo-missing",
      "to be Stalled",
      (a) => condition(a, "Stalled")?.status === "True",
      60_000,
    );
    assert.match(
      condition(noChart, "Stalled")?.message ?? "",
      new RegExp(`chart nothing is not in ${repository.url}.*"1\\.0\\.0"`),
    );
  });

  it("shows the repository password in no log, event or status", async () => {
    const statuses = await Promise.all(apps.map(async (name) => JSON.stringify((await getApp(name)).status)));
    const events = await kubectlOk(["get", "events", "-n", "mooring", "-o", "json"]);
    for (const [where, text] of [
      ["controller log", JSON.stringify(controller.logs)],
      ["events", events],
      ["status", statuses.join("\n")],
    ] as const) {
      assert.ok(!text.includes(PASSWORD), `${where} holds the password`);
      assert.ok(
        !text.includes(Buffer.from(`deployer:${PASSWORD}`).toString("base64")),
        `${where} holds the auth`,
      );
    }
    assert.ok(controller.logs.length > 0);
  });
});
