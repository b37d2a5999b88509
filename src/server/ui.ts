// Serving the web UI from `moor server`: the files Vite built into ui/dist (by `npm ci`'s
// `prepare` script) at `/`, beside the API under /api/v1, so the UI and the API share one origin
// and the session cookie needs no CORS.
//
//   /assets/<hashed name>   the bundle: cached for a year (a new build has new names)
//   anything else           index.html, never cached: the UI's router picks the page from the path
//
// Every answer carries a Content-Security-Policy allowing only 'self' (no inline script, no
// CDN, no fonts from elsewhere), so an injected script or a stray external fetch is refused by the
// browser. Whether single sign-on is offered is written into index.html as
// `<meta name="mooring-sso" content="on|off">`, which the login page reads. Without ui/dist the
// server still serves the API, and `/` says how to build the UI instead of failing.
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";

export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const IMMUTABLE = "public, max-age=31536000, immutable";

export const MISSING_UI_TEXT =
  "The Mooring web UI is not built: run `npm ci` (or `npm run build:ui`) in the Mooring checkout, " +
  "then reload. The API is served under /api/v1.\n";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** A built asset's file name: no directories, no dot-files, nothing to climb out of assets/ with. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export interface UiOptions {
  /** The built UI; default ui/dist of this checkout. */
  dir?: string;
  /** Whether the login page offers "Log in with SSO" (the server has OpenID Connect configured). */
  sso: boolean;
}

export function defaultUiDir(): string {
  return fileURLToPath(new URL("../../ui/dist/", import.meta.url));
}

/** Adds the UI's routes to `app`; call after the API routes so /api/v1 keeps answering first. */
export function mountUi(app: Hono, options: UiOptions): void {
  const dir = options.dir ?? defaultUiDir();
  const marker = `<meta name="mooring-sso" content="${options.sso ? "on" : "off"}" />`;
  // Read once found; a build made while the server runs is picked up at the next request.
  let index: string | undefined;
  const loadIndex = async (): Promise<string | undefined> => {
    if (index !== undefined) return index;
    try {
      const html = await readFile(join(dir, "index.html"), "utf8");
      index = html.includes("</head>") ? html.replace("</head>", `  ${marker}\n  </head>`) : marker + html;
    } catch {
      return undefined;
    }
    return index;
  };

  app.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    if (!ASSET_NAME.test(name)) return notFound(c);
    let body: Buffer;
    try {
      body = await readFile(join(dir, "assets", name));
    } catch {
      return notFound(c);
    }
    secure(c);
    c.header("Cache-Control", IMMUTABLE);
    c.header("Content-Type", TYPES[extname(name)] ?? "application/octet-stream");
    return c.body(new Uint8Array(body));
  });

  app.get("*", async (c) => {
    const path = c.req.path;
    if (path === "/api" || path.startsWith("/api/")) return notFound(c);
    const html = await loadIndex();
    secure(c);
    c.header("Cache-Control", "no-cache");
    if (html === undefined) return c.text(MISSING_UI_TEXT, 503);
    return c.html(html);
  });
}

function secure(c: Context): void {
  c.header("Content-Security-Policy", UI_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
}

function notFound(c: Context): Response {
  secure(c);
  c.header("Cache-Control", "no-cache");
  return c.text(`no such file: ${c.req.path}\n`, 404);
}
