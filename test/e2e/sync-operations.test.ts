// User stories around syncs that take their time: a sync is an operation that shows where it
// stands from its first second, waits for hooks without holding the controller, survives a
// controller restart without running a hook twice, counts a hook that finished and went as
// succeeded, fails when a running hook is deleted, and stops on `moor app terminate-op`.
// Also `Validate=false`, which lets an object with fields the API server does not know through.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { OperationState } from "../../src/core/app-status.ts";
import type { ApplicationSpec } from "../../src/core/application.ts";
import { type AppView, applyApp, condition, getApp, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor, withNamespace } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { hookJob, jobsIn, sharedGitAndController } from "../harness/hooks.ts";

const settings = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

function op(app: AppView): OperationState | undefined {
  return app.status?.operationState;
}

async function moorOk(args: string[]): Promise<string> {
  const res = await moor([...args, "--kubeconfig", runSandboxKubeconfig()]);
  assert.equal(res.code, 0, `moor ${args.join(" ")}: ${res.stderr}`);
  return res.stdout;
}

describe("syncs that take their time", () => {
  const shared = sharedGitAndController();

  async function createApp(
    t: TestContext,
    name: string,
    files: Record<string, string>,
    options: { automated?: boolean; syncOptions?: string[] } = {},
  ): Promise<string> {
    t.after(async () => {
      await kubectl(["delete", "application", name, "-n", "mooring", "--wait=false", "--ignore-not-found"]);
    });
    const ns = await withNamespace(t);
    await shared.git.createRepo(name, files, "first");
    const spec: ApplicationSpec = {
      source: { repoURL: shared.git.url(name), targetRevision: "main", path: "." },
      destination: { namespace: ns },
      syncPolicy: {
        ...(options.automated === false ? {} : { automated: { prune: true, selfHeal: true } }),
        syncOptions: ["CreateNamespace=true", ...(options.syncOptions ?? [])],
      },
    };
    await applyApp(name, spec);
    return ns;
  }

  it("shows a slow PreSync hook's sync as Running within seconds, and heals another app meanwhile", async (t) => {
    const otherNs = await createApp(t, "steady", { "settings.yaml": settings("v1") });
    await waitForApp("steady", "to be Synced", (a) => a.status?.sync.status === "Synced");

    const requested = Date.now();
    const ns = await createApp(t, "slow", {
      "migrate.yaml": hookJob("migrate", { delay: "30s" }),
      "settings.yaml": settings("v1"),
    });
    const running = await waitForApp(
      "slow",
      "to show its running PreSync hook",
      (a) =>
        op(a)?.phase === "Running" &&
        /waiting for PreSync hook/.test(op(a)?.waitingFor?.message ?? "") &&
        condition(a, "Reconciling") !== undefined,
      15_000,
    );
    assert.ok(Date.now() - requested < 15_000);
    const state = op(running) as OperationState;
    assert.equal(state.waitingFor?.message, `waiting for PreSync hook Job/${ns}/migrate to complete`);
    assert.deepEqual(
      {
        phase: state.step?.phase,
        wave: state.step?.wave,
        action: state.step?.action,
        index: state.step?.index,
      },
      { phase: "PreSync", wave: 0, action: "hook", index: 1 },
    );
    assert.ok(state.waitingFor?.since);
    assert.equal(state.hooks?.length, 1);
    assert.equal(condition(running, "Reconciling")?.reason, "Syncing");

    const shown = await moorOk(["app", "get", "slow"]);
    assert.match(
      shown,
      /Operation: +Running, wave 0 PreSync hooks 1\/\d: waiting for PreSync hook Job\/\S+\/migrate to complete \(for /,
    );

    // `moor app wait` says, line by line, what the sync is waiting for (and gives up at its timeout).
    const wait = await moor([
      "app",
      "wait",
      "slow",
      "--timeout",
      "2s",
      "--kubeconfig",
      runSandboxKubeconfig(),
    ]);
    assert.notEqual(wait.code, 0);
    assert.match(
      wait.stderr,
      /application slow: .*sync Running, wave 0 PreSync hooks 1\/\d: waiting for PreSync hook/,
    );

    // Meanwhile someone edits the other app's ConfigMap: self-heal puts it back at once.
    await kubectlOk([
      "patch",
      "configmap",
      "settings",
      "-n",
      otherNs,
      "--type=merge",
      "-p",
      '{"data":{"value":"hand"}}',
    ]);
    await eventually(
      "the other app's drift to be healed",
      async () => {
        const v = await kubectlOk([
          "get",
          "configmap",
          "settings",
          "-n",
          otherNs,
          "-o",
          "jsonpath={.data.value}",
        ]);
        return v === "v1" ? true : undefined;
      },
      15_000,
    );
    assert.equal(op(await getApp("slow"))?.phase, "Running", "the slow hook is still running");

    const done = await waitForApp("slow", "to finish its sync", (a) => op(a)?.phase === "Succeeded", 90_000);
    const outcome = op(done)?.resources.find((r) => r.kind === "Job");
    assert.equal(outcome?.result, "hook-succeeded");
    assert.equal(op(done)?.waitingFor, undefined);
    // Its finalizer came off once the outcome was recorded.
    const [job] = await jobsIn(ns);
    assert.deepEqual(
      job?.finalizers.filter((f) => f.startsWith("mooring.dev")),
      [],
    );
  });

  it("starts two hooks of the same phase and wave together", async (t) => {
    const ns = await createApp(t, "pair", {
      "a.yaml": hookJob("first", { delay: "15s" }),
      "b.yaml": hookJob("second", { delay: "15s" }),
      "settings.yaml": settings("v1"),
    });
    const running = await waitForApp(
      "pair",
      "to run both hooks",
      (a) => (op(a)?.hooks ?? []).length === 2 && op(a)?.waitingFor !== undefined,
      15_000,
    );
    assert.deepEqual(
      (op(running)?.hooks ?? []).map((h) => h.state),
      ["Running", "Running"],
    );
    assert.match(
      op(running)?.waitingFor?.message ?? "",
      /waiting for PreSync hooks Job\/\S+\/first, Job\/\S+\/second/,
    );
    assert.deepEqual((await jobsIn(ns)).map((j) => j.name).sort(), ["first", "second"]);
    await waitForApp("pair", "to finish its sync", (a) => op(a)?.phase === "Succeeded", 60_000);
  });

  it("keeps the revision it started with while it runs, and syncs a newer commit after it ends", async (t) => {
    const ns = await createApp(t, "pinned", {
      "migrate.yaml": hookJob("migrate", { delay: "10s" }),
      "settings.yaml": settings("v1"),
    });
    const running = await waitForApp("pinned", "to run its hook", (a) => op(a)?.phase === "Running", 15_000);
    const first = op(running)?.revision;
    const second = await shared.git.commit("pinned", { "settings.yaml": settings("v2") }, "second");
    // The controller polls the repository every second: it has seen the new commit by now.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const meanwhile = op(await getApp("pinned"));
    assert.deepEqual(
      [meanwhile?.phase, meanwhile?.revision],
      ["Running", first],
      "the running sync goes on at its own revision",
    );
    // ...it ends there, and the new commit is synced once it is over: both are in the history.
    const later = await waitForApp(
      "pinned",
      "to sync the second commit",
      (a) => op(a)?.revision === second && op(a)?.phase === "Succeeded",
      60_000,
    );
    assert.deepEqual(
      later.status?.history.map((h) => h.revision),
      [first, second],
    );
    assert.equal(
      (await kubectlOk(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.value}"])).trim(),
      "v2",
    );
  });

  it("resumes a sync after the controller is killed mid-hook, without creating the hook again", async (t) => {
    const ns = await createApp(t, "restart", {
      "migrate.yaml": hookJob("migrate", { delay: "20s", generateName: true }),
      "settings.yaml": settings("v1"),
    });
    const running = await waitForApp(
      "restart",
      "to run its hook",
      (a) => op(a)?.phase === "Running" && (op(a)?.hooks ?? []).length === 1,
      15_000,
    );
    const hook = op(running)?.hooks?.[0];
    assert.ok(hook?.uid);
    assert.match(hook.name, /^migrate-/);

    await shared.restart();

    const done = await waitForApp(
      "restart",
      "to finish its sync",
      (a) => op(a)?.phase === "Succeeded",
      90_000,
    );
    assert.equal(op(done)?.startedAt, op(running)?.startedAt, "the same operation resumed");
    assert.equal(op(done)?.hooks?.[0]?.uid, hook.uid);
    const all = await jobsIn(ns);
    assert.deepEqual(
      all.map((j) => j.uid),
      [hook.uid],
      "one hook Job, the one created before the restart",
    );
    assert.equal(
      (await kubectlOk(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.value}"])).trim(),
      "v1",
    );
  });

  it("counts a hook Job removed by ttlSecondsAfterFinished: 0 as succeeded", async (t) => {
    const ns = await createApp(t, "ttl", {
      "migrate.yaml": hookJob("migrate", { delay: "2s", extraSpec: "  ttlSecondsAfterFinished: 0\n" }),
      "settings.yaml": settings("v1"),
    });
    const done = await waitForApp(
      "ttl",
      "to finish its sync",
      (a) => op(a)?.phase === "Succeeded" || op(a)?.phase === "Failed",
      60_000,
    );
    assert.equal(op(done)?.phase, "Succeeded", op(done)?.message);
    assert.equal(op(done)?.resources.find((r) => r.kind === "Job")?.result, "hook-succeeded");
    // Released, the TTL controller's delete goes through: nothing is left behind.
    await eventually(
      "the finished Job to be gone",
      async () => ((await jobsIn(ns)).length === 0 ? true : undefined),
      30_000,
    );
  });

  it("fails the sync when a running hook is deleted by hand, saying so", async (t) => {
    const ns = await createApp(
      t,
      "deleted",
      { "migrate.yaml": hookJob("migrate", { delay: "120s" }), "settings.yaml": settings("v1") },
      { automated: false },
    );
    await moorOk(["app", "sync", "deleted"]);
    await waitForApp("deleted", "to run its hook", (a) => (op(a)?.hooks ?? []).length === 1, 20_000);
    await kubectlOk(["delete", "job", "migrate", "-n", ns, "--wait=false"]);
    const failed = await waitForApp("deleted", "to fail its sync", (a) => op(a)?.phase === "Failed", 30_000);
    assert.match(
      op(failed)?.message ?? "",
      new RegExp(`PreSync hook Job/${ns}/migrate was deleted while running`),
    );
    await eventually(
      "the deleted Job to go",
      async () => ((await jobsIn(ns)).length === 0 ? true : undefined),
      30_000,
    );
    // Nothing after the hook ran.
    const cm = await kubectl(["get", "configmap", "settings", "-n", ns]);
    assert.notEqual(cm.code, 0);
  });

  it("stops a running sync on moor app terminate-op: hooks deleted, no finalizer left", async (t) => {
    const ns = await createApp(
      t,
      "stopme",
      { "migrate.yaml": hookJob("migrate", { delay: "120s" }), "settings.yaml": settings("v1") },
      { automated: false },
    );
    const none = await moor(["app", "terminate-op", "stopme", "--kubeconfig", runSandboxKubeconfig()]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no running operation/);

    await moorOk(["app", "sync", "stopme"]);
    await waitForApp("stopme", "to run its hook", (a) => (op(a)?.hooks ?? []).length === 1, 20_000);
    const out = await moorOk(["app", "terminate-op", "stopme", "-o", "json"]);
    assert.equal((JSON.parse(out) as { operation?: { terminate?: boolean } }).operation?.terminate, true);

    const stopped = await waitForApp("stopme", "to stop", (a) => op(a)?.phase === "Failed", 30_000);
    assert.match(op(stopped)?.message ?? "", /^operation terminated by /);
    assert.equal(op(stopped)?.hooks?.[0]?.state, "Failed");
    await eventually(
      "the hook Job to go",
      async () => ((await jobsIn(ns)).length === 0 ? true : undefined),
      30_000,
    );
    const cm = await kubectl(["get", "configmap", "settings", "-n", ns]);
    assert.notEqual(cm.code, 0, "no further step ran");
    assert.equal(((await getApp("stopme")) as { operation?: unknown } & AppView).operation, undefined);
  });

  it("does not start a terminated automated sync again on its own", async (t) => {
    const ns = await createApp(t, "halt", {
      "migrate.yaml": hookJob("migrate", { delay: "120s" }),
      "settings.yaml": settings("v1"),
    });
    await waitForApp("halt", "to run its hook", (a) => (op(a)?.hooks ?? []).length === 1, 20_000);
    await moorOk(["app", "terminate-op", "halt"]);
    const stopped = await waitForApp("halt", "to stop", (a) => op(a)?.phase === "Failed", 30_000);
    // Past the first retry's backoff (5 s), nothing started again.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const later = await getApp("halt");
    assert.equal(op(later)?.startedAt, op(stopped)?.startedAt);
    assert.equal(op(later)?.phase, "Failed");
    assert.deepEqual(await jobsIn(ns), []);
  });

  it("deleting an app mid-sync deletes its running hook and leaves no finalizer behind", async (t) => {
    const ns = await createApp(t, "dropped", {
      "migrate.yaml": hookJob("migrate", { delay: "120s" }),
      "settings.yaml": settings("v1"),
    });
    await waitForApp("dropped", "to run its hook", (a) => (op(a)?.hooks ?? []).length === 1, 20_000);
    await kubectlOk(["delete", "application", "dropped", "-n", "mooring", "--wait=false"]);
    await eventually(
      "the app and its running hook to go",
      async () => {
        const app = await kubectl(["get", "application", "dropped", "-n", "mooring"]);
        return app.code !== 0 && (await jobsIn(ns)).length === 0 ? true : undefined;
      },
      30_000,
    );
  });

  it("applies an object with a field the API server does not know only under Validate=false", async (t) => {
    const odd = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  bogus: yes\ndata:\n  value: "1"\nextraField: surprise\n`;
    await createApp(t, "strict", { "odd.yaml": odd });
    const refused = await waitForApp(
      "strict",
      "to refuse the unknown field",
      (a) => condition(a, "Stalled")?.status === "True",
      30_000,
    );
    assert.equal(condition(refused, "Stalled")?.reason, "InvalidManifest");
    assert.match(condition(refused, "Stalled")?.message ?? "", /extraField/);

    const ns = await createApp(t, "lenient", { "odd.yaml": odd }, { syncOptions: ["Validate=false"] });
    const synced = await waitForApp(
      "lenient",
      "to be Synced",
      (a) => a.status?.sync.status === "Synced" && op(a)?.phase === "Succeeded",
      30_000,
    );
    assert.equal(condition(synced, "Stalled"), undefined);
    assert.equal(
      (await kubectlOk(["get", "configmap", "odd", "-n", ns, "-o", "jsonpath={.data.value}"])).trim(),
      "1",
    );
  });
});
