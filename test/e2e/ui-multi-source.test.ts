// User story: an operator opens a multi-source application in the web UI — a chart kept in one
// repository, its production values in another, lent through a `ref` source as
// `$values/envs/prod.yaml` — and sees where it comes from: both sources with what each gives and
// the commit each runs, the same in the applications list, and in the history a deploy row per
// sync listing each source's commit. After a push to the values repository alone, the page shows
// the new values commit beside the unchanged chart commit. Real headless Chromium, the real
// `moor server` and `moor controller`, a real git server, the sandbox cluster.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Locator } from "playwright-core";
import { initialAdminPassword } from "../harness/admin.ts";
import { applyApp, deleteApp, refreshApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { type BrowserSession, logIn, openBrowser } from "../harness/browser.ts";
import { eventually, kubectl } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = randomBytes(3).toString("hex");
const APP = `multi-ui-${suffix}`;
const NS = `multi-ui-${suffix}`;

const CHART = {
  "greeter/Chart.yaml": "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
  "greeter/values.yaml": "message: from-the-chart\n",
  "greeter/templates/configmap.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  message: {{ .Values.message | quote }}\n",
};

/** What a person reads in an element. */
const text = async (locator: Locator) => ((await locator.textContent()) ?? "").trim();
const short = (sha: string) => sha.slice(0, 7);

describe("the web UI shows every source of a multi-source application and each source's commit", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let browser: BrowserSession;
  let chartSha = "";
  let valuesSha = "";

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    chartSha = await git.createRepo(`charts-${suffix}`, CHART, "the greeter chart");
    valuesSha = await git.createRepo(`values-${suffix}`, { "envs/prod.yaml": "message: prod-v1\n" }, "prod");
    controller = await startController();
    server = await startServer({ args: ["--controller-url", new URL(controller.metricsUrl).origin] });
    await applyApp(APP, {
      sources: [
        {
          repoURL: git.url(`charts-${suffix}`),
          targetRevision: "main",
          path: "greeter",
          helm: { valueFiles: ["$values/envs/prod.yaml"] },
        },
        { repoURL: git.url(`values-${suffix}`), targetRevision: "main", ref: "values" },
      ],
      destination: { namespace: NS },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp(APP, "to be Synced and Healthy", syncedAndHealthy(), 180_000);
    browser = await openBrowser();
    await logIn(
      browser.page,
      `${server.origin}/applications/mooring/${APP}`,
      "admin",
      await initialAdminPassword(),
    );
  });

  after(async () => {
    await browser?.close();
    await deleteApp(APP).catch(() => {});
    await server?.stop();
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", NS, "--wait=false", "--ignore-not-found"]);
  });

  it("lists both sources with what each gives and the commit each runs", async () => {
    const { page } = browser;
    const sources = page.getByTestId("sources").getByTestId("source");
    await eventually("the page to list two sources", async () =>
      (await sources.count()) === 2 ? true : undefined,
    );
    const [chart, values] = [await text(sources.nth(0)), await text(sources.nth(1))];
    assert.match(chart, new RegExp(`charts-${suffix}\\.git greeter @ main ${short(chartSha)}`));
    assert.match(values, new RegExp(`values-${suffix}\\.git ref values @ main ${short(valuesSha)}`));
    assert.match(
      await text(page.getByTestId("revision")),
      new RegExp(`^${short(chartSha)}, ${short(valuesSha)}`),
    );
    const deployed = page.getByTestId("history-row").first().getByTestId("history-revision");
    assert.deepEqual(await deployed.allTextContents(), [
      `${short(chartSha)} greeter`,
      `${short(valuesSha)} values`,
    ]);
    await browser.screenshot("ui-multi-source-app");
  });

  it("shows a push to the values repository alone as a new deploy with the chart's commit unchanged", async () => {
    const { page } = browser;
    const pushed = await git.commit(
      `values-${suffix}`,
      { "envs/prod.yaml": "message: prod-v2\n" },
      "prod v2",
    );
    await refreshApp(APP);
    await waitForApp(
      APP,
      `to run values ${short(pushed)}`,
      (app) => app.status?.sync.revisions?.[1] === pushed,
      120_000,
    );
    const newest = page.getByTestId("history-row").first().getByTestId("history-revision");
    await eventually(
      "the history to show the new values commit",
      async () => ((await newest.nth(1).textContent())?.includes(short(pushed)) ? true : undefined),
      60_000,
    );
    assert.deepEqual(await newest.allTextContents(), [
      `${short(chartSha)} greeter`,
      `${short(pushed)} values`,
    ]);
    assert.equal(await page.getByTestId("history-row").count(), 2);
  });

  it("lists the application with both sources in the applications list", async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/applications`);
    const row = page.locator(`tr[data-app="${APP}"]`);
    await row.waitFor();
    const sources = row.getByTestId("row-source");
    assert.equal(await sources.count(), 2);
    assert.match(await text(sources.nth(0)), /greeter @ main \([0-9a-f]{7}\)/);
    assert.match(await text(sources.nth(1)), /ref values @ main \([0-9a-f]{7}\)/);
  });
});
