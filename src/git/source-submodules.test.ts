// GitSource reading commits with submodules from real repositories served over smart HTTP:
// a checkout holds the submodules' files (nested too), at the commits the superproject records,
// or fails naming the submodule that could not be read.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type GitServer, startGitServer } from "../../test/harness/git-server.ts";
import { GitError } from "./errors.ts";
import { GitSource } from "./source.ts";

async function submoduleFailure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, `expected a GitError, got ${String(error)}`);
    assert.equal(error.code, "submodule-failed", error.message);
    return error.message;
  }
  assert.fail("expected the checkout to fail with submodule-failed");
}

describe("GitSource with submodules", () => {
  let open: GitServer;
  let locked: GitServer;
  let cacheDir: string;
  let source: GitSource;
  let libFirst: string;
  let libSecond: string;
  const auth = { username: "reader", password: "s3cret-pass" };

  before(async () => {
    open = await startGitServer();
    locked = await startGitServer({ auth });
    cacheDir = await mkdtemp(join(tmpdir(), "mooring-git-submodules-"));
    source = new GitSource({ cacheDir, timeoutMs: 20_000 });
    const leaf = await open.createRepo("leaf", { "leaf.yaml": "leaf: 1\n" });
    libFirst = await open.createRepo("lib", { "base/config.yaml": "version: 1\n" });
    libSecond = await open.commit("lib", { "base/config.yaml": "version: 2\n" }, "lib v2");
    await open.submodule("lib", "vendor/leaf", "../leaf.git", leaf);
    libSecond = await open.commit("lib", {}, "nothing new");
    await open.createRepo("app", { "app/deploy.yaml": "app: 1\n" });
  });

  after(async () => {
    await open?.close();
    await locked?.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("writes a relative submodule's files, and its own submodule's, at the commits recorded", async () => {
    const commit = await open.submodule("app", "libs/common", "../lib.git", libSecond);
    const dir = await source.checkout(open.url("app"), commit);
    assert.equal(await readFile(join(dir, "libs/common/base/config.yaml"), "utf8"), "version: 2\n");
    assert.equal(await readFile(join(dir, "libs/common/vendor/leaf/leaf.yaml"), "utf8"), "leaf: 1\n");
    assert.equal(await readFile(join(dir, "app/deploy.yaml"), "utf8"), "app: 1\n");
  });

  it("reads a submodule at an older commit than its branch head, by absolute URL", async () => {
    const commit = await open.submodule("app", "libs/common", open.url("lib"), libFirst);
    const dir = await source.checkout(open.url("app"), commit);
    assert.equal(await readFile(join(dir, "libs/common/base/config.yaml"), "utf8"), "version: 1\n");
    assert.deepEqual(await readdir(join(dir, "libs/common")), ["base"]);
  });

  it("fails naming the submodule's path and URL when its server cannot be reached", async () => {
    const gone = "http://127.0.0.1:9/nowhere/lib.git";
    const commit = await open.submodule("app", "libs/common", gone, libFirst);
    const message = await submoduleFailure(source.checkout(open.url("app"), commit));
    assert.match(message, /submodule libs\/common \(http:\/\/127\.0\.0\.1:9\/nowhere\/lib\.git\)/);
    assert.match(message, /cannot reach/);
  });

  it("refuses a file:// submodule and a local path without --allow-local-repos", async () => {
    for (const url of [`file://${open.path("lib")}`, open.path("lib")]) {
      const commit = await open.submodule("app", "libs/common", url, libFirst);
      const message = await submoduleFailure(source.checkout(open.url("app"), commit));
      assert.match(message, /submodule libs\/common .*--allow-local-repos/);
    }
  });

  it("refuses a relative URL that climbs off the superproject's host, and ext:: URLs", async () => {
    const climbing = await open.submodule("app", "libs/common", "../../../evil.example/lib.git", libFirst);
    assert.match(await submoduleFailure(source.checkout(open.url("app"), climbing)), /climbs off/);
    const ext = await open.submodule("app", "libs/common", "ext::sh -c touch% /tmp/pwned", libFirst);
    assert.match(await submoduleFailure(source.checkout(open.url("app"), ext)), /transport helpers/);
  });

  it("gives a relative submodule the superproject's credentials, an absolute one only what lookup finds", async () => {
    const lib = await locked.createRepo("lib", { "base/config.yaml": "private: true\n" });
    await locked.createRepo("app", { "app/deploy.yaml": "app: private\n" });
    const relative = await locked.submodule("app", "libs/common", "../lib.git", lib);
    const dir = await source.checkout(locked.url("app"), relative, auth);
    assert.equal(await readFile(join(dir, "libs/common/base/config.yaml"), "utf8"), "private: true\n");

    // Another repository: a commit already in a mirror is read from there without asking the server.
    const other = await locked.createRepo("other", { "base/config.yaml": "private: true\n" });
    const absolute = await locked.submodule("app", "libs/private", locked.url("other"), other);
    const refused = await submoduleFailure(source.checkout(locked.url("app"), absolute, auth));
    assert.match(refused, /submodule libs\/private .*authentication/);
    assert.doesNotMatch(refused, /s3cret-pass/);
    const asked: string[] = [];
    const found = await source.checkout(locked.url("app"), absolute, auth, async (url) => {
      asked.push(url);
      return url === locked.url("other") ? auth : undefined;
    });
    assert.equal(await readFile(join(found, "libs/private/base/config.yaml"), "utf8"), "private: true\n");
    assert.ok(asked.includes(locked.url("other")));
  });

  it("writes again, whole, a tree an older Mooring cached with empty submodule folders", async () => {
    const commit = await open.submodule("app", "libs/common", "../lib.git", libFirst);
    const dir = await source.checkout(open.url("app"), commit);
    await rm(join(dir, "libs/common"), { recursive: true });
    await mkdir(join(dir, "libs/common"));
    const restarted = new GitSource({ cacheDir, timeoutMs: 20_000 });
    const again = await restarted.checkout(open.url("app"), commit);
    assert.equal(await readFile(join(again, "libs/common/base/config.yaml"), "utf8"), "version: 1\n");
  });

  it("leaves gitlinks empty in a commit without .gitmodules, as before", async () => {
    await open.createRepo("bare-links", { "a.yaml": "a: 1\n" });
    const commit = await open.submodule("bare-links", "x", "../lib.git", libFirst);
    await open.commit("bare-links", { ".gitmodules": null }, "drop .gitmodules");
    const latest = await source.resolveRevision(open.url("bare-links"), "main");
    assert.notEqual(latest, commit);
    const dir = await source.checkout(open.url("bare-links"), latest);
    assert.deepEqual(await readdir(join(dir, "x")), []);
  });
});
