import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  classifyStderr,
  describeFailure,
  type FailureContext,
  failureMessage,
  gitDetail,
} from "./classify.ts";
import type { GitErrorCode } from "./errors.ts";

// What git really prints, per transport and hosting service.
const SAMPLES: [GitErrorCode, string][] = [
  ["auth-failed", "fatal: could not read Username for 'https://github.com': terminal prompts disabled"],
  [
    "auth-failed",
    "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'",
  ],
  [
    "auth-failed",
    "fatal: unable to access 'https://h.example/r.git/': The requested URL returned error: 403",
  ],
  [
    "auth-failed",
    "git@github.com: Permission denied (publickey).\r\nfatal: Could not read from remote repository.",
  ],
  ["auth-failed", "Host key verification failed.\r\nfatal: Could not read from remote repository."],
  [
    "repo-not-found",
    "remote: Repository not found.\nfatal: repository 'https://github.com/o/missing.git/' not found",
  ],
  ["repo-not-found", "fatal: '/srv/nope.git' does not appear to be a git repository"],
  [
    "repo-not-found",
    "fatal: unable to access 'https://h.example/r.git/': The requested URL returned error: 404",
  ],
  [
    "unreachable",
    "fatal: unable to access 'https://nohost.invalid/r.git/': Could not resolve host: nohost.invalid",
  ],
  [
    "unreachable",
    "fatal: unable to access 'http://127.0.0.1:1/r.git/': Failed to connect to 127.0.0.1 port 1",
  ],
  [
    "unreachable",
    "ssh: connect to host 127.0.0.1 port 1: Connection refused\r\nfatal: Could not read from remote",
  ],
  ["unreachable", "ssh: Could not resolve hostname nohost: Name or service not known"],
  [
    "revision-not-found",
    "fatal: remote error: upload-pack: not our ref 0123456789012345678901234567890123456789",
  ],
  ["revision-not-found", "fatal: couldn't find remote ref refs/heads/nope"],
  ["git-failed", "fatal: index-pack failed"],
];

const HTTP: FailureContext = {
  operation: "fetch",
  repo: "https://git.example.com/org/app.git",
  transport: "http",
};
const SSH: FailureContext = { operation: "fetch", repo: "git@git.example.com:org/app.git", transport: "ssh" };

describe("classifyStderr", () => {
  for (const [code, stderr] of SAMPLES) {
    it(`reads ${code} from "${stderr.split("\n")[0]?.slice(0, 60)}"`, () => {
      assert.equal(classifyStderr(stderr), code);
    });
  }
});

describe("describeFailure", () => {
  it("names the repository, says what to do and quotes git", () => {
    const failure = describeFailure(SAMPLES[0]?.[1] ?? "", HTTP);
    assert.equal(failure.code, "auth-failed");
    assert.match(
      failure.message,
      /^authentication to https:\/\/git\.example\.com\/org\/app\.git failed: check /,
    );
    assert.match(failure.message, /\(git: fatal: could not read Username/);
  });

  it("points ssh users at their key", () => {
    const failure = describeFailure("git@h: Permission denied (publickey).", SSH);
    assert.match(failure.message, /sshPrivateKey/);
  });

  it("points at sshKnownHosts when the host key is not trusted", () => {
    const failure = describeFailure("Host key verification failed.", SSH);
    assert.equal(failure.code, "auth-failed");
    assert.match(
      failure.message,
      /^the ssh host key of git@git\.example\.com:org\/app\.git is not trusted: .*sshKnownHosts/,
    );
  });

  it("writes every message lower-case without a final period", () => {
    for (const [, stderr] of SAMPLES) {
      const { message } = describeFailure(stderr, HTTP);
      assert.match(message, /^[a-z"]/);
      assert.doesNotMatch(message, /\.$/);
    }
  });

  it("removes userinfo from URLs that git quotes", () => {
    const failure = describeFailure(
      "fatal: unable to access 'https://alice:pw@h/r.git/': Failed to connect",
      HTTP,
    );
    assert.doesNotMatch(failure.message, /alice|pw@/);
  });
});

describe("failureMessage", () => {
  it("names the revision and the repository when a revision is missing", () => {
    assert.equal(
      failureMessage("revision-not-found", { ...HTTP, revision: "v9" }),
      'revision "v9" not found in https://git.example.com/org/app.git: use a branch, a tag or a commit sha that exists there',
    );
  });

  it("gives the time limit of a timeout in seconds", () => {
    assert.match(
      failureMessage("timeout", { ...HTTP, timeoutMs: 1500 }),
      /^git fetch of .* timed out after 1\.5s: /,
    );
  });
});

describe("gitDetail", () => {
  it("keeps git's last fatal and error lines, not its progress chatter", () => {
    const stderr = "Cloning into 'x'...\nremote: Counting objects: 3\nerror: one\nfatal: two\n";
    assert.equal(gitDetail(stderr), "remote: Counting objects: 3; error: one; fatal: two");
  });

  it("falls back to the last lines when none looks like a message", () => {
    assert.equal(gitDetail("something\nwent wrong\n"), "something; went wrong");
  });

  it("shortens very long output", () => {
    assert.equal(gitDetail(`fatal: ${"x".repeat(1000)}`).length, 400);
  });
});
