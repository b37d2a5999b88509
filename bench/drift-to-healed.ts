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

/** One object to drift by hand and wait for: where it lives and how to read the value that drifts. */
export interface HealTarget {
  /** Collection path, e.g. /api/v1/namespaces/ns/configmaps. */
  path: string;
  name: string;
  /** The value selfHeal puts back, read from an object of the collection. */
  value(obj: KubeObject): unknown;
  /** Makes the hand-made change (one request); its time counts. */
  drift(): Promise<void>;
}

/**
 * Milliseconds from the start of drift() until a watch on the object delivers the event in which
 * target.value is back to what it was. Fails after timeoutMs.
 */
export async function timeHeal(ctx: BenchContext, target: HealTarget, timeoutMs: number): Promise<number> {
  const live = await ctx.client.rest.get<KubeObject>(`${target.path}/${target.name}`);
  if (live.status !== 200) throw new Error(`${target.path}/${target.name}: HTTP ${live.status}`);
  const wanted = JSON.stringify(target.value(live.body));
  const abort = new AbortController();
  const query = new URLSearchParams({
    watch: "1",
    resourceVersion: live.body.metadata.resourceVersion ?? "",
    fieldSelector: `metadata.name=${target.name}`,
    timeoutSeconds: String(Math.ceil(timeoutMs / 1000) + 30),
  });
  const healed = new Promise<number>((resolve, reject) => {
    let drifted = false;
    ctx.client.rest
      .stream(
        `${target.path}?${query}`,
        (line) => {
          const event = JSON.parse(line) as { type: string; object: KubeObject };
          if (event.type !== "MODIFIED") return;
          if (JSON.stringify(target.value(event.object)) !== wanted) drifted = true;
          else if (drifted) resolve(performance.now());
        },
        abort.signal,
      )
      .then((res) => reject(new Error(`watch ended (HTTP ${res.status}) before the value was back`)), reject);
  });
  healed.catch(() => {}); // observed below; a late rejection after abort is expected
  try {
    const t0 = performance.now();
    await target.drift();
    const t1 = await withTimeout(healed, timeoutMs, `${target.path}/${target.name} to be healed`);
    return t1 - t0;
  } finally {
    abort.abort();
  }
}

export async function driftToHealed(ctx: BenchContext): Promise<Row> {
  await deployTenObjectApp(ctx);
  const runs = ctx.runs(10);
  const samples: number[] = [];
  const path = `/api/v1/namespaces/${C2L_NAMESPACE}/configmaps`;
  for (let run = 1; run <= runs; run++) {
    const target: HealTarget = {
      path,
      name: TARGET,
      value: (obj) => (obj as ConfigMap).data?.value,
      drift: async () => {
        const res = await ctx.client.rest.request("PATCH", `${path}/${TARGET}?fieldManager=bench`, {
          body: { data: { value: `drifted-${run}` } },
          contentType: "application/merge-patch+json",
        });
        if (res.status !== 200) throw new Error(`patch ${TARGET}: HTTP ${res.status} ${res.text}`);
      },
    };
    samples.push(await timeHeal(ctx, target, 10_000));
    ctx.log(`drift-to-healed run ${run}/${runs}: ${Math.round(samples.at(-1) ?? 0)} ms`);
    await sleep(1000);
  }
  return rowFromSamples("2. drift-to-healed (ConfigMap)", "ms", samples, { max: 500 });
}
