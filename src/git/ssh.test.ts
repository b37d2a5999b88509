// GitSource over ssh with a deploy key, against a real unprivileged sshd on a loopback port.
// Needs Debian's openssh-server; skipped (with a note) where it is not installed.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type GitServer,
  SSHD,
  type SshGitServer,
  startGitServer,
  startSshGitServer,
} from "../../test/harness/git-server.ts";
import { GitError, type GitErrorCode } from "./errors.ts";
import { GitSource } from "./source.ts";

const skip = existsSync(SSHD) ? false : `${SSHD} is missing: apt-get install openssh-server`;

async function rejectsWith(promise: Promise<unknown>, code: GitErrorCode): Promise<GitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, `expected a GitError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a GitError with code ${code}`);
}

describe("GitSource over ssh with a deploy key", { skip }, () => {
  let repos: GitServer;
  let ssh: SshGitServer;
  let cacheDir: string;
  let source: GitSource;
  let sha: string;

  before(async () => {
    repos = await startGitServer();
    sha = await repos.createRepo("infra", { "stack/main.tf": 'resource "terraform_data" "x" {}\n' });
    ssh = await startSshGitServer(repos.root);
    cacheDir = await mkdtemp(join(tmpdir(), "mooring-git-cache-"));
    source = new GitSource({ cacheDir, timeoutMs: 20_000 });
  });

  after(async () => {
    await ssh?.close();
    await repos?.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("resolves and checks out with the deploy key and a pinned host key", async () => {
    const credentials = { sshPrivateKey: ssh.privateKey, sshKnownHosts: ssh.knownHosts };
    assert.equal(await source.resolveRevision(ssh.url("infra"), "main", credentials), sha);
    const dir = await source.checkout(ssh.url("infra"), sha, credentials);
    assert.equal(await readFile(join(dir, "stack/main.tf"), "utf8"), 'resource "terraform_data" "x" {}\n');
    assert.deepEqual(await readdir(join(cacheDir, "tmp")), [], "the key files are gone");
  });

  it("accepts an unknown host key only with insecureIgnoreHostKey", async () => {
    const credentials = { sshPrivateKey: ssh.privateKey, insecureIgnoreHostKey: true };
    assert.equal((await source.lsRemote(ssh.url("infra"), credentials)).get("refs/heads/main"), sha);
    const strict = { sshPrivateKey: ssh.privateKey };
    await rejectsWith(source.lsRemote(ssh.url("infra"), strict), "auth-failed");
  });

  it("fails with auth-failed, pointing at sshKnownHosts, when the host key does not match", async () => {
    const credentials = { sshPrivateKey: ssh.privateKey, sshKnownHosts: ssh.wrongKnownHosts };
    const error = await rejectsWith(source.lsRemote(ssh.url("infra"), credentials), "auth-failed");
    assert.match(error.message, /^the ssh host key of ssh:\/\/.*infra\.git is not trusted: .*sshKnownHosts/);
  });

  it("fails with auth-failed without a key the server accepts, never showing the key", async () => {
    const wrongKey = { sshKnownHosts: ssh.knownHosts, sshPrivateKey: ssh.unauthorisedPrivateKey };
    const error = await rejectsWith(source.lsRemote(ssh.url("infra"), wrongKey), "auth-failed");
    assert.match(error.message, /sshPrivateKey.*Permission denied \(publickey\)/);
    assert.ok(!error.message.includes("PRIVATE KEY"));
  });

  it("fails with repo-not-found for a repository the server does not have", async () => {
    const credentials = { sshPrivateKey: ssh.privateKey, sshKnownHosts: ssh.knownHosts };
    await rejectsWith(source.lsRemote(ssh.url("missing"), credentials), "repo-not-found");
  });
});
