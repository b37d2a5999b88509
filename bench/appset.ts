// Benchmark 14, one ApplicationSet making 1,000 apps across 10 registered clusters: how long from
// the set being written until every Application it generates is Synced and Healthy, against the
// same 1,000 Applications written directly (the baseline, same controller, same run).
//
// Method. Ten clusters are registered as Secrets labelled mooring.dev/secret-type: cluster, named
// as-c00..as-c09 with labels bench.mooring.dev/appset-cluster and shard (even/odd), each holding
// the sandbox's own kubeconfig: ten destinations, one API server. One git repository "appset-fleet"
// holds N/10 folders apps/app-000.. each with one small ConfigMap (fleet.ts). One `moor controller`
// (defaults, --repo-poll-interval 60s) runs throughout. Each run gets ten fresh namespaces
// bas-R-as-cNN (made before the clock starts), so no run finds another's objects.
//   appset run: the clock starts, the bench applies one ApplicationSet whose generator is the
//     matrix of the clusters generator (selector on the bench label) and the git directories
//     apps/*; template {{path.basename}}-{{name}}, destination the cluster and its namespace,
//     automated sync. The bench LISTs the set's Applications 250 ms after the previous LIST
//     returned; the first LIST holding one gives "first app created", the first holding N gives
//     "all created", the first in which all N are Synced and Healthy stops the clock.
//   direct run: the clock starts, the bench applies the same N Applications (same names and specs)
//     by server-side apply, 32 at a time, and LISTs them the same way.
// Runs alternate appset, direct, appset, ... (default 3 each, BENCH_RUNS); between runs (untimed)
// the set or the Applications are deleted, the bench drops their finalizers (their ConfigMaps
// stay in that run's namespaces) and waits until none is left, then 5 s. A LIST or DELETE the
// loaded apiserver drops is tried again. A run fails after
// 60 s + 1 s per app (generous: the 2-core machines are shared). Reported:
// medians of both, the ratio appset / direct of the medians, and the set's time to its first and
// to its last Application created. Everything the bench made is deleted at the end.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";
import type { KubeObject } from "../src/core/objects.ts";
import type { BenchContext } from "./context.ts";
import { startController } from "./controller.ts";
import { fleetManifest } from "./fleet.ts";
import {
  APP_API,
  APP_NAMESPACE,
  type AppObject,
  applyApp,
  ensureNamespace,
  runPool,
  syncedAndHealthy,
  waitFor,
} from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";
import { median } from "./stats.ts";

const CLUSTERS = 10;
const REPO = "appset-fleet";
const SET = "appset-bench";
const CLUSTER_LABEL = "bench.mooring.dev/appset-cluster";
const DIRECT_LABEL = "bench.mooring.dev/set";
const GENERATED_LABEL = "mooring.dev/application-set";
const pad3 = (i: number) => String(i).padStart(3, "0");
const clusterName = (c: number) => `as-c${String(c).padStart(2, "0")}`;
const namespaceOf = (run: number, cluster: string) => `bas-${run}-${cluster}`;

interface RunResult {
  allSyncedS: number;
  firstCreatedS: number;
  allCreatedS: number;
}

export async function appSetBench(ctx: BenchContext): Promise<Row[]> {
  const folders = Math.max(1, Math.ceil(ctx.apps / CLUSTERS));
  const n = folders * CLUSTERS;
  const runs = ctx.runs(3);
  const files: Record<string, string> = {};
  for (let i = 0; i < folders; i++)
    files[`apps/app-${pad3(i)}/configmap.yaml`] = fleetManifest(`cm-${pad3(i)}`, i);
  await ctx.git.createRepo(REPO, files, `${folders} apps`);
  await registerClusters(ctx);
  // Right after `moor install` the apiserver may still be setting up the kinds' storage.
  await waitFor(
    "the Application and ApplicationSet kinds to be served",
    async () => {
      await ctx.client.list(APP_API, "Application", { namespace: APP_NAMESPACE });
      await ctx.client.list(APP_API, "ApplicationSet", { namespace: APP_NAMESPACE });
      return true;
    },
    60_000,
  );
  const controller = await startController(ctx.sandbox.env, ctx.sandbox.kubeconfig);
  const appset: RunResult[] = [];
  const direct: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const a = await measure(ctx, n, 2 * run, "appset", () => applySet(ctx, 2 * run));
      appset.push(a);
      ctx.log(
        `appset run ${run + 1}/${runs}: first app ${a.firstCreatedS.toFixed(1)} s, all created ${a.allCreatedS.toFixed(1)} s, all Synced+Healthy ${a.allSyncedS.toFixed(1)} s`,
      );
      await removeSet(ctx);
      const d = await measure(ctx, n, 2 * run + 1, "direct", () => applyDirect(ctx, folders, 2 * run + 1));
      direct.push(d.allSyncedS);
      ctx.log(`direct run ${run + 1}/${runs}: all Synced+Healthy ${d.allSyncedS.toFixed(1)} s`);
      await removeDirect(ctx);
    }
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : err}; controller log: ${controller.tail()}`);
  } finally {
    await removeSet(ctx).catch((err) => ctx.log(`appset: deleting the set: ${err}`));
    await removeDirect(ctx).catch((err) => ctx.log(`appset: deleting the direct apps: ${err}`));
    await controller.stop();
    await ctx.client.rest
      .request(
        "DELETE",
        `/api/v1/namespaces/${APP_NAMESPACE}/secrets?labelSelector=${encodeURIComponent(CLUSTER_LABEL)}`,
      )
      .catch((err) => ctx.log(`appset: deleting the cluster Secrets: ${err}`));
  }
  const label = `${n.toLocaleString("en")} apps x ${CLUSTERS} clusters`;
  const setMedian = median(appset.map((r) => r.allSyncedS));
  const directMedian = median(direct);
  return [
    rowFromSamples(
      `14. appset ${label}: all Synced+Healthy`,
      "s",
      appset.map((r) => r.allSyncedS),
      undefined,
      {
        apps: n,
        clusters: CLUSTERS,
        appsPerSecond: round(n / setMedian),
        allCreatedS: appset.map((r) => round(r.allCreatedS)),
      },
    ),
    rowFromSamples(`14. direct ${label} (baseline): all Synced+Healthy`, "s", direct, undefined, {
      apps: n,
      appsPerSecond: round(n / directMedian),
    }),
    rowFromSamples("14. appset / direct (medians)", "x", [setMedian / directMedian], undefined),
    rowFromSamples(
      "14. appset: first app created",
      "s",
      appset.map((r) => r.firstCreatedS),
      undefined,
    ),
  ];
}

/** Ten Secrets naming the sandbox's API server under different names and labels. */
async function registerClusters(ctx: BenchContext): Promise<void> {
  const kubeconfig = await readFile(ctx.sandbox.kubeconfig, "utf8");
  const server = (parse(kubeconfig) as { clusters: { cluster: { server: string } }[] }).clusters[0]?.cluster
    .server;
  if (!server) throw new Error(`no cluster server in ${ctx.sandbox.kubeconfig}`);
  for (let c = 0; c < CLUSTERS; c++) {
    const name = clusterName(c);
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: `cluster-${name}`,
        namespace: APP_NAMESPACE,
        labels: {
          "mooring.dev/secret-type": "cluster",
          [CLUSTER_LABEL]: "true",
          shard: c % 2 === 0 ? "even" : "odd",
        },
      },
      stringData: { name, server, config: kubeconfig },
    } as unknown as KubeObject;
    await ctx.client.apply(secret, { fieldManager: "bench" });
  }
}

function applicationSpec(ctx: BenchContext, path: string, cluster: string, namespace: string) {
  return {
    source: { repoURL: ctx.git.url(REPO), targetRevision: "main", path },
    destination: { cluster, namespace },
    syncPolicy: { automated: {} },
  };
}

async function applySet(ctx: BenchContext, run: number): Promise<void> {
  const set = {
    apiVersion: APP_API,
    kind: "ApplicationSet",
    metadata: { name: SET, namespace: APP_NAMESPACE },
    spec: {
      generators: [
        {
          matrix: {
            generators: [
              { clusters: { selector: { matchLabels: { [CLUSTER_LABEL]: "true" } } } },
              { git: { repoURL: ctx.git.url(REPO), revision: "main", directories: [{ path: "apps/*" }] } },
            ],
          },
        },
      ],
      template: {
        metadata: { name: "{{path.basename}}-{{name}}" },
        spec: applicationSpec(ctx, "{{path}}", "{{name}}", namespaceOf(run, "{{name}}")),
      },
    },
  } as unknown as KubeObject;
  await ctx.client.apply(set, { fieldManager: "bench" });
}

async function applyDirect(ctx: BenchContext, folders: number, run: number): Promise<void> {
  await runPool(folders * CLUSTERS, 32, (i) => {
    const cluster = clusterName(i % CLUSTERS);
    const app = `app-${pad3(Math.floor(i / CLUSTERS))}`;
    const write = () =>
      applyApp(
        ctx.client,
        `${app}-${cluster}`,
        applicationSpec(ctx, `apps/${app}`, cluster, namespaceOf(run, cluster)),
        { [DIRECT_LABEL]: "appset-direct" },
      );
    // Once more when the loaded apiserver drops the connection (server-side apply is idempotent).
    return write().catch(write);
  });
}

const selectorOf = (kind: "appset" | "direct") =>
  kind === "appset" ? `${GENERATED_LABEL}=${SET}` : `${DIRECT_LABEL}=appset-direct`;

/** One timed run: namespaces first (untimed), then the clock from `create` to all Synced+Healthy. */
async function measure(
  ctx: BenchContext,
  n: number,
  run: number,
  kind: "appset" | "direct",
  create: () => Promise<void>,
): Promise<RunResult> {
  for (let c = 0; c < CLUSTERS; c++) await ensureNamespace(ctx.client, namespaceOf(run, clusterName(c)));
  const t0 = performance.now();
  const creating = create();
  const deadline = t0 + 60_000 + 1000 * n;
  let firstCreated: number | undefined;
  let allCreated: number | undefined;
  let lastLog = t0;
  for (;;) {
    const list = await ctx.client
      .list(APP_API, "Application", { namespace: APP_NAMESPACE, labelSelector: selectorOf(kind) })
      .catch((err: unknown) => {
        // A dropped connection is read again; only the deadline ends the run.
        if (performance.now() > deadline) throw err;
        return undefined;
      });
    if (list === undefined) {
      await sleep(250);
      continue;
    }
    const now = performance.now();
    if (list.items.length > 0) firstCreated ??= now - t0;
    if (list.items.length >= n) allCreated ??= now - t0;
    const waiting = list.items.filter((app) => !syncedAndHealthy(app as AppObject)) as AppObject[];
    const ready = list.items.length - waiting.length;
    if (ready >= n) break;
    if (now > deadline)
      throw new Error(
        `${kind} run: ${list.items.length} of ${n} apps created, ${ready} Synced and Healthy after ${Math.round((now - t0) / 1000)} s; ` +
          `${waiting[0]?.metadata.name} reports ${JSON.stringify(waiting[0]?.status ?? null).slice(0, 600)}`,
      );
    if (now - lastLog > 10_000) {
      ctx.log(
        `${kind} run: ${list.items.length}/${n} created, ${ready} Synced and Healthy after ${((now - t0) / 1000).toFixed(0)} s`,
      );
      lastLog = now;
    }
    await sleep(250);
  }
  const elapsed = performance.now() - t0;
  await creating;
  return {
    allSyncedS: elapsed / 1000,
    firstCreatedS: (firstCreated ?? elapsed) / 1000,
    allCreatedS: (allCreated ?? elapsed) / 1000,
  };
}

/** Deletes the set (the garbage collector deletes its Applications) and waits until none is left. */
async function removeSet(ctx: BenchContext): Promise<void> {
  await ctx.client.delete(
    {
      apiVersion: APP_API,
      group: "mooring.dev",
      kind: "ApplicationSet",
      namespace: APP_NAMESPACE,
      name: SET,
    },
    { propagationPolicy: "Background" },
  );
  await waitGone(ctx, "appset");
}

async function removeDirect(ctx: BenchContext): Promise<void> {
  await waitGone(ctx, "direct");
}

const appRef = (name: string) => ({
  apiVersion: APP_API,
  group: "mooring.dev",
  kind: "Application",
  namespace: APP_NAMESPACE,
  name,
});

/**
 * Deletes every app of the kind and waits until all are gone. Their ConfigMaps stay behind in the
 * run's own namespaces: the bench drops each deleted app's finalizer rather than wait for the
 * controller to delete a thousand objects (the next run uses fresh namespaces). A failed request
 * (the loaded apiserver drops a connection now and then) is tried again on the next round. Then
 * 5 s, for the controller to settle.
 */
async function waitGone(ctx: BenchContext, kind: "appset" | "direct"): Promise<void> {
  await waitFor(
    `the ${kind} apps to be deleted`,
    async () => {
      const left = (
        await ctx.client.list(APP_API, "Application", {
          namespace: APP_NAMESPACE,
          labelSelector: selectorOf(kind),
        })
      ).items;
      await runPool(left.length, 32, async (i) => {
        const app = left[i];
        if (!app) return;
        const ref = appRef(app.metadata.name ?? "");
        const request = app.metadata.deletionTimestamp
          ? app.metadata.finalizers?.length
            ? ctx.client.mergePatch(ref, { metadata: { finalizers: null } })
            : undefined
          : ctx.client.delete(ref);
        await request?.catch(() => undefined);
      });
      return left.length === 0 ? true : undefined;
    },
    300_000,
    1000,
  );
  await sleep(5000);
}
