// DeleteNamespace end to end: `CreateNamespace=true` marks the namespace it creates with the app
// that created it, and `DeleteNamespace=true` deletes that namespace when the app is deleted. A
// namespace that existed before the app is kept, so is one when the option is off, and so is one
// another Application still deploys to, with an Event saying why.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applyApp, deleteApp, discardApp, getApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const RUN = Date.now().toString(36).slice(-5);

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  greeting: hello
`;

interface NamespaceView {
  metadata: { annotations?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string };
}

async function findNamespace(name: string): Promise<NamespaceView | null> {
  const out = await kubectlOk(["get", "namespace", name, "--ignore-not-found", "-o", "json"]);
  return out.trim() === "" ? null : (JSON.parse(out) as NamespaceView);
}

/** Gone, or on its way (Terminating): what `kubectl delete namespace` leaves. */
function isDeleted(ns: NamespaceView | null): boolean {
  return ns === null || Boolean(ns.metadata.deletionTimestamp) || ns.status?.phase === "Terminating";
}

async function eventMessages(app: string, reason: string): Promise<string[]> {
  const out = await kubectlOk([
    "get",
    "events",
    "-n",
    "mooring",
    "--field-selector",
    `involvedObject.name=${app},reason=${reason}`,
    "-o",
    "json",
  ]);
  return (JSON.parse(out) as { items: { message: string }[] }).items.map((e) => e.message);
}

describe("DeleteNamespace: the namespace Mooring created goes with its app, and only that one", () => {
  let git: GitServer;
  let controller: RunningController;
  const apps: string[] = [];
  const namespaces: string[] = [];

  async function deploy(name: string, namespace: string, path: string, options: string[]): Promise<string> {
    apps.push(name);
    namespaces.push(namespace);
    await applyApp(name, {
      source: { repoURL: git.url("config"), targetRevision: "main", path },
      destination: { namespace },
      syncPolicy: { automated: { prune: true }, syncOptions: options },
    });
    const app = await waitForApp(name, "to be Synced and Healthy", syncedAndHealthy());
    return (app.metadata as { uid?: string }).uid ?? "";
  }

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo("config", { "one/cm.yaml": configMap("one"), "two/cm.yaml": configMap("two") });
    controller = await startController();
  });

  after(async () => {
    for (const name of apps) await discardApp(name);
    await controller?.stop();
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("marks the namespace it created and deletes it with the app", async () => {
    const name = `nsl-made-${RUN}`;
    const uid = await deploy(name, name, "one", ["CreateNamespace=true", "DeleteNamespace=true"]);
    const created = await findNamespace(name);
    assert.equal(created?.metadata.annotations?.["mooring.dev/created-by"], `mooring/${name}`);
    assert.equal(created?.metadata.annotations?.["mooring.dev/created-by-uid"], uid);
    await deleteApp(name);
    await eventually(`namespace ${name} to be deleted`, async () =>
      isDeleted(await findNamespace(name)) ? true : undefined,
    );
    assert.deepEqual(await eventMessages(name, "NamespaceDeleted"), [
      `deleted namespace ${name}, which Mooring created for this Application (DeleteNamespace=true)`,
    ]);
  });

  it("keeps a namespace that existed before the app, unmarked, and says why", async () => {
    const name = `nsl-pre-${RUN}`;
    await kubectlOk(["create", "namespace", name]);
    await deploy(name, name, "one", ["CreateNamespace=true", "DeleteNamespace=true"]);
    assert.equal((await findNamespace(name))?.metadata.annotations?.["mooring.dev/created-by"], undefined);
    await deleteApp(name);
    const messages = await eventually(`the NamespaceKept event of ${name}`, async () => {
      const found = await eventMessages(name, "NamespaceKept");
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(messages, [
      `namespace ${name} kept: Mooring did not create it (it existed before the first sync), so DeleteNamespace leaves it`,
    ]);
    assert.equal((await findNamespace(name))?.status?.phase, "Active");
    await assert.rejects(getApp(name), "the app itself is gone");
  });

  it("keeps the namespace it created when DeleteNamespace is off", async () => {
    const name = `nsl-off-${RUN}`;
    await deploy(name, name, "one", ["CreateNamespace=true"]);
    assert.equal(
      (await findNamespace(name))?.metadata.annotations?.["mooring.dev/created-by"],
      `mooring/${name}`,
    );
    await deleteApp(name);
    await assert.rejects(getApp(name), "the app itself is gone");
    assert.equal((await findNamespace(name))?.status?.phase, "Active");
    assert.deepEqual(await eventMessages(name, "NamespaceDeleted"), []);
  });

  it("keeps a namespace another Application still deploys to, with an Event naming it", async () => {
    const namespace = `nsl-shared-${RUN}`;
    const first = `nsl-first-${RUN}`;
    const second = `nsl-second-${RUN}`;
    await deploy(first, namespace, "one", ["CreateNamespace=true", "DeleteNamespace=true"]);
    await deploy(second, namespace, "two", ["CreateNamespace=true"]);
    await deleteApp(first);
    const messages = await eventually(`the NamespaceKept event of ${first}`, async () => {
      const found = await eventMessages(first, "NamespaceKept");
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(messages, [
      `namespace ${namespace} kept: Application mooring/${second} still deploys to it`,
    ]);
    const ns = await findNamespace(namespace);
    assert.equal(ns?.status?.phase, "Active");
    // The other app's objects are untouched.
    await kubectlOk(["get", "configmap", "two", "-n", namespace]);
    assert.equal(
      await kubectl(["get", "configmap", "one", "-n", namespace]).then((r) => r.code === 0),
      false,
    );
  });
});
