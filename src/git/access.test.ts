import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { localGitEnv, withRemoteAccess } from "./access.ts";
import { parseRepoURL } from "./url.ts";

describe("withRemoteAccess", () => {
  let tmpDir = "";
  before(async () => {
    tmpDir = await mkdtemp(join(tmpdir(), "mooring-access-"));
  });
  after(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });
  const options = () => ({
    env: { PATH: "/usr/bin", GIT_DIR: "/elsewhere", GIT_SSH_COMMAND: "evil", GIT_SSL_CAINFO: "/ca.pem" },
    timeoutMs: 30_000,
    tmpDir,
  });

  it("puts the Authorization header in git's environment configuration", async () => {
    const address = parseRepoURL("https://h.example/r.git", "/");
    const env = await withRemoteAccess(address, { token: "t0k" }, options(), async (access) => access.env);
    const values = Object.entries(env)
      .filter(([name]) => name.startsWith("GIT_CONFIG_VALUE_"))
      .map(([, value]) => value);
    assert.ok(values.includes("Authorization: Bearer t0k"));
    assert.equal(env.GIT_TERMINAL_PROMPT, "0");
    assert.equal(env.GIT_ASKPASS, "");
  });

  it("drops GIT_ variables that would redirect git and keeps TLS settings", async () => {
    const address = parseRepoURL("https://h.example/r.git", "/");
    const env = await withRemoteAccess(address, {}, options(), async (access) => access.env);
    assert.equal(env.GIT_DIR, undefined);
    assert.equal(env.GIT_SSH_COMMAND, undefined);
    assert.equal(env.GIT_SSL_CAINFO, "/ca.pem");
    assert.equal(env.LC_ALL, "C");
  });

  it("writes an ssh key readable only by us for the command's duration, then removes it", async () => {
    const address = parseRepoURL("git@h.example:org/r.git", "/");
    const credentials = {
      sshPrivateKey: "-----BEGIN KEY-----\nabc\n-----END KEY-----",
      sshKnownHosts: "h.example ssh-ed25519 AAAA",
    };
    const seen = await withRemoteAccess(address, credentials, options(), async (access) => {
      const command = Object.entries(access.env).find(([, value]) => value?.startsWith("ssh "))?.[1] ?? "";
      const keyFile = /-i '([^']+)'/.exec(command)?.[1] ?? "";
      const knownHostsFile = /UserKnownHostsFile="([^"]+)"/.exec(command)?.[1] ?? "";
      return {
        command,
        key: await readFile(keyFile, "utf8"),
        mode: (await stat(keyFile)).mode & 0o777,
        knownHosts: await readFile(knownHostsFile, "utf8"),
      };
    });
    assert.equal(seen.key, `${credentials.sshPrivateKey}\n`);
    assert.equal(seen.mode, 0o600);
    assert.equal(seen.knownHosts, "h.example ssh-ed25519 AAAA\n");
    assert.match(seen.command, /StrictHostKeyChecking=yes/);
    assert.doesNotMatch(seen.command, /BEGIN KEY/);
    assert.deepEqual(await readdir(tmpDir), []);
  });

  it("removes the key also when the command fails", async () => {
    const address = parseRepoURL("ssh://git@h.example/r.git", "/");
    await assert.rejects(
      withRemoteAccess(address, { sshPrivateKey: "k" }, options(), async () => {
        throw new Error("git failed");
      }),
      /git failed/,
    );
    assert.deepEqual(await readdir(tmpDir), []);
  });
});

/** git configuration given through the environment, as key → last value. */
function gitConfig(env: NodeJS.ProcessEnv): Map<string, string> {
  const config = new Map<string, string>();
  for (let i = 0; i < Number(env.GIT_CONFIG_COUNT ?? 0); i++) {
    config.set(env[`GIT_CONFIG_KEY_${i}`] ?? "", env[`GIT_CONFIG_VALUE_${i}`] ?? "");
  }
  return config;
}

describe("transports git may use", () => {
  const cases = [
    {
      name: "ext never, file only with --allow-local-repos: refused by default",
      allow: undefined,
      file: "never",
    },
    { name: "file allowed with --allow-local-repos, ext still never", allow: true, file: "always" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const config = gitConfig(
        localGitEnv({
          env: { PATH: "/usr/bin" },
          timeoutMs: 1000,
          ...(c.allow === undefined ? {} : { allowLocalRepos: c.allow }),
        }),
      );
      assert.equal(config.get("protocol.allow"), "never");
      assert.equal(config.get("protocol.ext.allow"), "never");
      assert.equal(config.get("protocol.file.allow"), c.file);
      assert.equal(config.get("protocol.https.allow"), "always");
      assert.equal(config.get("protocol.ssh.allow"), "always");
    });
  }
});

describe("localGitEnv", () => {
  it("carries no credentials and forbids prompts", () => {
    const env = localGitEnv({ env: { PATH: "/usr/bin" }, timeoutMs: 1000 });
    assert.equal(env.GIT_TERMINAL_PROMPT, "0");
    assert.ok(!Object.values(env).some((value) => value?.startsWith("Authorization")));
  });
});
