// `npm run bench`: Mooring's performance goals measured end to end on a real local cluster.
//
// One run creates its own sandbox (a temporary MOORING_HOME sharing the machine's toolchain),
// installs Mooring with `moor install`, starts a git smart-HTTP server on 127.0.0.1 and drives the
// real `moor controller` process. Order, chosen so that measurements do not disturb each other:
//   controller S:  6 Stack plan overhead, 7 drift check of N Stacks (each deletes its Stacks
//                  afterwards, so no later controller reconciles them)
//   controller A:  1 commit-to-live, 2 drift-to-healed (same 10-object app), then the app is deleted
//   controller H:  8 slow hooks (its own controller, apps removed afterwards without it)
//   no controller: background apiserver request rate (10 s), 5 apiserver SSA ceiling
//   controller B:  3 N apps cold (B is spawned inside the measurement), 4 at rest with those apps
// Stacks go first: their tofu runs would otherwise share the 2 cores with a 1,000-app controller.
// Each benchmark's method is in its file's header. A failing benchmark becomes a FAILED row and the
// others still run; the sandbox, git server and controllers are removed at the end, on failure
// and on Ctrl-C too. The table goes to stdout, progress to stderr, and everything measured to
// bench/results/latest.json (latest-stacks.json or latest-apps.json with BENCH_ONLY) together with
// the machine's load (2 cores are noisy: compare medians, and ratios measured in the same run).
//
// Knobs: BENCH_APPS (apps in 3/4, default 1000), BENCH_RUNS (runs of 1, 2, 5 and 6 instead of 7,
// 10, 3 and 7), BENCH_REST_SECONDS (window of 4, default 30), BENCH_STACKS (Stacks in 7, default
// 50), BENCH_HOOK_APPS (apps in 8, default 50), BENCH_ONLY (stacks: 6 and 7 only; apps: 1 to 5
// and 8 only; hooks: 8 only; gitea: 11 only; audit: 9 only, no cluster; all, the default: everything).
// BENCH_AUDIT_RECORDS: records verified in 9 (default 1,000,000).
// BENCH_ONLY=api: 10 only, the API's list and get with BENCH_API_APPS Applications (default
// 10,000; BENCH_API_SAMPLES requests per case, default 300), with every controller stopped.
// BENCH_ONLY=previews: 13 only, pull request opened on a real Gitea to preview comment posted, for
// 10 apps + 1 Stack and for 1 app of a 500-app repository, against a plain sync of one app.
// BENCH_ONLY=ui: 12 only, the web UI in real Chromium with BENCH_API_APPS Applications (12a first
// render of the list, 12b cluster change to the row; the fleet of 10 is reused under "all") and
// 12c the bundle size of ui/dist (build it first: `npx vite build ui`).
// BENCH_ONLY=appset: 14 only, one ApplicationSet making BENCH_APPS apps (default 1,000) across 10
// registered clusters until all are Synced and Healthy, against the same apps written directly.
import { fileURLToPath } from "node:url";
import { runCommand } from "../src/util/exec.ts";
import { type GitServer, startGitServer } from "../test/harness/git-server.ts";
import { apiList } from "./api-list.ts";
import { apiserverCeiling } from "./apiserver-ceiling.ts";
import { appSetBench } from "./appset.ts";
import { atRest } from "./at-rest.ts";
import { auditBench } from "./audit.ts";
import { type ColdStartResult, coldStart } from "./cold-start.ts";
import { C2L_APP, commitToLive } from "./commit-to-live.ts";
import type { BenchContext } from "./context.ts";
import { startController, stopAllControllers } from "./controller.ts";
import { driftToHealed } from "./drift-to-healed.ts";
import { giteaPushToLive } from "./gitea-push-to-live.ts";
import { APP_API, APP_NAMESPACE, backgroundRate, getApp, waitFor } from "./kube.ts";
import { previewsBench } from "./previews.ts";
import {
  failedRow,
  machineLoad,
  printTable,
  type Row,
  round,
  rowFromSamples,
  writeResults,
} from "./report.ts";
import { type BenchSandbox, createBenchSandbox } from "./sandbox.ts";
import { slowHooks } from "./slow-hooks.ts";
import { stackDriftCheck } from "./stack-drift-check.ts";
import { stackPlanOverhead } from "./stack-plan-overhead.ts";
import { uiBundle } from "./ui-bundle.ts";
import { uiList } from "./ui-list.ts";

const ONLY = ["stacks", "apps", "hooks", "audit", "gitea", "previews", "api", "ui", "appset", "all"] as const;
const SLOW_HOOKS = "8. slow hooks";
const GITEA_PUSH = "11. Gitea push to live";
type Only = (typeof ONLY)[number];

function resultsFile(which: Only): string {
  const name = which === "all" ? "latest.json" : `latest-${which}.json`;
  return fileURLToPath(new URL(`./results/${name}`, import.meta.url));
}
const started = performance.now();

function log(line: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
}

function positiveInt(name: string, fallback?: number): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, got "${text}"`);
  return n;
}

async function uptime(): Promise<string> {
  return (await runCommand("uptime", []).catch(() => ({ stdout: "" }))).stdout.trim();
}

/** Runs one benchmark; a failure becomes a FAILED row instead of ending the run. */
async function guarded(name: string, goal: string, fn: () => Promise<Row | Row[]>): Promise<Row[]> {
  log(`${name}: starting`);
  try {
    const rows = await fn();
    return Array.isArray(rows) ? rows : [rows];
  } catch (err) {
    log(`${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    return [failedRow(name, goal, err)];
  }
}

async function deleteApp(ctx: BenchContext, name: string): Promise<void> {
  await ctx.client.delete({
    apiVersion: APP_API,
    group: "mooring.dev",
    kind: "Application",
    namespace: APP_NAMESPACE,
    name,
  });
  await waitFor(
    `app ${name} to be deleted`,
    async () => ((await getApp(ctx.client, name)) ? undefined : true),
    60_000,
  );
}

function only(): Only {
  const text = process.env.BENCH_ONLY || "all";
  if (!(ONLY as readonly string[]).includes(text))
    throw new Error(`BENCH_ONLY must be one of ${ONLY.join(", ")}, got "${text}"`);
  return text as Only;
}

async function stackBenchmarks(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const controller = await startController(ctx.sandbox.env, ctx.sandbox.kubeconfig);
  try {
    rows.push(...(await guarded("6. stack plan overhead", "<= 15 %", () => stackPlanOverhead(ctx))));
    rows.push(...(await guarded(`7. drift check ${ctx.stacks} stacks`, "", () => stackDriftCheck(ctx))));
  } finally {
    await controller.stop();
  }
  return rows;
}

async function appBenchmarks(ctx: BenchContext): Promise<Row[]> {
  const { sandbox, apps } = ctx;
  const rows: Row[] = [];
  const first = await startController(sandbox.env, sandbox.kubeconfig);
  rows.push(...(await guarded("1. commit-to-live", "<= 1000 ms", () => commitToLive(ctx))));
  rows.push(...(await guarded("2. drift-to-healed", "<= 500 ms", () => driftToHealed(ctx))));
  await deleteApp(ctx, C2L_APP).catch((err) => log(`deleting app ${C2L_APP}: ${err}`));
  await first.stop();
  rows.push(...(await guarded(SLOW_HOOKS, "", () => slowHooks(ctx))));

  ctx.backgroundRequestsPerSecond = await backgroundRate(ctx.client, 10);
  log(`background apiserver requests: ${ctx.backgroundRequestsPerSecond.toFixed(1)}/s`);
  const ceilingRows = await guarded("5. apiserver SSA ceiling", "", () => apiserverCeiling(ctx));

  let cold: ColdStartResult | undefined;
  rows.push(
    ...(await guarded(`3. ${apps} apps cold`, "<= 60 s", async () => {
      cold = await coldStart(ctx);
      return cold.rows.slice(0, 2);
    })),
  );
  if (cold) {
    const controller = cold.controller;
    rows.push(...(await guarded("4. at rest", "< 5 % core, < 300 MB", () => atRest(ctx, controller))));
  } else {
    rows.push(failedRow("4. at rest", "< 5 % core, < 300 MB", "skipped: benchmark 3 failed"));
  }

  rows.push(...ceilingRows);
  const ceiling = ceilingRows[0]?.median;
  if (cold && ceiling) {
    rows.push(
      rowFromSamples(
        "5. Mooring apps/s as % of ceiling",
        "%",
        [(cold.appsPerSecond / ceiling) * 100],
        undefined,
        {
          appsPerSecond: round(cold.appsPerSecond),
          ceilingObjectsPerSecond: ceiling,
        },
      ),
    );
  }
  if (cold?.rows[2]) rows.push(cold.rows[2]);
  return rows;
}

async function main(): Promise<number> {
  const apps = positiveInt("BENCH_APPS", 1000) as number;
  const stacks = positiveInt("BENCH_STACKS", 50) as number;
  const hookApps = positiveInt("BENCH_HOOK_APPS", 50) as number;
  const runs = positiveInt("BENCH_RUNS");
  const which = only();
  const loadBefore = { uptime: await uptime(), ...machineLoad() };
  log(`load before: ${loadBefore.uptime}`);
  const rows: Row[] = [];
  let sandbox: BenchSandbox | undefined;
  let git: GitServer | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      log("cleaning up: controllers, git server, sandbox");
      await stopAllControllers().catch((err) => log(`stopping controllers: ${err}`));
      await git?.close().catch((err) => log(`closing git server: ${err}`));
      await sandbox?.delete().catch((err) => log(`deleting sandbox: ${err}`));
    })();
    return cleaning;
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    // The audit trail needs no cluster: with BENCH_ONLY=audit no sandbox is made.
    if (which !== "audit") {
      log("creating the sandbox and installing Mooring");
      sandbox = await createBenchSandbox(log);
      git = await startGitServer();
      const ctx: BenchContext = {
        sandbox,
        client: sandbox.client,
        git,
        apps,
        stacks,
        hookApps,
        runs: (n) => runs ?? n,
        log,
      };
      if (which === "hooks") rows.push(...(await guarded(SLOW_HOOKS, "", () => slowHooks(ctx))));
      if (which === "stacks" || which === "all")
        rows.push(...(await guarded("6./7. stacks", "", () => stackBenchmarks(ctx))));
      // Its own Gitea, server and controller, before the app benchmarks leave 1,000 apps behind.
      if (which === "gitea" || which === "all")
        rows.push(...(await guarded(GITEA_PUSH, "<= 2000 ms", () => giteaPushToLive(ctx))));
      // Its own Gitea, server and controller; its 510 apps and Stack are removed afterwards.
      if (which === "previews" || which === "all")
        rows.push(...(await guarded("13. previews", "", () => previewsBench(ctx))));
      // Its own controller and 10 registered clusters; its apps are removed afterwards.
      if (which === "appset" || which === "all")
        rows.push(...(await guarded("14. appset", "", () => appSetBench(ctx))));
      if (which === "apps" || which === "all") rows.push(...(await appBenchmarks(ctx)));
      if (which === "api" || which === "all")
        rows.push(
          ...(await guarded("10. api list", "p99 < 100 ms", async () => {
            // No controller may reconcile 10,000 apps meanwhile.
            await stopAllControllers();
            return apiList(ctx);
          })),
        );
      if (which === "ui" || which === "all")
        rows.push(
          ...(await guarded("12. ui list", "< 1000 ms", async () => {
            await stopAllControllers();
            return uiList(ctx);
          })),
        );
    }
  } catch (err) {
    log(`setup FAILED: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    rows.push(failedRow("setup", "", err));
  } finally {
    await cleanup();
  }
  if (which === "ui" || which === "all")
    rows.push(...(await guarded("12c. ui bundle", "< 250 KB", () => uiBundle())));
  // Last, with no controller left running to share the cores with.
  if (which === "audit" || which === "all")
    rows.push(...(await guarded("9. audit trail", "", () => auditBench(log))));

  const loadAfter = { uptime: await uptime(), ...machineLoad() };
  log(`load after: ${loadAfter.uptime}`);
  printTable(rows);
  process.stdout.write(`\nload before: ${loadBefore.uptime}\nload after:  ${loadAfter.uptime}\n`);
  const results = resultsFile(which);
  await writeResults(results, {
    date: new Date().toISOString(),
    config: {
      only: which,
      apps,
      stacks,
      hookApps,
      runs: runs ?? "defaults",
      restSeconds: Number(process.env.BENCH_REST_SECONDS ?? 30),
    },
    machine: { before: loadBefore, after: loadAfter, node: process.version },
    durationS: round((performance.now() - started) / 1000),
    rows,
  });
  process.stdout.write(`results: ${results}\n`);
  return rows.some((r) => r.error) ? 1 : 0;
}

process.exitCode = await main();
