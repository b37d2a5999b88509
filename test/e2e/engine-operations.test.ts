// User stories around running the engine: rolling back with auto-sync on, deploying to a second
// cluster, deleting an Application with and without its objects, two controller replicas where
// only the leader acts, and the controller running in-cluster with only its own service account.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { applyApp, deleteApp, getApp, refreshApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

async function configValue(ns: string, kubeconfig?: string): Promise<string> {
  const res = await kubectl(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.value}"], {
    ...(kubeconfig ? { kubeconfig } : {}),
  });
  return res.code === 0 ? res.stdout : `(missing: ${res.stderr.trim()})`;
}

describe("operating the engine", () => {
  let git: GitServer;
  const suffix = Date.now().toString(36);
  const namespaces: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo("ops", { "app/settings.yaml": cm("v1") }, "v1");
  });

  after(async () => {
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  function namespace(name: string): string {
    const ns = `${name}-${suffix}`;
    namespaces.push(ns);
    return ns;
  }

  function spec(ns: string, extra: Record<string, unknown> = {}) {
    return {
      source: { repoURL: git.url("ops"), targetRevision: "main", path: "app" },
      destination: { namespace: ns, ...extra },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    };
  }

  describe("with one controller", () => {
    let controller: RunningController;
    before(async () => {
      controller = await startController();
    });
    after(async () => {
      await controller?.stop();
    });

    it("rolls back to a history entry with auto-sync on, stays pinned, and moves on at the next commit", async () => {
      const ns = namespace("rollback");
      await applyApp("rollback", spec(ns));
      await waitForApp("rollback", "to deploy v1", syncedAndHealthy());
      const v2 = await git.commit("ops", { "app/settings.yaml": cm("v2") }, "v2");
      await refreshApp("rollback");
      await waitForApp("rollback", "to deploy v2", syncedAndHealthy(v2));
      assert.equal(await configValue(ns), "v2");

      // Roll back to history entry 1 (v1) although automated sync is on.
      const history = await moor(["app", "history", "rollback", "--kubeconfig", runSandboxKubeconfig()]);
      assert.equal(history.code, 0, history.stderr);
      assert.match(history.stdout, /^\s*1\s.*\bv1\b/m);
      const rolled = await moor([
        "app",
        "rollback",
        "rollback",
        "1",
        "--wait",
        "--kubeconfig",
        runSandboxKubeconfig(),
      ]);
      assert.equal(rolled.code, 0, rolled.stderr);
      const pinned = await waitForApp(
        "rollback",
        "to be pinned to entry 1",
        (a) => a.status?.pin?.historyId === 1 && a.status.sync.status === "Synced",
      );
      assert.equal(await configValue(ns), "v1");
      assert.equal(pinned.status?.operationState?.trigger, "rollback");
      // Auto-sync does not undo the rollback while Git has not moved.
      await refreshApp("rollback");
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(await configValue(ns), "v1");
      assert.equal((await getApp("rollback")).status?.pin?.historyId, 1);

      // The next commit releases the pin.
      const v3 = await git.commit("ops", { "app/settings.yaml": cm("v3") }, "v3");
      await refreshApp("rollback");
      const moved = await waitForApp("rollback", "to deploy v3", syncedAndHealthy(v3));
      assert.equal(moved.status?.pin, undefined);
      assert.equal(await configValue(ns), "v3");
      await deleteApp("rollback");
    });

    it("deleting an Application deletes what it manages, unless told not to", async () => {
      const cascadeNs = namespace("cascade");
      const keepNs = namespace("keep");
      await applyApp("cascade", spec(cascadeNs));
      await applyApp("keep", spec(keepNs));
      await waitForApp("cascade", "to sync", syncedAndHealthy());
      await waitForApp("keep", "to sync", syncedAndHealthy());
      await deleteApp("cascade");
      await deleteApp("keep", false);
      assert.match(await configValue(cascadeNs), /missing/, "managed objects went with the app");
      assert.ok((await configValue(keepNs)).startsWith("v"), "objects were kept without the finalizer");
      assert.notEqual((await kubectl(["get", "application", "cascade", "-n", "mooring"])).code, 0);
    });
  });

  it("deploys to a second, registered cluster", async () => {
    const sandbox = `dest-${suffix}`;
    const created = await moor(["sandbox", "create", sandbox]);
    assert.equal(created.code, 0, created.stderr);
    const destKubeconfig = (await moor(["sandbox", "kubeconfig", sandbox])).stdout.trim();
    const controller = await startController();
    try {
      const added = await moor([
        "cluster",
        "add",
        "edge",
        "--kubeconfig",
        destKubeconfig,
        "--mooring-kubeconfig",
        runSandboxKubeconfig(),
      ]);
      assert.equal(added.code, 0, added.stderr);
      const ns = `remote-${suffix}`;
      await applyApp("remote", spec(ns, { cluster: "edge" }));
      await waitForApp("remote", "to sync to the edge cluster", syncedAndHealthy());
      assert.ok((await configValue(ns, destKubeconfig)).startsWith("v"), "object exists in the destination");
      assert.match(await configValue(ns), /missing/, "and not in the cluster Mooring runs in");
      await deleteApp("remote");
      assert.match(await configValue(ns, destKubeconfig), /missing/, "deletion reached the destination");
    } finally {
      await controller.stop();
      await moor(["cluster", "remove", "edge", "--kubeconfig", runSandboxKubeconfig()]);
      await moor(["sandbox", "delete", sandbox]);
    }
  });

  it("two replicas: only the leader acts, and the standby takes over when the leader dies", async () => {
    const a = await startController({ identity: "replica-a" });
    await eventually("replica-a to lead", async () =>
      a.logs.some((l) => l.msg === "leading: reconciling Applications") ? true : undefined,
    );
    const b = await startController({ identity: "replica-b" });
    try {
      const ns = namespace("leader");
      await applyApp("leader", spec(ns));
      await waitForApp("leader", "to sync", syncedAndHealthy());
      const lease = JSON.parse(
        await kubectlOk(["get", "lease", "mooring-controller", "-n", "mooring", "-o", "json"]),
      );
      assert.equal(lease.spec.holderIdentity, "replica-a");
      assert.ok(!b.logs.some((l) => l.msg === "sync started"), "the standby never synced");

      await a.kill(); // a crash: the lease is not released, so b waits for it to expire
      const killedAt = Date.now();
      await eventually(
        "replica-b to lead",
        async () => (b.logs.some((l) => l.msg === "leading: reconciling Applications") ? true : undefined),
        40_000,
      );
      const tookOver = Date.now() - killedAt;
      const v = await git.commit(
        "ops",
        { "app/settings.yaml": cm(`after-failover-${suffix}`) },
        "after failover",
      );
      await refreshApp("leader");
      await waitForApp("leader", "to be synced by replica-b", syncedAndHealthy(v));
      assert.equal(await configValue(ns), `after-failover-${suffix}`);
      assert.ok(tookOver < 30_000, `took over in ${tookOver} ms (lease 15 s)`);
      await deleteApp("leader");
    } finally {
      await a.kill();
      await b.stop();
    }
  });

  it("runs in-cluster with its service account, which RBAC allows to do its job", async () => {
    // A Pod gets a token, the cluster CA and its namespace mounted; we lay out the same files.
    const dir = await mkdtemp(join(tmpdir(), "mooring-sa-"));
    const token = (
      await kubectlOk(["create", "token", "mooring-controller", "-n", "mooring", "--duration=1h"])
    ).trim();
    const config = parse(await readFile(runSandboxKubeconfig(), "utf8"));
    const server = new URL(config.clusters[0].cluster.server);
    await writeFile(join(dir, "token"), token);
    await writeFile(
      join(dir, "ca.crt"),
      Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64"),
    );
    await writeFile(join(dir, "namespace"), "mooring");
    const controller = await startController({
      kubeconfig: null,
      env: {
        KUBECONFIG: "",
        HOME: dir,
        KUBERNETES_SERVICE_HOST: server.hostname,
        KUBERNETES_SERVICE_PORT: server.port,
        MOORING_SERVICE_ACCOUNT_DIR: dir,
      },
    });
    try {
      const ns = namespace("incluster");
      await applyApp("incluster", spec(ns));
      await waitForApp("incluster", "to sync as the service account", syncedAndHealthy());
      const cmJson = JSON.parse(
        await kubectlOk(["get", "configmap", "settings", "-n", ns, "-o", "json", "--show-managed-fields"]),
      );
      assert.ok(cmJson.metadata.managedFields.some((m: { manager: string }) => m.manager === "mooring"));
      const who = await kubectlOk([
        "get",
        "events",
        "-n",
        "mooring",
        "--field-selector",
        "involvedObject.name=incluster",
        "-o",
        "jsonpath={.items[*].reason}",
      ]);
      assert.match(who, /Synced/);
      await deleteApp("incluster");
    } finally {
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
