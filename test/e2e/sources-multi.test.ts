// User stories: a team deploys a chart published to an OCI registry, and another one from a Helm
// repository, each with its production values kept in a Git repository (`spec.sources` with a
// `ref: values` source and `$values/envs/prod.yaml` in helm.valueFiles, argo-cd#2789); a push to
// the values repository alone deploys the new value, and history records the chart's version and
// the new commit; a values path that climbs out of the values repository, or a symlink committed
// there pointing out, stalls the app naming the source and the file, with nothing applied; a
// values file naming a ref no source has stalls naming that ref.
import assert from "node:assert/strict";
import { symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ApplicationSource, ApplicationSpec } from "../../src/core/application.ts";
import {
  type AppView,
  applyApp,
  condition,
  deleteApp,
  syncedAndHealthy,
  waitForApp,
} from "../harness/apps.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import {
  type HelmRepository,
  type OciRegistry,
  startHelmRepository,
  startOciRegistry,
} from "../harness/registry.ts";

const VALUES_REPO = "ms-values";
const suffix = Date.now().toString(36);

describe("multi-source applications: charts from registries with values from Git", () => {
  let git: GitServer;
  let registry: OciRegistry;
  let repository: HelmRepository;
  let controller: RunningController;
  let valuesSha: string;
  const apps: string[] = [];
  const namespaces: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    valuesSha = await git.createRepo(VALUES_REPO, {
      "envs/prod.yaml": "greeting: hello-from-git-prod\n",
      "envs/staging.yaml": "greeting: hello-from-git-staging\n",
    });
    // A symlink committed to the values repository, pointing at a file of the controller's host.
    await symlink("/etc/passwd", join(dirname(git.root), "work", VALUES_REPO, "envs", "leak.yaml"));
    valuesSha = await git.commit(VALUES_REPO, {}, "a link out of the repository");
    registry = await startOciRegistry();
    await registry.push("charts", "web", "1.0.0");
    repository = await startHelmRepository();
    await repository.add("api", "0.3.0");
    controller = await startController();
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await controller?.stop();
    await registry?.close();
    await repository?.close();
    await git?.close();
  });

  /** The values repository lent as `$values`. */
  const valuesSource = (): ApplicationSource => ({
    repoURL: git.url(VALUES_REPO),
    targetRevision: "main",
    ref: "values",
  });

  /** Deploys an app of these sources (automated, pruning, its own namespace); returns the namespace. */
  async function deploy(name: string, sources: ApplicationSource[]): Promise<string> {
    const ns = `${name}-${suffix}`;
    apps.push(name);
    namespaces.push(ns);
    const spec: ApplicationSpec = {
      sources,
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    };
    await applyApp(name, spec);
    return ns;
  }

  async function greeting(ns: string, release: string): Promise<string> {
    return kubectlOk([
      "get",
      "configmap",
      `${release}-settings`,
      "-n",
      ns,
      "-o",
      "jsonpath={.data.greeting}",
    ]);
  }

  function stalled(app: AppView): boolean {
    return condition(app, "Stalled")?.status === "True";
  }

  /** Deploys the OCI chart web with one values file entry, and waits for the app to stall. */
  async function stalledWebApp(name: string, valueFile: string): Promise<{ ns: string; app: AppView }> {
    const ns = await deploy(name, [
      {
        repoURL: registry.url("charts"),
        chart: "web",
        targetRevision: "1.0.0",
        helm: { valueFiles: [valueFile] },
      },
      valuesSource(),
    ]);
    return { ns, app: await waitForApp(name, "to stall", stalled, 120_000) };
  }

  async function nothingApplied(ns: string): Promise<void> {
    const found = await kubectl(["get", "configmaps", "-n", ns, "-o", "name"]);
    assert.ok(!found.stdout.includes("-settings"), `${ns} holds ${found.stdout}`);
  }

  it("deploys a chart from the OCI registry with $values/envs/prod.yaml from Git", async () => {
    const ns = await deploy("ms-oci-web", [
      {
        repoURL: registry.url("charts"),
        chart: "web",
        targetRevision: "1.0.0",
        helm: { valueFiles: ["$values/envs/prod.yaml"] },
      },
      valuesSource(),
    ]);
    const app = await waitForApp("ms-oci-web", "to be Synced and Healthy", syncedAndHealthy(), 120_000);
    assert.deepEqual(app.status?.sync.revisions, ["web@1.0.0", valuesSha]);
    assert.equal(app.status?.sync.revision, `web@1.0.0,${valuesSha}`);
    assert.equal(await greeting(ns, "ms-oci-web"), "hello-from-git-prod");

    // Deleting it reads every source for deletion hooks, then deletes what it deployed.
    await deleteApp("ms-oci-web");
    assert.notEqual((await kubectl(["get", "application", "ms-oci-web", "-n", "mooring"])).code, 0);
    await nothingApplied(ns);
  });

  it("deploys a chart from the Helm repository with values from Git; a push to the values repository alone deploys the new value, a rollback redeploys both recorded revisions, and one --revision is refused", async () => {
    const ns = await deploy("ms-repo-api", [
      valuesSource(),
      {
        repoURL: repository.url,
        chart: "api",
        targetRevision: "0.3.*",
        helm: { valueFiles: ["$values/envs/prod.yaml"] },
      },
    ]);
    const first = await waitForApp("ms-repo-api", "to be Synced and Healthy", syncedAndHealthy(), 120_000);
    assert.deepEqual(first.status?.sync.revisions, [valuesSha, "api@0.3.0"]);
    assert.equal(await greeting(ns, "ms-repo-api"), "hello-from-git-prod");

    const pushed = await git.commit(
      VALUES_REPO,
      { "envs/prod.yaml": "greeting: hello-again\n" },
      "new greeting",
    );
    // No refresh: the controller's poll of every source finds the new commit.
    const moved = await waitForApp(
      "ms-repo-api",
      "to deploy the new values commit",
      syncedAndHealthy(`${pushed},api@0.3.0`),
      120_000,
    );
    assert.equal(await greeting(ns, "ms-repo-api"), "hello-again");
    assert.deepEqual(
      moved.status?.history.map((h) => h.revisions),
      [
        [valuesSha, "api@0.3.0"],
        [pushed, "api@0.3.0"],
      ],
    );
    assert.equal(moved.status?.history.at(-1)?.commits?.[0]?.message, "new greeting");
    const history = await moor(["app", "history", "ms-repo-api", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, new RegExp(`${pushed.slice(0, 10)}, api@0\\.3\\.0`));
    assert.match(history.stdout, new RegExp(`${valuesSha.slice(0, 10)}, api@0\\.3\\.0`));

    // A rollback deploys every source at the revisions the entry recorded, and stays pinned.
    const rolled = await moor([
      "app",
      "rollback",
      "ms-repo-api",
      "1",
      "--wait",
      "--kubeconfig",
      runSandboxKubeconfig(),
    ]);
    assert.equal(rolled.code, 0, rolled.stderr);
    const pinned = await waitForApp(
      "ms-repo-api",
      "to be pinned to entry 1",
      (a) => a.status?.pin?.historyId === 1 && a.status.sync.status === "Synced",
      120_000,
    );
    assert.deepEqual(pinned.status?.sync.revisions, [valuesSha, "api@0.3.0"]);
    assert.equal(await greeting(ns, "ms-repo-api"), "hello-from-git-prod");

    // One --revision cannot name a commit of each source: refused before anything is asked.
    const sync = await moor([
      "app",
      "sync",
      "ms-repo-api",
      "--revision",
      "main",
      "--kubeconfig",
      runSandboxKubeconfig(),
    ]);
    assert.notEqual(sync.code, 0);
    assert.match(sync.stderr, /has 2 sources, so a sync cannot take one --revision/);
  });

  it("stalls naming the source and the file when a $values path leaves the values repository, applying nothing", async () => {
    const { ns, app } = await stalledWebApp("ms-escape", "$values/../../etc/passwd");
    const message = condition(app, "Stalled")?.message ?? "";
    assert.match(message, /sources\[0\] \(chart web\)/);
    assert.match(message, /values file of \$values "\.\.\/\.\.\/etc\/passwd" leads outside the repository/);
    await nothingApplied(ns);
  });

  it("stalls naming the source and the file when a $values file is a symlink out of the repository", async () => {
    const { ns, app } = await stalledWebApp("ms-symlink", "$values/envs/leak.yaml");
    const message = condition(app, "Stalled")?.message ?? "";
    assert.match(message, /sources\[0\] \(chart web\)/);
    assert.match(message, /values file of \$values "envs\/leak\.yaml" is a symlink .*outside the repository/);
    assert.ok(!message.includes("root:"), "the linked file's content stays out of the message");
    await nothingApplied(ns);
  });

  it("stalls naming an unknown ref and the source that uses it", async () => {
    const { ns, app } = await stalledWebApp("ms-unknown-ref", "$valeus/envs/prod.yaml");
    const stall = condition(app, "Stalled");
    assert.equal(stall?.reason, "InvalidSources");
    assert.match(stall?.message ?? "", /spec\.sources\[0\]\.helm\.valueFiles\[0\]/);
    assert.match(
      stall?.message ?? "",
      /names ref \$valeus, which no source of this Application has \(known: \$values\)/,
    );
    await nothingApplied(ns);
  });

  it("is refused by the API server without source or sources", async () => {
    const refused = await kubectl(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: "ms-no-source", namespace: "mooring" },
        spec: { sources: [], destination: {} },
      }),
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /spec\.source or spec\.sources is required/);
  });
});
