// Benchmark 6, Stack plan overhead: what Mooring adds on top of a raw `tofu plan`.
//
// Method. Git repository "stacks-plan" holds two modules; Stacks in namespace bench-stacks use
// them, state in the sandbox's Kubernetes backend (Secret + Lease):
//   - plan20/: 20 `terraform_data` resources r00..r19, r00..r09 with input "${var.value}-NN",
//     r10..r19 fixed. No provider, no network: the raw plan is as short as a plan gets, so
//     Mooring's fixed costs per run weigh as heavily as they ever will. Two Stacks:
//       "no changes": plan-same, vars {value: a}, approvePlan auto, applied; each plan has no
//       changes (tofu exit code 0);
//       "10 to change": plan-changes, applied with value a (auto), then switched to approvePlan
//       manual with value b; each plan has 10 in-place updates and is left pending (exit code 2);
//   - k8s20/: 20 `kubernetes_config_map`s managed with the real kubernetes provider against the
//     sandbox: what a real Stack looks like (a provider process, 20 reads from an API server).
//       "kubernetes, no changes": plan-k8s, applied; each plan refreshes 20 objects, no changes.
// For each variant the bench prepares, once and untimed, a directory of its own that holds what a
// controller run folder holds: the same main.tf, the same backend override (same state Secret,
// same kubeconfig: written by writeBackendOverride), the same variables file (tfvarsJson), the
// CLI configuration the controller uses (writeProviderCliConfig(defaultTofuCliConfigPath(),
// providerMirrors())), and runs `tofu init` there. Then, per run, in an order rotated from run to
// run so that a warm cache or a noisy moment does not always favour the same one, it measures:
//   (a) raw: `tofu plan -input=false -no-color -detailed-exitcode -var-file=mooring.tfvars.json`
//       spawned in the prepared directory with the runner's environment (TofuRunner.environment:
//       CLI config, TF_DATA_DIR, HOME, TF_IN_AUTOMATION...) — wall time from spawn to exit;
//   (b) Mooring: the controller (a real `moor controller`, stack concurrency 2, otherwise idle)
//       doing one whole plan run: from the merge patch setting mooring.dev/refresh=normal on the
//       Stack until a watch on that Stack (opened before, from its resourceVersion) delivers the
//       status with a new status.lastPlan.createdAt. This counts: the informer event and queue,
//       git ls-remote against the local git server (refresh asks for a fresh head), reading
//       vars/env sources, the Stack's run folder (kept, initialized, from its previous run at the
//       same commit) and its variables file, the "Reconciling" status write (alongside),
//       `tofu plan -out` (with -json-into), reading the saved plan file (summary and plan id),
//       storing the plan (Secrets, only when it has changes) and pruning older ones, the Event,
//       the run log ConfigMap, and the final status write. It does not count clearing the
//       annotation, which comes after that status write; the bench waits for it (untimed)
//       before the next measurement;
//   (c) runner: TofuRunner.plan (what the controller calls: -out, -json-into, -lock-timeout=60s,
//       output scrubbing) plus readSavedPlan of its plan file, on the prepared directory. For
//       reference `tofu show -json` of the same plan file — what earlier versions ran on every
//       plan instead of reading the file — is timed apart, not included;
//   (d) sandboxed: (c) with the runner confined as the controller confines it (src/isolation:
//       bubblewrap, the prepared directory read-write, binary, CLI configuration, mirrors and the
//       kubeconfig read-only): what the sandbox adds to a plan, paired with (c) of the same run;
//   init: TofuRunner.init in a fresh copy of the prepared directory: what the first run of a
//       Stack at a new commit pays on top of (b).
// One untimed warm-up round comes first (it also makes the controller's run folder). Default 7
// runs (BENCH_RUNS). Overheads are computed per run from the paired samples of that run —
// (c/a − 1) and (b/a − 1), in % — and their median is reported; the ratios of the medians are in
// the details, with a breakdown of (b): the part before tofu starts (patch → the watch delivers
// the Reconciling=True/Progressing status) and the rest. Goal (issue 4): our overhead on top of
// raw `tofu plan` in the same directory <= 15 %.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REFRESH_ANNOTATION } from "../src/core/application.ts";
import { summarisePlan } from "../src/core/stack/plan.ts";
import type { Stack, StackSpec } from "../src/core/stack/spec.ts";
import { tfvarsJson } from "../src/core/stack/vars.ts";
import { hostSandbox, type Sandbox } from "../src/isolation/sandbox.ts";
import { TofuRunner } from "../src/terraform/runner.ts";
import { readSavedPlan } from "../src/terraform/saved-plan.ts";
import { writeBackendOverride } from "../src/terraform/state-backend.ts";
import {
  defaultTofuCliConfigPath,
  providerMirrors,
  tofuBinary,
  writeProviderCliConfig,
} from "../src/toolchain/tofu.ts";
import { runCommand } from "../src/util/exec.ts";
import type { BenchContext } from "./context.ts";
import { waitFor, withTimeout } from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";
import {
  annotateStack,
  appliedAndIdle,
  applyStack,
  deleteStacks,
  describeStack,
  ensureStackNamespace,
  getStack,
  running,
  STACK_NAMESPACE,
  STACK_SET_LABEL,
  watchStack,
} from "./stacks.ts";
import { median } from "./stats.ts";

const REPO = "stacks-plan";
const RESOURCES = 20;
const VARYING = 10;
const SET = "plan";
const VAR_FILE = "mooring.tfvars.json";
const GOAL = { max: 15 };

export function planModule(): string {
  const blocks = ['variable "value" {\n  type = string\n}\n'];
  for (let i = 0; i < RESOURCES; i++) {
    const n = String(i).padStart(2, "0");
    const input = i < VARYING ? `"\${var.value}-${n}"` : `"fixed-${n}"`;
    blocks.push(`resource "terraform_data" "r${n}" {\n  input = ${input}\n}\n`);
  }
  blocks.push('output "first" {\n  value = terraform_data.r00.output\n}\n');
  return blocks.join("\n");
}

/** 20 ConfigMaps managed by the kubernetes provider in the sandbox. */
export function kubernetesModule(): string {
  const blocks = [
    'variable "namespace" {\n  type = string\n}\n',
    // Configured by the environment: the Stack's token in the controller's runs (which are
    // sandboxed and see no kubeconfig), the kubeconfig named in KUBE_CONFIG in the bench's own runs.
    'provider "kubernetes" {}\n',
  ];
  for (let i = 0; i < RESOURCES; i++) {
    const n = String(i).padStart(2, "0");
    blocks.push(
      `resource "kubernetes_config_map" "c${n}" {\n  metadata {\n    name      = "bench-plan-${n}"\n    namespace = var.namespace\n  }\n  data = {\n    index = "${n}"\n  }\n}\n`,
    );
  }
  return blocks.join("\n");
}

interface Variant {
  label: string;
  stack: string;
  path: string;
  module: () => string;
  /** The variables the measured plans are made with. */
  vars: (ctx: BenchContext) => Record<string, unknown>;
  /** Applied first with these, when they differ from `vars`; then planned with `vars`, manual. */
  appliedWith?: (ctx: BenchContext) => Record<string, unknown>;
  /** tofu plan -detailed-exitcode: 0 no changes, 2 changes. */
  exitCode: 0 | 2;
}

const VARIANTS: Variant[] = [
  {
    label: "no changes",
    stack: "plan-same",
    path: "plan20",
    module: planModule,
    vars: () => ({ value: "a" }),
    exitCode: 0,
  },
  {
    label: `${VARYING} to change`,
    stack: "plan-changes",
    path: "plan20",
    module: planModule,
    vars: () => ({ value: "b" }),
    appliedWith: () => ({ value: "a" }),
    exitCode: 2,
  },
  {
    label: "kubernetes, no changes",
    stack: "plan-k8s",
    path: "k8s20",
    module: kubernetesModule,
    vars: () => ({ namespace: STACK_NAMESPACE }),
    exitCode: 0,
  },
];

interface Prepared {
  variant: Variant;
  base: string;
  dir: string;
  runner: TofuRunner;
  /** The same runner, confined as the controller confines tofu. */
  sandboxed: TofuRunner;
  env: Record<string, string>;
}

type Measure = "raw" | "runner" | "sandboxed" | "init" | "mooring";
const MEASURES: Measure[] = ["raw", "runner", "sandboxed", "init", "mooring"];

function spec(
  ctx: BenchContext,
  variant: Variant,
  vars: Record<string, unknown>,
  approvePlan: "auto" | "manual",
): StackSpec {
  return {
    source: { repoURL: ctx.git.url(REPO), targetRevision: "main", path: variant.path },
    vars,
    approvePlan,
  };
}

/**
 * A runner set up as the controller's (same lock timeout, same CLI configuration), output
 * dropped; the kubernetes provider finds the cluster through the kubeconfig named in its environment.
 */
function benchRunner(
  variant: Variant,
  cliConfigFile: string,
  binary: string,
  homeDir: string,
  kubeconfig: string,
  sandbox?: { sandbox: Sandbox; readWrite: string[]; readOnly: string[] },
): TofuRunner {
  return new TofuRunner({
    stack: `${STACK_NAMESPACE}/${variant.stack}`,
    cliConfigFile,
    homeDir,
    binary,
    // KUBE_CONFIG for the kubernetes provider 1.x of the toolchain, KUBE_CONFIG_PATH for 2.x.
    env: { KUBE_CONFIG: kubeconfig, KUBE_CONFIG_PATH: kubeconfig },
    lockTimeout: "60s",
    onOutput: () => {},
    ...(sandbox ? { sandbox } : {}),
  });
}

async function waitStack(
  ctx: BenchContext,
  name: string,
  what: string,
  check: (s: Stack) => boolean,
  timeoutMs: number,
): Promise<Stack> {
  let last: Stack | null = null;
  return waitFor(
    `stack ${name} ${what}`,
    async () => {
      last = await getStack(ctx.client, name);
      return last && check(last) ? last : undefined;
    },
    timeoutMs,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; ${describeStack(last)}`);
  });
}

export async function stackPlanOverhead(ctx: BenchContext): Promise<Row[]> {
  const runs = ctx.runs(7);
  const work = join(ctx.sandbox.home, "bench-stack-plan");
  await ensureStackNamespace(ctx.client);
  await ctx.git.createRepo(
    REPO,
    { "plan20/main.tf": planModule(), "k8s20/main.tf": kubernetesModule() },
    "20 terraform_data, 20 ConfigMaps",
  );
  try {
    // Every Stack applied; then plan-changes asks for value b and waits for approval.
    for (const v of VARIANTS) {
      const first = (v.appliedWith ?? v.vars)(ctx);
      await applyStack(ctx.client, v.stack, spec(ctx, v, first, "auto"), { [STACK_SET_LABEL]: SET });
    }
    for (const v of VARIANTS) await waitStack(ctx, v.stack, "to be applied", appliedAndIdle, 240_000);
    for (const v of VARIANTS.filter((x) => x.appliedWith)) {
      await applyStack(ctx.client, v.stack, spec(ctx, v, v.vars(ctx), "manual"), { [STACK_SET_LABEL]: SET });
      await waitStack(
        ctx,
        v.stack,
        `to have a pending plan with ${VARYING} changes`,
        (s) =>
          s.status?.observedGeneration === s.metadata.generation &&
          s.status?.lastPlan?.pending === true &&
          s.status.lastPlan.summary.change === VARYING &&
          !running(s),
        120_000,
      );
    }
    ctx.log("stack plan overhead: stacks applied; preparing raw directories");

    const cliConfigFile = await writeProviderCliConfig(
      defaultTofuCliConfigPath(ctx.sandbox.env),
      providerMirrors(ctx.sandbox.env),
    );
    const binary = tofuBinary(ctx.sandbox.env);
    const probe = await hostSandbox({ network: true });
    if (!probe.ok) throw new Error(`the sandbox cannot start on this host: ${probe.reason}`);
    const prepared: Prepared[] = [];
    for (const variant of VARIANTS) {
      const base = join(work, variant.stack);
      const dir = join(base, "module");
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "main.tf"), variant.module());
      await writeBackendOverride(dir, {
        stack: { namespace: STACK_NAMESPACE, name: variant.stack },
        access: { kubeconfig: ctx.sandbox.kubeconfig },
      });
      await writeFile(join(dir, VAR_FILE), tfvarsJson(variant.vars(ctx)), { mode: 0o600 });
      const kubeconfig = ctx.sandbox.kubeconfig;
      const runner = benchRunner(variant, cliConfigFile, binary, join(base, "home"), kubeconfig);
      const sandboxed = benchRunner(variant, cliConfigFile, binary, join(base, "home"), kubeconfig, {
        sandbox: probe.sandbox,
        readWrite: [base],
        readOnly: [...providerMirrors(ctx.sandbox.env), kubeconfig],
      });
      await runner.init(dir);
      prepared.push({ variant, base, dir, runner, sandboxed, env: runner.environment(dir) });
    }

    const rows: Row[] = [];
    for (const p of prepared) rows.push(...(await measureVariant(ctx, p, runs, binary, cliConfigFile)));
    return rows;
  } finally {
    await deleteStacks(ctx.client, SET).catch((err) => ctx.log(`deleting plan stacks: ${err}`));
    await rm(work, { recursive: true, force: true });
  }
}

async function measureVariant(
  ctx: BenchContext,
  p: Prepared,
  runs: number,
  binary: string,
  cliConfigFile: string,
): Promise<Row[]> {
  const { variant } = p;
  const samples: Record<Measure | "show", number[]> = {
    raw: [],
    runner: [],
    sandboxed: [],
    init: [],
    mooring: [],
    show: [],
  };

  const raw = async (): Promise<number> => {
    const t0 = performance.now();
    const res = await runCommand(
      binary,
      ["plan", "-input=false", "-no-color", "-detailed-exitcode", `-var-file=${VAR_FILE}`],
      { cwd: p.dir, env: p.env, timeoutMs: 300_000 },
    );
    const ms = performance.now() - t0;
    if (res.code !== variant.exitCode)
      throw new Error(
        `raw tofu plan (${variant.label}) exited ${res.code}, expected ${variant.exitCode}: ${res.stderr.slice(-800)}`,
      );
    return ms;
  };

  const runner = async (): Promise<{ plan: number; show: number }> => {
    const t0 = performance.now();
    const planned = await p.runner.plan(p.dir, {
      out: "mooring.tfplan",
      varFile: VAR_FILE,
      allowUndeclaredVariables: true,
    });
    const saved = await readSavedPlan(planned.planFile);
    const t1 = performance.now();
    if (planned.changes !== (variant.exitCode === 2) || summarisePlan(saved).changes !== planned.changes)
      throw new Error(`TofuRunner.plan (${variant.label}) reported changes=${planned.changes}`);
    await p.runner.showJson(p.dir, planned.planFile);
    return { plan: t1 - t0, show: performance.now() - t1 };
  };

  const sandboxed = async (): Promise<number> => {
    const t0 = performance.now();
    const planned = await p.sandboxed.plan(p.dir, {
      out: "mooring.tfplan",
      varFile: VAR_FILE,
      allowUndeclaredVariables: true,
    });
    await readSavedPlan(planned.planFile);
    const ms = performance.now() - t0;
    if (planned.changes !== (variant.exitCode === 2))
      throw new Error(`sandboxed TofuRunner.plan (${variant.label}) reported changes=${planned.changes}`);
    return ms;
  };

  const init = async (): Promise<number> => {
    const base = await mkdtemp(join(p.base, "init-"));
    try {
      const dir = join(base, "module");
      await cp(p.dir, dir, {
        recursive: true,
        filter: (src) => !src.includes(".terraform") && !src.endsWith(".tfplan"),
      });
      const fresh = benchRunner(variant, cliConfigFile, binary, join(base, "home"), ctx.sandbox.kubeconfig);
      const t0 = performance.now();
      await fresh.init(dir);
      return performance.now() - t0;
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  };

  /** Per Mooring run: refresh patch → the "Reconciling/Progressing" status write, i.e. before tofu. */
  const beforeTofu: number[] = [];
  const mooring = async (): Promise<number> => {
    const before = await getStack(ctx.client, variant.stack);
    if (!before) throw new Error(`stack ${variant.stack} is gone`);
    const previous = before.status?.lastPlan?.createdAt;
    let startedAt: number | undefined;
    const watch = watchStack(
      ctx.client,
      variant.stack,
      before.metadata.resourceVersion ?? "",
      (s) => s.status?.lastPlan?.createdAt !== undefined && s.status.lastPlan.createdAt !== previous,
      (s, at) => {
        if (startedAt === undefined && running(s)) startedAt = at;
      },
    );
    try {
      const t0 = performance.now();
      await annotateStack(ctx.client, variant.stack, { [REFRESH_ANNOTATION]: "normal" });
      const { at, stack } = await withTimeout(watch.until, 300_000, `stack ${variant.stack} to plan`);
      const plan = stack.status?.lastPlan;
      if (plan?.pending !== (variant.exitCode === 2))
        throw new Error(`Mooring plan (${variant.label}) pending=${plan?.pending}: ${describeStack(stack)}`);
      // Untimed: the annotation is cleared and the follow-up reconcile settles before what comes next.
      await waitStack(
        ctx,
        variant.stack,
        "to clear the refresh annotation",
        (s) => !s.metadata.annotations?.[REFRESH_ANNOTATION] && !running(s),
        60_000,
      );
      await sleep(500);
      beforeTofu.push(startedAt === undefined ? Number.NaN : startedAt - t0);
      return at - t0;
    } finally {
      watch.abort();
    }
  };

  for (let run = 0; run <= runs; run++) {
    const order = MEASURES.map((_, i) => MEASURES[(i + run) % MEASURES.length] as Measure);
    const got: Partial<Record<Measure | "show", number>> = {};
    for (const m of order) {
      if (m === "raw") got.raw = await raw();
      else if (m === "init") got.init = await init();
      else if (m === "mooring") got.mooring = await mooring();
      else if (m === "sandboxed") got.sandboxed = await sandboxed();
      else {
        const r = await runner();
        got.runner = r.plan;
        got.show = r.show;
      }
    }
    const line = Object.entries(got)
      .map(([k, v]) => `${k} ${Math.round(v ?? 0)}`)
      .join(", ");
    if (run === 0) {
      ctx.log(`stack plan (${variant.label}) warm-up: ${line} ms`);
      beforeTofu.length = 0;
      continue;
    }
    for (const k of Object.keys(samples) as (Measure | "show")[]) samples[k].push(got[k] as number);
    ctx.log(`stack plan (${variant.label}) run ${run}/${runs}: ${line} ms`);
  }

  const pct = (x: number, base: number) => (x / base - 1) * 100;
  const paired = (f: (i: number) => number) => samples.raw.map((_, i) => f(i));
  const at = (k: Measure | "show", i: number) => samples[k][i] as number;
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
    Measure | "show",
    number
  >;
  const seen = beforeTofu.filter((x) => Number.isFinite(x));
  const before = seen.length > 0 ? median(seen) : Number.NaN;
  const breakdown = {
    beforeTofuMs: round(before),
    tofuAndStoreMs: round(m.mooring - before),
    planMs: round(m.runner),
    restMs: round(m.mooring - m.runner),
    beforeTofuSamplesMs: beforeTofu.map(round),
    note:
      "medians. beforeTofu: refresh patch → Reconciling/Progressing status seen (queue, git ls-remote, " +
      "reading inputs, status write); tofuAndStore: (b) − beforeTofu. restMs = (b) − (c): everything not tofu",
  };
  const label = variant.label;
  return [
    rowFromSamples(`6. plan, ${label}: (a) raw tofu plan`, "ms", samples.raw, undefined, {
      stack: variant.stack,
      command: `tofu plan -input=false -no-color -detailed-exitcode -var-file=${VAR_FILE}`,
    }),
    rowFromSamples(
      `6. plan, ${label}: (c) TofuRunner.plan + read plan file`,
      "ms",
      samples.runner,
      undefined,
      {
        showJsonMedianMs: round(m.show),
        note: "showJson: `tofu show -json` of the same plan, which Mooring no longer runs (reference only)",
      },
    ),
    rowFromSamples(
      `6. plan, ${label}: (d) TofuRunner.plan + read plan file, sandboxed`,
      "ms",
      samples.sandboxed,
      undefined,
    ),
    rowFromSamples(
      `6. sandbox, ${label}: (d) sandboxed runner vs (c) runner`,
      "%",
      paired((i) => pct(at("sandboxed", i), at("runner", i))),
      undefined,
      { ratioOfMediansPct: round(pct(m.sandboxed, m.runner)), addedMedianMs: round(m.sandboxed - m.runner) },
    ),
    rowFromSamples(`6. plan, ${label}: (b) Mooring run`, "ms", samples.mooring, undefined, breakdown),
    rowFromSamples(
      `6. plan, ${label}: tofu init, fresh dir (first run at a commit)`,
      "ms",
      samples.init,
      undefined,
    ),
    rowFromSamples(
      `6. overhead, ${label}: (c) runner vs raw`,
      "%",
      paired((i) => pct(at("runner", i), at("raw", i))),
      GOAL,
      { ratioOfMediansPct: round(pct(m.runner, m.raw)) },
    ),
    rowFromSamples(
      `6. overhead, ${label}: (b) Mooring vs raw`,
      "%",
      paired((i) => pct(at("mooring", i), at("raw", i))),
      GOAL,
      {
        ratioOfMediansPct: round(pct(m.mooring, m.raw)),
        includes: "queue, git ls-remote, inputs, reading the plan file, plan Secrets, API writes",
      },
    ),
  ];
}
