// Benchmark 1, commit-to-live: how long from a pushed commit until the cluster runs it.
//
// Method. One Application "c2l" (automated sync with prune and selfHeal) manages 10 objects in
// namespace bench-c2l: Deployment "web", Service "web" and ConfigMaps config-0..config-7, already
// Synced and Healthy. Each run commits a new value to all ten files (the Deployment's pod-template
// env var VALUE, the Service's annotation bench.mooring.dev/value, each ConfigMap's data.value) and
// pushes it to the git HTTP server. Then the clock starts and the refresh annotation
// mooring.dev/refresh=normal is set on the Application (merge patch), as a webhook would. Every
// 20 ms after the previous read finished, the bench reads the objects straight from the apiserver
// (one LIST of ConfigMaps in the namespace, one GET each of the Deployment and the Service): the
// clock stops when all ten hold the new value. Application status is not consulted for the
// measurement. Between runs (untimed) the bench waits for the app to report Synced and Healthy at
// the new revision, so each run starts at rest. Default 7 runs; goal: median <= 1000 ms.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../src/core/objects.ts";
import type { KubeClient } from "../src/kube/client.ts";
import { webDeployment, webService } from "../test/harness/manifests.ts";
import type { BenchContext } from "./context.ts";
import { APP_API, APP_NAMESPACE, applyApp, getApp, syncedAndHealthy, waitFor } from "./kube.ts";
import { type Row, rowFromSamples } from "./report.ts";

export const C2L_APP = "c2l";
export const C2L_NAMESPACE = "bench-c2l";
const CONFIGMAPS = 8;
const OBJECTS = CONFIGMAPS + 2;
const VALUE_ANNOTATION = "bench.mooring.dev/value";

function files(value: string): Record<string, string> {
  const out: Record<string, string> = {
    "app/deployment.yaml": webDeployment({ replicas: 1, env: { VALUE: value } }),
    "app/service.yaml": webService({ targetPort: 8080, annotations: { [VALUE_ANNOTATION]: value } }),
  };
  for (let i = 0; i < CONFIGMAPS; i++) {
    out[`app/config-${i}.yaml`] = `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-${i}
data:
  value: "${value}"
  other: unchanged
`;
  }
  return out;
}

let fixture: Promise<void> | undefined;

/** Deploys the 10-object app once (shared with the drift benchmark) and waits until it is at rest. */
export function deployTenObjectApp(ctx: BenchContext): Promise<void> {
  fixture ??= (async () => {
    await ctx.git.createRepo(C2L_APP, files("v0"), "ten objects");
    await applyApp(ctx.client, C2L_APP, {
      source: { repoURL: ctx.git.url(C2L_APP), targetRevision: "main", path: "app" },
      destination: { namespace: C2L_NAMESPACE },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitFor(
      "app c2l to be Synced and Healthy",
      async () => (syncedAndHealthy(await getApp(ctx.client, C2L_APP)) ? true : undefined),
      180_000,
    );
  })();
  return fixture;
}

/** How many of the ten objects hold `value` right now, read from the apiserver. */
async function liveWithValue(client: KubeClient, value: string): Promise<number> {
  const [configMaps, deployment, service] = await Promise.all([
    client.list("v1", "ConfigMap", { namespace: C2L_NAMESPACE }),
    client.get("apps/v1", "Deployment", C2L_NAMESPACE, "web"),
    client.get("v1", "Service", C2L_NAMESPACE, "web"),
  ]);
  const data = (o: KubeObject) => (o as { data?: Record<string, string> }).data;
  let n = configMaps.items.filter(
    (cm) => /^config-\d$/.test(cm.metadata.name ?? "") && data(cm)?.value === value,
  ).length;
  const env = (
    deployment as { spec?: { template?: { spec?: { containers?: { env?: { value?: string }[] }[] } } } }
  )?.spec?.template?.spec?.containers?.[0]?.env?.[0]?.value;
  if (env === value) n++;
  if (service?.metadata.annotations?.[VALUE_ANNOTATION] === value) n++;
  return n;
}

export async function commitToLive(ctx: BenchContext): Promise<Row> {
  await deployTenObjectApp(ctx);
  const runs = ctx.runs(7);
  const samples: number[] = [];
  const firstObject: number[] = [];
  const statusSynced: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const value = `v${run}-${Date.now().toString(36)}`;
    const sha = await ctx.git.commit(C2L_APP, files(value), `bench run ${run}`);
    const t0 = performance.now();
    await ctx.client.mergePatch(
      {
        apiVersion: APP_API,
        group: "mooring.dev",
        kind: "Application",
        namespace: APP_NAMESPACE,
        name: C2L_APP,
      },
      { metadata: { annotations: { "mooring.dev/refresh": "normal" } } },
    );
    let first: number | undefined;
    const deadline = t0 + 30_000;
    for (;;) {
      const n = await liveWithValue(ctx.client, value);
      const now = performance.now();
      if (n > 0) first ??= now - t0;
      if (n === OBJECTS) {
        samples.push(now - t0);
        firstObject.push(first ?? now - t0);
        break;
      }
      if (now > deadline) throw new Error(`run ${run}: only ${n} of ${OBJECTS} objects live after 30 s`);
      await sleep(20);
    }
    await waitFor(
      `app c2l to be Synced and Healthy at ${sha.slice(0, 7)}`,
      async () => (syncedAndHealthy(await getApp(ctx.client, C2L_APP), sha) ? true : undefined),
      60_000,
      50,
    );
    statusSynced.push(performance.now() - t0);
    ctx.log(`commit-to-live run ${run}/${runs}: ${Math.round(samples.at(-1) ?? 0)} ms`);
  }
  return rowFromSamples(
    "1. commit-to-live (10 objects)",
    "ms",
    samples,
    { max: 1000 },
    {
      firstObjectLiveMs: firstObject.map(Math.round),
      statusSyncedHealthyMs: statusSynced.map(Math.round),
      note: "statusSyncedHealthyMs includes the Deployment rollout on kwok and a 50 ms status poll",
    },
  );
}
