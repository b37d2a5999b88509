// User story: "I push to Gitea and, with the application list open in my browser, I watch my app
// go out of sync, sync and come back Synced at the new commit, without touching the page. I can do
// all of it with the keyboard alone, and read it in dark mode."
//
// Everything is real: Gitea holds the repository and sends the push webhook itself, signed with
// the secret from its hook settings; `moor server` receives it and serves the UI and its event
// stream; `moor controller` polls Git only once an hour here, so only the webhook can explain the
// change; the browser is Debian's headless Chromium. The page is never reloaded: a
// MutationObserver inside it records every sync badge the row shows, in order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applyApp, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { type BrowserSession, openBrowser } from "../harness/browser.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { sharedGitea, uniqueRepoName } from "../harness/gitea.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const HOOK_SECRET = "e2e-ui-live-hook-secret";
const SUFFIX = Date.now().toString(36);
const APP = `live-${SUFFIX}`;
const NAMESPACE = `ui-live-${SUFFIX}`;

function configMap(value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  message: ${value}\n`;
}

/** The badges the page recorded, as "Sync@revision7" strings (the observer in the page writes them). */
type Seen = { seen?: string[]; notReloaded?: boolean };

describe("the web UI follows a webhook push live, by keyboard, in dark mode", { timeout: 600_000 }, () => {
  let server: RunningServer;
  let controller: RunningController;
  let browser: BrowserSession;
  let gitea: Awaited<ReturnType<typeof sharedGitea>>;
  let owner = "";
  let repo = "";
  let firstSha = "";
  let secondSha = "";
  let password = "";

  before(async () => {
    await ensureInstalled();
    gitea = await sharedGitea();
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "mooring-webhook", namespace: "mooring" },
        stringData: { gitea: HOOK_SECRET },
      }),
    });
    server = await startServer();
    controller = await startController({ args: ["--repo-poll-interval", "1h", "--resync", "1h"] });
    const created = await gitea.client.createRepo(uniqueRepoName("ui-live"));
    owner = created.owner;
    repo = created.name;
    firstSha = await gitea.client.commit({
      owner,
      repo,
      branch: "main",
      files: { "app/greeting.yaml": configMap("v1") },
      message: "first",
    });
    await gitea.client.createHook(owner, repo, { url: `${server.url}/webhooks/gitea`, secret: HOOK_SECRET });
    await applyApp(APP, {
      source: { repoURL: created.cloneURL, targetRevision: "main", path: "app" },
      destination: { namespace: NAMESPACE },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp(APP, "synced and healthy", syncedAndHealthy(firstSha), 120_000);
    const encoded = await kubectlOk([
      "get",
      "secret",
      "mooring-initial-admin",
      "-n",
      "mooring",
      "-o",
      "jsonpath={.data.password}",
    ]);
    password = Buffer.from(encoded, "base64").toString("utf8");
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await deleteApp(APP).catch(() => {});
    await kubectl(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "secret", "mooring-webhook", "-n", "mooring", "--ignore-not-found"]);
    await controller?.stop();
    await server?.stop();
  });

  // Code run inside the page is written as text: this file is type-checked without the DOM's types.

  /** What the focused element is, as a person would name it. */
  const focused = () =>
    browser.page.evaluate<{ tag: string; name: string; text: string; id: string }>(`(() => {
      const el = document.activeElement;
      return {
        tag: el ? el.tagName.toLowerCase() : "",
        name: (el && el.getAttribute("name")) || "",
        text: ((el && el.textContent) || "").trim(),
        id: (el && el.id) || "",
      };
    })()`);

  /**
   * Records, inside the page, every (sync badge, short revision) the element at `scope` shows from
   * now on, as "Sync@abc1234" strings in window.seen; the revision is the first 7 hex digits in
   * brackets or in a title under `revision`.
   */
  const recordBadges = (scope: string, revision: string) =>
    browser.page.evaluate(`(() => {
      window.seen = [];
      window.notReloaded = true;
      const read = () => {
        const box = document.querySelector(${JSON.stringify(scope)});
        if (box === null) return;
        const sync = (box.querySelector('[data-testid="sync"]')?.textContent ?? "").trim();
        const where = box.querySelector(${JSON.stringify(revision)});
        const text = (where?.querySelector("[title]")?.getAttribute("title") ?? "") + " " + (where?.textContent ?? "");
        // Character classes, not backslashes: this script is a template literal.
        const full = /[0-9a-f]{40}/.exec(text);
        const found = full ? full[0].slice(0, 7) : (/[(]([0-9a-f]{7})[)]/.exec(text)?.[1] ?? "");
        const entry = sync + "@" + found;
        if (window.seen.at(-1) !== entry) window.seen.push(entry);
      };
      read();
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);

  /** Pushes a new greeting through Gitea and returns the badges the page showed until Synced at it. */
  async function pushAndWatch(value: string, from: string): Promise<{ sha: string; seen: string[] }> {
    const sha = await gitea.client.commit({
      owner,
      repo,
      branch: "main",
      files: { "app/greeting.yaml": configMap(value) },
      message: `say ${value}`,
    });
    const target = `Synced@${sha.slice(0, 7)}`;
    const seen = await eventually(
      `the page to show ${target}`,
      async () => {
        const recorded = await browser.page.evaluate(() => (globalThis as unknown as Seen).seen ?? []);
        return recorded.includes(target) ? recorded : undefined;
      },
      120_000,
    );
    process.stderr.write(`ui-live e2e: badges seen: ${seen.join(" -> ")}\n`);
    assert.equal(seen[0], `Synced@${from.slice(0, 7)}`);
    // Honest about auto-sync: the controller may start the sync in the same look that found the
    // difference, so a visible OutOfSync is not guaranteed; but the sync's Running operation is
    // written to the status before anything is applied, so the page shows OutOfSync or Syncing
    // (or both) between the old commit and Synced at the new one.
    const between = seen.slice(1, seen.indexOf(target));
    assert.ok(
      between.some((entry) => entry.startsWith("OutOfSync@") || entry.startsWith("Syncing@")),
      `badges seen: ${seen.join(" -> ")}`,
    );
    assert.equal(await browser.page.evaluate(() => (globalThis as unknown as Seen).notReloaded), true);
    return { sha, seen };
  }

  it("keyboard only: log in, skip to the content, Tab to the app's row and open it with Enter", async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/applications?search=${APP}`);
    await page.getByLabel("User name").waitFor();
    await page.keyboard.press("Tab");
    assert.equal((await focused()).name, "username");
    await page.keyboard.type("admin");
    await page.keyboard.press("Tab");
    assert.equal((await focused()).name, "password");
    await page.keyboard.type(password);
    await page.keyboard.press("Enter");
    await page.locator(`tr[data-app="${APP}"]`).waitFor({ timeout: 30_000 });

    // The first stop on every page is "Skip to content"; it moves the focus past the header.
    await page.keyboard.press("Tab");
    assert.equal((await focused()).text, "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal((await focused()).id, "content");

    // From there Tab walks the filters, then reaches the row's link.
    const path: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("Tab");
      const now = await focused();
      path.push(now.name || now.text);
      if (now.tag === "a" && now.text === APP) break;
    }
    assert.equal(path.at(-1), APP, `Tab stops: ${path.join(" > ")}`);
    assert.ok(path.includes("search") && path.includes("selector"), `Tab stops: ${path.join(" > ")}`);
    // A visible focus ring marks where the keyboard is.
    const outline = await page.evaluate<string>("getComputedStyle(document.activeElement).outlineStyle");
    assert.equal(outline, "solid");
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.pathname === `/applications/mooring/${APP}`);
    await page.goBack();
    await page.locator(`tr[data-app="${APP}"]`).waitFor();
  });

  it("a push through Gitea shows the row going through the sync to Synced at the new commit, without a reload", async () => {
    const { page } = browser;
    const row = page.locator(`tr[data-app="${APP}"]`);
    await eventually(
      "the row to show Synced at the first commit",
      async () => ((await row.textContent())?.includes(`(${firstSha.slice(0, 7)})`) ? true : undefined),
      60_000,
    );
    await recordBadges(`tr[data-app="${APP}"]`, "td.source");
    secondSha = (await pushAndWatch("v2", firstSha)).sha;
    await browser.screenshot("ui-live-synced");
  });

  it("on the application's page, the next push shows the same road to Synced, without a reload", async () => {
    const { page } = browser;
    await page.locator(`tr[data-app="${APP}"]`).getByRole("link", { name: APP }).click();
    await page.waitForURL((url) => url.pathname === `/applications/mooring/${APP}`);
    const revision = page.locator('.app-summary [data-testid="revision"]');
    await eventually(
      "the app page to show the second commit",
      async () => ((await revision.innerHTML()).includes(secondSha.slice(0, 7)) ? true : undefined),
      60_000,
    );
    await recordBadges(".app-summary", '[data-testid="revision"]');
    await pushAndWatch("v3", secondSha);
    await browser.screenshot("ui-live-app-page");
    await page.goBack();
    await page.locator(`tr[data-app="${APP}"]`).waitFor();
  });

  it("dark mode: the theme toggle overrides the system preference and is remembered", async () => {
    const { page } = browser;
    const background = () => page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    const light = await background();
    await page.getByLabel("Theme").selectOption("dark");
    const dark = await background();
    assert.notEqual(dark, light);
    assert.equal(dark, "rgb(15, 20, 25)");
    await page.reload();
    await page.locator(`tr[data-app="${APP}"]`).waitFor();
    assert.equal(await background(), dark, "the choice survives a reload");
    assert.equal(await page.getByLabel("Theme").inputValue(), "dark");
    await browser.screenshot("ui-live-dark");

    // "System" follows the browser's preference again, whichever it is.
    await page.getByLabel("Theme").selectOption("system");
    assert.equal(await background(), light);
    await page.emulateMedia({ colorScheme: "dark" });
    assert.equal(await background(), dark);
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("ran with no console errors beyond the browser noting the logged-out session check", () => {
    const unexpected = browser.problems.filter(
      (p) => !(p.type === "console" && p.url.endsWith("/api/v1/session") && /\b401\b/.test(p.text)),
    );
    assert.deepEqual(unexpected, []);
  });
});
