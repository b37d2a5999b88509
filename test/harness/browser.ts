// A real browser for the web UI's end-to-end tests: Debian's Chromium (the `chromium` package
// from the toolchain's Debian list) driven by playwright-core, which never downloads a browser of
// its own. As root Chromium needs --no-sandbox. Every console error and uncaught page error is
// kept, so a test can assert that a page ran cleanly; screenshots go to test-artifacts/ (ignored
// by git) for a person to look at after a run.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.MOORING_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

export interface ConsoleProblem {
  type: "console" | "pageerror";
  text: string;
  /** The script or resource the message is about (a failed request names its URL). */
  url: string;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  problems: ConsoleProblem[];
  /** Saves a full-page PNG as test-artifacts/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(options: { colorScheme?: "light" | "dark" } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      colorScheme: options.colorScheme ?? "light",
    });
    const page = await context.newPage();
    const problems: ConsoleProblem[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") {
        problems.push({ type: "console", text: message.text(), url: message.location().url });
      }
    });
    page.on("pageerror", (error) =>
      problems.push({ type: "pageerror", text: String(error), url: page.url() }),
    );
    return {
      browser,
      context,
      page,
      problems,
      screenshot: async (name) => {
        await mkdir(ARTIFACTS, { recursive: true });
        const path = join(ARTIFACTS, `${name}.png`);
        await page.screenshot({ path, fullPage: true });
        return path;
      },
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/**
 * Opens `url` logged out and logs in through the UI's login form, as a person does: user name,
 * password, the "Log in" button. Does not wait for what comes next; the test waits for what the
 * user would see.
 */
export async function logIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
}
