// User story: a deployer runs an application from its page in the web UI. The admin opens a
// Synced, Healthy app (manual sync policy) and reads its summary and history. A teammate pushes a
// commit; Refresh on the page shows the app OutOfSync without a reload. A dry-run sync from the
// Sync dialog changes nothing in the cluster; the dialog then lists the ConfigMap's changed field,
// the admin syncs all objects, and the app is Synced at the new revision, whose author and message
// appear in History. Rolling back to the first revision from History shows, in its confirmation,
// what would change (the server's preview); once confirmed the app runs the old revision, pinned,
// and Unpin is offered. The object chosen in the tree stays in the address; a `kubectl scale` shows
// in Drift corrections with its field manager; Suspend (confirmed) leaves only Resume; a rollback
// refused because someone suspended the app meanwhile shows the server's message and code in the
// dialog. A viewer of the project sees the page without Sync or Rollback buttons, and
// a sync forced from the viewer's browser is refused with 403. No console errors on either side.
// Real Chromium, the real server and controller, a real git server and the sandbox cluster.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Locator } from "playwright-core";
import { adminToken, initialAdminPassword } from "../harness/admin.ts";
import { discardApp, getApp, waitForApp } from "../harness/apps.ts";
import { type BrowserSession, type ConsoleProblem, logIn, openBrowser } from "../harness/browser.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = randomBytes(3).toString("hex");
const PROJECT = `uiact-${suffix}`;
const NS = `uiact-${suffix}`;
const APP = `shop-${suffix}`;
const VIEWER = `viewer-${suffix}`;
const VIEWER_PASSWORD = `viewer-pass-${suffix}-long`;
const AUTHOR = { name: "Ada Lovelace", email: "ada@example.com" };
const V2_MESSAGE = "Raise the shop version to v2";

const configMap = (version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-config\ndata:\n  version: "${version}"\n`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  selector:
    matchLabels: { app: shop }
  template:
    metadata:
      labels: { app: shop }
    spec:
      containers:
        - name: shop
          image: registry.example.com/shop:1.0
`;

/** What a person reads in an element. */
const text = async (locator: Locator) => ((await locator.textContent()) ?? "").trim();

/** Console problems other than those a test provoked on purpose. */
function unexpected(problems: ConsoleProblem[], expected: (p: ConsoleProblem) => boolean): ConsoleProblem[] {
  return problems.filter((p) => !expected(p));
}

async function configMapVersion(): Promise<string | undefined> {
  const res = await kubectl(["get", "configmap", "shop-config", "-n", NS, "-o", "jsonpath={.data.version}"]);
  return res.code === 0 ? res.stdout : undefined;
}

describe("the application page: sync, dry run, rollback and unpin from the UI; a viewer is offered none", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let admin: BrowserSession;
  let viewer: BrowserSession | undefined;
  let adminPassword = "";
  let first = "";
  let second = "";

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await server.api(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    first = await git.createRepo(
      "shop",
      { "shop/config.yaml": configMap("v1"), "shop/deployment.yaml": DEPLOYMENT },
      "First shop release",
      AUTHOR,
    );
    await kubectlOk(["create", "namespace", NS]);
    const objects = [
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec: {
          sourceRepos: ["*"],
          destinations: [{ name: "in-cluster", namespace: NS }],
          roles: [{ name: "viewer", groups: [`${PROJECT}-viewers`] }],
        },
      },
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: APP, namespace: "mooring" },
        // Manual sync policy: every sync in this story is asked for by a person.
        spec: {
          project: PROJECT,
          source: { repoURL: git.url("shop"), targetRevision: "main", path: "shop" },
          destination: { namespace: NS },
        },
      },
    ];
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    });
    controller = await startController();
    server = await startServer({
      args: ["--controller-url", controller.metricsUrl.replace(/\/metrics$/, "")],
    });
    adminPassword = await initialAdminPassword();
    const token = await adminToken(server, adminPassword);
    // The first deploy, so that the story starts from a Synced, Healthy app with one history entry.
    await eventually("the first sync to be accepted", async () => {
      const answer = await api(token, "POST", `/applications/mooring/${APP}/sync`, {});
      return answer.status === 202 ? true : undefined;
    });
    await waitForApp(
      APP,
      "Synced and Healthy at the first commit with one history entry",
      (app) =>
        app.status?.sync.status === "Synced" &&
        app.status.health.status === "Healthy" &&
        app.status.sync.revision === first &&
        (app.status.history ?? []).length === 1,
      180_000,
    );
    const account = await api(token, "POST", "/accounts", {
      name: VIEWER,
      password: VIEWER_PASSWORD,
      groups: [`${PROJECT}-viewers`],
    });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    admin = await openBrowser();
  });

  after(async () => {
    await admin?.close();
    await viewer?.close();
    await server?.stop();
    await controller?.stop();
    await git?.close();
    await discardApp(APP);
    await kubectl(["delete", "project", PROJECT, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"]);
  });

  it("shows the admin a Synced, Healthy app with its source, revision and first history entry", async () => {
    const { page } = admin;
    await logIn(page, `${server.origin}/applications/mooring/${APP}`, "admin", adminPassword);
    const summary = page.getByRole("region", { name: "summary" });
    await summary.waitFor({ timeout: 30_000 });
    assert.equal(await text(page.getByRole("heading", { level: 1 })), APP);
    assert.equal(await text(summary.getByTestId("health")), "Healthy");
    assert.equal(await text(summary.getByTestId("sync")), "Synced");
    assert.equal(await text(summary.getByTestId("project")), PROJECT);
    assert.match(await text(summary.getByTestId("revision")), new RegExp(`^${first.slice(0, 7)}`));
    assert.equal(await text(summary.getByTestId("policy")), "manual");
    assert.match(await text(summary), /shop @ main/);
    const row = page.locator('[data-testid="history-row"]');
    assert.equal(await row.count(), 1);
    assert.match(await text(row.getByTestId("history-author")), /Ada Lovelace/);
    assert.equal(await text(row.getByTestId("history-message")), "First shop release");
    const actions = page.getByTestId("actions");
    for (const name of ["Sync", "Refresh", "Hard refresh", "Suspend"])
      assert.equal(await actions.getByRole("button", { name, exact: true }).count(), 1, name);
    await page
      .locator('[data-testid="tree-node"][data-kind="Deployment"]')
      .first()
      .waitFor({ timeout: 60_000 });
    await admin.screenshot("app-page");
    await page.emulateMedia({ colorScheme: "dark" });
    await admin.screenshot("app-page-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("shows a pushed commit as OutOfSync after Refresh, without reloading the page", async () => {
    const { page } = admin;
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    second = await git.commit("shop", { "shop/config.yaml": configMap("v2") }, V2_MESSAGE, AUTHOR);
    await page.getByTestId("actions").getByRole("button", { name: "Refresh", exact: true }).click();
    assert.match(
      await text(page.getByTestId("action-message")),
      new RegExp(`refresh of application ${APP} requested`),
    );
    const sync = page.getByRole("region", { name: "summary" }).getByTestId("sync");
    await eventually("the sync badge to read OutOfSync", async () =>
      (await text(sync)) === "OutOfSync" ? true : undefined,
    );
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      true,
    );
  });

  it("opens the Sync dialog with focus inside; Escape cancels it", async () => {
    const { page } = admin;
    await page.getByTestId("actions").getByRole("button", { name: "Sync", exact: true }).click();
    const dialog = page.getByTestId("sync-dialog");
    await dialog.waitFor();
    assert.equal(await dialog.evaluate((d) => d.matches(":focus-within")), true, "focus moved into it");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  it("a dry-run sync from the dialog is checked by the cluster and changes nothing", async () => {
    const { page } = admin;
    await page.getByTestId("actions").getByRole("button", { name: "Sync", exact: true }).click();
    const dialog = page.getByTestId("sync-dialog");
    await dialog.locator('[data-testid="sync-object"][data-kind="ConfigMap"]').waitFor();
    await dialog.getByLabel(/Dry run/).check();
    await dialog.getByRole("button", { name: "Dry run", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    assert.match(await text(page.getByTestId("action-message")), /^dry-run sync of application/);
    const operation = page.getByTestId("operation");
    await eventually(
      "the last sync to be a finished dry run",
      async () => {
        const line = await text(operation);
        return /dry run/.test(line) && (await text(operation.getByTestId("operation-phase"))) === "Succeeded"
          ? true
          : undefined;
      },
      120_000,
    );
    assert.equal(await configMapVersion(), "v1", "the dry run wrote nothing");
    assert.equal(await text(page.getByRole("region", { name: "summary" }).getByTestId("sync")), "OutOfSync");
    assert.equal(await page.locator('[data-testid="history-row"]').count(), 1, "a dry run adds no history");
  });

  it("syncs all objects from the dialog, which lists each change: Synced at the new revision, in History", async () => {
    const { page } = admin;
    await page.getByTestId("actions").getByRole("button", { name: "Sync", exact: true }).click();
    const dialog = page.getByTestId("sync-dialog");
    const object = dialog.locator('[data-testid="sync-object"][data-kind="ConfigMap"]');
    await object.waitFor();
    assert.match(await text(object.getByTestId("changes")), /data\.version.*v1.*v2/);
    assert.equal(await object.getByRole("checkbox").isChecked(), true, "every object is chosen at first");
    assert.equal(await dialog.getByLabel(/Dry run/).isChecked(), false);
    await admin.screenshot("app-sync-dialog");
    await dialog.getByRole("button", { name: "Sync", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    assert.match(
      await text(page.getByTestId("action-message")),
      new RegExp(`^sync of application ${APP} requested`),
    );
    const summary = page.getByRole("region", { name: "summary" });
    await eventually(
      "the app to be Synced at the second commit",
      async () =>
        (await text(summary.getByTestId("sync"))) === "Synced" &&
        (await text(summary.getByTestId("revision"))).startsWith(second.slice(0, 7))
          ? true
          : undefined,
      120_000,
    );
    const newest = page.locator('[data-testid="history-row"]').first();
    await eventually("the new revision at the top of History", async () =>
      (await newest.getAttribute("data-revision")) === second ? true : undefined,
    );
    assert.match(await text(newest.getByTestId("history-author")), /Ada Lovelace/);
    assert.equal(await text(newest.getByTestId("history-message")), V2_MESSAGE);
    assert.equal(await configMapVersion(), "v2");
    const node = page.locator('[data-testid="tree-node"][data-kind="ConfigMap"]').first();
    await eventually("the tree to show the ConfigMap Synced too", async () => {
      const said = await text(node);
      return /Synced/.test(said) && !/OutOfSync/.test(said) ? true : undefined;
    });
    await eventually("the Synced event of the new revision at the top of Events", async () =>
      (await text(page.locator('[data-testid="event-row"]').first())).includes(
        `synced ${second.slice(0, 10)}`,
      )
        ? true
        : undefined,
    );
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      true,
      "every change since the push reached the page through the stream",
    );
  });

  it("rolls back to the first revision from History after a confirmation showing what changes; Unpin is then offered", async () => {
    const { page } = admin;
    const row = page.locator('[data-testid="history-row"][data-id="1"]');
    await row.getByRole("button", { name: /Roll back/ }).click();
    const dialog = page.getByTestId("rollback-dialog");
    await dialog.waitFor();
    assert.match(
      await text(dialog.getByTestId("rollback-revisions")),
      new RegExp(`From ${second.slice(0, 7)} to ${first.slice(0, 7)}`),
    );
    const change = dialog.locator('[data-testid="preview-object"][data-kind="ConfigMap"]');
    await change.waitFor({ timeout: 60_000 });
    assert.match(await text(change), /data\.version.*v2.*v1/);
    await admin.screenshot("app-rollback-dialog");
    await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    assert.match(await text(page.getByTestId("action-message")), /rollback of application .* to history 1/);
    const summary = page.getByRole("region", { name: "summary" });
    await eventually(
      "the app to run the first revision, pinned",
      async () =>
        (await text(summary.getByTestId("revision"))).startsWith(first.slice(0, 7)) &&
        (await summary.getByTestId("pinned").count()) === 1
          ? true
          : undefined,
      120_000,
    );
    assert.equal(await configMapVersion(), "v1");
    const unpin = page.getByTestId("actions").getByRole("button", { name: "Unpin", exact: true });
    await unpin.waitFor();
    const app = await getApp(APP);
    assert.equal(app.status?.pin?.revision, first);

    await unpin.click();
    const confirm = page.getByTestId("unpin-dialog");
    await confirm.getByRole("button", { name: "Unpin", exact: true }).click();
    await confirm.waitFor({ state: "detached" });
    assert.match(await text(page.getByTestId("action-message")), /unpin of application/);
    await eventually(
      "the pin to be released",
      async () => ((await summary.getByTestId("pinned").count()) === 0 ? true : undefined),
      120_000,
    );
  });

  it("opens an object chosen in the tree and keeps it in the address, so a reload opens it again", async () => {
    const { page } = admin;
    await page.locator('[data-testid="tree-node"][data-kind="ConfigMap"]').first().click();
    const view = page.getByTestId("object-view");
    await view.waitFor();
    await page.waitForURL((url) => url.searchParams.get("object") === `/ConfigMap/${NS}/shop-config`);
    await page.reload();
    await view.waitFor({ timeout: 30_000 });
    assert.match(await text(view), /shop-config/);
    await view.getByRole("button", { name: /Close/ }).click();
    await view.waitFor({ state: "detached" });
    await page.waitForURL((url) => !url.searchParams.has("object"));
  });

  it("shows a manual kubectl scale in Drift corrections with the field manager that made it", async () => {
    const { page } = admin;
    await kubectlOk(["scale", "deployment", "shop", "-n", NS, "--replicas=2"]);
    const row = page.locator('[data-testid="drift-row"]').first();
    await eventually(
      "the scale to appear as drift",
      async () => (/Deployment\/.*shop/.test(await text(row)) ? true : undefined),
      120_000,
    );
    assert.match(await text(row.getByTestId("drift-manager")), /^kubectl/);
    // Manual sync policy, no self-heal: the drift is reported, not put back.
    assert.match(await text(row.getByTestId("drift-healed")), /not healed/);
  });

  it("suspends the app after a confirmation, then offers only Resume; Resume brings the actions back", async () => {
    const { page } = admin;
    const actions = page.getByTestId("actions");
    await actions.getByRole("button", { name: "Suspend", exact: true }).click();
    const dialog = page.getByTestId("suspend-dialog");
    await dialog.getByRole("button", { name: "Suspend", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    const summary = page.getByRole("region", { name: "summary" });
    await summary.getByTestId("suspended").waitFor({ timeout: 60_000 });
    await eventually("only Resume to be offered", async () =>
      (await actions.getByRole("button").allTextContents()).join(",") === "Resume" ? true : undefined,
    );
    await actions.getByRole("button", { name: "Resume", exact: true }).click();
    await summary.getByTestId("suspended").waitFor({ state: "detached", timeout: 60_000 });
    await actions.getByRole("button", { name: "Sync", exact: true }).waitFor();
  });

  it("shows the server's refusal and its code in the dialog when the app was suspended meanwhile", async () => {
    const { page } = admin;
    await page
      .getByRole("button", { name: /^Roll back to/ })
      .first()
      .click();
    const dialog = page.getByTestId("rollback-dialog");
    await dialog.waitFor();
    // Someone else suspends the app while the dialog is open.
    await kubectlOk([
      "patch",
      "application",
      APP,
      "-n",
      "mooring",
      "--type=merge",
      "-p",
      '{"spec":{"suspend":true}}',
    ]);
    await page.getByRole("region", { name: "summary" }).getByTestId("suspended").waitFor({ timeout: 60_000 });
    await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
    const refusal = dialog.getByTestId("dialog-error");
    await refusal.waitFor();
    assert.match(await text(refusal), /is suspended.*\(conflict\)$/);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await kubectlOk([
      "patch",
      "application",
      APP,
      "-n",
      "mooring",
      "--type=merge",
      "-p",
      '{"spec":{"suspend":false}}',
    ]);
    await page
      .getByTestId("actions")
      .getByRole("button", { name: "Sync", exact: true })
      .waitFor({ timeout: 60_000 });
  });

  it("shows a viewer the page with no Sync or Rollback, and refuses a sync forced from their browser with 403", async () => {
    viewer = await openBrowser();
    const { page } = viewer;
    await logIn(page, `${server.origin}/applications/mooring/${APP}`, VIEWER, VIEWER_PASSWORD);
    const summary = page.getByRole("region", { name: "summary" });
    await summary.waitFor({ timeout: 30_000 });
    assert.equal(await text(summary.getByTestId("project")), PROJECT);
    await page.locator('[data-testid="history-row"]').first().waitFor();
    assert.equal(await page.getByTestId("actions").count(), 0, "no action bar");
    assert.equal(await page.getByRole("button", { name: "Sync", exact: true }).count(), 0);
    assert.equal(await page.getByRole("button", { name: /Roll back/ }).count(), 0);
    const forced = await page.evaluate(async (name) => {
      const session = (await (await fetch("/api/v1/session")).json()) as { csrfToken: string };
      const res = await fetch(`/api/v1/applications/mooring/${name}/sync`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: "{}",
      });
      return {
        status: res.status,
        body: (await res.json()) as { error?: { code: string; message: string } },
      };
    }, APP);
    assert.equal(forced.status, 403, JSON.stringify(forced.body));
    assert.equal(forced.body.error?.code, "forbidden");
    assert.match(forced.body.error?.message ?? "", /may not sync/);
  });

  it("ran with no console errors beyond the ones the story provoked", () => {
    // Chromium logs every refused request as "Failed to load resource": GET /session before a login
    // (401: the UI asks who is there), the rollback of a suspended app (409) and the viewer's forced
    // sync (403). Anything else is a fault.
    const loggedOut = (p: ConsoleProblem) =>
      p.type === "console" && p.url.endsWith("/api/v1/session") && /\b401\b/.test(p.text);
    const refused = (p: ConsoleProblem) =>
      p.type === "console" &&
      p.url.endsWith(`/applications/mooring/${APP}/rollback`) &&
      /\b409\b/.test(p.text);
    assert.deepEqual(
      unexpected(admin.problems, (p) => loggedOut(p) || refused(p)),
      [],
    );
    const forced = (p: ConsoleProblem) =>
      p.type === "console" && p.url.endsWith(`/applications/mooring/${APP}/sync`) && /\b403\b/.test(p.text);
    assert.deepEqual(
      unexpected(viewer?.problems ?? [], (p) => loggedOut(p) || forced(p)),
      [],
    );
  });
});
