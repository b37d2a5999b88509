// User story: an approver opens the Stacks section of Mooring's web UI. A Stack with manual
// approval has planned an OpenTofu module: the list shows it waiting for approval with "+2 ~0 -0";
// its page shows the plan as a table — each resource with "create" and the attributes it sets —
// and the plan id. A viewer of the project sees the same plan but is offered no Approve button
// (and a forced approval is refused). The approver clicks Approve, a dialog repeats the plan id
// and the counts (Escape closes it), they confirm, and without a reload the page shows the apply
// in the history with their name, and the outputs — the sensitive one hidden, its value nowhere
// in the page. A state lock left by a dead run shows its holder and is released after a
// confirmation; a hand edit of managed infrastructure shows in the drift report. No console
// errors. Real Chromium, server, controller, git, OpenTofu and cluster;
// screenshots stacks.png and stack-plan.png land in test-artifacts/.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Locator } from "playwright-core";
import { stackLockLease } from "../../src/terraform/state-backend.ts";
import { initialAdminPassword } from "../harness/admin.ts";
import { type BrowserSession, logIn, openBrowser } from "../harness/browser.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";
import { createStackNamespace, waitStack } from "../harness/stacks.ts";

const suffix = randomBytes(3).toString("hex");
const PROJECT = `ui-stacks-${suffix}`;
const NS = `ui-stacks-${suffix}`;
const STACK = `network-${suffix}`;
const GREETING = `hello${suffix}`;
const SECRET_OUTPUT = `token-for-${GREETING}`;
const VIEWER = `viewer-${suffix}`;
const VIEWER_PASSWORD = `viewer-password-${suffix}`;

const CACHE = `
resource "terraform_data" "cache" {
  input = "cache"
}
`;

/** The module: the db's input ends in `version`; the cache is there unless left out. */
const MODULE = (version: number, cache = true) => `
variable "greeting" {
  type = string
}
resource "terraform_data" "db" {
  input = "\${var.greeting}-${version}"
}
${cache ? CACHE : ""}
output "endpoint" {
  value = "db.internal:1"
}
output "token" {
  value     = "token-for-\${var.greeting}"
  sensitive = true
}
`;

/** A module whose ConfigMap a person can edit by hand: drift for the drift report. */
const DRIFT_MODULE = `
variable "namespace" {
  type = string
}
provider "kubernetes" {}
resource "kubernetes_config_map" "settings" {
  metadata {
    name      = "ui-drift-settings"
    namespace = var.namespace
  }
  data = {
    host = "db.internal"
  }
}
`;
const DRIFTING = `drift-${suffix}`;

/** What a person reads in an element. */
const text = async (locator: Locator) => ((await locator.textContent()) ?? "").trim();

describe("the web UI's Stacks: the plan as a table, approve by plan id, outputs with secrets hidden", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let browser: BrowserSession;
  let databaseDir: string;
  let adminPassword = "";
  let planId = "";

  async function sessionToken(user: string, password: string): Promise<string> {
    const res = await server.api("/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: user, password, session: "token" }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { token: string }).token;
  }

  before(async () => {
    await ensureInstalled();
    databaseDir = await mkdtemp(join(tmpdir(), "mooring-ui-stacks-"));
    const database = join(databaseDir, "audit.db");
    await createStackNamespace(NS);
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec: {
          sourceRepos: ["*"],
          destinations: [{ name: "in-cluster", namespace: NS }],
          sourceNamespaces: [NS],
          roles: [{ name: "viewer", groups: [`${PROJECT}-viewers`] }],
        },
      }),
    });
    git = await startGitServer();
    await git.createRepo("infra", { "network/main.tf": MODULE(1) }, "network module");
    // Its own repository: commits to infra make no new plan of it.
    await git.createRepo("settings", { "main.tf": DRIFT_MODULE }, "settings module");
    controller = await startController({ args: ["--database", database] });
    server = await startServer({ args: ["--database", database] });
    adminPassword = await initialAdminPassword();
    const admin = await sessionToken("admin", adminPassword);
    const created = await server.api("/accounts", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: VIEWER, password: VIEWER_PASSWORD, groups: [`${PROJECT}-viewers`] }),
    });
    assert.equal(created.status, 201, await created.text());
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: STACK, namespace: NS },
        spec: {
          project: PROJECT,
          source: { repoURL: git.url("infra"), targetRevision: "main", path: "network" },
          vars: { greeting: GREETING },
          approvePlan: "manual",
          writeOutputsToSecret: { name: `${STACK}-outputs` },
        },
      }),
    });
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: DRIFTING, namespace: NS },
        spec: {
          project: PROJECT,
          source: { repoURL: git.url("settings"), targetRevision: "main" },
          vars: { namespace: NS },
          approvePlan: "manual",
          driftDetection: { mode: "report", interval: "0" },
        },
      }),
    });
    browser = await openBrowser();
  });

  after(async () => {
    const problems = controller?.logs.filter((l) => l.level === "error") ?? [];
    if (problems.length > 0)
      process.stderr.write(`controller errors:\n${problems.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await browser?.close();
    await server?.stop();
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", NS, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "projects.mooring.dev", PROJECT, "-n", "mooring", "--ignore-not-found"]);
    if (databaseDir) await rm(databaseDir, { recursive: true, force: true });
  });

  it("lists the Stack waiting for approval with its plan's counts", async () => {
    const planned = await waitStack(
      NS,
      STACK,
      "to have a pending plan",
      (s) => s.status?.lastPlan?.pending === true,
      240_000,
    );
    planId = planned.status?.lastPlan?.id ?? "";
    assert.match(planId, /^p-[0-9a-f]{16}$/);
    const { page } = browser;
    await logIn(page, `${server.origin}/stacks?search=${STACK}`, "admin", adminPassword);
    const row = page.locator(`tr[data-stack="${STACK}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await text(row.getByTestId("state")), "Waiting for approval");
    assert.equal(await text(row.getByTestId("counts")), "+2 ~0 -0");
    assert.equal(
      await row.getByTestId("counts").getAttribute("aria-label"),
      "2 to add, 0 to change, 0 to destroy",
    );
    assert.match(await text(row.getByTestId("plan")), new RegExp(planId));
    assert.match(await text(row), new RegExp(PROJECT));
    assert.match(await text(row), /network @ main/);
    // The state filter is kept in the address and narrows the list on the server.
    await page.getByLabel("State").selectOption("ready");
    await page.waitForURL((url) => url.searchParams.get("state") === "ready");
    await page.getByText("No stacks match.").waitFor({ timeout: 15_000 });
    await page.getByLabel("State").selectOption("pending");
    await row.waitFor({ timeout: 15_000 });
    await browser.screenshot("stacks");
  });

  it("shows the plan as a table of resources with 'create' and the attributes they set", async () => {
    const { page } = browser;
    await page.locator(`tr[data-stack="${STACK}"] a.name`).click();
    await page.waitForURL(`**/stacks/${NS}/${STACK}`);
    await page.getByRole("heading", { name: STACK }).waitFor();
    assert.equal(await text(page.getByTestId("plan-id")), planId);
    const rows = page.locator("table.plan-table tbody tr");
    await rows.first().waitFor();
    const resources: string[] = [];
    for (const r of await rows.all()) {
      resources.push(`${await text(r.getByTestId("action"))} ${await r.getAttribute("data-resource")}`);
    }
    assert.deepEqual(resources.sort(), ["create terraform_data.cache", "create terraform_data.db"]);
    // The changed attributes come from the plan's text: the input tofu will set.
    const input = page.locator('tr[data-resource="terraform_data.db"] li[data-attribute="input"]');
    assert.match(await text(input), new RegExp(`"${GREETING}-1"`));
    assert.equal(await page.getByTestId("destroys").count(), 0, "nothing destroyed, nothing called out");
    assert.match(await text(page.getByTestId("next-step")), new RegExp(`Plan ${planId} waits for approval`));
    await browser.screenshot("stack-plan");
  });

  it("offers a viewer no Approve button, and refuses a viewer's forced approval", async () => {
    const context = await browser.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error")
          browser.problems.push({ type: "console", text: message.text(), url: message.location().url });
      });
      page.on("pageerror", (error) =>
        browser.problems.push({ type: "pageerror", text: String(error), url: page.url() }),
      );
      await logIn(page, `${server.origin}/stacks/${NS}/${STACK}`, VIEWER, VIEWER_PASSWORD);
      await page.getByTestId("plan-id").waitFor({ timeout: 30_000 });
      assert.equal(await text(page.getByTestId("plan-id")), planId);
      assert.equal(await page.getByRole("button", { name: /Approve/ }).count(), 0);
      assert.equal(await page.getByRole("button", { name: "Plan again" }).count(), 0);
      assert.match(await text(page.getByTestId("next-step")), /approver role in project/);
    } finally {
      await context.close();
    }
    const viewer = await sessionToken(VIEWER, VIEWER_PASSWORD);
    const forced = await server.api(`/stacks/${NS}/${STACK}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${viewer}`, "content-type": "application/json" },
      body: JSON.stringify({ planId }),
    });
    assert.equal(forced.status, 403);
    assert.equal(((await forced.json()) as { error: { code: string } }).error.code, "forbidden");
  });

  it("approves the plan from the page after a confirmation, then shows the apply and the outputs live", async () => {
    const { page } = browser;
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const open = page.getByRole("button", { name: "Approve plan…" });
    await open.click();
    const dialog = page.getByRole("dialog", { name: `Approve plan ${planId}` });
    await dialog.waitFor();
    assert.equal(await text(dialog.getByTestId("dialog-plan-id")), planId);
    assert.equal(await text(dialog.getByTestId("dialog-counts")), "2 to add, 0 to change, 0 to destroy");
    // Focus starts inside the dialog, on Cancel; Escape closes it without approving.
    assert.equal(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document
            .activeElement?.textContent,
      ),
      "Cancel",
    );
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await open.click();
    await dialog.waitFor();
    await dialog.getByRole("button", { name: `Approve ${planId}` }).click();
    await dialog.waitFor({ state: "hidden", timeout: 30_000 });
    const applied = await waitStack(
      NS,
      STACK,
      "to apply the plan approved in the UI",
      (s) => s.status?.lastApply?.planId === planId,
      240_000,
    );
    assert.equal(applied.status?.lastApply?.result, "succeeded", applied.status?.lastApply?.message);
    assert.equal(applied.status?.lastApply?.approvedBy, "admin");

    // The page follows the stream: the outputs and the history appear without a reload.
    const endpoint = page.locator('tr[data-output="endpoint"]');
    await endpoint.waitFor({ timeout: 60_000 });
    assert.equal(await text(endpoint.locator("td")), "db.internal:1");
    const token = page.locator('tr[data-output="token"]');
    assert.equal(await text(token.getByTestId("sensitive")), "sensitive: hidden");
    const history = page.locator(`tr[data-apply="${planId}"]`);
    await history.first().waitFor({ timeout: 60_000 });
    assert.equal(await text(history.first().getByTestId("approver")), "admin");
    assert.equal(await text(history.first().getByTestId("result")), "succeeded");
    await eventually(
      "the page to show the Stack ready",
      async () => ((await text(page.getByTestId("state"))) === "Ready" ? true : undefined),
      60_000,
    );
    assert.equal(
      await page.getByRole("button", { name: "Approve plan…" }).count(),
      0,
      "nothing left to approve",
    );
    assert.equal(await text(page.getByTestId("lock")), "unlocked No run holds the state now.");
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      true,
      "the page was not reloaded",
    );
    // The sensitive output's value is nowhere in the page, not even hidden in the markup.
    const html = await page.content();
    assert.ok(!html.includes(SECRET_OUTPUT), "the sensitive output's value is not in the page");
    await browser.screenshot("stack-applied");
  });

  it("shows who holds a stuck state lock and releases it after a confirmation", async () => {
    const { page } = browser;
    // Someone's tofu died holding the state's lock (a Lease, as tofu's Kubernetes backend keeps it).
    const lease = stackLockLease({ metadata: { name: STACK, namespace: NS }, spec: {} });
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: lease.name,
          namespace: lease.namespace,
          annotations: {
            "app.terraform.io/lock-info": JSON.stringify({
              ID: `lock-${suffix}`,
              Who: "alice@laptop",
              Operation: "OperationTypeApply",
              Created: new Date().toISOString(),
            }),
          },
        },
        spec: { holderIdentity: `lock-${suffix}` },
      }),
    });
    // A Lease is not a Stack: the page reads the lock when it loads.
    await page.reload();
    const lock = page.getByTestId("lock");
    await eventually(
      "the page to show the lock's holder",
      async () => ((await text(lock)).includes("alice@laptop") ? true : undefined),
      30_000,
    );
    assert.match(await text(lock), new RegExp(`lock-${suffix}`));
    assert.match(await text(lock), /apply/);
    await page.getByRole("button", { name: "Unlock…" }).click();
    const dialog = page.getByRole("dialog", { name: "Release the state lock" });
    await dialog.waitFor();
    assert.match(await text(dialog), new RegExp(`lock-${suffix}.*alice@laptop`));
    await dialog.getByRole("button", { name: /^Unlock/ }).click();
    await dialog.waitFor({ state: "hidden", timeout: 30_000 });
    await eventually(
      "the controller to release the lock",
      async () => {
        const holder = await kubectlOk([
          "get",
          "lease",
          lease.name,
          "-n",
          lease.namespace,
          "-o",
          "jsonpath={.spec.holderIdentity}",
        ]);
        return holder === "" ? true : undefined;
      },
      120_000,
    );
    // The release is an Event on the Stack: the page reads again and shows the state unlocked.
    await eventually(
      "the page to show the state unlocked",
      async () => ((await text(lock)).startsWith("unlocked") ? true : undefined),
      60_000,
    );
  });

  it("shows a new commit's plan live: the update's attribute before and after, the destroy called out", async () => {
    const { page } = browser;
    // The module changes the db's input and drops the cache: one update, one destroy.
    const sha = await git.commit("infra", { "network/main.tf": MODULE(2, false) }, "db input v2, no cache");
    await page.getByRole("button", { name: "Plan again" }).click();
    const replanned = await waitStack(
      NS,
      STACK,
      "to plan the new commit",
      (s) => s.status?.lastPlan?.pending === true && s.status.lastPlan.revision === sha,
      240_000,
    );
    const newId = replanned.status?.lastPlan?.id ?? "";
    await eventually(
      "the page to show the new plan without a reload",
      async () => ((await text(page.getByTestId("plan-id"))) === newId ? true : undefined),
      60_000,
    );
    const actions: Record<string, string> = {};
    for (const r of await page.locator("table.plan-table tbody tr").all()) {
      actions[(await r.getAttribute("data-resource")) ?? ""] = await text(r.getByTestId("action"));
    }
    assert.deepEqual(actions, { "terraform_data.cache": "delete", "terraform_data.db": "update" });
    const input = page.locator('tr[data-resource="terraform_data.db"] li[data-attribute="input"]');
    assert.equal(await text(input.locator(".before")), `"${GREETING}-1"`);
    assert.equal(await text(input.locator(".after")), `"${GREETING}-2"`);
    assert.match(await text(page.getByTestId("destroys")), /destroys 1 resource: terraform_data\.cache/);
    assert.equal(await text(page.locator(".stack-plan dl.facts").getByTestId("counts")), "+0 ~1 -1");
    await page.getByRole("button", { name: "Approve plan…" }).click();
    const dialog = page.getByRole("dialog", { name: `Approve plan ${newId}` });
    await dialog.waitFor();
    assert.equal(await text(dialog.getByTestId("dialog-counts")), "0 to add, 1 to change, 1 to destroy");
    assert.match(await text(dialog), /It destroys 1: terraform_data\.cache/);
    await browser.screenshot("stack-plan-destroy");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.emulateMedia({ colorScheme: "dark" });
    await browser.screenshot("stack-plan-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("keeps the list live: a plan approved elsewhere turns the row Ready without a reload", async () => {
    const { page } = browser;
    await page.locator(".crumbs a", { hasText: "Stacks" }).click();
    await page.waitForURL((url) => url.pathname === "/stacks");
    await page.getByLabel("Search").fill(suffix);
    const row = page.locator(`tr[data-stack="${STACK}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await text(row.getByTestId("state")), "Waiting for approval");
    assert.equal(await text(row.getByTestId("counts")), "+0 ~1 -1");
    await page.evaluate(() => {
      (globalThis as unknown as { listNotReloaded: boolean }).listNotReloaded = true;
    });
    const pending = (await waitStack(NS, STACK, "to wait", (s) => s.status?.lastPlan?.pending === true))
      .status?.lastPlan?.id;
    const admin = await sessionToken("admin", adminPassword);
    const approved = await server.api(`/stacks/${NS}/${STACK}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ planId: pending }),
    });
    assert.equal(approved.status, 202, await approved.text());
    await eventually(
      "the row to turn Ready",
      async () => ((await text(row.getByTestId("state"))) === "Ready" ? true : undefined),
      240_000,
    );
    assert.doesNotMatch(await text(row.getByTestId("plan")), /waiting for approval/);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { listNotReloaded?: boolean }).listNotReloaded),
      true,
      "the list was not reloaded",
    );
  });

  it("reports drift: a hand edit shows as drifted, with the plan that would undo it", async () => {
    const { page } = browser;
    // Manual approval: nothing but the approved plan is ever applied, so the drift stays reported.
    // Should the controller plan again before the approval lands, the newer id is approved too.
    const admin = await sessionToken("admin", adminPassword);
    let approvedId = "";
    await waitStack(
      NS,
      DRIFTING,
      "to apply its first plan",
      (s) => {
        if (s.status?.lastApply?.result === "succeeded") return true;
        const pending = s.status?.lastPlan?.pending ? s.status.lastPlan.id : undefined;
        if (pending !== undefined && pending !== approvedId) {
          approvedId = pending;
          void server.api(`/stacks/${NS}/${DRIFTING}/approve`, {
            method: "POST",
            headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
            body: JSON.stringify({ planId: pending }),
          });
        }
        return false;
      },
      240_000,
    );
    const edit = await kubectl(["edit", "configmap", "ui-drift-settings", "-n", NS], {
      env: { EDITOR: "sed -i s/db.internal/db.hacked/" },
    });
    assert.equal(edit.code, 0, edit.stderr);
    const asked = new Date().toISOString();
    await kubectlOk([
      "annotate",
      "stack",
      DRIFTING,
      "-n",
      NS,
      `mooring.dev/drift-check=${asked}`,
      "--overwrite",
    ]);
    await waitStack(
      NS,
      DRIFTING,
      "to report drift",
      (s) =>
        (s.status?.drift?.checkedAt ?? "") > asked &&
        s.status?.drift?.drifted === true &&
        s.status.lastPlan?.purpose === "drift",
      240_000,
    );
    await page.goto(`${server.origin}/stacks?search=${suffix}&state=drifted`);
    const row = page.locator(`tr[data-stack="${DRIFTING}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await text(row.getByTestId("drift")), "drifted");
    assert.equal(await page.locator(`tr[data-stack="${STACK}"]`).count(), 0, "only drifted Stacks listed");
    await row.locator("a.name").click();
    const drift = page.getByTestId("drift");
    await drift.waitFor({ timeout: 30_000 });
    assert.match(await text(drift), /^drifted/);
    assert.match(await text(drift), /kubernetes_config_map\.settings/);
    assert.match(await text(page.locator(".stack-plan")), /drift: undoes changes made outside OpenTofu/);
    // The plan that would put it back: an update of the ConfigMap's data, from the hand edit to Git.
    await eventually(
      "the drift plan's attributes",
      async () => {
        const data = page.locator(
          'tr[data-resource="kubernetes_config_map.settings"] li[data-attribute="data"]',
        );
        const shown = await text(data);
        return shown.includes("db.hacked") && shown.includes("db.internal") ? true : undefined;
      },
      30_000,
    );
    assert.equal(
      await text(page.locator('tr[data-resource="kubernetes_config_map.settings"]').getByTestId("action")),
      "update",
    );
    await browser.screenshot("stack-drift");
  });

  it("ran with no console errors beyond the login page's session check", () => {
    // Chromium logs every 401 as "Failed to load resource"; those of GET /session before logging
    // in are the UI asking who we are, as intended. Anything else is a fault.
    const unexpected = browser.problems.filter(
      (p) => !(p.type === "console" && p.url.endsWith("/api/v1/session") && /\b401\b/.test(p.text)),
    );
    assert.deepEqual(unexpected, []);
  });
});
