// User stories: a team deploys a chart published to an OCI registry by version range and moves
// to a new release with a refresh; another deploys a chart from a password-protected Helm
// repository with the credentials in a repository Secret, and a chart such a repository lists on
// another host is pulled without the password going there; a third names a private OCI registry
// in Argo CD's bare-host form, is told credentials are refused until a repository Secret for the
// registry appears, then deploys without a restart; a chart or version that is not published
// stalls the app with a message naming what was asked for; the passwords show nowhere, not even
// on a command line.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  appFleet,
  applyApp,
  condition,
  deleteApp,
  getApp,
  refreshApp,
  syncedAndHealthy,
  waitForApp,
} from "../harness/apps.ts";
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
const REGISTRY_PASSWORD = "oci-registry-pw-c41d08";
const REGISTRY_SECRET = "charts-e2e-registry-creds";
const FRONT_SECRET = "charts-e2e-front-creds";
const PROJECT = "charts-e2e-registry";

/** Repository Secret in the controller namespace, applied server-side. */
async function applyRepoSecret(name: string, type: string, data: Record<string, string>): Promise<void> {
  await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: "mooring", labels: { "mooring.dev/secret-type": type } },
      stringData: data,
    }),
  });
}

/**
 * Reads every process's command line (/proc/<pid>/cmdline) every few milliseconds until stopped,
 * and returns those holding any of the texts: a helm pull given a password as an argument would
 * be caught while it runs.
 */
function watchCommandLines(texts: readonly string[]): { stop(): string[] } {
  const seen = new Set<string>();
  const look = () => {
    for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
      let line = "";
      try {
        line = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        continue;
      }
      if (texts.some((text) => line.includes(text))) seen.add(line);
    }
  };
  const timer = setInterval(look, 20);
  return {
    stop() {
      clearInterval(timer);
      look();
      return [...seen];
    },
  };
}

describe("charts from OCI registries and Helm repositories", () => {
  let registry: OciRegistry;
  let privateRegistry: OciRegistry;
  let repository: HelmRepository;
  /** A repository behind a password whose index.yaml lists charts kept on `elsewhere`. */
  let front: HelmRepository;
  let elsewhere: HelmRepository;
  let controller: RunningController;
  const fleet = appFleet();
  const apps = ["oci-web", "repo-api", "front-moved", "private-vault", "oci-missing", "repo-missing"];
  /** Apps in PROJECT, each deployed to the namespace of its name. */
  const projectApps = ["project-vault", "project-web"];

  before(async () => {
    await ensureInstalled();
    registry = await startOciRegistry();
    for (const version of ["1.0.0", "1.1.0", "2.0.0"]) await registry.push("charts", "web", version);
    privateRegistry = await startOciRegistry({ username: "puller", password: REGISTRY_PASSWORD });
    await privateRegistry.push("charts", "vault", "1.0.0");
    repository = await startHelmRepository({ username: "deployer", password: PASSWORD });
    await repository.add("api", "0.1.0");
    await applyRepoSecret(CREDS_SECRET, "repository", {
      url: repository.url,
      username: "deployer",
      password: PASSWORD,
    });
    elsewhere = await startHelmRepository();
    await elsewhere.add("moved", "0.2.0");
    front = await startHelmRepository({ username: "deployer", password: PASSWORD });
    await front.serveIndex(await elsewhere.index());
    await applyRepoSecret(FRONT_SECRET, "repository", {
      url: front.url,
      username: "deployer",
      password: PASSWORD,
    });
    controller = await startController();
  });

  after(async () => {
    await fleet.remove();
    for (const name of projectApps) await deleteApp(name);
    for (const name of projectApps)
      await kubectl(["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "projects.mooring.dev", PROJECT, "-n", "mooring", "--ignore-not-found"]);
    await controller?.stop();
    await registry?.close();
    await privateRegistry?.close();
    await repository?.close();
    await front?.close();
    await elsewhere?.close();
    await kubectl([
      "delete",
      "secret",
      CREDS_SECRET,
      REGISTRY_SECRET,
      FRONT_SECRET,
      "-n",
      "mooring",
      "--ignore-not-found",
    ]);
  });

  /** The app once its Stalled condition is True. */
  function stalled(name: string) {
    return waitForApp(name, "to be Stalled", (a) => condition(a, "Stalled")?.status === "True", 60_000);
  }

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

  it("pulls a chart that a password-protected repository's index lists on another host without sending that host the password", async () => {
    const ns = await fleet.deploy("front-moved", {
      repoURL: front.url,
      chart: "moved",
      targetRevision: "0.2.0",
    });
    await waitForApp("front-moved", "to deploy moved@0.2.0", syncedAndHealthy("moved@0.2.0"), 120_000);
    assert.equal(await deployedChartVersion(ns, "front-moved"), "0.2.0");
    assert.ok(
      front.requests.some((r) => r.path === "/charts/index.yaml" && r.authorized),
      JSON.stringify(front.requests),
    );
    const downloads = elsewhere.requests.filter((r) => r.path === "/charts/moved-0.2.0.tgz");
    assert.ok(downloads.length > 0, JSON.stringify(elsewhere.requests));
    assert.ok(
      downloads.every((r) => !r.sentCredentials),
      "the other host received an Authorization header",
    );
  });

  it("stalls an app on a private OCI registry named by bare host until a repository Secret for the registry gives it credentials, then deploys without a restart", async () => {
    const commandLines = watchCommandLines([
      REGISTRY_PASSWORD,
      Buffer.from(`puller:${REGISTRY_PASSWORD}`).toString("base64"),
    ]);
    try {
      const ns = await fleet.deploy("private-vault", {
        repoURL: `${privateRegistry.host}/charts`,
        chart: "vault",
        targetRevision: "1.0.0",
      });
      const refused = await stalled("private-vault");
      assert.equal(condition(refused, "Stalled")?.reason, "SourceAuthFailed");
      assert.match(
        condition(refused, "Stalled")?.message ?? "",
        new RegExp(
          `oci://${privateRegistry.host}/charts/vault refused .*\\(HTTP 401\\): add or fix a repository Secret`,
        ),
      );

      // Argo CD's form for an OCI registry's credentials: a template whose url is the bare host.
      await applyRepoSecret(REGISTRY_SECRET, "repo-creds", {
        url: privateRegistry.host,
        username: "puller",
        password: REGISTRY_PASSWORD,
      });
      const pid = controller.process.pid;
      await waitForApp("private-vault", "to deploy vault@1.0.0", syncedAndHealthy("vault@1.0.0"), 120_000);
      assert.equal(controller.process.pid, pid);
      assert.equal(controller.process.exitCode, null, "the controller kept running");
      assert.equal(await deployedChartVersion(ns, "private-vault"), "1.0.0");
    } finally {
      assert.deepEqual(commandLines.stop(), [], "a command line held the registry password");
    }
  });

  it("admits a chart named by bare host in a Project whose sourceRepos name its registry with oci://, and refuses one from another registry", async () => {
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec: {
          // The apps name the registry in the bare-host form, which read as a Git address would
          // be ssh to 127.0.0.1 (path <port>/charts) and fall under no oci:// entry.
          sourceRepos: [`oci://${privateRegistry.host}/*`],
          destinations: projectApps.map((namespace) => ({ name: "in-cluster", namespace })),
          clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
        },
      }),
    });
    const deploy = (name: string, repoURL: string, chart: string) =>
      applyApp(name, {
        project: PROJECT,
        source: { repoURL, chart, targetRevision: "1.0.0" },
        destination: { namespace: name },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      });
    await deploy("project-vault", `${privateRegistry.host}/charts`, "vault");
    await deploy("project-web", `${registry.host}/charts`, "web");
    await waitForApp("project-vault", "to deploy vault@1.0.0", syncedAndHealthy("vault@1.0.0"), 120_000);
    assert.equal(await deployedChartVersion("project-vault", "project-vault"), "1.0.0");
    const refused = await stalled("project-web");
    assert.equal(condition(refused, "Stalled")?.reason, "ProjectViolation");
    assert.match(
      condition(refused, "Stalled")?.message ?? "",
      // The message shows the address as it was read: the registry, as oci://.
      new RegExp(`repository oci://${registry.host}/charts is not in project ${PROJECT}'s sourceRepos`),
    );
  });

  it("stalls an app whose chart or version is not published, naming the chart, repository and range", async () => {
    await fleet.deploy("oci-missing", {
      repoURL: registry.url("charts"),
      chart: "web",
      targetRevision: "3.*",
    });
    const noVersion = await stalled("oci-missing");
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
    const noChart = await stalled("repo-missing");
    assert.match(
      condition(noChart, "Stalled")?.message ?? "",
      new RegExp(`chart nothing is not in ${repository.url}.*"1\\.0\\.0"`),
    );
  });

  it("shows the repository and registry passwords in no log, event or status", async () => {
    const statuses = await Promise.all(
      [...apps, ...projectApps].map(async (name) => JSON.stringify((await getApp(name)).status)),
    );
    const events = await kubectlOk(["get", "events", "-n", "mooring", "-o", "json"]);
    for (const [where, text] of [
      ["controller log", JSON.stringify(controller.logs)],
      ["events", events],
      ["status", statuses.join("\n")],
    ] as const) {
      for (const [user, password] of [
        ["deployer", PASSWORD],
        ["puller", REGISTRY_PASSWORD],
      ] as const) {
        assert.ok(!text.includes(password), `${where} holds ${user}'s password`);
        assert.ok(
          !text.includes(Buffer.from(`${user}:${password}`).toString("base64")),
          `${where} holds ${user}'s auth`,
        );
      }
    }
    assert.ok(controller.logs.length > 0);
  });
});
