// Benchmark 3, 1,000 apps cold: how long a freshly started controller takes to deploy a fleet.
//
// Method. One git repository "fleet" holds N directories app-0000.. each with one ConfigMap (the
// shape in fleet.ts). With no controller running, the bench creates namespace bench-apps and N
// Applications (automated sync, destination bench-apps, path app-NNNN) by server-side apply, 32
// at a time. Then the clock starts, the `moor controller` process is spawned (defaults except
// --repo-poll-interval 60s) and the bench LISTs the Applications labelled bench.mooring.dev/set=fleet
// 500 ms after the previous LIST returned, counting those whose status reports sync Synced and
// health Healthy. The clock stops at the first LIST in which all N do (so it may read late by up
// to 500 ms plus one LIST). Run once. N is BENCH_APPS (default 1000); the run fails after 60 s + 300 ms per app.
// Goal: <= 60 s for 1,000 apps. Also reports apps/s, the time to the controller's "started" log
// line and to the first Synced app, and the controller's CPU time over the run (utime + stime from
// /proc, as % of one core: near 100 % means the single-threaded controller was the bottleneck).
//
// API requests per app (context): apiserver_request_total from the apiserver's /metrics, summed
// by verb and resource, just before the spawn and just after the last LIST. The bench's own LISTs
// and the cluster's background rate (measured with no controller running) times the window are
// subtracted; the rest, divided by N, is what Mooring spent per app, startup included.
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchContext } from "./context.ts";
import { type ControllerProcess, sampleProcess, startController } from "./controller.ts";
import { fleetManifest, pad } from "./fleet.ts";
import {
  APP_API,
  APP_NAMESPACE,
  type AppObject,
  applyApp,
  countsDelta,
  ensureNamespace,
  requestCounts,
  runPool,
  syncedAndHealthy,
  total,
} from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";

const NAMESPACE = "bench-apps";
const SET_LABEL = "bench.mooring.dev/set";

export interface ColdStartResult {
  rows: Row[];
  controller: ControllerProcess;
  appsPerSecond: number;
}

export async function coldStart(ctx: BenchContext): Promise<ColdStartResult> {
  const n = ctx.apps;
  await ensureNamespace(ctx.client, NAMESPACE);
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`app-${pad(i)}/configmap.yaml`] = fleetManifest(`cm-${pad(i)}`, i);
  await ctx.git.createRepo("fleet", files, `${n} apps`);
  const created = performance.now();
  await runPool(n, 32, (i) =>
    applyApp(
      ctx.client,
      `fleet-${pad(i)}`,
      {
        source: { repoURL: ctx.git.url("fleet"), targetRevision: "main", path: `app-${pad(i)}` },
        destination: { namespace: NAMESPACE },
        syncPolicy: { automated: {} },
      },
      { [SET_LABEL]: "fleet" },
    ),
  );
  ctx.log(`cold start: created ${n} Applications in ${((performance.now() - created) / 1000).toFixed(1)} s`);

  const before = await requestCounts(ctx.client);
  const t0 = performance.now();
  const controller = await startController(ctx.sandbox.env, ctx.sandbox.kubeconfig);
  const deadline = t0 + 60_000 + 300 * n;
  let polls = 0;
  let firstSynced: number | undefined;
  let ready = 0;
  let lastLog = t0;
  for (;;) {
    const list = await ctx.client.list(APP_API, "Application", {
      namespace: APP_NAMESPACE,
      labelSelector: `${SET_LABEL}=fleet`,
    });
    polls++;
    const now = performance.now();
    const waiting = list.items.filter((app) => !syncedAndHealthy(app as AppObject)) as AppObject[];
    ready = list.items.length - waiting.length;
    if (ready > 0) firstSynced ??= now - t0;
    if (ready === n) break;
    if (now > deadline)
      throw new Error(
        `only ${ready} of ${n} apps Synced and Healthy after ${Math.round((now - t0) / 1000)} s; ` +
          `${waiting[0]?.metadata.name} reports ${JSON.stringify(waiting[0]?.status ?? null).slice(0, 800)}; ` +
          `controller log: ${controller.tail()}`,
      );
    if (now - lastLog > 10_000) {
      ctx.log(`cold start: ${ready}/${n} Synced and Healthy after ${((now - t0) / 1000).toFixed(0)} s`);
      lastLog = now;
    }
    await sleep(500);
  }
  const elapsed = performance.now() - t0;
  const cpu = await sampleProcess(controller.pid);
  const after = await requestCounts(ctx.client);
  const windowS = (performance.now() - t0) / 1000;
  const seconds = elapsed / 1000;
  const appsPerSecond = n / seconds;
  ctx.log(
    `cold start: all ${n} Synced and Healthy in ${seconds.toFixed(1)} s (${appsPerSecond.toFixed(1)} apps/s)`,
  );

  const delta = countsDelta(after, before);
  const ownLists = `LIST mooring.dev/applications`;
  delta.set(ownLists, (delta.get(ownLists) ?? 0) - polls);
  const background = (ctx.backgroundRequestsPerSecond ?? 0) * windowS;
  const perApp = (total(delta) - background) / n;
  const top = [...delta.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([key, count]) => `${key}: ${round(count / n)}`);

  const label = `${n.toLocaleString("en")} apps`;
  return {
    controller,
    appsPerSecond,
    rows: [
      rowFromSamples(
        `3. ${label} cold: all Synced+Healthy`,
        "s",
        [seconds],
        n === 1000 ? { max: 60 } : undefined,
        {
          apps: n,
          appsPerSecond: round(appsPerSecond),
          controllerStartedS: round((controller.startedAt - t0) / 1000),
          firstSyncedS: firstSynced === undefined ? null : round(firstSynced / 1000),
          controllerCpuS: round(cpu.cpuSeconds),
          controllerCpuPercentOfCore: round((cpu.cpuSeconds / seconds) * 100),
          controllerRssMb: round(cpu.rssMb),
          note: n === 1000 ? undefined : "goal applies to 1,000 apps only",
        },
      ),
      rowFromSamples(`3. ${label} cold: throughput`, "apps/s", [appsPerSecond], undefined),
      rowFromSamples("5. apiserver requests per app sync", "req", [perApp], undefined, {
        windowS: round(windowS),
        backgroundSubtracted: round(background),
        benchListsSubtracted: polls,
        topPerApp: top,
      }),
    ],
  };
}
