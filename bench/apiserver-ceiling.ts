// Benchmark 5, apiserver ceiling: how fast this apiserver accepts the fleet's objects at all, as
// the yardstick for Mooring's throughput in benchmark 3.
//
// Method. With no controller running, 32 workers share a counter and server-side apply (the raw
// KubeClient.apply, fieldManager bench, one PATCH each) ConfigMaps of the fleet's shape under fresh
// names ceiling-<run>-NNNN in namespace bench-ceiling until 1,000 are done; objects/s is 1,000
// over the loop's wall time. Default 3 runs, each creating new objects; median. No goal: this is
// context. run.ts divides Mooring's apps/s by this median.
import type { BenchContext } from "./context.ts";
import { fleetConfigMap, pad } from "./fleet.ts";
import { ensureNamespace, runPool } from "./kube.ts";
import { type Row, rowFromSamples } from "./report.ts";

const NAMESPACE = "bench-ceiling";
const COUNT = 1000;
const CONCURRENCY = 32;

export async function apiserverCeiling(ctx: BenchContext): Promise<Row> {
  await ensureNamespace(ctx.client, NAMESPACE);
  const runs = ctx.runs(3);
  const rates: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    await runPool(COUNT, CONCURRENCY, (i) =>
      ctx.client.apply(fleetConfigMap(`ceiling-${run}-${pad(i)}`, i, NAMESPACE), { fieldManager: "bench" }),
    );
    rates.push(COUNT / ((performance.now() - t0) / 1000));
    ctx.log(`apiserver ceiling run ${run}/${runs}: ${Math.round(rates.at(-1) ?? 0)} objects/s`);
  }
  return rowFromSamples(`5. apiserver SSA ceiling (${COUNT}, c=${CONCURRENCY})`, "obj/s", rates, undefined);
}
