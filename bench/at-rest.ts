// Benchmark 4, at rest: what the controller costs while nothing changes, with the 1,000 apps of
// benchmark 3 Synced.
//
// Method. Right after benchmark 3 the bench waits 15 s for follow-up work (status writes, health
// re-checks) to drain, then reads /proc/<pid>/stat (utime + stime, the controller process itself)
// and /proc/<pid>/status (VmRSS) every 5 s over a 30 s window (BENCH_REST_SECONDS). CPU is the
// window's CPU-time delta over its wall time, as % of one core; the 5 s slices show its spread.
// RSS is the last reading. CPU of git child processes (cutime + cstime) is reported apart.
// Controller flags are defaults except --repo-poll-interval 60s, so the resync period is the
// default 3 min: the apps were all synced within the last minute or two and their jittered resyncs
// mostly fall after this window, so a 30 s window shows the idle cost between resyncs, not the
// cost of a resync wave (set BENCH_REST_SECONDS=240 to include one).
// Goals: CPU < 5 % of a core, RSS < 300 MB.
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchContext } from "./context.ts";
import { type ControllerProcess, type ProcSample, sampleProcess } from "./controller.ts";
import { countsDelta, requestCounts, total } from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";

const SETTLE_MS = 15_000;
const SLICES = 6;

export async function atRest(ctx: BenchContext, controller: ControllerProcess): Promise<Row[]> {
  const windowS = Number(process.env.BENCH_REST_SECONDS ?? 30);
  await sleep(SETTLE_MS);
  const before = await requestCounts(ctx.client);
  const samples: ProcSample[] = [await sampleProcess(controller.pid)];
  for (let i = 0; i < SLICES; i++) {
    await sleep((windowS * 1000) / SLICES);
    samples.push(await sampleProcess(controller.pid));
  }
  const after = await requestCounts(ctx.client);
  const first = samples[0] as ProcSample;
  const last = samples[samples.length - 1] as ProcSample;
  const wallS = (last.at - first.at) / 1000;
  const cpu = ((last.cpuSeconds - first.cpuSeconds) / wallS) * 100;
  const slices = samples.slice(1).map((s, i) => {
    const prev = samples[i] as ProcSample;
    return round(((s.cpuSeconds - prev.cpuSeconds) / ((s.at - prev.at) / 1000)) * 100);
  });
  const childCpu = ((last.childCpuSeconds - first.childCpuSeconds) / wallS) * 100;
  const requestsPerSecond =
    total(countsDelta(after, before)) / wallS - (ctx.backgroundRequestsPerSecond ?? 0);
  ctx.log(
    `at rest: CPU ${cpu.toFixed(2)} % of a core, RSS ${last.rssMb.toFixed(0)} MB over ${wallS.toFixed(0)} s`,
  );
  return [
    rowFromSamples(
      "4. at rest: controller CPU",
      "% core",
      [cpu],
      { max: 5, strict: true },
      {
        windowS: round(wallS),
        sliceCpuPercent: slices,
        gitChildrenCpuPercent: round(childCpu),
        apiserverRequestsPerSecondByMooring: round(requestsPerSecond),
        resync: "default 3m (not inside this window unless BENCH_REST_SECONDS is raised)",
      },
    ),
    rowFromSamples(
      "4. at rest: controller RSS",
      "MB",
      [last.rssMb],
      { max: 300, strict: true },
      {
        maxRssMb: round(Math.max(...samples.map((s) => s.rssMb))),
      },
    ),
  ];
}
