// User story: an operator opens an application in the web UI and sees what it is made of. The
// resource tree draws the Application, the objects Git declares (Deployment, Service, ConfigMap,
// Secret) and what Kubernetes made for them (the Deployment's ReplicaSet and its two Pods), each
// with its health. Selecting the Deployment shows live against desired with no difference;
// selecting the Secret shows its manifests with every value masked, and the page holds the value
// neither in clear nor in base64. Someone runs `kubectl scale`: the page, without a reload, shows
// the drift and then the Deployment healed back to two replicas by self-heal. Real headless
// Chromium, the real `moor server` asking a real `moor controller`, a real git server, the
// sandbox cluster; screenshots land in test-artifacts/.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Locator } from "playwright-core";
import { initialAdminPassword } from "../harness/admin.ts";
import { applyApp, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { type BrowserSession, logIn, openBrowser } from "../harness/browser.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { webDeployment, webService } from "../harness/manifests.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = randomBytes(3).toString("hex");
const APP = `tree-${suffix}`;
const NS = `tree-${suffix}`;
/** The Secret's value: neither it nor its base64 may ever reach the browser. */
const PASSWORD = `hunter2-${randomBytes(6).toString("hex")}`;
const PASSWORD_B64 = Buffer.from(PASSWORD).toString("base64");

const FILES = {
  "app/deployment.yaml": webDeployment({ containerPort: 8080 }),
  "app/service.yaml": webService({ targetPort: 8080 }),
  "app/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
`,
  "app/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: web-secret
type: Opaque
stringData:
  password: ${PASSWORD}
`,
};

/** What a person reads in an element. */
const text = async (locator: Locator) => ((await locator.textContent()) ?? "").trim();

describe("the web UI's resource tree and object view: tree with health, diff, masked Secret, drift healed live", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let browser: BrowserSession;

  const node = (kind: string, name?: string) =>
    browser.page.locator(
      `[data-testid="tree-node"][data-kind="${kind}"]${name ? `[data-name="${name}"]` : ""}`,
    );

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo("tree", FILES, "web, its service, config and secret");
    controller = await startController();
    // The server asks this controller for trees and objects (it may not read workloads itself).
    server = await startServer({ args: ["--controller-url", new URL(controller.metricsUrl).origin] });
    await applyApp(APP, {
      source: { repoURL: git.url("tree"), targetRevision: "main", path: "app" },
      destination: { namespace: NS },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
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

  it("draws Application -> Deployment -> ReplicaSet -> 2 Pods, Service, ConfigMap and Secret, all Healthy", async () => {
    const { page } = browser;
    await eventually(
      "the tree to show the Deployment's two Pods",
      async () => ((await node("Pod").count()) === 2 ? true : undefined),
      120_000,
    );
    const deployment = node("Deployment", "web");
    const replicaSet = node("ReplicaSet");
    assert.equal(await replicaSet.count(), 1);
    const pods = node("Pod");
    // Who owns whom, as drawn: the Deployment hangs off the Application, its ReplicaSet off it,
    // the Pods off the ReplicaSet.
    assert.equal(await deployment.getAttribute("data-parent"), "application");
    const deploymentId = await deployment.getAttribute("data-node-id");
    const replicaSetId = await replicaSet.getAttribute("data-node-id");
    assert.equal(deploymentId, `apps/Deployment/${NS}/web`);
    assert.equal(await replicaSet.getAttribute("data-parent"), deploymentId);
    for (const pod of await pods.all()) assert.equal(await pod.getAttribute("data-parent"), replicaSetId);
    // Left to right: Application, Deployment, ReplicaSet, Pods.
    const x = async (locator: Locator) => (await locator.boundingBox())?.x ?? Number.NaN;
    const root = page.getByTestId("tree-root");
    assert.ok((await x(root)) < (await x(deployment)));
    assert.ok((await x(deployment)) < (await x(replicaSet)));
    assert.ok((await x(replicaSet)) < (await x(pods.first())));
    assert.equal(await text(root.getByTestId("health")), "Healthy");

    await eventually(
      "every workload node to be Healthy",
      async () => {
        for (const box of [deployment, replicaSet, ...(await pods.all())])
          assert.equal(
            await text(box.getByTestId("health")),
            "Healthy",
            (await box.getAttribute("data-name")) ?? "",
          );
        return true;
      },
      60_000,
    );
    // Managed objects carry their sync status; owned ones do not (Git does not declare them).
    assert.equal(await text(deployment.getByTestId("sync")), "Synced");
    assert.equal(await replicaSet.getByTestId("sync").count(), 0);
    for (const [kind, name] of [
      ["Service", "web"],
      ["ConfigMap", "web-config"],
      ["Secret", "web-secret"],
    ] as const) {
      const box = node(kind, name);
      assert.equal(await box.count(), 1, `${kind} ${name} is drawn`);
      assert.equal(await box.getAttribute("data-parent"), "application");
      assert.equal(await text(box.getByTestId("sync")), "Synced", `${kind} ${name}`);
    }
    assert.match(await text(replicaSet), /replicas 2\/2/);
    await browser.screenshot("app-tree");
    await page.emulateMedia({ colorScheme: "dark" });
    await browser.screenshot("app-tree-dark");
    await page.emulateMedia({ colorScheme: "light" });
    // On a narrow screen the tree scrolls sideways inside its frame instead of widening the page.
    await page.setViewportSize({ width: 760, height: 900 });
    const frame = await page.locator(".tree-scroll").evaluate((el) => ({
      scrolls: el.scrollWidth > el.clientWidth,
      right: el.getBoundingClientRect().right,
    }));
    assert.equal(frame.scrolls, true);
    assert.ok(frame.right <= 760, `the tree's frame ends within the window (${frame.right})`);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it("opens the Deployment from the keyboard and shows no difference between live and desired", async () => {
    const { page } = browser;
    const deployment = node("Deployment", "web");
    await deployment.focus();
    await page.keyboard.press("Enter");
    const view = page.getByTestId("object-view");
    await view.waitFor({ timeout: 30_000 });
    assert.equal(await deployment.getAttribute("aria-pressed"), "true");
    assert.match(await text(view.locator("h2")), /Deployment\s+web/);
    assert.equal(await view.getByRole("tab", { name: "Diff" }).getAttribute("aria-selected"), "true");
    await eventually(
      "the diff to be read",
      async () => ((await text(view.getByTestId("diff-summary"))) === "no difference" ? true : undefined),
      60_000,
    );
    // Both sides hold the manifest; status is not part of the diff.
    assert.match(await text(view.getByTestId("diff-left")), /replicas: 2/);
    assert.match(await text(view.getByTestId("diff-right")), /replicas: 2/);
    assert.doesNotMatch(await text(view.getByTestId("diff-left")), /readyReplicas/);
    // The Live tab shows the object as the cluster holds it, status included.
    await view.getByRole("tab", { name: "Live" }).click();
    assert.match(await text(view.getByTestId("live-manifest")), /readyReplicas: 2/);
    await view.getByRole("tab", { name: "Diff" }).click();

    // The arrow keys walk the tree: right from the Deployment is its ReplicaSet.
    await deployment.focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.locator(":focus").getAttribute("data-kind"), "ReplicaSet");
  });

  it("hides what Git does not set, such as an annotation added by hand, until asked to show it", async () => {
    const { page } = browser;
    // Another field manager's annotation is not drift: a sync would leave it alone.
    await kubectlOk(["annotate", "deployment", "web", "-n", NS, "example.com/note=added-by-hand"]);
    const view = page.getByTestId("object-view");
    // Selecting the object again reads it again.
    await node("ConfigMap", "web-config").click();
    await eventually(
      "the ConfigMap's view",
      async () => (/web-config/.test(await text(view.locator("h2"))) ? true : undefined),
      30_000,
    );
    await node("Deployment", "web").click();
    await eventually(
      "the Deployment's live manifest to hold the annotation",
      async () => {
        await view.getByRole("tab", { name: "Live" }).click();
        return /example\.com\/note: added-by-hand/.test(await text(view.getByTestId("live-manifest")))
          ? true
          : undefined;
      },
      60_000,
    );
    await view.getByRole("tab", { name: "Diff" }).click();
    assert.equal(await text(view.getByTestId("diff-summary")), "no difference");
    assert.doesNotMatch(await text(view.getByTestId("diff-left")), /added-by-hand/);
    await view.getByLabel("Show fields Git does not set").check();
    assert.match(await text(view.getByTestId("diff-summary")), /^\d+ lines? differs?$/);
    const removed = view.getByTestId("diff-left").locator('[data-change="removed"]');
    assert.match((await removed.allTextContents()).join("\n"), /example\.com\/note: added-by-hand/);
    await browser.screenshot("object-diff");
    await view.getByLabel("Show fields Git does not set").uncheck();
  });

  it("shows a Pod's live manifest only: it is not declared in Git", async () => {
    const { page } = browser;
    await node("Pod").first().click();
    const view = page.getByTestId("object-view");
    await eventually(
      "the Pod's view",
      async () => (/Pod/.test(await text(view.locator("h2"))) ? true : undefined),
      30_000,
    );
    assert.deepEqual(await view.getByRole("tab").allTextContents(), ["Live"]);
    await view.getByTestId("live-manifest").waitFor({ timeout: 30_000 });
    assert.match(await text(view.getByTestId("live-manifest")), /kind: Pod/);
  });

  it("shows the Secret with every value masked, and the page never holds the value", async () => {
    const { page } = browser;
    await node("Secret", "web-secret").click();
    const view = page.getByTestId("object-view");
    await eventually(
      "the Secret's diff",
      async () => ((await text(view.getByTestId("diff-summary"))) === "no difference" ? true : undefined),
      60_000,
    );
    assert.match(await text(view.getByTestId("diff-left")), /password: "?\+{8}/);
    for (const tab of ["Live", "Desired"]) {
      await view.getByRole("tab", { name: tab }).click();
      const manifest = view.getByTestId(`${tab.toLowerCase()}-manifest`);
      await manifest.waitFor();
      assert.match(await text(manifest), /password: "?\+{8}/, tab);
      const html = await page.content();
      assert.ok(!html.includes(PASSWORD), `${tab}: the value in clear is not in the page`);
      assert.ok(!html.includes(PASSWORD_B64), `${tab}: the value in base64 is not in the page`);
    }
  });

  it("shows a manual scale as drift, then healed back to 2 replicas by self-heal, without a reload", async () => {
    const { page } = browser;
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await node("Deployment", "web").click();
    await kubectlOk(["scale", "deployment", "web", "-n", NS, "--replicas=5"]);
    // Self-heal may put it back before the page could draw the OutOfSync state; the drift
    // record stays, naming the field manager that made the change.
    await eventually(
      "the drift to show",
      async () => {
        const row = page.getByTestId("drift-row").filter({ hasText: "web" });
        return (await row.count()) > 0 ? true : undefined;
      },
      120_000,
    );
    await eventually(
      "the drift to show as healed",
      async () => {
        const healed = page.getByTestId("drift-row").filter({ hasText: "web" }).getByTestId("drift-healed");
        return /healed/.test(await text(healed.first())) && !/not healed/.test(await text(healed.first()))
          ? true
          : undefined;
      },
      120_000,
    );
    await eventually(
      "the tree and the diff to show the Deployment back at 2 replicas",
      async () => {
        const deployment = node("Deployment", "web");
        assert.equal(await text(deployment.getByTestId("sync")), "Synced");
        assert.equal(await text(deployment.getByTestId("health")), "Healthy");
        assert.match(await text(deployment), /replicas 2\/2/);
        assert.equal(await node("Pod").count(), 2);
        const view = page.getByTestId("object-view");
        assert.equal(await text(view.getByTestId("diff-summary")), "no difference");
        return true;
      },
      120_000,
    );
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      true,
    );
    await browser.screenshot("app-tree-healed");
  });

  it("still shows the managed objects, and says why, when the controller cannot be reached", async () => {
    const { page } = browser;
    // Closed first: an open object view would ask for the object and get the (expected) 503.
    await page.getByRole("button", { name: "Close the object view" }).click();
    await page.getByTestId("object-view").waitFor({ state: "detached" });
    await controller.stop();
    try {
      await page.goto(`${server.origin}/applications/mooring/${APP}`);
      const note = page.getByTestId("tree-children-error");
      await note.waitFor({ timeout: 60_000 });
      assert.match(await text(note), /Only the managed objects are shown: .*retry/);
      for (const kind of ["Deployment", "Service", "ConfigMap", "Secret"])
        assert.equal(await node(kind).count(), 1, `${kind} is still drawn`);
      assert.equal(await node("ReplicaSet").count(), 0);
      assert.equal(await node("Pod").count(), 0);
    } finally {
      // The app's finalizer needs a controller to be deleted at the end.
      controller = await startController();
    }
  });

  it("ran with no console errors", () => {
    // Chromium logs the 401 of GET /session before the login as "Failed to load resource": that
    // is the UI asking who we are, as intended. Anything else is a fault.
    const unexpected = browser.problems.filter(
      (p) => !(p.type === "console" && p.url.endsWith("/api/v1/session") && /\b401\b/.test(p.text)),
    );
    assert.deepEqual(unexpected, []);
  });
});
