// User stories around deleting an Application whose repository declares deletion hooks (Argo CD
// 3.3): a PreDelete hook (a backup) runs while the objects still exist, the objects go, then a
// PostDelete hook (cleanup) runs; a failing PreDelete hook keeps the app and says why. And a hook
// type Mooring does not know is a warning on that object, not a block on the whole app.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { type AppView, applyApp, condition, deleteApp, getApp, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, withNamespace } from "../harness/cluster.ts";
import { appEventMessages, hookJob, jobsIn, sharedGitAndController } from "../harness/hooks.ts";

const settings = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: v1\n";

async function exists(kind: string, name: string, ns: string): Promise<boolean> {
  return (await kubectl(["get", kind, name, "-n", ns])).code === 0;
}

async function gone(name: string): Promise<boolean> {
  return (await kubectl(["get", "application", name, "-n", "mooring"])).code !== 0;
}

describe("deleting an Application with deletion hooks", () => {
  const shared = sharedGitAndController();

  async function deployed(t: TestContext, name: string, files: Record<string, string>): Promise<string> {
    const ns = await withNamespace(t);
    await shared.git.createRepo(name, { ...files, "settings.yaml": settings }, "first");
    await applyApp(name, {
      source: { repoURL: shared.git.url(name), targetRevision: "main", path: "." },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    await waitForApp(
      name,
      "to be Synced and Healthy",
      (a) => a.status?.operationState?.phase === "Succeeded",
    );
    return ns;
  }

  it("runs PreDelete hooks while the objects exist, deletes them, then runs PostDelete hooks", async (t) => {
    const ns = await deployed(t, "staged", {
      "backup.yaml": hookJob("backup", { phase: "PreDelete", delay: "8s" }),
      "cleanup.yaml": hookJob("cleanup", { phase: "PostDelete", delay: "8s" }),
    });
    // Deletion hooks never run in a sync.
    assert.deepEqual(await jobsIn(ns), []);

    await kubectlOk(["delete", "application", "staged", "-n", "mooring", "--wait=false"]);
    const pre = await waitForApp(
      "staged",
      "to run its PreDelete hook",
      (a) =>
        a.status?.deletion?.stage === "PreDelete" &&
        a.status.deletion.operation?.phase === "Running" &&
        a.status.deletion.operation.waitingFor !== undefined,
      20_000,
    );
    assert.match(
      pre.status?.deletion?.operation?.waitingFor?.message ?? "",
      /PreDelete hook Job\/\S+\/backup/,
    );
    assert.ok(await exists("configmap", "settings", ns), "the objects are still there while PreDelete runs");
    assert.deepEqual(
      (await jobsIn(ns)).map((j) => j.name),
      ["backup"],
    );

    const post = await waitForApp(
      "staged",
      "to run its PostDelete hook",
      (a) => a.status?.deletion?.stage === "PostDelete" && a.status.deletion.operation?.phase === "Running",
      30_000,
    );
    assert.ok(post);
    assert.equal(
      await exists("configmap", "settings", ns),
      false,
      "the objects are gone before PostDelete runs",
    );

    await eventually(
      "the Application to go",
      async () => ((await gone("staged")) ? true : undefined),
      30_000,
    );
    const left = await jobsIn(ns);
    assert.deepEqual(left.map((j) => j.name).sort(), ["backup", "cleanup"]);
    assert.deepEqual(
      left.flatMap((j) => j.finalizers.filter((f) => f.startsWith("mooring.dev"))),
      [],
    );
  });

  it("keeps the Application when its PreDelete hook fails, and says why", async (t) => {
    const ns = await deployed(t, "guarded", {
      "backup.yaml": hookJob("backup", { phase: "PreDelete", fails: true }),
    });
    await kubectlOk(["delete", "application", "guarded", "-n", "mooring", "--wait=false"]);
    const blocked = await waitForApp(
      "guarded",
      "to stall on its failed PreDelete hook",
      (a: AppView) => condition(a, "Stalled")?.reason === "PreDeleteHookFailed",
      30_000,
    );
    assert.match(
      condition(blocked, "Stalled")?.message ?? "",
      /PreDelete hook failed, so nothing was deleted/,
    );
    assert.ok(await exists("configmap", "settings", ns));
    const events = await appEventMessages("guarded", "reason=PreDeleteHookFailed");
    assert.match(events, /PreDelete hook failed/);
    assert.equal((await getApp("guarded")).metadata.name, "guarded");
    // What the message says to do: delete it without its objects.
    await deleteApp("guarded", false);
    assert.ok(await gone("guarded"));
  });

  it("warns about a hook type it does not know, and syncs the rest", async (t) => {
    const ns = await deployed(t, "oddhook", {
      "odd.yaml": hookJob("odd", { phase: "PreRollout" }),
    });
    assert.ok(await exists("configmap", "settings", ns));
    const events = await appEventMessages("oddhook", "type=Warning");
    assert.match(events, /PreRollout/);
    t.after(() => deleteApp("oddhook"));
  });
});
