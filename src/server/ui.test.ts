// What a browser gets from `moor server` outside /api: the built UI with the right caching and
// Content-Security-Policy, index.html for every page address, and a clear text when the UI was
// never built. Runs against a Hono app with a temporary ui/dist, no sockets.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Hono } from "hono";
import { IMMUTABLE, MISSING_UI_TEXT, mountUi, UI_CSP } from "./ui.ts";

describe("serving the web UI", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mooring-ui-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), "<html><head><title>Mooring</title></head><body></body></html>");
    await writeFile(join(dir, "assets", "index-abc123.js"), "console.log('ui')");
    await writeFile(join(dir, "secret.txt"), "not an asset");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function appWith(options: { dir: string; sso: boolean }): Hono {
    const app = new Hono();
    app.get("/api/v1/healthz", (c) => c.json({ ok: true }));
    mountUi(app, options);
    return app;
  }

  const pages = [
    { name: "the root", path: "/" },
    { name: "a page address", path: "/applications" },
    { name: "a page address with filters", path: "/applications?search=web&health=Degraded" },
    { name: "a deep page address", path: "/applications/team-a/web" },
  ];
  for (const { name, path } of pages) {
    it(`answers index.html, not cached, with a CSP allowing only 'self', for ${name}`, async () => {
      const res = await appWith({ dir, sso: false }).request(path);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assert.equal(res.headers.get("content-security-policy"), UI_CSP);
      assert.match(await res.text(), /<title>Mooring<\/title>/);
    });
  }

  it("tells the login page whether single sign-on is configured", async () => {
    const off = await (await appWith({ dir, sso: false }).request("/")).text();
    const on = await (await appWith({ dir, sso: true }).request("/")).text();
    assert.match(off, /<meta name="mooring-sso" content="off" \/>\s*<\/head>/);
    assert.match(on, /<meta name="mooring-sso" content="on" \/>/);
  });

  it("serves hashed assets with their type and a year-long immutable cache", async () => {
    const res = await appWith({ dir, sso: false }).request("/assets/index-abc123.js");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/javascript/);
    assert.equal(res.headers.get("cache-control"), IMMUTABLE);
    assert.equal(await res.text(), "console.log('ui')");
  });

  const refused = [
    { name: "a missing asset", path: "/assets/index-gone.js" },
    { name: "a climb out of assets/", path: "/assets/..%2Fsecret.txt" },
    { name: "a dot-file", path: "/assets/.env" },
  ];
  for (const { name, path } of refused) {
    it(`answers 404, not index.html, for ${name}`, async () => {
      const res = await appWith({ dir, sso: false }).request(path);
      assert.equal(res.status, 404);
      assert.doesNotMatch(await res.text(), /Mooring<\/title>|not an asset/);
    });
  }

  it("leaves /api paths to the API: its routes answer, unknown ones are not the UI", async () => {
    const app = appWith({ dir, sso: false });
    const health = await app.request("/api/v1/healthz");
    assert.deepEqual(await health.json(), { ok: true });
    const unknown = await app.request("/api/v2/applications");
    assert.equal(unknown.status, 404);
    assert.doesNotMatch(await unknown.text(), /<html>/);
  });

  it("says to run npm ci when the UI was never built, and keeps serving the API", async () => {
    const app = appWith({ dir: join(dir, "no-such-dist"), sso: false });
    const res = await app.request("/applications");
    assert.equal(res.status, 503);
    assert.equal(await res.text(), MISSING_UI_TEXT);
    assert.equal((await app.request("/api/v1/healthz")).status, 200);
  });
});
