// Sandboxes run Pods as a real node would: a Pod meant to run to completion (restartPolicy Never or
// OnFailure: hook Pods, test Pods) finishes whether or not a Job owns it, after the delay its kwok
// annotation asks for; a Pod told to fail fails with its exit code; long-running Pods keep running.
// So an Application whose PreSync hook is a bare Pod syncs in a sandbox as it would on a cluster.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { applyApp, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, withNamespace } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const DELAY = "pod-complete.stage.kwok.x-k8s.io/delay";
const FAIL = "pod-container-failed.stage.kwok.x-k8s.io";

interface PodView {
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: { terminated?: { exitCode?: number; reason?: string } } }[];
  };
}

function pod(name: string, restartPolicy: string, annotations: Record<string, string> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, annotations },
    spec: { restartPolicy, containers: [{ name: "main", image: "busybox" }] },
  };
}

async function create(ns: string, ...objects: object[]): Promise<void> {
  await kubectlOk(["apply", "-n", ns, "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
  });
}

async function getPod(ns: string, name: string): Promise<PodView> {
  return JSON.parse(await kubectlOk(["get", "pod", name, "-n", ns, "-o", "json"])) as PodView;
}

function waitForPhase(ns: string, name: string, phase: string, timeoutMs = 30_000): Promise<PodView> {
  return eventually(
    `pod ${ns}/${name} to be ${phase}`,
    async () => {
      const p = await getPod(ns, name);
      return p.status?.phase === phase ? p : undefined;
    },
    timeoutMs,
  );
}

/** The Pod a Job made, found by the job-name label the Job controller puts on it. */
async function jobPodName(ns: string, job: string): Promise<string> {
  return eventually(`a pod of job ${job}`, async () => {
    const out = await kubectlOk(["get", "pods", "-n", ns, "-l", `job-name=${job}`, "-o", "name"]);
    return out.trim().split("\n")[0]?.replace("pod/", "") || undefined;
  });
}

describe("sandbox Pods run as on a real node", () => {
  it("runs a bare Pod with restartPolicy Never or OnFailure to completion", async (t: TestContext) => {
    const ns = await withNamespace(t);
    await create(ns, pod("once", "Never"), pod("retry", "OnFailure"));
    for (const name of ["once", "retry"]) {
      const done = await waitForPhase(ns, name, "Succeeded");
      const main = done.status?.containerStatuses?.find((c) => c.name === "main");
      assert.equal(main?.state?.terminated?.exitCode, 0, `${name}: container exited with 0`);
      assert.equal(main?.state?.terminated?.reason, "Completed");
    }
  });

  it("finishes a Pod, bare or a Job's, only after the delay its annotation asks for", async (t: TestContext) => {
    const ns = await withNamespace(t);
    const delaySeconds = 20;
    await create(ns, pod("slow", "Never", { [DELAY]: `${delaySeconds}s` }), {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "slow-job" },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { [DELAY]: `${delaySeconds}s` } },
          spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
        },
      },
    });
    await waitForPhase(ns, "slow", "Running");
    const jobPod = await jobPodName(ns, "slow-job");
    await waitForPhase(ns, jobPod, "Running");
    const running = Date.now();

    await sleep((delaySeconds / 2) * 1000);
    assert.equal(
      (await getPod(ns, "slow")).status?.phase,
      "Running",
      "bare Pod still running at half the delay",
    );
    assert.equal(
      (await getPod(ns, jobPod)).status?.phase,
      "Running",
      "Job's Pod still running at half the delay",
    );

    await waitForPhase(ns, "slow", "Succeeded", (delaySeconds / 2 + 10) * 1000);
    await waitForPhase(ns, jobPod, "Succeeded", 10_000);
    const took = Date.now() - running;
    assert.ok(took >= (delaySeconds - 1) * 1000, `finished after the delay (${took} ms after running)`);
    const job = await eventually("job slow-job to complete", async () => {
      const out = await kubectlOk(["get", "job", "slow-job", "-n", ns, "-o", "jsonpath={.status.succeeded}"]);
      return out.trim() === "1" ? out : undefined;
    });
    assert.equal(job.trim(), "1");
  });

  it("fails a Pod told to fail, with the exit code it names", async (t: TestContext) => {
    const ns = await withNamespace(t);
    await create(
      ns,
      pod("broken", "Never", {
        [`${FAIL}/name`]: "main",
        [`${FAIL}/exit-code`]: "3",
        [`${FAIL}/reason`]: "Error",
      }),
    );
    const failed = await waitForPhase(ns, "broken", "Failed");
    const main = failed.status?.containerStatuses?.find((c) => c.name === "main");
    assert.equal(main?.state?.terminated?.exitCode, 3);
    assert.equal(main?.state?.terminated?.reason, "Error");
  });

  it("keeps a Deployment's Pods (restartPolicy Always) running and Ready", async (t: TestContext) => {
    const ns = await withNamespace(t);
    await create(ns, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
        },
      },
    });
    await kubectlOk(["rollout", "status", "deployment/web", "-n", ns, "--timeout=60s"]);
    await sleep(3000);
    const phases = await kubectlOk([
      "get",
      "pods",
      "-n",
      ns,
      "-l",
      "app=web",
      "-o",
      "jsonpath={.items[*].status.phase}",
    ]);
    assert.deepEqual(phases.trim().split(" "), ["Running", "Running"]);
    const ready = await kubectlOk([
      "get",
      "deployment",
      "web",
      "-n",
      ns,
      "-o",
      "jsonpath={.status.readyReplicas}",
    ]);
    assert.equal(ready.trim(), "2");
  });

  describe("an Application whose PreSync hook is a bare Pod", () => {
    let git: GitServer;
    let controller: RunningController;
    const ns = `pod-hook-${Date.now().toString(36)}`;

    before(async () => {
      await ensureInstalled();
      git = await startGitServer();
      await git.createRepo(
        "pod-hook",
        {
          "app/config.yaml":
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: live\n",
          "app/check.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: pre-check
  annotations:
    mooring.dev/hook: PreSync
    mooring.dev/hook-delete-policy: BeforeHookCreation
spec:
  restartPolicy: Never
  containers: [{ name: check, image: busybox }]
`,
        },
        "a Pod as PreSync hook",
      );
      controller = await startController();
    });

    after(async () => {
      await deleteApp("pod-hook");
      await controller?.stop();
      await git?.close();
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    });

    it("syncs: the hook Pod completes, then the app's objects are applied", async () => {
      await applyApp("pod-hook", {
        source: { repoURL: git.url("pod-hook"), targetRevision: "main", path: "app" },
        destination: { namespace: ns },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
      });
      const app = await waitForApp("pod-hook", "to be Synced and Healthy", syncedAndHealthy(), 90_000);
      const order = (app.status?.operationState?.resources ?? []).map(
        (r) => `${r.phase}:${r.kind}/${r.name}:${r.result}`,
      );
      assert.deepEqual(order, ["PreSync:Pod/pre-check:hook-succeeded", "Sync:ConfigMap/settings:created"]);
      assert.equal((await getPod(ns, "pre-check")).status?.phase, "Succeeded");
    });
  });
});
