// Benchmark 2, drift-to-healed: how long a hand-made change to a managed object survives when
// selfHeal is on.
//
// Method. Uses the 10-object app of benchmark 1 (selfHeal on, at rest). Each run reads ConfigMap
// config-0 (its data.value and resourceVersion), opens a watch on that one object from that
// resourceVersion (so no event can be missed), starts the clock and sends a JSON merge patch
// changing data.value with fieldManager=bench, as `kubectl patch` would. The clock stops when the
// watch delivers the event in which data.value is back to the value from Git (the first event after
// the drift). The clock thus includes the patch request itself. A run fails after 10 s. Between
// runs the bench pauses 1 s so the controller can record the drift in status. Default 10 runs;
// goal: median <= 500 ms.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../src/core/objects.ts";
import { C2L_NAMESPACE, deployTenObjectApp } from "./commit-to-live.ts";
import type { BenchContext } from "./context.ts";
import { withTimeout } from "./kube.ts";
import { type Row, rowFromSamples } from "./report.ts";

const TARGET = "config-0";

type ConfigMap = KubeObject & { data?: Record<string, string> };

export async function driftToHealed(ctx: BenchContext): Promise<Row> {
  await deployTenObjectApp(ctx);
  const runs = ctx.runs(10);
  const samples: number[] = [];
  const path = `/api/v1/namespaces/${C2L_NAMESPACE}/configmaps`;
  for (let run = 1; run <= runs; run++) {
    const live = (await ctx.client.get("v1", "ConfigMap", C2L_NAMESPACE, TARGET)) as ConfigMap | null;
    const wanted = live?.data?.value;
    if (!live || wanted === undefined) throw new Error(`ConfigMap ${C2L_NAMESPACE}/${TARGET} is missing`);
    const abort = new AbortController();
    const query = new URLSearchParams({
      watch: "1",
      resourceVersion: live.metadata.resourceVersion ?? "",
      fieldSelector: `metadata.name=${TARGET}`,
      timeoutSeconds: "30",
    });
    const healed = new Promise<number>((resolve, reject) => {
      let drifted = false;
      ctx.client.rest
        .stream(
          `${path}?${query}`,
          (line) => {
            const event = JSON.parse(line) as { type: string; object: ConfigMap };
            if (event.type !== "MODIFIED") return;
            if (event.object.data?.value !== wanted) drifted = true;
            else if (drifted) resolve(performance.now());
          },
          abort.signal,
        )
        .then(
          (res) => reject(new Error(`watch ended (HTTP ${res.status}) before the value was back`)),
          reject,
        );
    });
    healed.catch(() => {}); // observed below; a late rejection after abort is expected
    try {
      const t0 = performance.now();
      const res = await ctx.client.rest.request("PATCH", `${path}/${TARGET}?fieldManager=bench`, {
        body: { data: { value: `drifted-${run}` } },
        contentType: "application/merge-patch+json",
      });
      if (res.status !== 200) throw new Error(`patch ${TARGET}: HTTP ${res.status} ${res.text}`);
      const t1 = await withTimeout(healed, 10_000, `run ${run}: ${TARGET} to be healed`);
      samples.push(t1 - t0);
    } finally {
      abort.abort();
    }
    ctx.log(`drift-to-healed run ${run}/${runs}: ${Math.round(samples.at(-1) ?? 0)} ms`);
    await sleep(1000);
  }
  return rowFromSamples("2. drift-to-healed (ConfigMap)", "ms", samples, { max: 500 });
}
