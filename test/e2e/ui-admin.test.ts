// User story: a platform admin looks after Mooring from the web UI. On /projects they read each
// project's rules (repositories, destinations, source namespaces, the kinds it may apply, the keys
// its commits must be signed with, by fingerprint) and its members: every role with its verbs,
// users and single-sign-on groups, with links to the project's applications and stacks. On
// /clusters they see the cluster Mooring runs in and a registered one as reachable with their
// Kubernetes version and the apps deploying to each, and a registered cluster whose API server is
// gone as unreachable with the reason, not as a broken page. After a sync, a rollback and a Stack
// plan's approval through the API, /audit lists them with who asked and on which object; choosing a kind narrows the list
// (the address keeps it), a record's details open under it, and the chain's status says it is
// verified. A developer then signs in with single sign-on in the browser, through the real OpenID
// provider's login page, lands logged in with their group's project, and logs out. No page logs a
// console error. The real server (with an audit database shared with the real controller), the
// sandbox cluster, a real git server and real headless Chromium.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Provider from "oidc-provider";
import type { Locator } from "playwright-core";
import { initialAdminPassword, adminToken as loginAdmin } from "../harness/admin.ts";
import { type AppView, discardApp, waitForApp } from "../harness/apps.ts";
import { type BrowserSession, logIn, openBrowser } from "../harness/browser.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";
import { createStackNamespace, waitStack } from "../harness/stacks.ts";

const suffix = randomBytes(3).toString("hex");
const PROJECT = `admin-ui-${suffix}`;
const SIGNED = `admin-signed-${suffix}`;
const NS = `admin-ui-${suffix}`;
const WEB = `admin-web-${suffix}`;
const FAR = `admin-far-${suffix}`;
const LIVE = `admin-live-${suffix}`;
const STACK_NS = `admin-stack-${suffix}`;
const REGISTERED = `admin-east-${suffix}`;
const GONE = `admin-gone-${suffix}`;
const GONE_TOKEN = `gone-token-${randomBytes(8).toString("hex")}`;
const DEVS = `admin-devs-${suffix}`;
const ALICE = `alice-${suffix}`;
const CLIENT_SECRET = `client-secret-${randomBytes(8).toString("hex")}`;
// A real ssh-keygen .pub line and its fingerprint as `ssh-keygen -l` prints it.
const BOB_SSH =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM+xyHc0uSw499jXv9xQXvVPIpcenrQ3NYPyk93WLGQD bob@example.com";
const BOB_FINGERPRINT = "SHA256:bTKnW3MsxitdACg0l2XFL46KC/mBayYYI5Jt7Cu7PyY";

const configMap = (version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "${version}"\n`;

/** What a person reads in an element. */
const text = async (locator: Locator) => ((await locator.textContent()) ?? "").trim();

describe("the web UI's projects, clusters and audit pages, and single sign-on in the browser", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let browser: BrowserSession;
  let idp: Server;
  let issuer = "";
  let dir = "";
  let password = "";
  let adminToken = "";
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  /** Console problems raised while the browser was on the provider's own pages (its web fonts...). */
  const providerProblems = new Set<unknown>();

  async function call(method: string, path: string, body?: unknown) {
    const res = await server.api(path, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Waits for an operation on WEB that started at or after `since` to end, and returns the app. */
  const finishedAfter = (since: number, what: string) =>
    waitForApp(
      WEB,
      what,
      (app: AppView) => {
        const state = app.status?.operationState;
        return (
          state !== undefined &&
          Date.parse(state.startedAt) >= since - 1000 &&
          (state.phase === "Succeeded" || state.phase === "Failed")
        );
      },
      120_000,
    );

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-ui-admin-"));
    const database = join(dir, "audit.db");
    git = await startGitServer();
    await git.createRepo("site", { "web/cm.yaml": configMap("v1") }, "v1");
    await git.createRepo(
      "infra",
      { "db/main.tf": 'resource "terraform_data" "db" {\n  input = "v1"\n}\n' },
      "v1",
    );
    await kubectlOk(["create", "namespace", NS]);
    await createStackNamespace(STACK_NS);
    const objects = [
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec: {
          description: "The shop's web tier",
          sourceRepos: ["*"],
          destinations: [{ server: "*", namespace: "*" }],
          sourceNamespaces: [`${NS}-*`],
          clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
          namespaceResourceBlacklist: [{ group: "", kind: "ResourceQuota" }],
          roles: [
            { name: "deployer", users: [ALICE], groups: [DEVS] },
            {
              name: "auditor",
              description: "reads everything",
              verbs: ["get", "list"],
              users: [`carol-${suffix}`],
            },
          ],
        },
      },
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: SIGNED, namespace: "mooring" },
        spec: { sourceRepos: ["*"], destinations: [], signatureKeys: [{ ssh: BOB_SSH }] },
      },
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: WEB, namespace: "mooring" },
        spec: {
          project: PROJECT,
          source: { repoURL: git.url("site"), targetRevision: "main", path: "web" },
          destination: { namespace: NS },
        },
      },
      {
        // Plans while the first pages are tested; its plan waits for an approval.
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "db", namespace: STACK_NS },
        spec: {
          source: { repoURL: git.url("infra"), targetRevision: "main", path: "db" },
          approvePlan: "manual",
        },
      },
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: FAR, namespace: "mooring" },
        spec: {
          project: PROJECT,
          source: { repoURL: git.url("site"), targetRevision: "main", path: "web" },
          destination: { cluster: REGISTERED, namespace: NS },
          // Only counted on the clusters page: the controller leaves it alone.
          suspend: true,
        },
      },
    ];
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    });
    // The sandbox registered once more under another name (as a second cluster would be), and a
    // cluster whose API server is gone: nothing listens on port 9.
    const added = await moor([
      "cluster",
      "add",
      REGISTERED,
      "--kubeconfig",
      runSandboxKubeconfig(),
      "--mooring-kubeconfig",
      runSandboxKubeconfig(),
    ]);
    assert.equal(added.code, 0, added.stderr);
    const goneConfig = [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{ name: gone, cluster: { server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true } }]",
      `users: [{ name: gone, user: { token: ${GONE_TOKEN} } }]`,
      "contexts: [{ name: gone, context: { cluster: gone, user: gone } }]",
      "current-context: gone",
    ].join("\n");
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: `cluster-${GONE}`,
          namespace: "mooring",
          labels: { "mooring.dev/secret-type": "cluster" },
        },
        stringData: { name: GONE, server: "https://127.0.0.1:9", config: goneConfig },
      }),
    });

    // The OpenID provider: its port first (the issuer is a server flag), the provider itself once
    // the server's callback address is known.
    idp = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const secretFile = join(dir, "client-secret");
    await writeFile(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
    controller = await startController({ args: ["--database", database] });
    server = await startServer({
      args: [
        "--database",
        database,
        "--oidc-issuer",
        issuer,
        "--oidc-client-id",
        "mooring",
        "--oidc-client-secret-file",
        secretFile,
      ],
    });
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: "mooring",
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${server.origin}/api/v1/auth/oidc/callback`],
          grant_types: ["authorization_code"],
          response_types: ["code"],
        },
      ],
      claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email"], groups: ["groups"] },
      scopes: ["openid", "profile", "email", "groups"],
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: [randomBytes(16).toString("hex")] },
      jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "test", use: "sig", alg: "RS256" }] },
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({
          sub: id,
          preferred_username: id,
          email: `${id}@example.test`,
          groups: [DEVS],
        }),
      }),
    });
    handler = provider.callback();

    password = await initialAdminPassword();
    adminToken = await loginAdmin(server, password);
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await controller?.stop();
    await git?.close();
    idp?.close();
    for (const name of [WEB, FAR, LIVE]) {
      await discardApp(name);
    }
    await kubectl([
      "delete",
      "project",
      PROJECT,
      SIGNED,
      "-n",
      "mooring",
      "--ignore-not-found",
      "--wait=false",
    ]);
    await kubectl([
      "delete",
      "secret",
      `cluster-${REGISTERED}`,
      `cluster-${GONE}`,
      "-n",
      "mooring",
      "--ignore-not-found",
    ]);
    await kubectl(["delete", "namespace", NS, "--wait=false", "--ignore-not-found"]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows a project's rules, signature key fingerprints, roles with their verbs and members, and its counts", async () => {
    const { page } = browser;
    await logIn(page, `${server.origin}/projects`, "admin", password);
    await page.getByTestId("who").waitFor({ timeout: 15_000 });
    await page.goto(`${server.origin}/projects`);
    const card = page.locator(`section[data-project="${PROJECT}"]`);
    await card.waitFor({ timeout: 15_000 });
    assert.match(await text(card), /The shop's web tier/);
    assert.match(await text(card), new RegExp(`${NS}-\\*`), "the source namespaces");
    assert.match(await text(card), /Namespace/, "the cluster kinds allowed");
    assert.match(await text(card), /ResourceQuota/, "the namespaced kinds denied");
    const deployer = card.locator('tr[data-role="deployer"]');
    assert.match(await text(deployer.getByTestId("verbs")), /sync.*rollback/s);
    assert.equal(await text(deployer.getByTestId("users")), ALICE);
    assert.equal(await text(deployer.getByTestId("groups")), DEVS);
    const auditor = card.locator('tr[data-role="auditor"]');
    assert.match(await text(auditor), /reads everything/);
    assert.equal(await text(auditor.getByTestId("verbs")), "getlist");
    const apps = card.getByTestId("app-count");
    assert.equal(await text(apps), "2 applications");
    assert.equal(await apps.getAttribute("href"), `/applications?project=${PROJECT}`);
    assert.equal(await card.getByTestId("stack-count").getAttribute("href"), `/stacks?project=${PROJECT}`);
    const signed = page.locator(`section[data-project="${SIGNED}"]`);
    assert.match(await text(signed), new RegExp(BOB_FINGERPRINT.replace(/[+/]/g, "\\$&")));
    assert.match(await text(signed), /SSH bob@example\.com \(ssh-ed25519\)/);
    assert.doesNotMatch(await page.content(), /AAAAC3NzaC1lZDI1NTE5/, "the key itself is not on the page");
    await browser.screenshot("projects");

    // A new application in the project shows in its count without a reload.
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: LIVE, namespace: "mooring" },
        spec: {
          project: PROJECT,
          source: { repoURL: "https://git.example.com/live.git", targetRevision: "main", path: "." },
          destination: { namespace: NS },
          suspend: true,
        },
      }),
    });
    await eventually("the count to follow", async () =>
      (await text(apps)) === "3 applications" ? true : undefined,
    );
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      true,
    );
  });

  it("shows clusters reachable with their version and app count, and a gone one unreachable with the reason", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "Clusters" }).click();
    const row = (name: string) => page.locator(`tr[data-cluster="${name}"]`);
    await eventually(
      "every cluster's connection state",
      async () => {
        for (const name of ["in-cluster", REGISTERED, GONE])
          if ((await text(row(name).getByTestId("connection"))) === "Checking") return undefined;
        return (await row(GONE).count()) === 1 ? true : undefined;
      },
      60_000,
    );
    for (const name of ["in-cluster", REGISTERED]) {
      assert.equal(await text(row(name).getByTestId("connection")), "Reachable", name);
      assert.match(await text(row(name).getByTestId("version")), /^v1\.\d+\.\d+/, name);
    }
    const far = row(REGISTERED).getByTestId("app-count");
    assert.equal(await text(far), "1 application");
    assert.equal(await far.getAttribute("href"), `/applications?cluster=${REGISTERED}`);
    assert.match(await text(row("in-cluster").getByTestId("app-count")), /^\d+ applications?$/);
    assert.equal(await text(row(GONE).getByTestId("connection")), "Unreachable");
    assert.match(
      await text(row(GONE).getByTestId("connection-error")),
      /ECONNREFUSED|refused|connect|reach/i,
    );
    assert.doesNotMatch(await page.content(), new RegExp(GONE_TOKEN), "credentials never reach the page");
    await browser.screenshot("clusters");
    await page.emulateMedia({ colorScheme: "dark" });
    await browser.screenshot("clusters-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("lists a sync, a rollback and a Stack approval by the admin with their object, narrows by kind, opens details, and says the chain is verified", async () => {
    await waitForApp(WEB, "to be compared", (a) => a.status?.sync?.status === "OutOfSync", 120_000);
    let since = Date.now();
    assert.equal((await call("POST", `/applications/mooring/${WEB}/sync`, {})).status, 202);
    let app = await finishedAfter(since, "to sync v1");
    assert.equal(app.status?.operationState?.phase, "Succeeded", JSON.stringify(app.status?.operationState));
    await git.commit("site", { "web/cm.yaml": configMap("v2") }, "v2");
    await waitForApp(WEB, "to see v2", (a) => a.status?.sync?.status === "OutOfSync", 120_000);
    since = Date.now();
    assert.equal((await call("POST", `/applications/mooring/${WEB}/sync`, {})).status, 202);
    app = await finishedAfter(since, "to sync v2");
    assert.equal(app.status?.operationState?.phase, "Succeeded", JSON.stringify(app.status?.operationState));
    since = Date.now();
    const rollback = await call("POST", `/applications/mooring/${WEB}/rollback`, { id: 1 });
    assert.equal(rollback.status, 202, JSON.stringify(rollback.body));
    await finishedAfter(since, "to roll back");
    const planned = await waitStack(
      STACK_NS,
      "db",
      "to wait for approval",
      (st) => st.status?.lastPlan?.pending === true,
      300_000,
    );
    const planId = planned.status?.lastPlan?.id ?? "";
    const approve = await call("POST", `/stacks/${STACK_NS}/db/approve`, { planId });
    assert.equal(approve.status, 202, JSON.stringify(approve.body));

    const { page } = browser;
    await page.getByRole("link", { name: "Audit" }).click();
    await page.waitForURL((url) => url.pathname === "/audit");
    await page.getByLabel("Object").fill(WEB);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((url) => url.searchParams.get("object") === WEB);
    const rows = page.locator("tbody tr[data-seq]");
    await eventually(
      "the sync and the rollback on the audit page",
      async () => {
        const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-kind")));
        if (!(kinds.includes("rollback") && kinds.includes("api-allowed"))) {
          await page.getByRole("button", { name: "Refresh" }).click();
          return undefined;
        }
        return true;
      },
      60_000,
    );
    const requested = rows.filter({ hasText: "sync (requested)" }).first();
    assert.equal(await text(requested.getByTestId("actor-name")), "admin");
    assert.equal(await text(requested.getByTestId("object")), `Application/mooring/${WEB}`);
    const rolledBack = page.locator('tbody tr[data-kind="rollback"]').first();
    assert.equal(await text(rolledBack.getByTestId("actor-name")), "admin");
    assert.equal(await text(rolledBack.getByTestId("object")), `Application/mooring/${WEB}`);

    // The kind filter narrows the list, and the address keeps it.
    const before = await rows.count();
    await page.getByLabel("Kind").selectOption("rollback");
    await page.waitForURL((url) => url.searchParams.get("kind") === "rollback");
    await eventually("only rollbacks listed", async () => {
      const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-kind")));
      return kinds.length > 0 && kinds.every((k) => k === "rollback") ? kinds : undefined;
    });
    assert.ok((await rows.count()) < before, "fewer records than before the kind was chosen");
    await page.reload();
    await rows.first().waitFor();
    assert.equal(await page.getByLabel("Kind").inputValue(), "rollback");

    // A record's details open under its row.
    await rows
      .first()
      .getByRole("button", { name: /details of record/ })
      .click();
    assert.match(await text(page.getByTestId("details").first()), /"revision": "[0-9a-f]{7,}"/);

    // The Stack's approval, by kind.
    await page.getByLabel("Object").fill("");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByLabel("Kind").selectOption("stack-approve");
    await page.waitForURL(
      (url) => url.searchParams.get("kind") === "stack-approve" && !url.searchParams.has("object"),
    );
    const approval = page
      .locator('tbody tr[data-kind="stack-approve"]')
      .filter({ hasText: `Stack/${STACK_NS}/db` });
    await approval.first().waitFor({ timeout: 30_000 });
    assert.equal(await text(approval.first().getByTestId("actor-name")), "admin");
    await approval
      .first()
      .getByRole("button", { name: /details of record/ })
      .click();
    assert.match(await text(page.getByTestId("details").first()), new RegExp(planId));

    // Free text finds the records that mention the plan, whatever their kind.
    await page.getByLabel("Kind").selectOption("");
    await page.getByLabel("Search").fill(planId);
    await page.getByLabel("Search").press("Enter");
    await page.waitForURL(
      (url) => url.searchParams.get("search") === planId && !url.searchParams.has("kind"),
    );
    await eventually("only the plan's records", async () => {
      const objects = await page.getByTestId("object").allTextContents();
      return objects.length > 0 && objects.every((o) => o.trim() === `Stack/${STACK_NS}/db`)
        ? objects
        : undefined;
    });
    const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-kind")));
    assert.ok(kinds.includes("stack-approve"), JSON.stringify(kinds));

    await eventually(
      "the chain verified",
      async () => {
        const status = await text(page.getByTestId("chain-status"));
        if (/Verifying/.test(status)) return undefined;
        assert.match(status, /^Chain verified up to record #\d+/);
        return true;
      },
      60_000,
    );
    await page.getByRole("button", { name: "Verify" }).click();
    await eventually("verified again", async () =>
      /^Chain verified up to record #\d+/.test(await text(page.getByTestId("chain-status")))
        ? true
        : undefined,
    );
    await page.getByRole("button", { name: "Clear" }).click();
    await page.waitForURL((url) => url.search === "");
    await eventually("the whole trail", async () => ((await rows.count()) > 3 ? true : undefined));
    await browser.screenshot("audit");
  });

  it("signs in with single sign-on through the provider's login page, sees its group's project, and logs out", async () => {
    const { page } = browser;
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("User name").waitFor();
    const leftMooring = browser.problems.length;
    await page.getByRole("link", { name: "Log in with single sign-on" }).click();
    // The provider's own pages: a login form, then (the first time) a consent page.
    await page.waitForURL((url) => url.origin === issuer, { timeout: 30_000 });
    await page.locator('input[name="login"]').fill(`dana-${suffix}`);
    await page.locator('input[name="password"]').fill("any");
    await page.locator('button[type="submit"]').click();
    await eventually(
      "back at Mooring, logged in",
      async () => {
        if (new URL(page.url()).origin === issuer) {
          const consent = page.locator('button[type="submit"]');
          if ((await page.locator('input[name="login"]').count()) === 0 && (await consent.count()) > 0)
            await consent.click();
          return undefined;
        }
        return (await page.getByTestId("who").count()) > 0 ? true : undefined;
      },
      60_000,
    );
    for (const problem of browser.problems.slice(leftMooring))
      if (!problem.url.startsWith(server.origin)) providerProblems.add(problem);
    assert.equal(await text(page.getByTestId("who")), `dana-${suffix}`);
    await page.getByRole("link", { name: "Projects" }).click();
    await page.locator(`section[data-project="${PROJECT}"]`).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator(`section[data-project="${SIGNED}"]`).count(), 0, "not a member there");
    // A project member reads their project's trail, not the whole chain.
    await page.getByRole("link", { name: "Audit" }).click();
    await page.locator("tbody tr[data-seq]").first().waitFor({ timeout: 15_000 });
    const projects = await page.getByTestId("project").allTextContents();
    assert.deepEqual([...new Set(projects)], [PROJECT]);
    assert.match(await text(page.getByTestId("chain-status")), /for global admins/);
    assert.equal(await page.getByRole("button", { name: "Verify" }).count(), 0);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("User name").waitFor();
    const status = await page.evaluate(async () => (await fetch("/api/v1/session")).status);
    assert.equal(status, 401);
  });

  it("ran with no console errors beyond the browser noting the logged-out session checks", () => {
    // Chromium logs every 401 as "Failed to load resource"; those from GET /session while logged
    // out are the UI asking who we are, as intended. The provider's own pages (which ask for web
    // fonts on the internet) are not ours.
    const unexpected = browser.problems.filter(
      (p) =>
        !(p.type === "console" && p.url.endsWith("/api/v1/session") && /\b401\b/.test(p.text)) &&
        !providerProblems.has(p),
    );
    assert.deepEqual(unexpected, []);
  });
});
