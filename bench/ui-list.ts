// 12a/12b. The web UI in real Chromium (Debian's, driven by playwright-core) against the real
// `moor server` process, with BENCH_API_APPS Applications (default 10,000; the same fleet as
// benchmark 10, created straight in the cluster with statuses patched in; no controller runs).
//
// 12a. First render of the application list: a fresh browser context per run (cold HTTP cache,
// the session cookie already set, as a user opening a bookmark), from navigation start to the
// first frame painted after the first row entered the DOM (a MutationObserver installed before
// any script runs notes the row; requestAnimationFrame + a task mark the frame that shows it).
// Goal from issue 10: under 1 s. Baseline in the same run: the list request the page makes
// (GET /applications?limit=50, the first page by name), timed by the browser's Resource Timing,
// and the same request from Node; the ratio says how much of the render the API explains.
//
// 12b. Cluster change to the page: with the list open, an app's health is patched in the cluster
// (the status subresource, as the controller writes it); the time runs from just before the
// patch to the frame that paints the row's new badge. Baseline: the server's event stream message
// carrying the new row, received by a second EventSource in the same page (what the page can
// know at the earliest); the difference is the UI's own share.
import { setTimeout as sleep } from "node:timers/promises";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM } from "../test/harness/browser.ts";
import { appName, createApps, namespaceOf } from "./api-list.ts";
import type { BenchContext } from "./context.ts";
import { startMoorServer } from "./gitea-push-to-live.ts";
import { APP_API, waitFor } from "./kube.ts";
import { type Row, round, rowFromSamples } from "./report.ts";
import { summarise } from "./stats.ts";

const FIRST_RENDER_GOAL_MS = 1000;
/** The app whose row 12b changes: on the first page of the list sorted by name. */
const LIVE_APP = 7;

// Scripts run inside the page are text: bench/ is type-checked without the DOM's types.
const FIRST_ROW_PROBE = `
  new MutationObserver((_, observer) => {
    if (!document.querySelector("tbody tr")) return;
    observer.disconnect();
    window.__firstRowInDom = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__firstRowPainted = performance.now(); }, 0));
  }).observe(document, { childList: true, subtree: true });
`;

function positive(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1`);
  return n;
}

const now = () => performance.timeOrigin + performance.now();

/** What the scripts in the page leave on window. A function predicate, not a string: the UI's CSP forbids eval. */
type Probes = typeof globalThis & { __firstRowPainted?: number; __rowAt?: number; __sseAt?: number };

export async function uiList(ctx: BenchContext): Promise<Row[]> {
  const count = positive("BENCH_API_APPS", 10_000);
  // Right after `moor install` the API server may still be initialising the CRD's storage.
  const existing = await waitFor(
    "the Application API to answer",
    () => ctx.client.list(APP_API, "Application", { labelSelector: "shard" }),
    60_000,
    500,
  );
  if (existing.items.length < count) {
    ctx.log(`12. ui: creating ${count} Applications`);
    await createApps(ctx, count);
  }
  const server = await startMoorServer(ctx.sandbox.env, ctx.sandbox.kubeconfig);
  let browser: Browser | undefined;
  try {
    const origin = server.url.replace(/\/api\/v1$/, "");
    const secret = await waitFor(
      "the Secret mooring-initial-admin",
      async () => (await ctx.client.get("v1", "Secret", "mooring", "mooring-initial-admin")) ?? undefined,
      60_000,
    );
    const password = Buffer.from(
      String((secret as { data?: Record<string, string> }).data?.password ?? ""),
      "base64",
    ).toString("utf8");
    const login = await fetch(`${server.url}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password, session: "token" }),
    });
    if (login.status !== 200)
      throw new Error(`log in as admin answered ${login.status}: ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };
    const firstPage = "/applications?limit=50";
    const listFromNode = async () => {
      const t0 = performance.now();
      const res = await fetch(`${server.url}${firstPage}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { total?: number };
      return { ms: performance.now() - t0, total: body.total ?? 0 };
    };
    await waitFor(
      `the server's cache to hold ${count} apps`,
      async () => ((await listFromNode()).total >= count ? true : undefined),
      180_000,
      1000,
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    const loginContext = await browser.newContext();
    const answer = await loginContext.request.post(`${server.url}/session`, {
      data: { username: "admin", password },
    });
    if (!answer.ok()) throw new Error(`browser log in answered ${answer.status()}`);
    const storageState = await loginContext.storageState();
    await loginContext.close();

    // 12a: first render, a fresh context (cold cache) per run.
    const runs = ctx.runs(7);
    const painted: number[] = [];
    const inDom: number[] = [];
    const apiInBrowser: number[] = [];
    const apiFromNode: number[] = [];
    for (let run = 0; run < runs + 1; run++) {
      const context = await browser.newContext({ storageState, viewport: { width: 1440, height: 900 } });
      await context.addInitScript({ content: FIRST_ROW_PROBE });
      const page = await context.newPage();
      await page.goto(`${origin}/applications`);
      await page.waitForFunction(() => (globalThis as Probes).__firstRowPainted !== undefined, undefined, {
        timeout: 60_000,
      });
      const times = await page.evaluate<{ painted: number; inDom: number; api: number }>(`(() => {
        const list = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/v1/applications?"));
        return {
          painted: window.__firstRowPainted,
          inDom: window.__firstRowInDom,
          api: list ? list.responseEnd - list.startTime : NaN,
        };
      })()`);
      const rows = await page.locator("tbody tr").count();
      await context.close();
      if (rows !== 50) throw new Error(`the list showed ${rows} rows, not a page of 50`);
      const fromNode = await listFromNode();
      // The first run warms the server's and Chromium's own start-up paths; it is not counted.
      if (run === 0) continue;
      painted.push(times.painted);
      inDom.push(times.inDom);
      apiInBrowser.push(times.api);
      apiFromNode.push(fromNode.ms);
      ctx.log(
        `12a. ui first render run ${run}: ${times.painted.toFixed(0)} ms (list request ${times.api.toFixed(0)} ms)`,
      );
    }
    const renderMedian = summarise(painted).median;
    const apiMedian = summarise(apiInBrowser).median;
    const first = rowFromSamples(
      `12a. UI first render, ${count} apps`,
      "ms",
      painted,
      { max: FIRST_RENDER_GOAL_MS, strict: true },
      {
        apps: count,
        firstRowInDomMedianMs: round(summarise(inDom).median),
        listRequestInBrowserMedianMs: round(apiMedian),
        listRequestFromNodeMedianMs: round(summarise(apiFromNode).median),
        renderOverListRequest: round(renderMedian / apiMedian),
      },
    );
    first.note = `list request (baseline) median ${round(apiMedian)} ms in the browser, ${round(summarise(apiFromNode).median)} ms from Node; render/request ${round(renderMedian / apiMedian)}x`;

    // 12b: a change in the cluster until the row shows it.
    const context = await browser.newContext({ storageState, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const name = appName(LIVE_APP);
    const namespace = namespaceOf(LIVE_APP);
    await page.goto(`${origin}/applications`);
    await page.locator(`tr[data-app="${name}"]`).waitFor({ timeout: 60_000 });
    await page.evaluate(`(() => {
      const name = ${JSON.stringify(name)};
      const at = () => performance.timeOrigin + performance.now();
      const stream = new EventSource("/api/v1/stream");
      stream.addEventListener("application", (message) => {
        const change = JSON.parse(message.data);
        if (change.name === name && change.summary && change.summary.health === window.__want && window.__sseAt === undefined)
          window.__sseAt = at();
      });
      const look = () => {
        const badge = document.querySelector('tr[data-app="' + name + '"] [data-testid="health"]');
        if (!badge || badge.textContent.trim() !== window.__want || window.__rowAt !== undefined) return;
        window.__rowAt = -1;
        requestAnimationFrame(() => setTimeout(() => { window.__rowAt = at(); }, 0));
      };
      new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });
    })()`);
    await sleep(1000); // the second EventSource connects
    const toRow: number[] = [];
    const toStream: number[] = [];
    const liveRuns = ctx.runs(10);
    for (let run = 0; run < liveRuns; run++) {
      const want = await nextHealth(page, name);
      await page.evaluate(
        `window.__want = ${JSON.stringify(want)}; window.__rowAt = undefined; window.__sseAt = undefined;`,
      );
      const t0 = now();
      await ctx.client.mergePatch(
        { apiVersion: APP_API, group: "mooring.dev", kind: "Application", namespace, name },
        { status: { health: { status: want } } },
        "status",
      );
      await page.waitForFunction(
        () => ((globalThis as Probes).__rowAt ?? 0) > 0 && (globalThis as Probes).__sseAt !== undefined,
        undefined,
        {
          timeout: 30_000,
        },
      );
      const seen = await page.evaluate<{ row: number; sse: number }>(
        "({ row: window.__rowAt, sse: window.__sseAt })",
      );
      toRow.push(seen.row - t0);
      toStream.push(seen.sse - t0);
      ctx.log(
        `12b. ui live run ${run + 1}: row ${(seen.row - t0).toFixed(0)} ms, stream ${(seen.sse - t0).toFixed(0)} ms`,
      );
      await sleep(500);
    }
    await context.close();
    const rowMedian = summarise(toRow).median;
    const streamMedian = summarise(toStream).median;
    const live = rowFromSamples(`12b. UI cluster change to row, ${count} apps`, "ms", toRow, undefined, {
      streamMessageMedianMs: round(streamMedian),
      uiShareMedianMs: round(rowMedian - streamMedian),
      rowOverStream: round(rowMedian / streamMedian),
    });
    live.note = `stream message (baseline) median ${round(streamMedian)} ms; row/stream ${round(rowMedian / streamMedian)}x`;
    return [first, live];
  } finally {
    await browser?.close();
    await server.stop();
  }
}

/** A health different from what the row shows now, so every run is a visible change. */
async function nextHealth(page: Page, name: string): Promise<string> {
  const shown = (await page.locator(`tr[data-app="${name}"] [data-testid="health"]`).textContent())?.trim();
  return shown === "Degraded" ? "Healthy" : "Degraded";
}
