import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type GiteaIniInput, renderGiteaIni } from "./gitea-ini.ts";

/** Reads an ini into section → key → value, the way Gitea's loader sees it ("" is the top). */
function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = { "": {} };
  let section = "";
  for (const line of text.split("\n")) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      section = header[1];
      out[section] = {};
      continue;
    }
    const kv = /^([A-Z_]+) = (.*)$/.exec(line);
    const target = out[section];
    if (kv?.[1] && target) target[kv[1]] = kv[2] ?? "";
  }
  return out;
}

const INPUT: GiteaIniInput = {
  dir: "/tmp/forge",
  port: 3123,
  staticRoot: "/cache/gitea-v1.27.3-r1/share/gitea",
  runUser: "nobody",
};

describe("renderGiteaIni", () => {
  it("listens on loopback only, at the given port, with the root URL clone URLs are built from", () => {
    const ini = parseIni(renderGiteaIni(INPUT));
    assert.equal(ini.server?.HTTP_ADDR, "127.0.0.1");
    assert.equal(ini.server?.HTTP_PORT, "3123");
    assert.equal(ini.server?.ROOT_URL, "http://127.0.0.1:3123/");
    assert.equal(ini.server?.DISABLE_SSH, "true");
  });

  it("lets webhooks reach loopback receivers and delivers them from an in-memory queue", () => {
    const ini = parseIni(renderGiteaIni(INPUT));
    assert.equal(ini.security?.ALLOWED_HOST_LIST, "loopback");
    assert.equal(ini.queue?.TYPE, "channel");
  });

  it("needs no web installer and offers no registration", () => {
    const ini = parseIni(renderGiteaIni(INPUT));
    assert.equal(ini.security?.INSTALL_LOCK, "true");
    assert.equal(ini.service?.DISABLE_REGISTRATION, "true");
    assert.equal(ini.mailer?.ENABLED, "false");
  });

  it("keeps the SQLite database, repositories and logs inside the instance folder", () => {
    const ini = parseIni(renderGiteaIni(INPUT));
    assert.equal(ini[""]?.WORK_PATH, "/tmp/forge");
    assert.equal(ini.database?.DB_TYPE, "sqlite3");
    assert.equal(ini.database?.PATH, "/tmp/forge/data/gitea.db");
    assert.equal(ini.repository?.ROOT, "/tmp/forge/repos");
    assert.equal(ini.server?.STATIC_ROOT_PATH, INPUT.staticRoot);
  });

  const runAs = [
    { user: "nobody", unsafeFlag: undefined },
    { user: "root", unsafeFlag: "true" },
  ] as const;
  for (const { user, unsafeFlag } of runAs) {
    it(`runs as ${user}${unsafeFlag ? " only with Gitea's explicit root flag" : " without the root flag"}`, () => {
      const ini = parseIni(renderGiteaIni({ ...INPUT, runUser: user }));
      assert.equal(ini[""]?.RUN_USER, user);
      assert.equal(ini[""]?.I_AM_BEING_UNSAFE_RUNNING_AS_ROOT, unsafeFlag);
    });
  }

  it("refuses a value with a line break, which would smuggle in another setting", () => {
    assert.throws(
      () => renderGiteaIni({ ...INPUT, dir: "/tmp/x\nINSTALL_LOCK = false" }),
      /app\.ini value of WORK_PATH cannot contain a line break/,
    );
  });
});
