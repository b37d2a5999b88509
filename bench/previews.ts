// Benchmark 13, pull request to preview comment: how long from opening a pull request on a real
// Gitea until its page shows Mooring's complete preview.
//
// Method. A private Gitea (src/sandbox/gitea.ts) holds two repositories; their webhooks (type
// gitea, events pull_request and issue_comment, no push) point at a real `moor server`, which
// forwards them to a real `moor controller` (--preview-poll-interval 1h and --repo-poll-interval
// 1h, so only the webhook can start a preview; --resync 1h, so no periodic comparison of 510 apps
// shares the cores with the sample). Mooring comments as the Gitea admin (forge Secret).
//   - "shop": apps/app-00..09 (one ConfigMap each; Applications bench-pv-00..09, automated sync,
//     Synced before the first sample) and infra/net (two terraform_data resources and a
//     terraform.tfvars; Stack pv-net, approvePlan auto, applied before the first sample). Each
//     sample's PR changes all ten ConfigMaps and the Stack's variable: 10 app previews (base, head
//     and a server-side dry run against live) and one `tofu plan`.
//   - "mono": apps/app-000..499, one ConfigMap each, 500 Applications (no sync policy; cascade
//     off, so they are removed without the controller), each compared once before the first
//     sample. Each sample's PR changes one app (a different one each run).
// A sample: the PR's branch is pushed beforehand (untimed); the clock starts just before the
// `POST /pulls` and stops at the first read of Gitea's REST API (every 100 ms: the PR's comments
// and the head's combined status) showing the marked comment naming the head commit with status
// `mooring/preview` success. The first moment any marked comment shows (it may say "rendering")
// is kept in the details. Each PR is closed afterwards (untimed).
// Baseline, in the same run and the same cadence: one plain sync of one app — a commit to main
// changing bench-pv-00's ConfigMap is pushed (untimed), then the clock runs from setting
// `mooring.dev/refresh: normal` until the app reports Synced at that commit (read every 50 ms):
// ls-remote, fetch, render, compare, apply, status. Reported: medians, and each case's median
// over the baseline's (×). Default 5 runs (BENCH_RUNS); each wait is bounded (120 s), so a broken
// preview fails the benchmark instead of hanging it.
import { setTimeout as sleep } from "node:timers/promises";
import { REFRESH_ANNOTATION } from "../src/core/application.ts";
import type { KubeObject } from "../src/core/objects.ts";
import { type Gitea, startGitea } from "../src/sandbox/gitea.ts";
import { freePort } from "../src/sandbox/ports.ts";
import {
  giteaCall,
  markedComments,
  openPullRequest,
  previewStatusOf,
  type RepoOnGitea,
  SIZED_MODULE,
} from "../test/harness/previews.ts";
import type { BenchContext } from "./context.ts";
import { startController } from "./controller.ts";
import { startMoorServer } from "./gitea-push-to-live.ts";
import {
  APP_API,
  APP_NAMESPACE,
  type AppObject,
  applyApp,
  ensureNamespace,
  getApp,
  runPool,
  syncedAndHealthy,
  waitFor,
} from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";
import {
  appliedAndIdle,
  applyStack,
  deleteStacks,
  ensureStackNamespace,
  getStack,
  STACK_SET_LABEL,
} from "./stacks.ts";
import { median } from "./stats.ts";

const SHOP_APPS = 10;
const MONO_APPS = 500;
const APPS_NAMESPACE = "bench-previews";
const SET_LABEL = "bench.mooring.dev/set";
const SET = "previews";
const STACK = "pv-net";
const HOOK_SECRET = "bench-previews-hook-secret";
const FORGE_SECRET = "bench-gitea";
const WAIT_MS = 120_000;

const shopApp = (i: number) => `bench-pv-${String(i).padStart(2, "0")}`;
const monoDir = (i: number) => `apps/app-${String(i).padStart(3, "0")}`;

/** ConfigMap `name` holding `value`: each sample changes the value, never the name. */
function settings(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
}

function shopFiles(value: string, size: number): Record<string, string> {
  const files: Record<string, string> = { "infra/net/terraform.tfvars": `size = ${size}\n` };
  for (let i = 0; i < SHOP_APPS; i++) {
    const app = String(i).padStart(2, "0");
    files[`apps/app-${app}/configmap.yaml`] = settings(`shop-${app}`, value);
  }
  return files;
}

interface Sample {
  /** Open → complete preview (comment at the head, status success). */
  completeMs: number;
  /** Open → the first marked comment of any content. */
  firstMs: number;
  /** The final status's description: what the preview covered. */
  description: string;
}

/** Opens the PR and times it until its page shows the complete preview; then closes it. */
async function timePullRequest(
  gitea: Gitea,
  repo: RepoOnGitea,
  branch: string,
  head: string,
): Promise<Sample> {
  const t0 = performance.now();
  const number = await openPullRequest(gitea, repo, { head: branch, title: branch });
  let firstMs: number | undefined;
  try {
    for (;;) {
      const comments = await markedComments(gitea, repo, number);
      const now = performance.now() - t0;
      if (comments.length > 0) firstMs ??= now;
      if (comments.some((c) => c.body.includes(head))) {
        const status = await previewStatusOf(gitea, repo, head);
        if (status?.state === "success")
          return {
            completeMs: performance.now() - t0,
            firstMs: firstMs ?? now,
            description: status.description,
          };
        if (status?.state === "failure")
          throw new Error(`preview of ${branch} failed: ${status.description}`);
      }
      if (now > WAIT_MS)
        throw new Error(
          `no complete preview of ${branch} after ${WAIT_MS / 1000} s (${comments.length} comments)`,
        );
      await sleep(100);
    }
  } finally {
    await giteaCall(gitea, {
      method: "PATCH",
      path: `repos/${repo.owner}/${repo.name}/pulls/${number}`,
      body: { state: "closed" },
    });
  }
}

/** Pushes a change of bench-pv-00 to main, then times one plain sync of it from the refresh. */
async function timePlainSync(
  ctx: BenchContext,
  gitea: Gitea,
  shop: RepoOnGitea,
  run: number,
): Promise<number> {
  const sha = await gitea.client.commit({
    owner: shop.owner,
    repo: shop.name,
    branch: "main",
    files: { "apps/app-00/configmap.yaml": settings("shop-00", `baseline-${run}`) },
    message: `baseline run ${run}`,
  });
  const t0 = performance.now();
  await ctx.client.mergePatch(
    {
      apiVersion: APP_API,
      group: "mooring.dev",
      kind: "Application",
      namespace: APP_NAMESPACE,
      name: shopApp(0),
    },
    { metadata: { annotations: { [REFRESH_ANNOTATION]: "normal" } } },
  );
  await waitFor(
    `${shopApp(0)} Synced at ${sha.slice(0, 7)}`,
    async () => (syncedAndHealthy(await getApp(ctx.client, shopApp(0)), sha) ? true : undefined),
    WAIT_MS,
    50,
  );
  return performance.now() - t0;
}

async function applySecrets(ctx: BenchContext, gitea: Gitea): Promise<void> {
  const secrets = [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "mooring-webhook", namespace: APP_NAMESPACE },
      stringData: { gitea: HOOK_SECRET },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: FORGE_SECRET,
        namespace: APP_NAMESPACE,
        labels: { "mooring.dev/secret-type": "forge" },
      },
      stringData: { type: "gitea", url: gitea.url, token: gitea.adminToken },
    },
  ];
  for (const secret of secrets)
    await ctx.client.apply(secret as unknown as KubeObject, { fieldManager: "bench" });
}

export async function previewsBench(ctx: BenchContext): Promise<Row[]> {
  const { sandbox, client } = ctx;
  const gitea = await startGitea({ env: sandbox.env });
  const cleanups: (() => Promise<unknown>)[] = [() => gitea.stop()];
  const listApps = async () =>
    (
      await client.list(APP_API, "Application", {
        namespace: APP_NAMESPACE,
        labelSelector: `${SET_LABEL}=${SET}`,
      })
    ).items as AppObject[];
  // Before the controller stops: the shop apps' finalizers prune what they synced.
  const deleteApps = async () => {
    const names = (await listApps()).map((a) => a.metadata.name ?? "");
    await runPool(names.length, 16, (i) =>
      client.delete({
        apiVersion: APP_API,
        group: "mooring.dev",
        kind: "Application",
        namespace: APP_NAMESPACE,
        name: names[i] as string,
      }),
    );
    await waitFor(
      "the benchmark's apps to be deleted",
      async () => ((await listApps()).length === 0 ? true : undefined),
      180_000,
      500,
    );
  };
  try {
    await applySecrets(ctx, gitea);
    cleanups.push(async () => {
      for (const name of ["mooring-webhook", FORGE_SECRET])
        await client.delete({ apiVersion: "v1", group: "", kind: "Secret", namespace: APP_NAMESPACE, name });
    });
    const port = await freePort();
    const controller = await startController(sandbox.env, sandbox.kubeconfig, [
      "--port",
      String(port),
      "--repo-poll-interval",
      "1h",
      "--preview-poll-interval",
      "1h",
      "--resync",
      "1h",
    ]);
    cleanups.push(() => controller.stop());
    const server = await startMoorServer(sandbox.env, sandbox.kubeconfig, [
      "--controller-url",
      `http://127.0.0.1:${port}`,
    ]);
    cleanups.push(() => server.stop());
    const hook = (repo: RepoOnGitea) =>
      gitea.client.createHook(repo.owner, repo.name, {
        url: `${server.url}/webhooks/gitea`,
        secret: HOOK_SECRET,
        events: ["pull_request", "issue_comment"],
      });

    // "shop": 10 apps and a Stack, Synced and applied before the first sample.
    const shop = await gitea.client.createRepo("pv-shop");
    await gitea.client.commit({
      owner: shop.owner,
      repo: shop.name,
      branch: "main",
      files: { ...shopFiles("v0", 1), "infra/net/main.tf": SIZED_MODULE },
      message: "10 apps and a Stack",
    });
    await hook(shop);
    await ensureNamespace(client, APPS_NAMESPACE);
    cleanups.push(deleteApps);
    for (let i = 0; i < SHOP_APPS; i++) {
      await applyApp(
        client,
        shopApp(i),
        {
          source: {
            repoURL: shop.cloneURL,
            targetRevision: "main",
            path: `apps/app-${String(i).padStart(2, "0")}`,
          },
          destination: { namespace: APPS_NAMESPACE },
          syncPolicy: { automated: { prune: true } },
        },
        { [SET_LABEL]: SET },
      );
    }
    await ensureStackNamespace(client);
    cleanups.push(() => deleteStacks(client, SET));
    await applyStack(
      client,
      STACK,
      { source: { repoURL: shop.cloneURL, targetRevision: "main", path: "infra/net" }, approvePlan: "auto" },
      { [STACK_SET_LABEL]: SET },
    );

    // "mono": 500 apps, each compared once.
    const mono = await gitea.client.createRepo("pv-mono");
    const monoFiles: Record<string, string> = {};
    for (let i = 0; i < MONO_APPS; i++)
      monoFiles[`${monoDir(i)}/configmap.yaml`] = settings(`mono-${i}`, "v0");
    await gitea.client.commit({
      owner: mono.owner,
      repo: mono.name,
      branch: "main",
      files: monoFiles,
      message: "500 apps",
    });
    await hook(mono);
    await runPool(MONO_APPS, 16, async (i) => {
      const app = {
        apiVersion: APP_API,
        kind: "Application",
        metadata: {
          name: `bench-pvm-${String(i).padStart(3, "0")}`,
          namespace: APP_NAMESPACE,
          labels: { [SET_LABEL]: SET },
          annotations: { "mooring.dev/cascade": "false" },
        },
        spec: {
          source: { repoURL: mono.cloneURL, targetRevision: "main", path: monoDir(i) },
          destination: { namespace: APPS_NAMESPACE },
        },
      };
      await client.apply(app as unknown as KubeObject, { fieldManager: "bench" });
    });

    let counts = "";
    await waitFor(
      "the 10 shop apps Synced and the 500 monorepo apps compared",
      async () => {
        const apps = await listApps();
        const synced = apps.filter(
          (a) => a.metadata.name?.startsWith("bench-pv-") && syncedAndHealthy(a),
        ).length;
        const compared = apps.filter(
          (a) => a.metadata.name?.startsWith("bench-pvm-") && a.status?.sync?.status,
        ).length;
        counts = `${synced} of ${SHOP_APPS} shop apps Synced, ${compared} of ${MONO_APPS} compared`;
        return synced === SHOP_APPS && compared === MONO_APPS ? true : undefined;
      },
      300_000,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (${counts}); controller: ${controller.tail()}`);
    });
    await waitFor(
      "Stack pv-net applied",
      async () => (appliedAndIdle(await getStack(client, STACK)) ? true : undefined),
      300_000,
      500,
    );
    ctx.log("previews: 10 apps Synced, Stack applied, 500 apps compared");

    const runs = ctx.runs(5);
    const baseline: number[] = [];
    const shopSamples: Sample[] = [];
    const monoSamples: Sample[] = [];
    for (let run = 1; run <= runs; run++) {
      baseline.push(await timePlainSync(ctx, gitea, shop, run));
      const shopBranch = `bench-shop-${run}`;
      const shopHead = await gitea.client.commit({
        owner: shop.owner,
        repo: shop.name,
        branch: shopBranch,
        from: "main",
        files: shopFiles(`run${run}`, run + 1),
        message: `change 10 apps and the Stack, run ${run}`,
      });
      shopSamples.push(await timePullRequest(gitea, shop, shopBranch, shopHead));
      const monoBranch = `bench-mono-${run}`;
      const touched = (run * 97) % MONO_APPS;
      const monoHead = await gitea.client.commit({
        owner: mono.owner,
        repo: mono.name,
        branch: monoBranch,
        from: "main",
        files: { [`${monoDir(touched)}/configmap.yaml`]: settings(`mono-${touched}`, `run-${run}`) },
        message: `change app ${touched}, run ${run}`,
      });
      monoSamples.push(await timePullRequest(gitea, mono, monoBranch, monoHead));
      ctx.log(
        `previews run ${run}/${runs}: sync ${Math.round(baseline.at(-1) ?? 0)} ms, 10+1 ${Math.round(shopSamples.at(-1)?.completeMs ?? 0)} ms, 1 of 500 ${Math.round(monoSamples.at(-1)?.completeMs ?? 0)} ms`,
      );
    }
    const base = median(baseline);
    const caseRow = (name: string, samples: Sample[]) => {
      const complete = samples.map((s) => s.completeMs);
      const ratio = median(complete) / base;
      const row = rowFromSamples(name, "ms", complete, undefined, {
        firstCommentMs: samples.map((s) => round(s.firstMs)),
        status: samples.at(-1)?.description,
        overBaseline: round(ratio),
      });
      return { ...row, note: `${round(ratio)}× the baseline's median (a plain sync of one app)` };
    };
    return [
      caseRow("13a. PR to comment, 10 apps + 1 Stack", shopSamples),
      caseRow("13b. PR to comment, 1 app of 500", monoSamples),
      {
        ...rowFromSamples("13c. baseline: plain sync of one app", "ms", baseline, undefined),
        note: "from the refresh annotation to Synced at the new commit",
      },
    ];
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((err) => ctx.log(`previews cleanup: ${err}`));
  }
}
