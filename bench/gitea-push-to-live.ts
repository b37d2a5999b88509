// Benchmark 11, Gitea push to live: how long from `git push` to a real Gitea until the cluster
// runs the pushed commit, with the webhook as the only signal.
//
// Method. A private Gitea (src/sandbox/gitea.ts, the toolchain's build) holds the repository; its
// push hook (type gitea, JSON, signed with the secret in Secret mooring-webhook) points at a real
// `moor server`; a real `moor controller` polls Git only once an hour, so nothing but the webhook
// can explain a change going live. One Application "g2l" (automated sync) manages ConfigMaps
// config-0..config-4 in namespace bench-g2l, already Synced and Healthy. Each run commits a new
// value to all five in a local clone; the clock starts just before `git push` (HTTP, token in the
// environment) and stops when all five ConfigMaps hold the new value, read from the apiserver
// every 20 ms (one LIST). So a sample is: Gitea accepts the push (receive-pack, its hooks), queues
// and sends the delivery, the server verifies it and sets the refresh annotation, and the
// controller fetches, renders, diffs and applies. Between runs (untimed) the bench waits for the
// app to report Synced and Healthy at the new revision. Default 7 runs; goal: median <= 2000 ms
// (commit-to-live's 1 s plus a push and a delivery).
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../src/core/objects.ts";
import type { KubeClient } from "../src/kube/client.ts";
import { startGitea } from "../src/sandbox/gitea.ts";
import type { BenchContext } from "./context.ts";
import { startController } from "./controller.ts";
import { APP_API, APP_NAMESPACE, applyApp, getApp, syncedAndHealthy, waitFor } from "./kube.ts";
import { type Row, rowFromSamples } from "./report.ts";
import { MOOR } from "./sandbox.ts";

export const G2L_APP = "g2l";
const G2L_NAMESPACE = "bench-g2l";
const CONFIGMAPS = 5;
const HOOK_SECRET = "bench-gitea-hook-secret";

function files(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < CONFIGMAPS; i++) {
    out[`app/config-${i}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\ndata:\n  value: "${value}"\n`;
  }
  return out;
}

/** The real `moor server` process, as users run it; `url` is its API root. */
export async function startMoorServer(
  env: NodeJS.ProcessEnv,
  kubeconfig: string,
  /** Flags after the defaults, e.g. `--controller-url`. */
  extraArgs: readonly string[] = [],
) {
  const child = spawn(
    process.execPath,
    [MOOR, "server", "--port", "0", "--kubeconfig", kubeconfig, "--log-level", "warn", ...extraArgs],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const tail: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    tail.push(chunk);
    if (tail.length > 20) tail.shift();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`moor server did not serve in 60 s: ${tail.join("")}`)),
      60_000,
    );
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /moor server: serving (\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`moor server exited before serving: ${tail.join("")}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function liveWithValue(client: KubeClient, value: string): Promise<number> {
  const list = await client.list("v1", "ConfigMap", { namespace: G2L_NAMESPACE });
  const data = (o: KubeObject) => (o as { data?: Record<string, string> }).data;
  return list.items.filter((cm) => /^config-\d$/.test(cm.metadata.name ?? "") && data(cm)?.value === value)
    .length;
}

export async function giteaPushToLive(ctx: BenchContext): Promise<Row> {
  const { sandbox, client } = ctx;
  const gitea = await startGitea({ env: sandbox.env });
  const cleanups: (() => Promise<unknown>)[] = [() => gitea.stop()];
  try {
    await client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "mooring-webhook", namespace: APP_NAMESPACE },
        stringData: { gitea: HOOK_SECRET },
      } as unknown as KubeObject,
      { fieldManager: "bench" },
    );
    cleanups.push(() =>
      client.delete({
        apiVersion: "v1",
        group: "",
        kind: "Secret",
        namespace: APP_NAMESPACE,
        name: "mooring-webhook",
      }),
    );
    const server = await startMoorServer(sandbox.env, sandbox.kubeconfig);
    cleanups.push(() => server.stop());
    // Git is polled once an hour: within a run only the webhook can bring the commit.
    const controller = await startController(sandbox.env, sandbox.kubeconfig, ["--repo-poll-interval", "1h"]);
    cleanups.push(() => controller.stop());

    const repo = await gitea.client.createRepo(G2L_APP);
    await gitea.client.commit({
      owner: repo.owner,
      repo: repo.name,
      branch: "main",
      files: files("v0"),
      message: "v0",
    });
    await gitea.client.createHook(repo.owner, repo.name, {
      url: `${server.url}/webhooks/gitea`,
      secret: HOOK_SECRET,
    });
    await applyApp(client, G2L_APP, {
      source: { repoURL: repo.cloneURL, targetRevision: "main", path: "app" },
      destination: { namespace: G2L_NAMESPACE },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    cleanups.push(() =>
      client.delete({
        apiVersion: APP_API,
        group: "mooring.dev",
        kind: "Application",
        namespace: APP_NAMESPACE,
        name: G2L_APP,
      }),
    );
    await waitFor(
      "app g2l to be Synced and Healthy",
      async () => (syncedAndHealthy(await getApp(client, G2L_APP)) ? true : undefined),
      180_000,
    );

    const runs = ctx.runs(7);
    const samples: number[] = [];
    const pushMs: number[] = [];
    for (let run = 1; run <= runs; run++) {
      const value = `v${run}-${Date.now().toString(36)}`;
      let t0 = 0;
      const sha = await gitea.client.commit({
        owner: repo.owner,
        repo: repo.name,
        branch: "main",
        files: files(value),
        message: `bench run ${run}`,
        beforePush: () => {
          t0 = performance.now();
        },
      });
      pushMs.push(performance.now() - t0);
      const deadline = t0 + 30_000;
      for (;;) {
        const n = await liveWithValue(client, value);
        const now = performance.now();
        if (n === CONFIGMAPS) {
          samples.push(now - t0);
          break;
        }
        if (now > deadline)
          throw new Error(`run ${run}: only ${n} of ${CONFIGMAPS} ConfigMaps live after 30 s`);
        await sleep(20);
      }
      await waitFor(
        `app g2l to be Synced and Healthy at ${sha.slice(0, 7)}`,
        async () => (syncedAndHealthy(await getApp(client, G2L_APP), sha) ? true : undefined),
        60_000,
        50,
      );
      ctx.log(`gitea push-to-live run ${run}/${runs}: ${Math.round(samples.at(-1) ?? 0)} ms`);
    }
    return rowFromSamples(
      "11. Gitea push to live (5 objects)",
      "ms",
      samples,
      { max: 2000 },
      {
        gitPushMs: pushMs.map(Math.round),
        note: "from the start of git push over HTTP to all 5 ConfigMaps live; the controller polls Git hourly",
      },
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => ctx.log(`g2l cleanup: ${err}`));
  }
}
