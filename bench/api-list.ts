// 10. API list and get with 10,000 Applications: how long `moor server` takes to answer a page of
// the application list, a page deep into it (by cursor), a filtered page, a free-text search, the
// list as a viewer of one project, and a single Application. Goal: p99 under 100 ms (Argo CD's
// UI waits 35 s to 2 min for this list at a few thousand apps: argo-cd#9575, #15276).
//
// Method: BENCH_API_APPS Applications (default 10,000) are created straight in the cluster, across
// 10 namespaces and 10 projects, with statuses patched in (a mix of Synced/OutOfSync and health
// states, last-sync times): no controller runs, so nothing else competes for the 2 cores. The
// server's parts are built in this process as `moor server` builds them (the informer cache, every
// route, the HTTP listener on 127.0.0.1), with a stand-in authenticator (a global admin and a
// viewer of one project) so the numbers measure the reads, not a login. Once the cache has listed
// everything ("cache warm", also reported), each case is asked BENCH_API_SAMPLES times (default
// 300) over real HTTP, one request at a time, after 20 unmeasured warm-up requests; the time runs
// from sending the request to having read the whole body. Two cases run for 10 s, a request every
// 10 ms, while statuses change (20 merge patches a second of app health, as a busy controller
// writes them): sorted by name a change swaps the row in place; sorted by health most changes make
// the next request sort the 10,000 rows again.
import { setTimeout as sleep } from "node:timers/promises";
import type { Subject } from "../src/core/access/authorize.ts";
import type { KubeObject } from "../src/core/objects.ts";
import { createApiApp } from "../src/server/app.ts";
import { ServerCache } from "../src/server/cache.ts";
import type { ServerDeps } from "../src/server/context.ts";
import { listen } from "../src/server/listen.ts";
import type { Authenticator } from "../src/server/principal.ts";
import { allRoutes } from "../src/server/routes/index.ts";
import { createLogger } from "../src/util/log.ts";
import type { BenchContext } from "./context.ts";
import { APP_API, ensureNamespace, runPool } from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";

const NAMESPACES = 10;
const PROJECTS = 10;
const CONCURRENCY = 12;
const GOAL_MS = 100;
const CHURN_PER_SECOND = 20;
/** How long a case measured under changing statuses runs, one request every CHURN_PAUSE_MS. */
const CHURN_SECONDS = 10;
const CHURN_PAUSE_MS = 10;
const HEALTH = ["Healthy", "Healthy", "Healthy", "Progressing", "Degraded", "Missing"];
const SYNC = ["Synced", "Synced", "Synced", "OutOfSync", "Unknown"];

function positive(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1`);
  return n;
}

export function appName(i: number): string {
  return `app-${String(i).padStart(5, "0")}`;
}

export function namespaceOf(i: number): string {
  return `bench-api-${i % NAMESPACES}`;
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

export async function createApps(ctx: BenchContext, count: number): Promise<number> {
  const started = performance.now();
  for (let n = 0; n < NAMESPACES; n++) await ensureNamespace(ctx.client, `bench-api-${n}`);
  let done = 0;
  await runPool(count, CONCURRENCY, async (i) => {
    const namespace = namespaceOf(i);
    const name = appName(i);
    const app = {
      apiVersion: APP_API,
      kind: "Application",
      metadata: { name, namespace, labels: { tier: i % 3 === 0 ? "front" : "back", shard: String(i % 7) } },
      spec: {
        project: `team-${i % PROJECTS}`,
        source: {
          repoURL: `https://git.example/org/repo-${i % 50}.git`,
          path: `apps/${name}`,
          targetRevision: "main",
        },
        destination: { namespace: `ns-${i % 100}` },
      },
    } as unknown as KubeObject;
    await ctx.client.create(app);
    const finished = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    await ctx.client.mergePatch(
      { apiVersion: APP_API, group: "mooring.dev", kind: "Application", namespace, name },
      {
        status: {
          sync: { status: SYNC[i % SYNC.length], revision: "0123456789abcdef0123456789abcdef01234567" },
          health: { status: HEALTH[i % HEALTH.length] },
          conditions: [],
          resources: [],
          history: [],
          reconciledAt: finished,
          operationState: {
            phase: "Succeeded",
            trigger: "automated",
            revision: "0123456789abcdef0123456789abcdef01234567",
            message: "successfully synced",
            startedAt: finished,
            finishedAt: finished,
            attempt: 1,
            resources: [],
          },
        },
      },
      "status",
    );
    done++;
    if (done % 1000 === 0) ctx.log(`10. api list: ${done}/${count} Applications created`);
  });
  return performance.now() - started;
}

interface Case {
  name: string;
  who: "admin" | "viewer";
  path: () => string;
  /** Measured while statuses change, as a running controller changes them. */
  churn?: boolean;
}

/** Patches the health of one app after another (about CHURN_PER_SECOND a second) until stopped. */
function churn(ctx: BenchContext, count: number): { stop(): Promise<number> } {
  let running = true;
  let patched = 0;
  const loop = (async () => {
    while (running) {
      const i = (patched * 104_729) % count;
      await ctx.client.mergePatch(
        {
          apiVersion: APP_API,
          group: "mooring.dev",
          kind: "Application",
          namespace: namespaceOf(i),
          name: appName(i),
        },
        {
          status: {
            health: { status: HEALTH[(patched + i) % HEALTH.length] },
            reconciledAt: new Date().toISOString(),
          },
        },
        "status",
      );
      patched++;
      await sleep(1000 / CHURN_PER_SECOND);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return patched;
    },
  };
}

export async function apiList(ctx: BenchContext): Promise<Row[]> {
  const count = positive("BENCH_API_APPS", 10_000);
  const samples = positive("BENCH_API_SAMPLES", 300);
  ctx.log(`10. api list: creating ${count} Applications (${CONCURRENCY} at a time)`);
  const createMs = await createApps(ctx, count);
  ctx.log(`10. api list: created in ${(createMs / 1000).toFixed(1)} s; starting the server`);

  const log = createLogger({ level: "warn", fields: { component: "bench-server" } });
  const cache = new ServerCache(ctx.client, { namespace: "mooring", log });
  const warmStarted = performance.now();
  cache.start();
  if (!(await cache.waitForSync(120_000)))
    throw new Error(`cache did not fill: ${cache.unsynced().join(", ")}`);
  const warmMs = performance.now() - warmStarted;
  const subjects: Record<string, Subject> = {
    admin: { kind: "user", name: "admin", groups: [], globalAdmin: true, bindings: [] },
    viewer: {
      kind: "user",
      name: "viewer",
      groups: [],
      globalAdmin: false,
      bindings: [{ project: "team-3", role: "viewer", verbs: ["get", "list"] }],
    },
  };
  const authenticator: Authenticator = {
    authenticate: async ({ headers }) => {
      const subject = subjects[(headers.get("authorization") ?? "").replace(/^Bearer /, "")];
      return subject ? { ok: true, subject } : { ok: false, code: "unauthenticated", message: "bench" };
    },
  };
  const deps: ServerDeps = {
    authenticator,
    audit: { record: () => {} },
    clock: Date.now,
    log,
    kube: ctx.client,
    namespace: "mooring",
    cache,
  };
  const server = await listen(createApiApp(deps, allRoutes(deps)), { port: 0, host: "127.0.0.1" });
  const base = `${server.url}/api/v1`;
  const fetchJson = async (who: string, path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${who}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as { items?: unknown[]; next?: string; total?: number };
  };
  try {
    // A cursor half-way down the list: walk pages of 100 to the middle once.
    let deepCursor = "";
    for (let page = 0; page < Math.floor(count / 200); page++) {
      const answer = await fetchJson(
        "admin",
        `/applications?limit=100${deepCursor ? `&cursor=${deepCursor}` : ""}`,
      );
      if (!answer.next) break;
      deepCursor = answer.next;
    }
    const filtered = await fetchJson(
      "admin",
      "/applications?project=team-3&health=Degraded,Missing&sync=OutOfSync,Unknown",
    );
    let getIndex = 0;
    const cases: Case[] = [
      { name: "first page (100 by name)", who: "admin", path: () => "/applications?limit=100" },
      {
        name: "deep page (cursor at the middle)",
        who: "admin",
        path: () => `/applications?limit=100&cursor=${deepCursor}`,
      },
      {
        name: "filtered page (project, health, sync)",
        who: "admin",
        path: () => "/applications?project=team-3&health=Degraded,Missing&sync=OutOfSync,Unknown&limit=100",
      },
      { name: "free-text search", who: "admin", path: () => "/applications?search=app-0123&limit=100" },
      {
        name: "label selector, last-sync order",
        who: "admin",
        path: () =>
          "/applications?selector=tier%3Dfront,shard%20in%20(1,2)&sort=lastSync&order=desc&limit=100",
      },
      { name: "first page as viewer of 1 project", who: "viewer", path: () => "/applications?limit=100" },
      {
        name: `first page by name, ${CHURN_PER_SECOND} status changes/s`,
        who: "admin",
        path: () => "/applications?limit=100",
        churn: true,
      },
      {
        name: `first page by health, ${CHURN_PER_SECOND} health changes/s`,
        who: "admin",
        path: () => "/applications?limit=100&sort=health",
        churn: true,
      },
      {
        name: "get one Application",
        who: "admin",
        path: () => {
          const i = (getIndex++ * 7919) % count;
          return `/applications/${namespaceOf(i)}/${appName(i)}`;
        },
      },
    ];
    const rows: Row[] = [];
    for (const c of cases) {
      for (let i = 0; i < 20; i++) await fetchJson(c.who, c.path());
      const changes = c.churn ? churn(ctx, count) : undefined;
      const times: number[] = [];
      const until = performance.now() + CHURN_SECONDS * 1000;
      for (let i = 0; c.churn ? performance.now() < until : i < samples; i++) {
        const path = c.path();
        const t0 = performance.now();
        await fetchJson(c.who, path);
        times.push(performance.now() - t0);
        if (c.churn) await sleep(CHURN_PAUSE_MS);
      }
      const changed = await changes?.stop();
      const sorted = [...times].sort((a, b) => a - b);
      const p50 = percentile(sorted, 50);
      const p99 = percentile(sorted, 99);
      ctx.log(`10. api ${c.name}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
      const row = rowFromSamples(`10. api ${c.name}`, "ms", times, undefined, {
        p50: round(p50),
        p99: round(p99),
        apps: count,
        ...(changed === undefined ? {} : { statusChanges: changed }),
      });
      delete row.samples;
      rows.push({ ...row, goal: `p99 < ${GOAL_MS} ms`, met: p99 < GOAL_MS, note: `p99 ${round(p99)} ms` });
    }
    rows.push(
      rowFromSamples("10. api cache warm (list + watch)", "ms", [warmMs], undefined, {
        apps: count,
        createSeconds: round(createMs / 1000),
        filteredTotal: filtered.total,
      }),
    );
    return rows;
  } finally {
    await server.close();
    cache.stop();
  }
}
