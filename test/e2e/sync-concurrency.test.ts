// Syncs that wait do not hold the controller: 50 apps whose PreSync hook takes a minute, synced at
// once by a controller at its default concurrency (8 workers), all start their hook within seconds,
// and a hand-made scale of another app's Deployment is reverted as fast as usual while the hooks
// still run; each app then syncs once its hook is done.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KubeRest } from "../../src/kube/rest.ts";
import { type AppView, applyApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { adminRest, eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { scalableFiles, slowHookFiles } from "../harness/slow-hooks.ts";

const APPS = 50;
const HOOK_SECONDS = 60;
// Creating a hook is a render (cached after the first app: they share one path), a dry run, the
// namespace and the Job: well under a second of one worker's time even on 2 busy cores, so 50 apps
// over 8 workers need a few seconds. 15 s leaves room for a loaded machine, and is far from what a
// controller whose workers block on hooks needs: its 9th hook starts only once a first one has run
// its 60 s.
const HOOK_START_BOUND_MS = 15_000;
// The self-heal bound of the engine's own test (engine.test.ts), which runs with nothing else to do.
const HEAL_BOUND_MS = 5_000;
const APPS_PATH = "/apis/mooring.dev/v1alpha1/namespaces/mooring/applications";

const suffix = Date.now().toString(36);
const hookApp = (i: number) => `slow-${String(i).padStart(2, "0")}`;
const hookNamespace = (i: number) => `${hookApp(i)}-${suffix}`;
const healNamespace = `heal-${suffix}`;

async function listApps(rest: KubeRest): Promise<AppView[]> {
  const res = await rest.get<{ items: AppView[] }>(APPS_PATH);
  if (res.status !== 200) throw new Error(`list applications: HTTP ${res.status}`);
  return res.body.items;
}

describe("50 slow PreSync hooks synced at once", () => {
  let git: GitServer;
  let controller: RunningController;
  let rest: KubeRest;
  const apps = Array.from({ length: APPS }, (_, i) => hookApp(i));
  const requested = new Map<string, number>();

  before(async () => {
    await ensureInstalled();
    rest = await adminRest();
    git = await startGitServer();
    await git.createRepo(
      "slow",
      { ...slowHookFiles("app", HOOK_SECONDS), ...scalableFiles("heal", 2) },
      "apps with a one-minute PreSync hook",
    );
    controller = await startController();
  });

  after(async () => {
    // Without the controller, so the test ends whatever state the syncs are in.
    await controller?.stop();
    for (const name of [...apps, "heal"]) {
      const path = `${APPS_PATH}/${name}`;
      await rest
        ?.request("PATCH", path, {
          body: { metadata: { finalizers: null } },
          contentType: "application/merge-patch+json",
        })
        .catch(() => {});
      await rest?.request("DELETE", path).catch(() => {});
    }
    rest?.close();
    await git?.close();
    const namespaces = [...apps.map((_, i) => hookNamespace(i)), healNamespace];
    await kubectl(["delete", "namespace", ...namespaces, "--wait=false", "--ignore-not-found"]);
  });

  it("starts every hook within seconds and heals drift on another app while they wait", async () => {
    await applyApp("heal", {
      source: { repoURL: git.url("slow"), targetRevision: "main", path: "heal" },
      destination: { namespace: healNamespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    for (const [i, name] of apps.entries()) {
      await applyApp(name, {
        source: { repoURL: git.url("slow"), targetRevision: "main", path: "app" },
        destination: { namespace: hookNamespace(i) },
        syncPolicy: { syncOptions: ["CreateNamespace=true"] },
      });
    }
    await waitForApp("heal", "to be Synced and Healthy", syncedAndHealthy(), 90_000);
    await eventually(
      `the ${APPS} apps to be compared`,
      async () => {
        const compared = (await listApps(rest)).filter(
          (a) => apps.includes(a.metadata.name) && a.status?.sync.status === "OutOfSync",
        );
        return compared.length === APPS ? true : undefined;
      },
      90_000,
    );

    // What `moor app sync` sends, for all 50 at once.
    await Promise.all(
      apps.map(async (name) => {
        requested.set(name, Date.now());
        const res = await rest.request("PATCH", `${APPS_PATH}/${name}`, {
          body: { operation: { sync: {}, initiatedBy: { username: "e2e" } } },
          contentType: "application/merge-patch+json",
        });
        assert.equal(res.status, 200, `sync request for ${name}: ${res.text}`);
      }),
    );

    const started = new Map<string, number>();
    const lastRequest = Math.max(...requested.values());
    while (started.size < APPS && Date.now() < lastRequest + HOOK_START_BOUND_MS) {
      const res = await rest.get<{ items: { metadata: { namespace: string } }[] }>("/apis/batch/v1/jobs");
      const now = Date.now();
      for (const job of res.body.items ?? []) {
        const i = apps.findIndex((_, k) => hookNamespace(k) === job.metadata.namespace);
        if (i >= 0 && !started.has(hookApp(i))) started.set(hookApp(i), now);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const late = apps.filter((name) => !started.has(name));
    assert.deepEqual(
      late,
      [],
      `${late.length} of ${APPS} hooks not started within ${HOOK_START_BOUND_MS} ms of their sync request`,
    );
    const slowest = Math.max(...apps.map((name) => (started.get(name) ?? 0) - (requested.get(name) ?? 0)));
    assert.ok(slowest <= HOOK_START_BOUND_MS, `slowest hook started ${slowest} ms after its request`);

    // A hand-made scale of the other app, while every hook still has most of its minute to run.
    await kubectlOk(["scale", "deployment/web", "-n", healNamespace, "--replicas=5"]);
    const scaled = Date.now();
    await eventually(
      "the scale to be reverted",
      async () => {
        const replicas = await kubectlOk([
          "get",
          "deployment",
          "web",
          "-n",
          healNamespace,
          "-o",
          "jsonpath={.spec.replicas}",
        ]);
        return replicas.trim() === "2" ? true : undefined;
      },
      HOOK_SECONDS * 1000,
    );
    const healed = Date.now() - scaled;
    const finished = (await listApps(rest)).filter(
      (a) => apps.includes(a.metadata.name) && a.status?.operationState?.phase === "Succeeded",
    );
    assert.deepEqual(
      finished.map((a) => a.metadata.name),
      [],
      "the drift was healed while the hooks still ran",
    );
    assert.ok(
      healed < HEAL_BOUND_MS,
      `reverted within ${HEAL_BOUND_MS} ms while the hooks wait (took ${healed} ms)`,
    );
  });

  it("syncs each app once its hook has run", async () => {
    const firstRequest = Math.min(...requested.values());
    await eventually(
      `the ${APPS} apps to be Synced and Healthy`,
      async () => {
        const done = (await listApps(rest)).filter(
          (a) => apps.includes(a.metadata.name) && syncedAndHealthy()(a),
        );
        return done.length === APPS ? true : undefined;
      },
      Math.max(1000, firstRequest + (HOOK_SECONDS + 40) * 1000 - Date.now()),
    );
    const app = await waitForApp(hookApp(0), "to report its hook", syncedAndHealthy());
    const hook = app.status?.operationState?.resources.find((r) => r.kind === "Job");
    assert.equal(hook?.result, "hook-succeeded");
  });
});
