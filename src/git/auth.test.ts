// Credentials against a real smart-HTTP server that demands them. Besides "does it work", these
// tests check where secrets end up: never in a command line (a shim in front of the real git
// records every command line GitSource runs), never on disk in the cache, never in an error.
import assert from "node:assert/strict";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type GitServer, startGitServer } from "../../test/harness/git-server.ts";
import { runChecked } from "../util/exec.ts";
import { GitError } from "./errors.ts";
import { GitSource } from "./source.ts";

const USER = "alice";
const PASSWORD = "pa55-w0rd-never-shown";
const TOKEN = "tok-3f9a-never-shown";
const b64 = (text: string) => Buffer.from(text).toString("base64");

interface Shimmed {
  source: GitSource;
  cacheDir: string;
  /** Every command line GitSource ran git with. */
  commandLines(): Promise<string>;
  cleanup(): Promise<void>;
}

/** A GitSource whose `git` is a shell script that logs its arguments and runs the real git. */
async function shimmedSource(timeoutMs = 20_000): Promise<Shimmed> {
  const dir = await mkdtemp(join(tmpdir(), "mooring-git-shim-"));
  const realGit = (await runChecked("sh", ["-c", "command -v git"])).stdout.trim();
  const log = join(dir, "commands.log");
  await writeFile(log, "");
  const shim = join(dir, "bin", "git");
  await runChecked("mkdir", ["-p", join(dir, "bin")]);
  await writeFile(shim, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  await chmod(shim, 0o755);
  const cacheDir = join(dir, "cache");
  const env = { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}` };
  return {
    source: new GitSource({ cacheDir, timeoutMs, env }),
    cacheDir,
    commandLines: () => readFile(log, "utf8"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function caught(promise: Promise<unknown>): Promise<GitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, `expected a GitError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a GitError");
}

/** Concatenated contents of every file under dir. */
async function everything(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = names.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const contents = await Promise.all(files.map((file) => readFile(file, "latin1")));
  return files.join("\n") + contents.join("\n");
}

function assertNoSecret(text: string, what: string): void {
  for (const secret of [PASSWORD, TOKEN, b64(`${USER}:${PASSWORD}`), encodeURIComponent(PASSWORD)]) {
    assert.ok(!text.includes(secret), `${what} contains a secret`);
  }
}

describe("basic authentication over https", () => {
  let server: GitServer;
  let shimmed: Shimmed;
  let sha: string;

  before(async () => {
    server = await startGitServer({ auth: { username: USER, password: PASSWORD } });
    sha = await server.createRepo("private", { "app.yaml": "kind: Service\n" });
    shimmed = await shimmedSource();
  });

  after(async () => {
    await server.close();
    await shimmed.cleanup();
  });

  it("lists, resolves and checks out with a user name and password", async () => {
    const credentials = { username: USER, password: PASSWORD };
    const { source } = shimmed;
    assert.equal((await source.lsRemote(server.url("private"), credentials)).get("refs/heads/main"), sha);
    assert.equal(await source.resolveRevision(server.url("private"), "main", credentials), sha);
    const dir = await source.checkout(server.url("private"), sha, credentials);
    assert.equal(await readFile(join(dir, "app.yaml"), "utf8"), "kind: Service\n");
  });

  it("takes the credentials from the URL's userinfo without keeping them there", async () => {
    const url = server.url("private").replace("http://", `http://${USER}:${encodeURIComponent(PASSWORD)}@`);
    assert.equal(await shimmed.source.resolveRevision(url, "main"), sha);
  });

  it("fails fast with auth-failed on a wrong password, which the message never shows", async () => {
    const started = performance.now();
    const wrong = "wrong-Pa55word";
    const error = await caught(
      shimmed.source.lsRemote(server.url("private"), { username: USER, password: wrong }),
    );
    assert.ok(performance.now() - started < 5000, "no prompt was waited for");
    assert.equal(error.code, "auth-failed");
    assert.match(error.message, /^authentication to http:\/\/127\.0\.0\.1:\d+\/private\.git failed: check /);
    assert.ok(!error.message.includes(wrong) && !error.message.includes(b64(`${USER}:${wrong}`)));
  });

  it("scrubs a password given in the URL from the message and the error's repository", async () => {
    const secretURL = server.url("private").replace("http://", `http://${USER}:${PASSWORD}-x@`);
    const error = await caught(shimmed.source.lsRemote(secretURL));
    assert.equal(error.code, "auth-failed");
    assert.ok(!error.message.includes(PASSWORD) && !error.repoURL.includes(PASSWORD));
    assert.equal(error.repoURL, server.url("private"));
  });

  it("fails with auth-failed when no credentials are given", async () => {
    const error = await caught(shimmed.source.lsRemote(server.url("private")));
    assert.equal(error.code, "auth-failed");
  });

  it("never puts a secret on a command line or on disk", async () => {
    const lines = await shimmed.commandLines();
    assert.match(lines, /ls-remote http:\/\/127\.0\.0\.1:\d+\/private\.git/, "the shim saw the commands");
    assertNoSecret(lines, "a git command line");
    assertNoSecret(await everything(shimmed.cacheDir), "the cache");
  });
});

describe("token authentication over https", () => {
  let server: GitServer;
  let shimmed: Shimmed;

  before(async () => {
    server = await startGitServer({ auth: { token: TOKEN } });
    shimmed = await shimmedSource();
  });

  after(async () => {
    await server.close();
    await shimmed.cleanup();
  });

  it("resolves and checks out with a bearer token", async () => {
    const sha = await server.createRepo("tokened", { "a.yaml": "a: 1\n" });
    assert.equal(await shimmed.source.resolveRevision(server.url("tokened"), "main", { token: TOKEN }), sha);
    const dir = await shimmed.source.checkout(server.url("tokened"), sha, { token: TOKEN });
    assert.equal(await readFile(join(dir, "a.yaml"), "utf8"), "a: 1\n");
  });

  it("fails with auth-failed on a wrong token, which the message never shows", async () => {
    const error = await caught(shimmed.source.lsRemote(server.url("tokened"), { token: `${TOKEN}-revoked` }));
    assert.equal(error.code, "auth-failed");
    assert.ok(!error.message.includes(`${TOKEN}-revoked`));
  });

  it("never puts the token on a command line or on disk", async () => {
    assertNoSecret(await shimmed.commandLines(), "a git command line");
    assertNoSecret(await everything(shimmed.cacheDir), "the cache");
  });
});
